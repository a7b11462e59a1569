r"""Neighbour sampling for mini-batch training.

The torch-native k-hop :class:`KHopSampler` (CPU and CUDA, seeded), PyG's sampler behind
the same interface (:func:`make_sampler`), PyG's
:class:`~torch_geometric.loader.LinkNeighborLoader` over training pairs
(:func:`link_neighbor_loader`), shuffled :func:`link_batches` of pairs, and the features
of a sampled subgraph (:func:`subgraph_features`).
"""

from gvae_ext.sampling.batches import link_batches
from gvae_ext.sampling.neighbor import (
    KHopSampler,
    SampledSubgraph,
    check_num_neighbors,
    sampled_gcn_adjacency,
)
from gvae_ext.sampling.pyg import (
    BACKENDS,
    PyGNeighborSampler,
    link_neighbor_loader,
    make_sampler,
    pyg_sampling_available,
)
from gvae_ext.sampling.subgraph import prepare_features, subgraph_features

__all__ = [
    'KHopSampler',
    'SampledSubgraph',
    'check_num_neighbors',
    'link_batches',
    'sampled_gcn_adjacency',
    'BACKENDS',
    'PyGNeighborSampler',
    'link_neighbor_loader',
    'make_sampler',
    'pyg_sampling_available',
    'prepare_features',
    'subgraph_features',
]
