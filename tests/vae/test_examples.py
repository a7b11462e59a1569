import importlib.util
import os

import pytest

EXAMPLE = os.path.join(
    os.path.dirname(__file__), '..', '..', 'examples', 'denoising.py'
)


@pytest.mark.slow
def test_denoising_example_smoke(tmp_path, capsys):
    """The example trains, denoises and writes its PNG grid."""
    spec = importlib.util.spec_from_file_location('denoising_example', EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = tmp_path / 'grid.png'
    mse = module.main(
        ['--epochs', '20', '--noise', '0.5', '--out', str(out), '--no-progress']
    )
    assert set(mse) == {'noisy', 'denoised', 'clean_reconstruction'}
    # The point of the example: denoised digits are closer to the clean ones.
    assert mse['denoised'] < mse['noisy']
    assert out.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
    assert 'pixel MSE' in capsys.readouterr().out
