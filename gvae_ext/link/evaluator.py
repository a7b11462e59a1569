r"""A drop-in for OGB's link-prediction ``Evaluator`` (no ``ogb`` needed).

:class:`Evaluator` takes and returns the dictionaries of
``ogb.linkproppred.Evaluator`` for the ``ogbl-*`` datasets, and computes the
same numbers (ties included) through gvae_ext's torch metrics. Inputs may be
torch tensors or NumPy arrays; the checks raise :class:`ValueError` naming
the offending key.
"""

from collections.abc import Iterable, Sequence
from typing import Any, Optional

import numpy as np
import torch
from torch import Tensor

from gvae_ext._checks import check_positive_int
from gvae_ext.link import _ranking
from gvae_ext.link.metrics import hits_at_k, link_roc_auc

# name -> (metric, main K, the Ks OGB's example scripts report)
DATASETS = {
    'ogbl-ppa': ('hits', 100, (10, 50, 100)),
    'ogbl-collab': ('hits', 50, (10, 50, 100)),
    'ogbl-ddi': ('hits', 20, (10, 20, 30)),
    'ogbl-citation2': ('mrr', None, ()),
    'ogbl-wikikg2': ('mrr', None, ()),
    'ogbl-biokg': ('mrr', None, ()),
    'ogbl-vessel': ('rocauc', None, ()),
}
_MRR_KS = (1, 3, 10)
_KEYS = ('y_pred_pos', 'y_pred_neg')


def _as_tensor(value, key: str) -> Tensor:
    if isinstance(value, Tensor):
        return value.detach()
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in 'biuf':
            raise ValueError(
                f"'{key}' must hold real-valued scores (got NumPy dtype {value.dtype})"
            )
        return torch.from_numpy(np.array(value, copy=True))
    raise ValueError(
        f"'{key}' must be a torch.Tensor or a numpy.ndarray "
        f'(got {type(value).__name__})'
    )


class Evaluator:
    r"""OGB's link-prediction evaluator, computed with gvae_ext's metrics.

    ``eval`` takes :obj:`{'y_pred_pos': ..., 'y_pred_neg': ...}` (torch
    tensors or NumPy arrays) and returns OGB's output dictionary:

    * Hits@K datasets (``ogbl-collab`` Hits@50, ``ogbl-ddi`` Hits@20,
      ``ogbl-ppa`` Hits@100): both inputs 1-D, the negatives shared by all
      positives; the result maps :obj:`'hits@K'` to a float for the main
      :math:`K` (the attribute :obj:`K`, which may be reassigned as OGB's
      examples do) and for the cut-offs OGB's example scripts report
      (collab and ppa 10/50/100, ddi 10/20/30). A positive tied with the
      :math:`K`-th negative is no hit; with fewer than :math:`K` negatives
      the value is 1.0.
    * MRR datasets (``ogbl-citation2``, ``ogbl-wikikg2``, ``ogbl-biokg``):
      :obj:`y_pred_neg` is :obj:`[num_pos, num_neg]`; the result holds the
      per-positive :obj:`'hits@1_list'`, :obj:`'hits@3_list'`,
      :obj:`'hits@10_list'` and :obj:`'mrr_list'` (``float32``, torch when
      either input is torch, else NumPy), ranks with ties averaged.
    * ``ogbl-vessel``: :obj:`{'rocauc': float}` of positives vs. negatives.

    As in OGB, NumPy inputs join a torch input's device, and a torch
    :obj:`y_pred_pos` moves to the device of :obj:`y_pred_neg`. Unlike OGB,
    NaN scores and an empty :obj:`y_pred_pos` (or, for Hits@K and ROC-AUC,
    an empty :obj:`y_pred_neg`) raise :class:`ValueError`.

    Args:
        name (str): The dataset name, e.g. :obj:`'ogbl-collab'`.
        ks (Sequence[int], optional): The Hits@K cut-offs to report besides
            :obj:`K` (Hits@K datasets only). (default: OGB's examples' set)

    Examples:
        >>> evaluator = Evaluator('ogbl-collab')
        >>> evaluator.eval({'y_pred_pos': torch.tensor([0.9, 0.45]),
        ...                 'y_pred_neg': torch.linspace(0, 0.5, 101)})
        {'hits@10': 0.5, 'hits@50': 1.0, 'hits@100': 1.0}
    """

    def __init__(self, name: str, ks: Optional[Sequence[int]] = None):
        if name not in DATASETS:
            raise ValueError(f"'name' must be one of {sorted(DATASETS)} (got {name!r})")
        self.name = name
        kind, main_k, default_ks = DATASETS[name]
        self.eval_metric = kind if main_k is None else f'hits@{main_k}'
        self.K = main_k
        if ks is not None and kind != 'hits':
            raise ValueError(f"'ks' applies to Hits@K datasets only (got {name!r})")
        ks = default_ks if ks is None else ks
        if isinstance(ks, (str, bytes)) or not isinstance(ks, Iterable):
            raise ValueError(f"'ks' must be a sequence of positive ints (got {ks!r})")
        self.ks = tuple(check_positive_int(k, 'ks') for k in ks)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(name='{self.name}')"

    def _parse(self, input_dict) -> dict[str, Tensor]:
        if not isinstance(input_dict, dict):
            raise ValueError(
                f"'input_dict' must be a dict with keys {list(_KEYS)} "
                f'(got {type(input_dict).__name__})'
            )
        missing = [key for key in _KEYS if key not in input_dict]
        if missing:
            raise ValueError(
                f"'input_dict' is missing the key '{missing[0]}' "
                f'(got keys {sorted(map(str, input_dict))})'
            )
        out = {key: _as_tensor(input_dict[key], key) for key in _KEYS}
        pos, neg = out['y_pred_pos'], out['y_pred_neg']
        out['y_pred_pos'] = pos.to(neg.device)
        neg_dim = 2 if self.eval_metric == 'mrr' else 1
        for key, dim in (('y_pred_pos', 1), ('y_pred_neg', neg_dim)):
            _ranking.check_scores(out[key], key, dim=dim)
            if out[key].numel() == 0 and (key == 'y_pred_pos' or neg_dim == 1):
                raise ValueError(
                    f"'{key}' must hold at least one score (got shape "
                    f'{tuple(out[key].shape)})'
                )
        _ranking.check_no_nan(**out)
        return out

    def eval(self, input_dict: dict[str, Any]) -> dict[str, Any]:
        r"""Evaluate scores given as OGB's input dictionary.

        Args:
            input_dict (dict): :obj:`{'y_pred_pos': y_pred_pos,
                'y_pred_neg': y_pred_neg}`; see :attr:`expected_input_format`.

        Returns:
            OGB's output dictionary; see :attr:`expected_output_format`.

        :rtype: :class:`dict`
        """
        scores = self._parse(input_dict)
        pos, neg = scores['y_pred_pos'], scores['y_pred_neg']
        if self.eval_metric == 'rocauc':
            return {'rocauc': float(link_roc_auc(pos, neg))}
        if self.eval_metric == 'mrr':
            return self._eval_mrr(pos, neg, torch_out=self._torch_input(input_dict))
        main = check_positive_int(self.K, 'K')
        return {
            f'hits@{k}': float(hits_at_k(pos, neg, k))
            for k in sorted(set(self.ks) | {main})
        }

    @staticmethod
    def _torch_input(input_dict) -> bool:
        return any(isinstance(input_dict[key], Tensor) for key in _KEYS)

    @staticmethod
    def _eval_mrr(pos: Tensor, neg: Tensor, torch_out: bool) -> dict[str, Any]:
        if neg.size(0) != pos.numel():
            raise ValueError(
                "'y_pred_neg' must have one row per score in 'y_pred_pos' "
                f'(got {neg.size(0)} rows for {pos.numel()} positives)'
            )
        _ranking.check_no_nan(y_pred_pos=pos, y_pred_neg=neg)
        dtype = _ranking.common_dtype(pos, neg)
        pos, neg = pos.to(dtype).unsqueeze(1), neg.to(dtype)
        twice = torch.count_nonzero(neg > pos, 1) + torch.count_nonzero(neg >= pos, 1)
        # float32 as OGB: exact for ranks below 2**23, the same reciprocals.
        rank = twice.to(torch.float32) / 2 + 1
        out = {f'hits@{k}_list': (rank <= k).to(torch.float32) for k in _MRR_KS}
        out['mrr_list'] = 1.0 / rank
        if not torch_out:
            out = {key: value.cpu().numpy() for key, value in out.items()}
        return out

    @property
    def expected_input_format(self) -> str:
        r"""A description of the dictionary :meth:`eval` takes."""
        head = f'==== Expected input format of Evaluator for {self.name}\n'
        head += "{'y_pred_pos': y_pred_pos, 'y_pred_neg': y_pred_neg}\n"
        head += '- y_pred_pos: torch.Tensor or numpy.ndarray of shape (num_edges,)\n'
        if self.eval_metric == 'mrr':
            return head + (
                '- y_pred_neg: torch.Tensor or numpy.ndarray of shape '
                '(num_edges, num_neg): row i holds the negatives of positive i\n'
                'y_pred_pos[i] is ranked among y_pred_neg[i]; ties are averaged.'
            )
        text = head + (
            '- y_pred_neg: torch.Tensor or numpy.ndarray of shape (num_neg,)\n'
        )
        if self.eval_metric == 'rocauc':
            return text + 'Positives and negatives are scored as one ranking.'
        return text + (
            'Every positive is compared with the K-th highest negative score; '
            'a tie with it is no hit.'
        )

    @property
    def expected_output_format(self) -> str:
        r"""A description of the dictionary :meth:`eval` returns."""
        head = f'==== Expected output format of Evaluator for {self.name}\n'
        if self.eval_metric == 'mrr':
            keys = ', '.join(f"'hits@{k}_list'" for k in _MRR_KS) + ", 'mrr_list'"
            return head + (
                f'{{{keys}}}\n'
                '- each value: float32 scores, one per positive (torch.Tensor '
                'for torch input, else numpy.ndarray)\n'
                'Average a list (over all batches) to get the metric.'
            )
        if self.eval_metric == 'rocauc':
            return head + "{'rocauc': rocauc}\n- rocauc (float): ROC-AUC score"
        ks = sorted(set(self.ks) | {self.K})
        keys = ', '.join(f"'hits@{k}': hits@{k}" for k in ks)
        return head + f'{{{keys}}}\n- hits@K (float): the Hits@K score'


__all__ = ['Evaluator']
