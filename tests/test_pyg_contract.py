"""gvae_ext's own checks of the PyG contract: where a PyG name is reused,
PyG's signature and call forms work unchanged."""

import inspect

import pytest
import torch
from torch_geometric import utils as pyg_utils

from gvae_ext import GAE, VGAE
from gvae_ext.link import (
    EdgeSplit,
    LinkSplit,
    batched_negative_sampling,
    negative_sampling,
    split_edges,
    structured_negative_sampling,
    structured_negative_sampling_feasible,
)

SAMPLERS = [
    (negative_sampling, pyg_utils.negative_sampling),
    (batched_negative_sampling, pyg_utils.batched_negative_sampling),
    (structured_negative_sampling, pyg_utils.structured_negative_sampling),
    (
        structured_negative_sampling_feasible,
        pyg_utils.structured_negative_sampling_feasible,
    ),
]


@pytest.mark.parametrize('ours,theirs', SAMPLERS, ids=lambda f: f.__name__)
def test_sampler_signatures_extend_pyg(ours, theirs):
    """PyG's parameters come first, in PyG's order, with PyG's defaults."""
    mine = list(inspect.signature(ours).parameters.values())
    pyg = list(inspect.signature(theirs).parameters.values())
    assert [p.name for p in mine[: len(pyg)]] == [p.name for p in pyg]
    assert [p.default for p in mine[: len(pyg)]] == [p.default for p in pyg]
    assert all(p.kind == p.KEYWORD_ONLY for p in mine[len(pyg) :])


def test_negative_sampling_positional_pyg_call():
    """negative_sampling(edge_index, N, ratio, method, force_undirected)."""
    edge_index = torch.tensor([[0, 1, 1, 2, 2, 3], [1, 0, 2, 1, 3, 2]])
    torch.manual_seed(0)
    out = negative_sampling(edge_index, 5, 1.5, 'dense', True)
    assert out.size() == (2, 8)  # int(1.5 * 6) = 9 columns asked, 9 // 2 pairs
    assert torch.equal(out[:, 4:], out[:, :4].flip(0))
    assert pyg_utils.is_undirected(out)
    dense = torch.zeros(5, 5, dtype=torch.bool)
    dense[edge_index[0], edge_index[1]] = True
    assert not dense[out[0], out[1]].any() and not (out[0] == out[1]).any()


def test_structured_pyg_default_and_feasible():
    """contains_neg_self_loops defaults to True, positionally third."""
    star = torch.tensor([[0, 0, 0], [1, 2, 3]])
    _, _, k = structured_negative_sampling(star, 4)
    assert k.tolist() == [0, 0, 0]  # only k = i is left for node 0
    assert structured_negative_sampling_feasible(star, 4)
    assert not structured_negative_sampling_feasible(star, 4, False)
    with pytest.raises(ValueError, match='got node 0'):
        structured_negative_sampling(star, 4, False)


def test_gae_with_plain_callables():
    """PyG builds GAE(encoder=lambda x: x); values are exact."""
    model = GAE(encoder=lambda x: x)
    model.reset_parameters()
    x = torch.tensor([[1.0, -1.0], [1.0, 2.0], [2.0, 1.0]])
    z = model.encode(x)
    assert torch.equal(z, x)
    logits = model.decoder.forward_all(z, sigmoid=False)
    assert logits.tolist() == [[2, -1, 1], [-1, 5, 4], [1, 4, 5]]
    edge_index = torch.tensor([[0, 1], [1, 2]])
    assert model.decode(z, edge_index, sigmoid=False).tolist() == [-1, 4]
    auc, ap = model.test(z, torch.tensor([[1], [2]]), torch.tensor([[0], [1]]))
    assert (auc, ap) == (1.0, 1.0) and isinstance(auc, float)
    assert 'lambda' not in dict(model.named_children())


def test_vgae_with_plain_callable_kl_exact():
    """VGAE(encoder=lambda x: (x, x)): the KL of N(mu, exp(logstd)^2)."""
    model = VGAE(encoder=lambda x: (x, torch.zeros_like(x)))
    x = torch.tensor([[1.0, -1.0], [3.0, 0.0]])
    model.eval()
    assert torch.equal(model.encode(x), x)  # eval mode returns mu
    # logstd = 0: KL per node = sum(mu^2) / 2, averaged over nodes.
    assert model.kl_loss().item() == pytest.approx((2 / 2 + 9 / 2) / 2)
    model.reset_parameters()


def test_edge_split_new_and_old_names():
    """RandomLinkSplit-style names, old names as read-only aliases."""
    edge_index = torch.tensor([[0, 1, 1, 2, 2, 3, 3, 4], [1, 0, 2, 1, 3, 2, 4, 3]])
    split = split_edges(edge_index, 6, num_val=1, num_test=1, generator=None)
    assert split.train_pos_edge_index is split.edge_index
    assert split.val_neg_edge_index is split.val_neg_edge_label_index
    assert split.test_pos_edge_index is split.test_pos_edge_label_index
    train = split.train_pos_edge_label_index
    assert train.size() == (2, 2) and bool((train[0] < train[1]).all())
    assert torch.equal(split.edge_index, torch.cat([train, train.flip(0)], 1))
    with pytest.raises(AttributeError):
        split.test_neg_edge_index = train
    again = EdgeSplit(*[t.clone() if torch.is_tensor(t) else t for t in split])
    assert all(
        torch.equal(a, b) if torch.is_tensor(a) else a == b
        for a, b in zip(again, split)
    )
    legacy = EdgeSplit(*list(split)[:6])
    assert legacy.train_pos_edge_label_index is legacy.edge_index


def test_link_split_drop_in_for_random_link_split():
    """Called with RandomLinkSplit's keywords, the outputs carry its fields."""
    from torch_geometric.data import Data

    edge_index = torch.tensor([[i for i in range(9)], [i + 1 for i in range(9)]])
    data = Data(edge_index=pyg_utils.to_undirected(edge_index), num_nodes=10)
    kwargs = dict(
        num_val=0.2, num_test=0.3, is_undirected=True, split_labels=True,
        add_negative_train_samples=False,
    )  # fmt: skip
    train, val, test = LinkSplit(**kwargs)(data)
    assert train.pos_edge_label_index.size() == (2, 6)  # 9 - int(1.8) - int(2.7)
    assert not hasattr(train, 'neg_edge_label_index')
    assert val.neg_edge_label_index.size() == (2, 1)
    assert test.pos_edge_label.tolist() == [1.0, 1.0]
