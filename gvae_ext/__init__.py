r"""gvae_ext: graph and dense variational autoencoders for PyTorch Geometric."""

__version__ = '0.1.0'
