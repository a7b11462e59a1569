import importlib.util
import os

import pytest

EXAMPLE = os.path.join(
    os.path.dirname(__file__), '..', '..', 'examples', 'denoising.py'
)


@pytest.mark.slow
def test_denoising_example_smoke(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location('denoising_example', EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = tmp_path / 'grid.png'
    mse = module.main(
        ['--epochs', '2', '--noise', '0.5', '--out', str(out), '--no-progress']
    )
    assert set(mse) == {'noisy', 'denoised', 'clean_reconstruction'}
    assert 0 < mse['denoised'] < 1 and mse['noisy'] > 0
    assert out.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
    assert 'pixel MSE' in capsys.readouterr().out
