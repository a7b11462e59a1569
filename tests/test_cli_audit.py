"""gvae-ext audit: clean splits exit 0, planted leaks exit 1."""

import json

import pytest

from gvae_ext.cli import main


def _write(folder, name, pairs):
    (folder / name).write_text(''.join(f'{u} {v}\n' for u, v in pairs))


def test_audit_gvae_split_is_clean(capsys):
    assert main(['audit', '--dataset', 'cora', '--seed', '3']) == 0
    assert 'no problems found' in capsys.readouterr().out


def test_audit_files_finds_a_planted_leak(tmp_path, capsys):
    _write(tmp_path, 'train.txt', [(0, 1), (1, 0), (1, 2), (2, 1), (2, 3), (3, 2)])
    _write(tmp_path, 'val_pos.txt', [(3, 4)])
    _write(tmp_path, 'val_neg.txt', [(0, 4)])
    _write(tmp_path, 'test_pos.txt', [(2, 1)])  # a training edge, reversed
    _write(tmp_path, 'test_neg.txt', [(4, 0)])  # the validation negative, mirrored
    out = tmp_path / 'report.json'
    assert main(['audit', '--files', str(tmp_path), '--json', str(out)]) == 1
    text = capsys.readouterr().out
    assert 'held_out_in_message_passing' in text
    report = json.loads(out.read_text())
    assert report['ok'] is False


def test_audit_files_errors_are_one_line(tmp_path, capsys):
    assert main(['audit', '--files', str(tmp_path / 'missing')]) == 2
    assert "'--files' must be a folder" in capsys.readouterr().err
    (tmp_path / 'val_pos.txt').write_text('a b\n')
    assert main(['audit', '--files', str(tmp_path)]) == 2
    assert "'--files' line 1" in capsys.readouterr().err


def test_audit_pyg_split_is_reproducible_and_leaves_rng_alone(capsys):
    import random

    import torch

    random.seed(5)
    torch.manual_seed(5)
    expected = (random.random(), float(torch.rand(1)))
    random.seed(5)
    torch.manual_seed(5)
    first = main(['audit', '--split', 'pyg', '--seed', '0'])
    out1 = capsys.readouterr().out
    assert (random.random(), float(torch.rand(1))) == expected
    assert main(['audit', '--split', 'pyg', '--seed', '0']) == first
    assert capsys.readouterr().out == out1
    # seed 0: PyG repeats one test negative in the other orientation
    assert first == 1 and 'mirrored_within' in out1


def test_audit_files_with_byte_order_mark(tmp_path, capsys):
    (tmp_path / 'train.txt').write_text('0 1\n1 2\n', encoding='utf-8-sig')
    (tmp_path / 'test_pos.txt').write_text('0 1\n', encoding='utf-8-sig')
    out = tmp_path / 'report.json'
    assert main(['audit', '--files', str(tmp_path), '--json', str(out)]) == 1
    report = json.loads(out.read_text())
    assert report['num_nodes'] == 3
    assert report['sizes']['train_pos'] == 2 and report['sizes']['test_pos'] == 1
    found = [(f['check'], f['part'], f['examples']) for f in report['findings']]
    assert found == [
        ('held_out_in_message_passing', 'test_pos', [[0, 1]]),
        ('duplicate_across', 'train_pos/test_pos', [[0, 1]]),
    ]
    capsys.readouterr()


def test_audit_files_huge_ids_no_false_leak(tmp_path, capsys):
    _write(tmp_path, 'train.txt', [(0, 2147483653), (8589934591, 1)])
    _write(tmp_path, 'test_pos.txt', [(2147483648, 2147483653)])
    assert main(['audit', '--files', str(tmp_path)]) == 0
    assert 'no problems found' in capsys.readouterr().out


def test_audit_files_huge_ids_planted_leak(tmp_path, capsys):
    big = 2**63 - 1
    _write(tmp_path, 'train.txt', [(2**62, big), (0, 2**40)])
    _write(tmp_path, 'val_pos.txt', [(2**40, 0)])
    out = tmp_path / 'report.json'
    assert main(['audit', '--files', str(tmp_path), '--json', str(out)]) == 1
    found = [
        (f['check'], f['part'], f['count'], f['examples'])
        for f in json.loads(out.read_text())['findings']
    ]
    assert found == [
        ('held_out_in_message_passing', 'val_pos', 1, [[2**40, 0]]),
        ('mirrored_across', 'train_pos/val_pos', 1, [[2**40, 0]]),
    ]
    capsys.readouterr()


@pytest.mark.parametrize('seed', ['-1', '99999999999999999999999', str(2**63)])
def test_audit_rejects_bad_seed_like_fit(seed, capsys):
    assert main(['audit', '--seed', seed]) == 2
    err = capsys.readouterr().err
    assert err.count('\n') == 1
    assert f"'seed' must be an integer in [0, 2**63) (got {seed})" in err


def test_audit_accepts_largest_seed(capsys):
    assert main(['audit', '--seed', str(2**63 - 1)]) == 0
    capsys.readouterr()


@pytest.mark.parametrize(
    'line,message',
    [
        (
            '0 99999999999999999999\n',
            "line 1 of '{}': node id 99999999999999999999 is out of the int64 "
            "range [0, 2**63) (got '0 99999999999999999999')",
        ),
        (
            '1 2\n9223372036854775808 0\n',
            "line 2 of '{}': node id 9223372036854775808 is out of the int64 "
            "range [0, 2**63) (got '9223372036854775808 0')",
        ),
        ('0 \u00b2\n', "line 1 of '{}' must be two node ids (got '0 \u00b2')"),
        ('\u0661 2\n', "line 1 of '{}' must be two node ids (got '\u0661 2')"),
        ('0 -1\n', "line 1 of '{}' must be two node ids (got '0 -1')"),
    ],
    ids=['20-digits', 'int64-max-plus-one', 'superscript', 'arabic-indic', 'negative'],
)
def test_audit_files_bad_ids_are_one_line(tmp_path, capsys, line, message):
    path = tmp_path / 'train.txt'
    path.write_text(line, encoding='utf-8')
    assert main(['audit', '--files', str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count('\n') == 1
    assert f"'--files' {message.format(path)}" in err


def test_audit_files_largest_id_is_accepted(tmp_path, capsys):
    _write(tmp_path, 'train.txt', [(0, 2**63 - 1)])
    assert main(['audit', '--files', str(tmp_path)]) == 0
    assert 'no problems found' in capsys.readouterr().out


def test_audit_files_not_utf8(tmp_path, capsys):
    (tmp_path / 'train.txt').write_bytes(b'0 1\n\xff 2\n')
    assert main(['audit', '--files', str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count('\n') == 1
    assert f"'--files' file '{tmp_path / 'train.txt'}' must be UTF-8 text" in err
