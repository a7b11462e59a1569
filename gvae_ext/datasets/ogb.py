r"""OGB link-prediction datasets read from their folders on disk.

:func:`load_ogbl` reads an ``ogbl-*`` dataset that is already unpacked in
OGB's folder layout -- nothing is downloaded, and the ``ogb`` package is not
needed -- and returns the graph as OGB's PyG loader builds it together with
the official split under gvae_ext's field names. The layout, for
``root/ogbl_collab`` (``-`` becomes ``_``; OGB's ``_pyg`` folder also works)::

    raw/edge.csv.gz             one "u,v" line per edge
    raw/num-node-list.csv.gz    the number of nodes
    raw/num-edge-list.csv.gz    the number of edge lines
    raw/node-feat.csv.gz        optional, one row of features per node
    raw/edge-feat.csv.gz        optional, one row per edge line
    raw/<extra>.csv.gz          e.g. edge_weight, edge_year, node_year
    split/<type>/{train,valid,test}.pt   (or split_dict.pt)

``ogbl-vessel`` keeps its graph in ``raw/data.npz`` instead. Split files are
read with ``torch.load(weights_only=True)``, which admits tensors and plain
NumPy arrays only: nothing is unpickled.
"""

import os
from pathlib import Path
from typing import NamedTuple, Optional, Union

import numpy as np
import torch
from torch import Tensor
from torch_geometric.data import Data

from gvae_ext._checks import check_edge_index
from gvae_ext.datasets import _ogb_raw

PathLike = Union[str, 'os.PathLike[str]']

# name -> (split type, add inverse edges, extra raw files, binary raw format)
DATASETS = {
    'ogbl-ppa': ('throughput', True, (), False),
    'ogbl-collab': ('time', True, ('edge_weight', 'edge_year'), False),
    'ogbl-ddi': ('target', True, (), False),
    'ogbl-citation2': ('time', False, ('node_year',), False),
    'ogbl-vessel': ('spatial', False, (), True),
}
_UNSUPPORTED = ('ogbl-wikikg2', 'ogbl-biokg')
_STAGES = (('train', 'train'), ('valid', 'val'), ('test', 'test'))


class OGBLinkSplit(NamedTuple):
    r"""The official split of an ``ogbl-*`` dataset (see :func:`load_ogbl`).

    Attributes:
        train_pos_edge_index (LongTensor): Training edges ``[2, E]``, as OGB
            lists them (one column per listed edge).
        val_pos_edge_index (LongTensor): Validation positives ``[2, P]``.
        val_neg_edge_index (LongTensor): Validation negatives ``[2, M]``.
        test_pos_edge_index (LongTensor): Test positives.
        test_neg_edge_index (LongTensor): Test negatives.
        num_nodes (int): The number of nodes.
        neg_per_pos (int, optional): ``None`` when the negatives are shared by
            all positives; else :math:`K`, and columns ``i*K`` to
            ``(i+1)*K - 1`` of a negative index belong to positive ``i``
            (``ogbl-citation2``).
        extras (dict): Every other split entry, named ``<stage>_<ogb key>``
            (e.g. ``train_weight``, ``val_year``).
    """

    train_pos_edge_index: Tensor
    val_pos_edge_index: Tensor
    val_neg_edge_index: Tensor
    test_pos_edge_index: Tensor
    test_neg_edge_index: Tensor
    num_nodes: int
    neg_per_pos: Optional[int]
    extras: dict


def _numpy_globals() -> list:
    # The globals a pickled plain ndarray refers to, under NumPy 1 and 2 names.
    core = getattr(np, '_core', None) or np.core
    rebuild = core.multiarray._reconstruct
    return [
        (rebuild, 'numpy._core.multiarray._reconstruct'),
        (rebuild, 'numpy.core.multiarray._reconstruct'),
        np.ndarray,
        np.dtype,
    ] + [getattr(np.dtypes, n) for n in dir(np.dtypes) if n.endswith('DType')]


def _load_pt(path: Path) -> dict:
    if path.stat().st_size == 0:
        raise ValueError(f'{path}: the file is empty (got 0 bytes)')
    try:
        with torch.serialization.safe_globals(_numpy_globals()):
            obj = torch.load(path, map_location='cpu', weights_only=True)
    except EOFError as err:
        raise ValueError(
            f'{path}: the file is truncated (got {_ogb_raw.first_line(err)})'
        ) from err
    except Exception as err:  # an unsafe or corrupt file
        # torch's long message names the refused global on one of its lines
        why = [ln for ln in str(err).splitlines() if 'WeightsUnpickler error' in ln]
        detail = why[0].strip() if why else _ogb_raw.first_line(err)
        raise ValueError(
            f'{path}: not a weights-only loadable file of tensors and arrays '
            f'(got {detail})'
        ) from err
    if not isinstance(obj, dict):
        raise ValueError(f'{path}: expected a dict (got {type(obj).__name__})')
    return obj


def _dataset_dir(root: PathLike, name: str) -> Path:
    if not isinstance(root, (str, os.PathLike)):
        raise ValueError(f"'root' must be a folder path (got {type(root).__name__})")
    base = Path(root) / name.replace('-', '_')
    if not base.is_dir() and Path(f'{base}_pyg').is_dir():
        base = Path(f'{base}_pyg')
    return base


def _tensor(value, where: str) -> Tensor:
    r"""A split entry as a dense tensor (a NumPy array is converted)."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in 'biuf':
            raise ValueError(f'{where} must be numeric (got dtype {value.dtype})')
        value = torch.from_numpy(np.ascontiguousarray(value))
    if not isinstance(value, Tensor):
        raise ValueError(
            f'{where} must be a tensor or array (got {type(value).__name__})'
        )
    if value.layout != torch.strided:
        raise ValueError(f'{where} must be a dense tensor (got {value.layout})')
    return value


def _node_ids(entry: dict, key: str, where: str, cols: Optional[int]) -> Tensor:
    r"""``entry.pop(key)`` checked: integer ids, ``[N]`` or ``[N, cols]``."""
    where = f"{where}, key '{key}'"
    value = _tensor(entry.pop(key), where)
    if value.is_floating_point() or value.is_complex() or value.dtype == torch.bool:
        raise ValueError(
            f'{where} must hold integer node ids (got dtype {value.dtype})'
        )
    shape = '[num_edges]' if cols is None else f'[num_edges, {cols or "K"}]'
    if value.dim() != (1 if cols is None else 2) or (cols and value.size(1) != cols):
        raise ValueError(f'{where} must have shape {shape} (got {tuple(value.shape)})')
    return value.long()


def _pairs(entry: dict, path: Path, stage: str, num_nodes: int):
    r"""``(pos, neg, neg_per_pos, rest)`` of one split dict."""
    where = f"{path}: split '{stage}'"
    entry = dict(entry)
    neg, per_pos = None, None
    if 'edge' in entry:
        pos = _node_ids(entry, 'edge', where, 2).t()
        if 'edge_neg' in entry:
            neg = _node_ids(entry, 'edge_neg', where, 2).t()
    elif 'source_node' in entry and 'target_node' in entry:
        src = _node_ids(entry, 'source_node', where, None)
        dst = _node_ids(entry, 'target_node', where, None)
        if src.numel() != dst.numel():
            raise ValueError(
                f"{where}: 'source_node' and 'target_node' must have the same "
                f'length (got {src.numel()} and {dst.numel()})'
            )
        pos = torch.stack([src, dst])
        if 'target_node_neg' in entry:
            targets = _node_ids(entry, 'target_node_neg', where, 0)
            if targets.size(0) != src.numel() or targets.size(1) == 0:
                raise ValueError(
                    f"{where}, key 'target_node_neg' must have shape "
                    f'[{src.numel()}, K] with K >= 1, one row per source node '
                    f'(got {tuple(targets.shape)})'
                )
            per_pos = targets.size(1)
            neg = torch.stack([src.repeat_interleave(per_pos), targets.reshape(-1)])
    else:
        raise ValueError(
            f"{where}: expected the keys 'edge' or 'source_node'/'target_node' "
            f'(got {sorted(map(str, entry))})'
        )
    for name, value in (('positives', pos), ('negatives', neg)):
        if value is not None:
            check_edge_index(value, num_nodes, name=f'{path}: {name}')
    rest = {
        key: _tensor(value, f"{where}, key '{key}'") for key, value in entry.items()
    }
    return pos, neg, per_pos, rest


def _read_split(folder: Path, num_nodes: int) -> OGBLinkSplit:
    if (folder / 'split_dict.pt').is_file():
        whole = _load_pt(folder / 'split_dict.pt')
        files = {stage: folder / 'split_dict.pt' for stage, _ in _STAGES}
    else:
        files = {stage: folder / f'{stage}.pt' for stage, _ in _STAGES}
        _ogb_raw.require(files.values())
        whole = {stage: _load_pt(path) for stage, path in files.items()}
    fields, extras, per_pos = {}, {}, None
    for stage, short in _STAGES:
        if not isinstance(whole.get(stage), dict):
            raise ValueError(f"{files[stage]}: missing the split '{stage}'")
        pos, neg, k, rest = _pairs(whole[stage], files[stage], stage, num_nodes)
        if k is not None and per_pos is not None and k != per_pos:
            raise ValueError(
                f"{files[stage]}: split '{stage}' must have as many negatives "
                f'per positive as the earlier splits, {per_pos} (got {k})'
            )
        per_pos = per_pos or k
        fields[f'{short}_pos_edge_index'] = pos
        if short != 'train':
            if neg is None:
                raise ValueError(f'{files[stage]}: no negatives in the {stage} split')
            fields[f'{short}_neg_edge_index'] = neg
        elif neg is not None:
            extras['train_neg_edge_index'] = neg
        extras.update({f'{short}_{key}': value for key, value in rest.items()})
    return OGBLinkSplit(
        num_nodes=num_nodes, neg_per_pos=per_pos, extras=extras, **fields
    )


def load_ogbl(
    name: str, root: PathLike, *, split_type: Optional[str] = None
) -> tuple[Data, OGBLinkSplit]:
    r"""Load an ``ogbl-*`` link-prediction dataset from OGB's folder on disk.

    Reads the files OGB's ``LinkPropPredDataset`` downloads and unpacks
    (see the module docstring for the layout) without downloading anything
    and without the ``ogb`` package. The graph is the one OGB's PyG loader
    builds, unchanged: for ``ogbl-ppa``, ``ogbl-collab`` and ``ogbl-ddi``
    every listed edge is followed by its reverse, and collab keeps its
    repeated edges; ``edge_weight``, ``edge_year`` and ``node_year`` come
    along where the dataset has them. Supported: ``ogbl-ppa``,
    ``ogbl-collab``, ``ogbl-ddi``, ``ogbl-citation2`` and ``ogbl-vessel``;
    the knowledge graphs (``ogbl-wikikg2``, ``ogbl-biokg``) are not.

    Args:
        name (str): The dataset name, e.g. :obj:`'ogbl-collab'`.
        root (str or os.PathLike): The folder holding ``ogbl_<name>/``.
        split_type (str, optional): The folder under ``split/``.
            (default: the dataset's official split)

    Returns:
        ``(data, split)``: a :class:`~torch_geometric.data.Data` with
        ``edge_index``, ``num_nodes`` and, where present, ``x``,
        ``edge_attr`` and the extra arrays; and the :class:`OGBLinkSplit`.

    Raises:
        ValueError: For an unknown or unsupported name, missing files (all
            of them listed), empty, truncated or unreadable files, files
            that are not weights-only loadable, malformed split entries
            (type, dtype, shape), non-integer node ids or counts (whole
            numbers such as ``3.0`` are read exactly) or node indices out of
            range; the message names the file.

    :rtype: (:class:`torch_geometric.data.Data`, :class:`OGBLinkSplit`)
    """
    if name in _UNSUPPORTED:
        raise ValueError(
            f"'name' {name!r} is a knowledge graph, not supported; use one of "
            f'{sorted(DATASETS)} (got {name!r})'
        )
    if name not in DATASETS:
        raise ValueError(f"'name' must be one of {sorted(DATASETS)} (got {name!r})")
    default_split, add_inverse, extras, binary = DATASETS[name]
    base = _dataset_dir(root, name)
    if not base.is_dir():
        raise ValueError(
            f"'root' must contain the folder {base.name}/ of {name} "
            f'(nothing is downloaded) (got {str(root)!r})'
        )
    raw = base / 'raw'
    data = (
        _ogb_raw.binary_graph(raw)
        if binary
        else _ogb_raw.csv_graph(raw, add_inverse, extras)
    )
    split = _read_split(base / 'split' / (split_type or default_split), data.num_nodes)
    return data, split


__all__ = ['load_ogbl', 'OGBLinkSplit']
