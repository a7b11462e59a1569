r"""Link-prediction toolkit.

Edge splits, exact negative sampling, training negatives and metrics.
"""

from gvae_ext.link.audit import AuditReport, Finding, audit_split
from gvae_ext.link.blend import HeuristicBlend, blend_heuristic, blend_split
from gvae_ext.link.evaluator import Evaluator
from gvae_ext.link.heart import hard_negatives, heart_metrics, heart_ranks
from gvae_ext.link.heuristics import (
    adamic_adar,
    common_neighbors,
    feature_cosine,
    personalized_pagerank,
    resource_allocation,
)
from gvae_ext.link.metrics import (
    UndefinedMetricWarning,
    average_precision_score,
    hits_at_k,
    link_auc_ap,
    link_average_precision,
    link_roc_auc,
    mrr,
    roc_auc_score,
)
from gvae_ext.link.negative import (
    batched_negative_sampling,
    negative_sampling,
    structured_negative_sampling,
    structured_negative_sampling_feasible,
)
from gvae_ext.link.split import EdgeSplit, LinkSplit, split_edges
from gvae_ext.link.train_negatives import fast_negative_sampling

__all__ = [
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
    'link_roc_auc',
    'link_average_precision',
    'link_auc_ap',
    'hits_at_k',
    'mrr',
    'UndefinedMetricWarning',
    'common_neighbors',
    'adamic_adar',
    'resource_allocation',
    'personalized_pagerank',
    'feature_cosine',
    'hard_negatives',
    'heart_ranks',
    'heart_metrics',
    'blend_heuristic',
    'blend_split',
    'HeuristicBlend',
    'Evaluator',
    'audit_split',
    'AuditReport',
    'Finding',
]
