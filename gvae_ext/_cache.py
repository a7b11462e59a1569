r"""A small LRU cache keyed on a tensor's identity and version (private).

:class:`TensorCache` is re-exported by :mod:`gvae_ext.sparse`. Every instance
is registered (weakly), so :func:`clear_all_caches` empties all of them:
the caches cannot see a change made to a tensor's memory behind autograd's
back (through a shared numpy array or :obj:`.data`), and clearing them is the
documented remedy (:func:`gvae_ext.sparse.clear_cache`).
"""

import functools
import weakref
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any, Callable, Optional

from torch import Tensor


def _version(tensor: Tensor) -> Optional[int]:
    try:
        return tensor._version
    except RuntimeError:  # inference tensors carry no version counter
        return None


def _evict(cache_ref: Callable, key: Hashable, _ref: Any) -> None:
    cache = cache_ref()
    if cache is not None:
        cache._entries.pop(key, None)


class TensorCache:
    r"""A small LRU cache keyed on a tensor's identity and in-place version.

    A hit needs the *same* tensor object (held through a weak reference, so a
    freed tensor whose :obj:`id` is reused cannot give a false hit) with an
    unchanged :obj:`tensor._version` (an in-place change misses) and an equal
    extra :obj:`key`. An entry is dropped as soon as its tensor is freed.
    Inference-mode tensors have no version counter and are never cached.

    Args:
        maxsize (int, optional): The number of entries kept, e.g. the train,
            validation and test graphs. (default: :obj:`4`)
    """

    def __init__(self, maxsize: int = 4):
        self.maxsize = maxsize
        self._entries: OrderedDict = OrderedDict()
        self.hits = 0
        self.misses = 0
        _REGISTRY.add(self)

    def get(self, tensor: Tensor, key: Hashable, build: Callable[[], Any]) -> Any:
        r"""Return the cached value for :obj:`(tensor, key)`.

        On a miss :obj:`build()` is called and its result stored.
        """
        version = _version(tensor)
        full_key = (id(tensor), key)
        entry = self._entries.get(full_key)
        if entry is not None and entry[0]() is tensor and entry[1] == version:
            self._entries.move_to_end(full_key)
            self.hits += 1
            return entry[2]
        self.misses += 1
        value = build()
        if version is not None:
            ref = weakref.ref(
                tensor, functools.partial(_evict, weakref.ref(self), full_key)
            )
            self._entries[full_key] = (ref, version, value)
            self._entries.move_to_end(full_key)
            while len(self._entries) > self.maxsize:
                self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        r"""Drop every entry."""
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def __getstate__(self):  # weak references cannot be pickled: start empty
        return {
            'maxsize': self.maxsize,
            '_entries': OrderedDict(),
            'hits': 0,
            'misses': 0,
        }

    def __setstate__(self, state) -> None:
        self.__dict__.update(state)
        _REGISTRY.add(self)

    def __deepcopy__(self, memo) -> 'TensorCache':
        return TensorCache(self.maxsize)

    def __repr__(self) -> str:
        return (
            f'{self.__class__.__name__}(size={len(self)}, maxsize={self.maxsize}, '
            f'hits={self.hits}, misses={self.misses})'
        )


_REGISTRY: 'weakref.WeakSet[TensorCache]' = weakref.WeakSet()


def clear_all_caches() -> int:
    r"""Empty every :class:`TensorCache` in the process.

    Returns:
        The number of entries dropped.
    """
    dropped = 0
    for cache in list(_REGISTRY):
        dropped += len(cache)
        cache.clear()
    return dropped


__all__ = ['TensorCache', 'clear_all_caches']
