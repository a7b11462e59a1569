r"""Reading a graph from a text file of node pairs, with optional features."""

import os
import re
import warnings
from pathlib import Path
from typing import Optional, Union

import numpy as np
import torch
from torch import Tensor
from torch_geometric.data import Data

from gvae_ext.datasets._graph import graph_data

PathLike = Union[str, 'os.PathLike[str]']

_SEP = re.compile(r'[,\s]+')
# Ids of up to 18 digits fit an int64.
_INT_ID = re.compile(r'[0-9]{1,18}', re.ASCII)


def _check_path(path, name: str) -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise ValueError(f"'{name}' must be a file path (got {type(path).__name__})")
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"'{name}' must be an existing file (got '{path}')")
    return path


def _read_pairs(path: Path):
    r"""The node-id tokens of each edge, in file order, and line numbers.

    The line numbers are those of every edge and of lines with extra columns.
    The file is read as ``'utf-8-sig'``: a byte-order mark would otherwise
    stick to the first id.
    """
    tokens: list[str] = []
    lines: list[int] = []
    extra: list[int] = []
    try:
        with path.open(encoding='utf-8-sig') as f:
            for lineno, raw in enumerate(f, 1):
                line = raw.split('#', 1)[0].strip()
                if not line:
                    continue
                fields = [t for t in _SEP.split(line) if t]
                if len(fields) < 2:
                    raise ValueError(
                        f'{path}, line {lineno}: expected two node ids '
                        f'(got {raw.rstrip()!r})'
                    )
                if len(fields) > 2:
                    extra.append(lineno)
                lines.append(lineno)
                tokens += fields[:2]
    except UnicodeDecodeError as err:
        raise ValueError(f'{path}: not a UTF-8 text file (got {err.reason})') from err
    return tokens, lines, extra


def _line_of(path: Path, token: str) -> int:
    r"""The number of the first data line holding the node id :obj:`token`."""
    with path.open(encoding='utf-8-sig') as f:
        for lineno, raw in enumerate(f, 1):
            fields = _SEP.split(raw.split('#', 1)[0].strip())
            if token in fields[:2]:
                return lineno
    return 0


def _id_key(token: str):
    r"""The identity of a node id: its value for an integer, else the string."""
    return int(token) if _INT_ID.fullmatch(token) else token


def _load_features(path) -> Tensor:
    path = _check_path(path, 'features')
    try:
        array = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as err:
        raise ValueError(f'{path}: not a readable .npy array (got {err})') from err
    if not isinstance(array, np.ndarray):
        array.close()
        raise ValueError(f'{path}: expected a .npy array (got a .npz archive)')
    if array.ndim != 2:
        raise ValueError(
            f'{path}: features must be 2-D [num_nodes, num_features] '
            f'(got shape {array.shape})'
        )
    if array.dtype.kind not in 'biuf':
        raise ValueError(f'{path}: features must be numeric (got dtype {array.dtype})')
    finite = np.isfinite(array).all(axis=1)
    if not finite.all():
        row = int(np.flatnonzero(~finite)[0])
        raise ValueError(
            f'{path}: features must be finite (got NaN or inf in row {row})'
        )
    return torch.from_numpy(np.ascontiguousarray(array, dtype=np.float32))


def _number_nodes(index: dict, names: list, codes: Tensor, x, path, features):
    r"""``(num_nodes, pairs, node_ids)``: ids as nodes, or renumbered (see read_edgelist).

    ``index`` maps each id's key (:func:`_id_key`) to its number in order of
    first appearance, ``names`` holds the first spelling of each and
    ``codes`` the number of every token.
    """
    node_ids = None
    if all(isinstance(k, int) for k in index):
        ids = torch.tensor(list(index))
        num_ids = int(ids.max()) + 1
        if x is not None:
            if x.size(0) < num_ids:
                raise ValueError(
                    f'{features}: features need one row per node id, so at least '
                    f'{num_ids} rows for the ids in {path.name} (got {x.size(0)} rows)'
                )
            num_nodes, pairs = x.size(0), ids[codes]
        elif ids.numel() == num_ids:
            num_nodes, pairs = num_ids, ids[codes]
        else:
            # Renumbered by integer value, so '7' and '007' stay one node.
            num_nodes, pairs, node_ids = len(index), codes, ids
    else:
        num_nodes, pairs, node_ids = len(index), codes, names
    if node_ids is not None and x is not None and x.size(0) != num_nodes:
        raise ValueError(
            f'{features}: features need {num_nodes} rows, one per node of '
            f'{path.name} in order of first appearance (got {x.size(0)} rows)'
        )
    return num_nodes, pairs, node_ids


def read_edgelist(path: PathLike, features: Optional[PathLike] = None) -> Data:
    r"""Read an undirected graph from a text file of node pairs.

    **Format.** One edge per line, ``u v``: the two node ids are separated by
    whitespace and/or commas. Everything after a ``#`` is a comment (so ids
    cannot hold ``#``) and blank lines are skipped; a header line must be
    commented out (a first line of two non-integer ids followed by integer
    ids only is rejected as a header). Columns past
    the second (weights, timestamps) are ignored with a warning: the graph is
    unweighted. Each edge gets both directions, duplicates (``u v`` twice, or
    ``u v`` and ``v u``) are merged, and self-loops (``u u``) are dropped with
    a warning; a node seen only in a self-loop stays as an isolated node.

    **Node ids.** Ids made of up to 18 digits are integers (``7`` and ``007``
    are the same node, so ``7 007`` is a self-loop), anything else is a
    string. A byte-order mark at the start of the file is ignored.

    * If every id is an integer and either ``features`` is given or the ids
      are exactly ``0, ..., N-1``, node ``i`` *is* id ``i``: ``x[i]`` is row
      ``i`` of the features file (so with ``features`` the graph has one node
      per row, and ids missing from the edge list are isolated nodes).
    * Otherwise the ids are renumbered ``0, ..., N-1`` in order of first
      appearance in the file (reading each line left to right), and
      ``data.node_ids`` maps back: a ``LongTensor`` of the original integer
      ids, or a list of the original strings (an integer id written several
      ways appears as its first spelling). The rows of ``features`` then
      follow that order. With ``features``, ids that are partly integers and
      partly not raise :class:`ValueError` naming the line, rather than
      silently switching from matching rows by id to first appearance.

    Args:
        path (str or os.PathLike): The edge-list file.
        features (str or os.PathLike, optional): A ``.npy`` array
            ``[num_nodes, num_features]`` of node features (any numeric dtype,
            read as ``float32``). Without it ``x`` is the sparse identity (the
            featureless GAE*/VGAE* setting). (default: :obj:`None`)

    Returns:
        :class:`torch_geometric.data.Data` with ``x``, ``edge_index``
        (coalesced, both directions), ``num_nodes`` and, after renumbering,
        ``node_ids``.

    Raises:
        ValueError: For a missing or empty file, a line without two ids (the
            message names the file and the line), a header line, a graph
            without an edge between two distinct nodes, or features with the
            wrong shape, a non-numeric dtype or NaN/inf values.
    """
    path = _check_path(path, 'path')
    tokens, lines, extra = _read_pairs(path)
    if not tokens:
        raise ValueError(
            f'{path}: no edges found (got an empty file, or only comments and '
            'blank lines)'
        )
    # Each distinct spelling once (its key is a regex match), in file order;
    # spellings of one integer ('7', '007') then share a node.
    spelling: dict = {}
    spelled = torch.tensor([spelling.setdefault(t, len(spelling)) for t in tokens])
    index: dict = {}
    names: list = []
    node_of, int_spelling = [], []
    for token in spelling:
        key = _id_key(token)
        if key not in index:
            index[key] = len(names)
            names.append(token)
        node_of.append(index[key])
        int_spelling.append(isinstance(key, int))
    codes = torch.tensor(node_of)[spelled]
    is_int = [int_spelling[i] for i in spelled.tolist()]
    if len(tokens) > 2 and not any(is_int[:2]) and all(is_int[2:]):
        raise ValueError(
            f'{path}, line {lines[0]}: looks like a header (only its ids are '
            f'not integers); comment it out with # (got {tokens[:2]})'
        )

    if features is not None and any(is_int) and not all(is_int):
        # Mixed ids would silently change which feature row a node gets.
        token = next(t for t, i in zip(tokens, is_int) if not i)
        raise ValueError(
            f'{path}, line {_line_of(path, token)}: node id {token!r} is not an '
            "integer, but the other ids are and 'features' is given, so "
            f'rows are matched by id (got {token!r})'
        )
    x = None if features is None else _load_features(features)
    num_nodes, pairs, node_ids = _number_nodes(index, names, codes, x, path, features)
    pairs = pairs.view(-1, 2)
    # Self-loops by node, so '7 007' is one too; the graph drops them.
    loops = [
        lines[i] for i in torch.nonzero(pairs[:, 0] == pairs[:, 1]).view(-1).tolist()
    ]

    if extra:
        warnings.warn(
            f'{path}: ignored the columns past the second on {len(extra)} '
            f'line(s) (first: line {extra[0]}); the graph is unweighted',
            stacklevel=2,
        )
    if loops:
        warnings.warn(
            f'{path}: dropped {len(loops)} self-loop(s) (first: line {loops[0]})',
            stacklevel=2,
        )
    return graph_data(pairs.t(), num_nodes, x, str(path), node_ids)
