r"""Private machinery behind :mod:`gvae_ext.link.metrics`.

Scores are ranked through *integer sort keys*: a float32 score is mapped to
an ``int32`` (a float64 to an ``int64``) whose integer order is the reverse
of the float order, with ``-0.0`` and ``+0.0`` sharing one key. Two scores
get the same key exactly when they compare equal, so ties are preserved,
and sorting integers lets torch use its parallel radix sort on CPU (several
times faster than a float sort) and a cub radix sort on CUDA. Nothing here
modifies its inputs or leaves their device.
"""

from typing import Callable, Optional, Tuple

import torch
from torch import Tensor

from gvae_ext._checks import check_tensor

_SMALL_INTS = (torch.bool, torch.uint8, torch.int8, torch.int16, torch.int32)
_MANTISSA_AND_EXP = {torch.int32: 0x7FFFFFFF, torch.int64: 0x7FFFFFFFFFFFFFFF}
_SIGN_SHIFT = {torch.int32: 31, torch.int64: 63}
# Just under ATen's GRAIN_SIZE (32768): smaller ops run inline, not in a
# thread pool, so the blocked walk never waits on a busy sibling thread.
_CPU_CHUNK = 32_000
# Bits of +inf: larger magnitudes are NaN.
_INF_BITS = {torch.int32: 0x7F800000, torch.int64: 0x7FF0000000000000}


class UndefinedMetricWarning(UserWarning):
    r"""Warns that a metric is undefined for its input and a convention was used."""

    # Public as gvae_ext.link.metrics.UndefinedMetricWarning.
    __module__ = 'gvae_ext.link.metrics'


def check_scores(pred, name: str, dim: int = 1) -> Tensor:
    r"""Check a score tensor (type, shape, real dtype) and detach it."""
    check_tensor(pred, name)
    if pred.dim() != dim:
        shape = '[num_scores]' if dim == 1 else '[num_pos, num_neg]'
        raise ValueError(
            f"'{name}' must be {dim}-D {shape} (got shape {tuple(pred.shape)})"
        )
    if pred.is_complex() or pred.dtype == torch.uint64 or pred.layout != torch.strided:
        raise ValueError(
            f"'{name}' must be a dense tensor of real-valued scores "
            f'(got dtype {pred.dtype}, layout {pred.layout})'
        )
    return pred.detach()


def check_same_device(a: Tensor, b: Tensor, name_a: str, name_b: str) -> None:
    r"""Raise unless ``a`` and ``b`` live on the same device."""
    if a.device != b.device:
        raise ValueError(
            f"'{name_a}' and '{name_b}' must be on the same device "
            f'(got {a.device} and {b.device})'
        )


def check_target(target, pred: Tensor) -> Tensor:
    r"""Check ``target`` against ``pred`` (type, shape, dtype, device)."""
    check_tensor(target, 'target')
    if target.dim() != 1:
        raise ValueError(
            f"'target' must be 1-D [num_scores] (got shape {tuple(target.shape)})"
        )
    if target.numel() != pred.numel():
        raise ValueError(
            "'pred' and 'target' must have the same length "
            f'(got {pred.numel()} and {target.numel()})'
        )
    if target.is_complex() or target.layout != torch.strided:
        raise ValueError(
            "'target' must be a dense bool, integer or float tensor of 0/1 labels "
            f'(got dtype {target.dtype}, layout {target.layout})'
        )
    check_same_device(pred, target, 'pred', 'target')
    return target.detach()


def check_no_nan(**tensors: Tensor) -> None:
    r"""Raise :class:`ValueError` naming the first tensor with NaN scores.

    Costs one host sync (none when no tensor is floating point).
    """
    floats = {k: x for k, x in tensors.items() if torch.is_floating_point(x)}
    if not floats:
        return
    counts = [torch.count_nonzero(torch.isnan(x)) for x in floats.values()]
    counts = torch.stack(counts).tolist()
    for (name, x), count in zip(floats.items(), counts):
        if count:
            raise ValueError(
                f"'{name}' contains NaN; scores must be comparable "
                f'(got {count} NaN of {x.numel()} scores)'
            )


def nan_key_bound(*tensors: Tensor) -> Optional[int]:
    r"""The largest key magnitude a non-NaN float score can have.

    Keys of NaN scores lie beyond it in magnitude, so they sort to one end or
    the other; checking the two extreme sorted keys (bundled into the call's
    single host sync) replaces a pass over the scores. ``None`` for integer
    scores.
    """
    dtype = common_dtype(*tensors)
    if not dtype.is_floating_point:
        return None
    return _INF_BITS[torch.int32 if dtype == torch.float32 else torch.int64]


def sorted_has_nan(first: int, last: int, bound: Optional[int]) -> bool:
    r"""Whether sorted keys with extremes ``first``/``last`` hold a NaN."""
    return bound is not None and (-first > bound or last > bound)


def common_dtype(*tensors: Tensor) -> torch.dtype:
    r"""The dtype in which scores of mixed dtypes are compared exactly.

    Floats of at most 32 bits become ``float32``; float64 stays; integers and
    bools keep an integer type (``int32`` when it holds them, else ``int64``).
    A mix of integer and float scores is compared in ``float64``, as NumPy
    (hence scikit-learn) would.
    """
    floats = [x.dtype for x in tensors if torch.is_floating_point(x)]
    if floats:
        if len(floats) < len(tensors) or torch.float64 in floats:
            return torch.float64
        return torch.float32
    if all(x.dtype in _SMALL_INTS or x.dtype == torch.uint16 for x in tensors):
        return torch.int32
    return torch.int64


def _descending_keys(x: Tensor, dtype: torch.dtype, out: Tensor) -> None:
    r"""Write into ``out`` integer keys that sort ascending = ``x`` descending.

    For IEEE floats, negating the magnitude bits of non-negative numbers
    (``key = -|bits|``) and keeping them for negative ones
    (``key = +|bits|``) reverses the float order; both zeros map to ``0``.
    For integers ``~x = -x - 1`` reverses the order without overflow.
    """
    if not dtype.is_floating_point:
        torch.bitwise_not(x.to(out.dtype), out=out)
        return
    step = chunk_size(x)
    for a in range(0, x.numel(), step):
        bits = x[a : a + step].to(dtype).view(out.dtype)
        dst = out[a : a + step]
        # t = -1 where the sign bit is clear, 0 where it is set.
        t = torch.bitwise_right_shift(bits, _SIGN_SHIFT[out.dtype])
        t.bitwise_not_()
        torch.bitwise_and(bits, _MANTISSA_AND_EXP[out.dtype], out=dst)
        # (m ^ t) - t negates m where t == -1 (two's complement).
        dst.bitwise_xor_(t)
        dst.sub_(t)


def chunk_size(x: Tensor) -> int:
    r"""Elements per pass: cache-sized blocks on CPU, one block on CUDA.

    On CPU, small blocks keep every temporary in cache and small enough to be
    reused by the allocator (big fresh buffers cost a page fault per 4 KiB),
    and below ATen's parallel grain (no thread-pool round trip per operation,
    which is costly on a loaded machine); BLAS ``dot`` is avoided for the same
    reason. On accelerators one block avoids a host sync per block.
    """
    return _CPU_CHUNK if x.device.type == 'cpu' else max(x.numel(), 1)


def sort_keys(*tensors: Tensor) -> Tuple[Tensor, Tensor]:
    r"""Concatenate ``tensors`` and sort them by decreasing score.

    Returns:
        ``(keys, perm)``: the sorted integer keys (equal keys = tied scores)
        and the permutation into the concatenation.
    """
    dtype = common_dtype(*tensors)
    key_dtype = torch.int64 if dtype in (torch.float64, torch.int64) else torch.int32
    total = sum(x.numel() for x in tensors)
    key = torch.empty(total, dtype=key_dtype, device=tensors[0].device)
    start = 0
    for x in tensors:
        _descending_keys(x, dtype, key[start : start + x.numel()])
        start += x.numel()
    return torch.sort(key)


def auc_ap_from_sorted(
    keys: Tensor,
    label: Callable[[int, int], Tensor],
    num_pos: int,
    need_auc: bool = True,
    need_ap: bool = True,
) -> Tuple[Tensor, Tensor]:
    r"""ROC AUC and average precision from scores sorted by decreasing value.

    ``keys`` are the sorted keys (ties = equal keys) and ``label(a, b)``
    returns the boolean labels of sorted positions ``a`` to ``b``. Both
    classes must be present. With :math:`g` running over the distinct
    thresholds (tie groups), :math:`e_g` the number of samples and
    :math:`t_g` the number of positives scoring at least the threshold, and
    :math:`\Delta t_g = t_g - t_{g-1}` (:math:`t_{-1} = e_{-1} = 0`):

    .. math::
        \mathrm{AP} = \frac{1}{P} \sum_g \Delta t_g \frac{t_g}{e_g},
        \qquad
        \mathrm{AUC} = \frac{2nP - P^2 - \sum_g \Delta t_g (e_g + e_{g-1})}
        {2PN}.

    The AUC form is the trapezoidal area summed by parts (the Mann-Whitney
    statistic with ties counted 1/2); every term is an integer below
    :math:`2^{53}` for :math:`n < 9 \cdot 10^7`, so the float64 accumulation
    is exact there. The sorted scores are walked in blocks, carrying the last
    group end and the running positive count from block to block.
    """
    n = keys.numel()
    num_neg = n - num_pos
    f64 = torch.float64
    zero = torch.zeros(1, dtype=f64, device=keys.device)
    tp_prev, e_prev, seen = zero, zero, zero[0]
    pairs, ap_sum = zero[0], zero[0]
    step = chunk_size(keys)
    for a in range(0, n, step):
        b = min(a + step, n)
        # Group ends: the next sorted key differs (or the last element).
        end = torch.empty(b - a, dtype=torch.bool, device=keys.device)
        if b < n:
            torch.ne(keys[a + 1 : b + 1], keys[a:b], out=end)
        else:
            torch.ne(keys[a + 1 : b], keys[a : b - 1], out=end[:-1])
            end[-1] = True
        tps = torch.cumsum(label(a, b), 0, dtype=f64)
        idx = end.nonzero().view(-1)
        tp = torch.cat([tp_prev, tps.index_select(0, idx).add_(seen)])
        e = torch.cat([e_prev, idx.to(f64).add_(a + 1)])
        seen = seen + tps[-1]
        dtp = tp[1:] - tp[:-1]
        if need_auc:
            pairs = pairs + (dtp * (e[1:] + e[:-1])).sum()
        if need_ap:
            ap_sum = ap_sum + (dtp * tp[1:] / e[1:]).sum()
        tp_prev, e_prev = tp[-1:], e[-1:]
    nan = torch.full((), float('nan'), dtype=f64, device=keys.device)
    auc = ap = nan
    if need_auc:
        auc = (2.0 * n * num_pos - float(num_pos) ** 2 - pairs) / (
            2.0 * num_pos * num_neg
        )
    if need_ap:
        ap = ap_sum / num_pos
    return auc, ap


def check_link_pair(pos_pred: Tensor, neg_pred: Tensor) -> None:
    r"""Both sides of a link metric hold scores, on one device."""
    for name, x in (('pos_pred', pos_pred), ('neg_pred', neg_pred)):
        if x.numel() == 0:
            raise ValueError(
                f"'{name}' must hold at least one score (got shape {tuple(x.shape)})"
            )
    check_same_device(pos_pred, neg_pred, 'pos_pred', 'neg_pred')
