r"""PyG's sampling engines behind gvae_ext's interfaces.

PyG's :class:`torch_geometric.sampler.NeighborSampler` as a
:class:`~gvae_ext.sampling.KHopSampler` (:func:`make_sampler` chooses between the two),
and PyG's :class:`~torch_geometric.loader.LinkNeighborLoader` over the training pairs
(:func:`link_neighbor_loader`). Both need a PyG sampling backend (``pyg-lib`` or
``torch-sparse``) and run on the CPU.
"""

import warnings
from typing import Optional, Sequence

import torch
from torch import Tensor

from gvae_ext._checks import check_edge_index, check_positive_int
from gvae_ext.sampling.neighbor import KHopSampler, SampledSubgraph, check_num_neighbors

BACKENDS = ('auto', 'own', 'pyg')


def pyg_sampling_available() -> bool:
    r"""Whether PyG's neighbour sampling has a backend (``pyg-lib`` or ``torch-sparse``).

    Read from :mod:`torch_geometric.typing` at call time.
    """
    import torch_geometric.typing as pyg_typing

    return bool(pyg_typing.WITH_PYG_LIB or pyg_typing.WITH_TORCH_SPARSE)


class PyGNeighborSampler(KHopSampler):
    r""":class:`~gvae_ext.sampling.KHopSampler`'s interface on top of PyG's neighbour sampler.

    PyG's :class:`torch_geometric.sampler.NeighborSampler` (directional subgraphs,
    no replacement) runs on the cleaned CSR graph (duplicates and self-loops
    removed) on the CPU. :obj:`generator` is ignored: PyG draws from torch's global
    RNG. Seeds on another device make a round trip through the CPU. Arguments as in
    the parent class.
    """

    def __init__(self, edge_index: Tensor, num_nodes=None, num_neighbors=(10, 10)):
        if not pyg_sampling_available():
            raise ValueError(
                "'backend' 'pyg' needs PyG's sampling backend, 'pyg-lib' or "
                "'torch-sparse' (got neither installed)"
            )
        super().__init__(edge_index, num_nodes, num_neighbors)
        from torch_geometric.data import Data
        from torch_geometric.sampler import NeighborSampler as PyGSampler

        target = torch.repeat_interleave(
            torch.arange(self.num_nodes, device=self.device), self.degree
        )
        graph = Data(
            edge_index=torch.stack([self.col, target]).cpu(), num_nodes=self.num_nodes
        )
        with warnings.catch_warnings():  # 'torch-sparse' without 'pyg-lib'
            warnings.filterwarnings('ignore', message='.*pyg-lib.*deprecated')
            self._pyg = PyGSampler(graph, list(self.num_neighbors))

    def sample(self, seeds: Tensor, *, generator=None) -> SampledSubgraph:
        r"""Sample the :obj:`len(num_neighbors)`-hop neighbourhood of :obj:`seeds`.

        Args:
            seeds (LongTensor): Distinct node ids, :obj:`[num_seeds]`.
            generator (torch.Generator, optional): Ignored (PyG draws from
                torch's global RNG). (default: :obj:`None`)

        :rtype: :class:`SampledSubgraph`
        """
        from torch_geometric.sampler import NodeSamplerInput

        seeds = self._check_seeds(seeds)[0]
        out = self._pyg.sample_from_nodes(NodeSamplerInput(None, seeds.cpu()))
        edge_index = torch.stack([out.row, out.col]).to(self.device)
        counts = out.num_sampled_nodes
        counts = None if counts is None else [int(c) for c in counts]
        return SampledSubgraph(
            out.node.to(self.device), edge_index, int(seeds.numel()), counts
        )


def make_sampler(
    edge_index: Tensor,
    num_nodes: Optional[int] = None,
    num_neighbors: Sequence[int] = (10, 10),
    *,
    backend: str = 'auto',
    generator: Optional[torch.Generator] = None,
) -> KHopSampler:
    r"""A neighbour sampler of the chosen :obj:`backend` (module docstring).

    Args:
        edge_index (LongTensor): The message-passing graph, :obj:`[2, E]`.
        num_nodes (int, optional): The number of nodes. (default: :obj:`None`)
        num_neighbors (Sequence[int], optional): Fan-out per hop, :obj:`-1`
            for all. (default: :obj:`(10, 10)`)
        backend (str, optional): :obj:`'auto'`, :obj:`'own'` or :obj:`'pyg'`.
            (default: :obj:`'auto'`)
        generator (torch.Generator, optional): Default generator of the own
            sampler. (default: :obj:`None`)
    """
    if backend not in BACKENDS:
        raise ValueError(f"'backend' must be one of {BACKENDS} (got {backend!r})")
    if backend == 'auto':
        use_pyg = pyg_sampling_available() and edge_index.device.type == 'cpu'
        backend = 'pyg' if use_pyg else 'own'
    if backend == 'pyg':
        return PyGNeighborSampler(edge_index, num_nodes, num_neighbors)
    return KHopSampler(edge_index, num_nodes, num_neighbors, generator=generator)


def link_neighbor_loader(
    edge_index: Tensor,
    num_nodes: int,
    pairs: Tensor,
    *,
    batch_size: int,
    num_neighbors: Sequence[int] = (10, 10),
    shuffle: bool = True,
):
    r"""A :class:`~torch_geometric.loader.LinkNeighborLoader` over the positive training :obj:`pairs`.

    It samples the message-passing graph :obj:`edge_index`, with one random negative
    per positive (:obj:`neg_sampling='binary'`).

    Args:
        edge_index (LongTensor): The message-passing graph, :obj:`[2, E]`.
        num_nodes (int): The number of nodes.
        pairs (LongTensor): The positive training pairs, :obj:`[2, P]`.
        batch_size (int): Positive pairs per batch.
        num_neighbors (sequence of int, optional): Fan-out per hop (:obj:`-1`:
            all neighbours). (default: :obj:`(10, 10)`)
        shuffle (bool, optional): Shuffle the pairs every epoch.
            (default: :obj:`True`)

    Raises:
        ValueError: If PyG has no sampling backend installed.
    """
    if not pyg_sampling_available():
        raise ValueError(
            "PyG's LinkNeighborLoader needs pyg-lib or torch-sparse; use the own "
            "sampler (sampler='own') instead (got neither installed)"
        )
    num_nodes = check_edge_index(edge_index, num_nodes, name='edge_index')
    check_edge_index(pairs, num_nodes, name='pairs', allow_empty=False)
    batch_size = check_positive_int(batch_size, 'batch_size')
    fanouts = [int(k) for k in check_num_neighbors(num_neighbors)]
    from torch_geometric.data import Data
    from torch_geometric.loader import LinkNeighborLoader

    data = Data(edge_index=edge_index.cpu(), num_nodes=num_nodes)
    return LinkNeighborLoader(
        data,
        num_neighbors=fanouts,
        edge_label_index=pairs.cpu(),
        neg_sampling='binary',
        batch_size=batch_size,
        shuffle=shuffle,
    )


__all__ = [
    'BACKENDS',
    'pyg_sampling_available',
    'PyGNeighborSampler',
    'make_sampler',
    'link_neighbor_loader',
]
