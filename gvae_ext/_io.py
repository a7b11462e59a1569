r"""Writing result files (private)."""

import json
import os
from typing import Any, Dict


def write_json(path: str, payload: Dict[str, Any]) -> None:
    r"""Write :obj:`payload` as indented JSON to :obj:`path`, creating its
    directory; values JSON does not know are written as strings."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, 'w') as f:
        json.dump(payload, f, indent=2, default=str)


__all__ = ['write_json']
