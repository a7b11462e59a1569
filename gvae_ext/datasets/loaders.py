r"""One entry point for graph sources: a spec string, networkx or PyG Data."""

import copy
import os
import warnings
from numbers import Integral
from pathlib import Path
from typing import Optional, Union

import numpy as np
import torch
from torch import Tensor
from torch_geometric.data import Data
from torch_geometric.utils import coalesce

from gvae_ext._checks import check_edge_index, check_features
from gvae_ext.datasets._graph import (
    check_data,
    graph_data,
    identity_features,
    simple_undirected,
)
from gvae_ext.datasets.cora import load_cora
from gvae_ext.datasets.edgelist import read_edgelist
from gvae_ext.datasets.planetoid import read_planetoid

PathLike = Union[str, 'os.PathLike[str]']

SPEC_FORMS = (
    "'cora', 'planetoid:NAME' (with 'root'), 'edgelist:PATH' or 'ogbl:NAME' "
    "(with 'root')"
)
_PLANETOID_PARTS = ('x', 'tx', 'allx', 'y', 'ty', 'ally', 'graph', 'test.index')


def planetoid_raw_files(name: str) -> list[str]:
    r"""The raw file names PyG's ``Planetoid`` reads for dataset ``name``."""
    return [f'ind.{name.lower()}.{part}' for part in _PLANETOID_PARTS]


def load_planetoid(root: PathLike, name: str) -> Data:
    r"""A Planetoid graph (Cora, CiteSeer, PubMed) read from its raw files.

    The raw files (``ind.<name>.x``, ``tx``, ``allx``, ``y``, ``ty``,
    ``ally``, ``graph``, ``test.index``) must sit in ``root/name/raw/``;
    nothing is downloaded and nothing is written. They are parsed by
    :func:`gvae_ext.datasets.planetoid.read_planetoid` with a restricted
    unpickler that only rebuilds arrays, so a file carrying code is refused
    rather than run; PyG's pickled cache ``root/name/processed/`` is never
    read. The result equals PyG's ``Planetoid(root, name)[0]`` (``x``
    ``[N, F]``, ``edge_index`` ``[2, E]``, ``y`` and the split masks).

    Args:
        root (str or os.PathLike): The dataset root folder.
        name (str): The dataset name, also the folder name under ``root``.

    :rtype: :class:`torch_geometric.data.Data`
    """
    if root is None:
        raise ValueError(f"'root' is required for 'planetoid:{name}' (got None)")
    if not isinstance(root, (str, os.PathLike)):
        raise ValueError(f"'root' must be a folder path (got {type(root).__name__})")
    raw_dir = Path(root) / name / 'raw'
    expected = planetoid_raw_files(name)
    missing = [f for f in expected if not (raw_dir / f).is_file()]
    if missing:
        got = 'none of them'
        if len(missing) < len(expected):
            got = f'{", ".join(missing)} missing'
        if all((Path(root) / f).is_file() for f in missing):
            got += f' there, but in {root} itself: move them into {raw_dir}'
        raise ValueError(
            f"'planetoid:{name}' needs the raw files "
            f'ind.{name.lower()}.{{{", ".join(_PLANETOID_PARTS)}}} in {raw_dir}; '
            f'nothing is downloaded (got {got})'
        )
    return read_planetoid(str(raw_dir), name)


def load_dataset(
    spec: str,
    *,
    root: Optional[PathLike] = None,
    features: Optional[PathLike] = None,
) -> Data:
    r"""Load a graph named by a spec string; nothing is downloaded.

    * ``cora``: the embedded Cora graph, :func:`load_cora`.
    * ``planetoid:NAME``: PyG's ``Planetoid(root, NAME)`` from the raw files
      in ``root/NAME/raw/`` (:func:`load_planetoid`).
    * ``edgelist:PATH``: a text file of node pairs, optionally with a ``.npy``
      feature matrix ``features`` (:func:`read_edgelist`, which documents the
      format and how the feature rows line up with the node ids).

    Args:
        spec (str): One of the forms above.
        root (str or os.PathLike, optional): The data folder of
            ``planetoid:NAME``. (default: :obj:`None`)
        features (str or os.PathLike, optional): The ``.npy`` features of
            ``edgelist:PATH``. (default: :obj:`None`)

    :rtype: :class:`torch_geometric.data.Data`

    Examples:
        >>> load_dataset('cora').num_nodes
        2708
    """
    return load_graph(spec, root=root, features=features)[0]


def load_graph(
    spec: str,
    *,
    root: Optional[PathLike] = None,
    features: Optional[PathLike] = None,
    name: str = 'spec',
):
    r"""Like :func:`load_dataset`, with the dataset's official split.

    ``ogbl:NAME`` (e.g. ``ogbl:collab``) reads an ``ogbl-NAME`` dataset from
    OGB's folder under ``root`` (:func:`~gvae_ext.datasets.ogb.load_ogbl`;
    nothing is downloaded) and returns its official
    :class:`~gvae_ext.datasets.ogb.OGBLinkSplit`; the other specs have no
    official split.

    Args:
        spec (str): A form of :func:`load_dataset` or ``ogbl:NAME``.
        root (str or os.PathLike, optional): The data folder of
            ``planetoid:NAME`` and ``ogbl:NAME``. (default: :obj:`None`)
        features (str or os.PathLike, optional): The ``.npy`` features of
            ``edgelist:PATH``. (default: :obj:`None`)
        name (str, optional): What error messages call :obj:`spec` (the
            command line's ``'--dataset'``). (default: :obj:`'spec'`)

    Returns:
        ``(data, split)``, with :obj:`split` :obj:`None` unless the dataset
        has an official split.
    """
    kind, sep, arg = spec.partition(':') if isinstance(spec, str) else ('', '', '')
    kind = kind.strip().lower()
    uses = {
        'cora': (),
        'planetoid': ('root',),
        'edgelist': ('features',),
        'ogbl': ('root',),
    }
    if kind not in uses or bool(sep) != (kind != 'cora') or (sep and not arg):
        raise ValueError(f"'{name}' must be {SPEC_FORMS} (got {spec!r})")
    for name, value in (('root', root), ('features', features)):
        if value is not None and name not in uses[kind]:
            raise ValueError(
                f"'{name}' is not used by the dataset {spec!r} (got {value!r})"
            )
    if kind == 'cora':
        return load_cora(), None
    if kind == 'planetoid':
        return load_planetoid(root, arg), None
    if kind == 'ogbl':
        from gvae_ext.datasets.ogb import load_ogbl

        if root is None:
            raise ValueError(f"'root' is needed by the dataset {spec!r} (got None)")
        name = arg if arg.startswith('ogbl-') else f'ogbl-{arg}'
        return load_ogbl(name, root)
    return read_edgelist(arg, features), None


def _attribute_row(graph, node, name: str, first) -> np.ndarray:
    # One node's feature attribute as a flat float32 row, the length of `first`'s.
    if name not in graph.nodes[node]:
        raise ValueError(
            f"'features': node {node!r} has no attribute {name!r} "
            f'(got attributes {sorted(graph.nodes[node])})'
        )
    value = graph.nodes[node][name]
    try:
        row = np.asarray(value, dtype=np.float32)
    except (TypeError, ValueError):
        row = None
    if row is None or row.ndim > 1:
        raise ValueError(
            f"'features': node {node!r}'s attribute {name!r} must be a number or "
            f'a flat sequence of numbers (got {value!r:.60})'
        )
    row = row.reshape(-1)
    if first is not None and row.size != first[1].size:
        raise ValueError(
            f"'features': every node's attribute {name!r} must have the same "
            f'length, {first[1].size} as for node {first[0]!r} (got {row.size} '
            f'for node {node!r})'
        )
    return row


def _node_features(graph, features, order: list) -> Optional[Tensor]:
    if features is None:
        return None
    if isinstance(features, str):
        rows = []
        for node in order:
            first = (order[0], rows[0]) if rows else None
            rows.append(_attribute_row(graph, node, features, first))
        features = torch.from_numpy(np.stack(rows))
    elif isinstance(features, np.ndarray):
        features = torch.from_numpy(features)
    if isinstance(features, Tensor) and not torch.is_floating_point(features):
        features = features.float()
    return check_features(features, len(order), name='features')


def load_networkx(graph, features=None) -> Data:
    r"""Convert a networkx graph into the loaders' :class:`Data`.

    A directed graph (``DiGraph``) is made undirected: an edge ``u -> v``
    becomes the pair ``u - v``, because the autoencoders decode with a
    symmetric inner product. Parallel edges are merged, edge attributes
    (weights) are ignored, and self-loops are dropped with a warning.

    If the nodes are exactly the integers ``0, ..., N-1``, node ``i`` is
    node ``i`` (and row ``i`` of ``features``). Otherwise the nodes are
    numbered in the order of ``graph.nodes``, the rows of ``features`` follow
    that order, and ``data.node_ids`` maps back (a ``LongTensor`` when all
    nodes are integers, else the list of the nodes).

    Args:
        graph (networkx.Graph): Any networkx graph (``Graph``, ``DiGraph``,
            ``MultiGraph``, ``MultiDiGraph``).
        features (Tensor or numpy.ndarray or str, optional): The node features
            ``[num_nodes, num_features]``, or the name of a node attribute
            holding each node's feature vector. Without it ``x`` is the sparse
            identity. (default: :obj:`None`)

    :rtype: :class:`torch_geometric.data.Data`
    """
    import networkx as nx

    if not isinstance(graph, nx.Graph):
        raise TypeError(
            f"'graph' must be a networkx graph (got {type(graph).__name__})"
        )
    nodes = list(graph.nodes)
    num_nodes = len(nodes)
    is_int = all(isinstance(v, Integral) and not isinstance(v, bool) for v in nodes)
    if is_int and set(nodes) == set(range(num_nodes)):
        order, index, node_ids = list(range(num_nodes)), None, None
    else:
        order, index = nodes, {v: i for i, v in enumerate(nodes)}
        node_ids = torch.tensor([int(v) for v in nodes]) if is_int else nodes
    x = _node_features(graph, features, order)
    pairs = [(u, v) for u, v in graph.edges()]
    if index is not None:
        pairs = [(index[u], index[v]) for u, v in pairs]
    edge_index = torch.tensor(pairs, dtype=torch.long).view(-1, 2).t()
    if x is not None:
        edge_index = edge_index.to(x.device)
    loops = int(nx.number_of_selfloops(graph))
    if loops:
        warnings.warn(f"'graph': dropped {loops} self-loop(s)", stacklevel=2)
    return graph_data(edge_index, num_nodes, x, "'graph'", node_ids)


def from_data(data: Data) -> Data:
    r"""Check a user's PyG :class:`Data`; return a copy for the autoencoders.

    The copy is shallow; ``data`` itself is not modified.

    ``edge_index`` and (when present) ``x`` are validated. A missing ``x``
    becomes the sparse identity (:func:`identity_features`). An
    ``edge_index`` that is not simple and undirected is made so (self-loops
    dropped, reverse edges added, duplicates merged) with a warning, which
    also drops the other edge-level attributes (their rows no longer match);
    a simple undirected ``edge_index`` is kept as it is, in its order.

    Args:
        data (torch_geometric.data.Data): The graph.

    :rtype: :class:`torch_geometric.data.Data`
    """
    check_data(data)
    if data.edge_index is None:
        raise ValueError("'data.edge_index' must be given (got None)")
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')  # PyG warns when it infers num_nodes.
        num_nodes = data.num_nodes
    num_nodes = check_edge_index(
        data.edge_index, num_nodes, name='data.edge_index', allow_empty=False
    )
    edge_index = data.edge_index.long()
    x = data.x
    if x is None:
        x = identity_features(num_nodes, device=edge_index.device)
    else:
        check_features(x, num_nodes, name='data.x')

    out = copy.copy(data)
    out.num_nodes = num_nodes
    cleaned = simple_undirected(edge_index, num_nodes)
    unique = coalesce(edge_index, num_nodes=num_nodes).size(1)
    num_edges = edge_index.size(1)
    has_loops = bool((edge_index[0] == edge_index[1]).any())
    if has_loops or cleaned.size(1) != num_edges or unique != num_edges:
        if cleaned.size(1) == 0:
            raise ValueError(
                "'data.edge_index' needs at least one edge between two distinct "
                f'nodes (got {num_edges} self-loop(s) only)'
            )
        dropped = [k for k in out.keys() if k != 'edge_index' and out.is_edge_attr(k)]
        for key in dropped:
            del out[key]
        warnings.warn(
            f"'data.edge_index' was made simple and undirected ({num_edges} -> "
            f'{cleaned.size(1)} directed edges)'
            + (f'; dropped the edge attributes {dropped}' if dropped else ''),
            stacklevel=2,
        )
        edge_index = cleaned
    out.edge_index = edge_index
    out.x = x
    return out
