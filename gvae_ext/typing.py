r"""Optional-dependency flags and the stubs used without them.

``WITH_TORCH_SPARSE`` is read through the module attribute
(``gvae_ext.typing.WITH_TORCH_SPARSE``) everywhere, so tests can switch the
``torch_sparse`` fast path off with ``monkeypatch``.
"""

from typing import Optional, Tuple, Union

from torch import Tensor

try:  # pragma: no cover - depends on the environment
    import torch_sparse  # noqa: F401
    from torch_sparse import SparseTensor

    WITH_TORCH_SPARSE = True
except Exception:  # ImportError, or a build that does not match torch
    WITH_TORCH_SPARSE = False

    class SparseTensor:  # type: ignore[no-redef]
        r"""Stand-in for :class:`torch_sparse.SparseTensor` when it is absent."""

        def __init__(self, *args, **kwargs):
            raise ImportError("'SparseTensor' requires 'torch-sparse'")

        @classmethod
        def from_edge_index(cls, *args, **kwargs):
            r"""Raise :class:`ImportError`: ``torch-sparse`` is absent."""
            raise ImportError("'SparseTensor' requires 'torch-sparse'")


OptTensor = Optional[Tensor]
NumNodes = Union[int, Tuple[int, int], None]

__all__ = ['WITH_TORCH_SPARSE', 'SparseTensor', 'OptTensor', 'NumNodes']
