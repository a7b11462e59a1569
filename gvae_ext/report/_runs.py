r"""Bench run files: content hashes, collision-free names, safe reads (private)."""

import hashlib
import json
import os
import re
import warnings
from typing import Optional

_METRICS = ('seconds',)  # the key holds the protocols, which fix the rest


# The subfolder of a benchmark's folder that holds one file per run.
RUNS_DIR = 'runs'


def _file_digest(path) -> str:
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def input_digests(dataset: str, root, features) -> dict[str, str]:
    r"""SHA-256 of each file a dataset spec reads.

    Args:
        dataset (str): The dataset spec.
        root (str, optional): The Planetoid data folder.
        features (str, optional): The features file of an edge list.

    Returns:
        ``{path: hex digest}`` for the edge list and features file, or the
        Planetoid raw files; missing files are left to the loader to report.
    """
    from gvae_ext.datasets.loaders import planetoid_raw_files

    kind, _, arg = dataset.partition(':')
    files = []
    if kind == 'edgelist':
        files = [arg] + ([os.fspath(features)] if features is not None else [])
    elif kind == 'planetoid' and root is not None:
        raw = os.path.join(os.fspath(root), arg, 'raw')
        files = [os.path.join(raw, f) for f in planetoid_raw_files(arg)]
    return {f: _file_digest(f) for f in files if os.path.isfile(f)}


def run_path(out_dir: str, key: dict) -> str:
    r"""The run file of :obj:`key` under :obj:`out_dir/runs/`.

    The name starts with the dataset, row and seed for people, and ends with
    a hash of the whole key, so two keys never share a file (not even
    ``edgelist:sub/g.txt`` and ``edgelist:sub_g.txt``).

    Args:
        out_dir (str): The bench output folder.
        key (dict): The run key (:func:`gvae_ext.report.bench.run_key`).

    Returns:
        The path of the JSON run file.
    """
    text = json.dumps(key, sort_keys=True, default=str)
    digest = hashlib.sha256(text.encode()).hexdigest()[:20]
    readable = f'{key["dataset"]}__{key["row"].replace("*", "star")}'
    safe = re.sub(r'[^A-Za-z0-9_.@-]+', '_', readable)[:80]
    return os.path.join(out_dir, RUNS_DIR, f'{safe}__{key["seed"]}__{digest}.json')


def read_run(path: str, key: dict) -> Optional[dict]:
    r"""The stored result of the run :obj:`key` in :obj:`path`.

    Args:
        path (str): The run file.
        key (dict): The run key it must hold.

    Returns:
        The result dict, or :obj:`None` (with a warning naming the file) when
        the file is damaged, misses a metric or holds another run.
    """
    try:
        with open(path, encoding='utf-8') as f:
            result = json.load(f)
        if result.get('key') == json.loads(json.dumps(key, default=str)) and all(
            isinstance(result.get(m), (int, float)) for m in _METRICS
        ):
            return result
        problem = 'holds another run or misses metrics'
    except (OSError, ValueError, AttributeError) as err:
        problem = f'is not readable ({type(err).__name__})'
    warnings.warn(f'bench: run file {path} {problem}; running it again', stacklevel=3)
    return None


__all__ = ['input_digests', 'run_path', 'read_run']
