r"""What :func:`~gvae_ext.train.fit` returns: :class:`FitResult`."""

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

import torch
from torch import Tensor

from gvae_ext.link import EdgeSplit
from gvae_ext.train.config import FitConfig


@dataclass
class FitResult:
    r"""What :func:`fit` returns.

    Attributes:
        model (torch.nn.Module): The trained model (the selected epoch's
            weights under ``selection='val_auc'`` or ``'val_mrr'``).
        config (FitConfig): The config it was trained with (for ``'auto'``,
            the adapted one).
        split (EdgeSplit): The edge split.
        metrics (dict): ``test_auc``, ``test_ap``, ``val_auc``, ``val_ap``;
            with ``selection='val_mrr'`` also ``val_mrr``, the validation
            HeaRT MRR (:mod:`gvae_ext.train._heart_val`).
        history (dict): Per-epoch ``loss``, ``val_auc``, ``val_ap`` (and
            ``val_mrr`` with ``selection='val_mrr'``) and the
            ``reported_epoch``.
        timings (dict): Seconds, epochs, threads and processes.
        embeddings (torch.Tensor): :obj:`[num_nodes, out_channels]`, the
            deterministic embedding (``mu`` for a VGAE).
        auto (dict, optional): What the ``'auto'`` preset decided.
        members (list of dict, optional): With ``config.ensemble`` > 1, each
            member's ``seed``, validation AUC / AP and reported epoch
            (``history`` is the first member's).
    """

    model: torch.nn.Module
    config: FitConfig
    split: EdgeSplit
    metrics: Dict[str, float]
    history: Dict[str, List[float]]
    timings: Dict[str, float]
    embeddings: Tensor = field(repr=False)
    auto: Optional[Dict[str, Any]] = None
    members: Optional[List[Dict[str, Any]]] = None

    def to_dict(self) -> Dict[str, Any]:
        r"""A JSON-ready summary: top-level metrics, the config and timings.

        With the ``'auto'`` preset it also holds ``auto``: the rules applied,
        each candidate's validation AUC / AP and the chosen candidate
        (:mod:`gvae_ext.train.auto`).
        """
        out: Dict[str, Any] = dict(self.metrics)
        out['config'] = dataclasses.asdict(self.config)
        out['timings'] = dict(self.timings)
        out['history'] = {k: list(v) for k, v in self.history.items()}
        if self.auto is not None:
            out['auto'] = self.auto
        if self.members is not None:
            out['members'] = [dict(m) for m in self.members]
        return out


FitResult.__module__ = 'gvae_ext.train'  # its public home (pickles, docs)
