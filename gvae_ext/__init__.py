r"""gvae_ext: graph and dense variational autoencoders for PyTorch Geometric.

The public API, importable from the top level:

* models -- :class:`GAE`, :class:`VGAE`, :class:`DenseVAE`, the encoders
  :class:`GCNEncoder`, :class:`VariationalGCNEncoder`, :class:`MLPEncoder`
  and :class:`InnerProductDecoder`;
* link prediction -- :func:`split_edges` / :class:`LinkSplit`,
  :func:`negative_sampling` and its structured and batched forms, and the
  metrics :func:`roc_auc_score`, :func:`average_precision_score`,
  :func:`link_auc_ap`, :func:`hits_at_k`, :func:`mrr`;
* data -- :func:`load_cora`, :func:`load_dataset`, :func:`from_networkx`, ...;
* training -- :func:`fit` with :class:`FitConfig`, :func:`save` / :func:`load`;
  mini-batches -- :class:`NeighborSampler`, :func:`link_batches`,
  :func:`minibatch_epoch`; the FastGAE objective -- :func:`fastgae_recon_loss`,
  :func:`degree_biased_sample`.
"""

from gvae_ext.checkpoint import load, save
from gvae_ext.datasets import (
    featureless,
    from_data,
    from_networkx,
    identity_features,
    load_cora,
    load_dataset,
    load_planetoid,
    read_edgelist,
)
from gvae_ext.link import (
    EdgeSplit,
    LinkSplit,
    UndefinedMetricWarning,
    average_precision_score,
    batched_negative_sampling,
    hits_at_k,
    link_auc_ap,
    link_average_precision,
    link_roc_auc,
    mrr,
    negative_sampling,
    roc_auc_score,
    split_edges,
    structured_negative_sampling,
)
from gvae_ext.loader import link_neighbor_loader, loader_epoch
from gvae_ext.minibatch import make_sampler, minibatch_epoch
from gvae_ext.nn import (
    GAE,
    VGAE,
    DenseVAE,
    ELBOTerms,
    GCNEncoder,
    InnerProductDecoder,
    MLPEncoder,
    VariationalGCNEncoder,
    degree_biased_sample,
    fastgae_recon_loss,
)
from gvae_ext.sampler import NeighborSampler, SampledSubgraph, link_batches
from gvae_ext.sparse import normalized_adjacency
from gvae_ext.train import FitConfig, FitResult, fit

__version__ = '0.1.0'

__all__ = [
    'NeighborSampler',
    'SampledSubgraph',
    'link_batches',
    'make_sampler',
    'minibatch_epoch',
    'link_neighbor_loader',
    'loader_epoch',
    'degree_biased_sample',
    'fastgae_recon_loss',
    'GAE',
    'VGAE',
    'DenseVAE',
    'ELBOTerms',
    'GCNEncoder',
    'VariationalGCNEncoder',
    'MLPEncoder',
    'InnerProductDecoder',
    'normalized_adjacency',
    'split_edges',
    'EdgeSplit',
    'LinkSplit',
    'negative_sampling',
    'structured_negative_sampling',
    'batched_negative_sampling',
    'roc_auc_score',
    'average_precision_score',
    'link_roc_auc',
    'link_average_precision',
    'link_auc_ap',
    'hits_at_k',
    'mrr',
    'UndefinedMetricWarning',
    'load_cora',
    'load_dataset',
    'load_planetoid',
    'read_edgelist',
    'from_networkx',
    'from_data',
    'featureless',
    'identity_features',
    'fit',
    'FitConfig',
    'FitResult',
    'save',
    'load',
    '__version__',
]
