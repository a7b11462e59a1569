r"""GAE and VGAE of `"Variational Graph Auto-Encoders"
<https://arxiv.org/abs/1611.07308>`_ (Kipf and Welling, 2016).

Drop-ins for :class:`torch_geometric.nn.GAE` / :class:`~torch_geometric.nn.VGAE`
(same method names and call pattern, any encoder taking :obj:`(x, edge_index)`
works), with losses computed from logits, link metrics computed in torch on
the tensors' device, exact seeded negative sampling, and Kipf's
full-adjacency ("dense") objective and its node-sampled FastGAE variant
next to PyG's sampled one.

A PyG training loop runs unchanged::

    z = model.encode(x, train_pos_edge_index)     # VGAE: stores mu, logstd
    loss = model.recon_loss(z, train_pos_edge_index)
    loss = loss + (1 / num_nodes) * model.kl_loss()  # VGAE only

or, for either objective, one call::

    loss = model.loss(model.encode(x, edge_index), edge_index)
"""

from gvae_ext.nn._gae import GAE, MAX_DENSE_NODES, OBJECTIVES
from gvae_ext.nn._vgae import VGAE

__all__ = ['GAE', 'VGAE', 'OBJECTIVES', 'MAX_DENSE_NODES']
