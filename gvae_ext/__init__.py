r"""gvae_ext: graph and dense variational autoencoders for PyTorch Geometric.

The public API, importable from the top level, in the order of the flow
(graph source -> split -> model -> fit -> evaluate):

* data -- :func:`load_cora`, :func:`load_dataset`, :func:`load_planetoid`,
  :func:`read_edgelist`, :func:`load_ogbl`, :func:`load_networkx`, :func:`from_data`,
  :func:`featureless`, :func:`identity_features`;
* link prediction -- :func:`split_edges` / :class:`LinkSplit`, the exact
  :func:`negative_sampling` (and its structured and batched forms), the
  training negatives :func:`fast_negative_sampling`, and the metrics
  :func:`roc_auc_score`, :func:`average_precision_score` (``(pred, target)``
  form), :func:`link_auc_ap` (``(pos_pred, neg_pred)`` form),
  :func:`hits_at_k`, :func:`mrr` and OGB's :class:`Evaluator`;
* evaluation beyond random negatives -- the pair heuristics
  :func:`common_neighbors`, :func:`adamic_adar`, :func:`resource_allocation`,
  :func:`personalized_pagerank`, HeaRT's :func:`hard_negatives` and
  :func:`heart_metrics`, a model blended with a heuristic
  (:func:`blend_heuristic`), and the leakage audit :func:`audit_split`;
* models -- :class:`GAE`, :class:`VGAE`, the encoders :class:`GCNEncoder`,
  :class:`VariationalGCNEncoder`, :class:`MLPEncoder`, the
  :class:`InnerProductDecoder` (and the opt-in learned :class:`MLPDecoder`), :func:`normalized_adjacency`, and the
  FastGAE pieces :func:`fastgae_recon_loss`, :func:`degree_biased_sample`;
* training -- :func:`fit` / :func:`fit_distributed` with :class:`FitConfig`
  and :class:`FitResult`, checkpoints :func:`save` / :func:`load`
  (mini-batch pieces live in :mod:`gvae_ext.sampling` and
  :mod:`gvae_ext.train`);
* the dense VAE -- :class:`DenseVAE`, :class:`ELBOTerms`,
  :func:`fit_dense_vae`, :func:`load_vae_dataset`,
  :func:`save_dense_vae` / :func:`load_dense_vae`.
"""

from gvae_ext.datasets import (
    featureless,
    from_data,
    identity_features,
    load_cora,
    load_dataset,
    load_networkx,
    load_ogbl,
    load_planetoid,
    read_edgelist,
)
from gvae_ext.link import (
    AuditReport,
    EdgeSplit,
    Evaluator,
    LinkSplit,
    UndefinedMetricWarning,
    adamic_adar,
    audit_split,
    average_precision_score,
    batched_negative_sampling,
    blend_heuristic,
    common_neighbors,
    fast_negative_sampling,
    hard_negatives,
    heart_metrics,
    hits_at_k,
    link_auc_ap,
    mrr,
    negative_sampling,
    personalized_pagerank,
    resource_allocation,
    roc_auc_score,
    split_edges,
    structured_negative_sampling,
    structured_negative_sampling_feasible,
)
from gvae_ext.nn import (
    GAE,
    VGAE,
    GCNEncoder,
    InnerProductDecoder,
    MLPDecoder,
    MLPEncoder,
    VariationalGCNEncoder,
    degree_biased_sample,
    fastgae_recon_loss,
)
from gvae_ext.sparse import normalized_adjacency
from gvae_ext.train import (
    FitConfig,
    FitResult,
    fit,
    fit_distributed,
    load,
    save,
)
from gvae_ext.vae import (
    DenseVAE,
    ELBOTerms,
    fit_dense_vae,
    load_dense_vae,
    load_vae_dataset,
    save_dense_vae,
)

__version__ = '0.2.1'

__all__ = [
    # data
    'load_cora',
    'load_dataset',
    'load_planetoid',
    'read_edgelist',
    'load_ogbl',
    'load_networkx',
    'from_data',
    'featureless',
    'identity_features',
    # link prediction
    'split_edges',
    'EdgeSplit',
    'LinkSplit',
    'negative_sampling',
    'structured_negative_sampling',
    'structured_negative_sampling_feasible',
    'batched_negative_sampling',
    'fast_negative_sampling',
    'roc_auc_score',
    'average_precision_score',
    'link_auc_ap',
    'hits_at_k',
    'mrr',
    'UndefinedMetricWarning',
    'Evaluator',
    # evaluation: heuristics, HeaRT, the leakage audit
    'common_neighbors',
    'adamic_adar',
    'resource_allocation',
    'personalized_pagerank',
    'hard_negatives',
    'heart_metrics',
    'blend_heuristic',
    'audit_split',
    'AuditReport',
    # models
    'GAE',
    'VGAE',
    'GCNEncoder',
    'VariationalGCNEncoder',
    'MLPEncoder',
    'InnerProductDecoder',
    'MLPDecoder',
    'normalized_adjacency',
    'degree_biased_sample',
    'fastgae_recon_loss',
    # training
    'fit',
    'fit_distributed',
    'FitConfig',
    'FitResult',
    'save',
    'load',
    # the dense VAE
    'DenseVAE',
    'ELBOTerms',
    'fit_dense_vae',
    'load_vae_dataset',
    'save_dense_vae',
    'load_dense_vae',
    '__version__',
]
