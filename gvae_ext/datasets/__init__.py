r"""Graph sources.

The embedded Cora graph and loaders for PyG's Planetoid datasets, edge-list files,
networkx graphs and PyG :class:`Data` objects.

Every loader returns a simple undirected graph (both directions of each edge,
no self-loops, no duplicates); a graph without node features gets the sparse
identity as ``x`` (the featureless GAE*/VGAE* setting).
"""

from gvae_ext.datasets._graph import check_data, featureless, identity_features
from gvae_ext.datasets.cora import load_cora
from gvae_ext.datasets.edgelist import read_edgelist
from gvae_ext.datasets.loaders import (
    from_data,
    load_dataset,
    load_graph,
    load_networkx,
    load_planetoid,
)
from gvae_ext.datasets.ogb import load_ogbl

__all__ = [
    'load_cora',
    'load_dataset',
    'load_graph',
    'load_ogbl',
    'load_planetoid',
    'read_edgelist',
    'load_networkx',
    'from_data',
    'featureless',
    'identity_features',
    'check_data',
]
