r"""``python -m gvae_ext``: the ``gvae-ext`` command."""

from gvae_ext.cli import main

if __name__ == '__main__':
    raise SystemExit(main())
