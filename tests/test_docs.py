r"""The documentation runs as written.

Every ```bash and ```python block of README.md, docs/guide.md and
docs/link_prediction.md is run in
order, in one temporary folder per document. A block is skipped only when
the line before its fence is the marker ``<!-- no-walk: REASON -->``
(set-up scripts, files not on this machine, multi-process launches).

The blocks of a document run in one child ``python3`` process (``PYTHONPATH``
= the repository), which pays the ~5 s import of torch and PyG once instead
of once per command: ``gvae-ext ARGS`` and ``python3 -m gvae_ext ARGS`` call
``gvae_ext.cli.main(ARGS)``, which must return 0 (the console script does
exactly this); ``python3 -c CODE`` and Python blocks are executed with
``__name__ == '__main__'``; any other command runs as a subprocess.

To keep the walk short, commands are rewritten by these rules (and only
these; no command is dropped):

* ``--epochs N`` becomes ``--epochs 2``, and ``gvae-ext fit`` without
  ``--epochs`` gets ``--epochs 2``;
* ``--seeds S`` becomes ``--seeds 0``, and ``gvae-ext bench`` without
  ``--models`` gets ``--models sc`` (``bench`` has no ``--epochs``; the
  spectral row takes a fraction of a second);
* in Python blocks ``range(N)`` with ``N >= 10`` becomes ``range(2)``.

Also checked: every test that docs/guarantees.md cites exists, and every relative Markdown link of README.md and docs/ points at
an existing file, and a ``#anchor`` into a Markdown file at one of its
headings.
"""

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
WALKED = ['README.md', 'docs/guide.md', 'docs/link_prediction.md']
NO_WALK = re.compile(r'^<!--\s*no-walk:\s*(.+?)\s*-->$')
FENCE = re.compile(r'^```(\w*)\s*$')
# Commands that install packages or run the suite must sit in no-walk blocks.
FORBIDDEN = re.compile(r'^(bash scripts/|pip |python3? -m pip |pytest)')


def doc_blocks(path: Path) -> list[dict]:
    r"""The fenced blocks of a Markdown file: language, code, first line
    number and the no-walk reason (:obj:`None` when walked)."""
    blocks, lang, lines, start, previous = [], None, [], 0, ''
    for number, line in enumerate(path.read_text().splitlines(), 1):
        fence = FENCE.match(line)
        if lang is None and fence:
            lang, lines, start = fence.group(1), [], number
            marker = NO_WALK.match(previous.strip())
            reason = marker.group(1) if marker else None
        elif lang is not None and line.strip() == '```':
            blocks.append(
                {'lang': lang, 'code': '\n'.join(lines), 'line': start, 'skip': reason}
            )
            lang = None
        elif lang is not None:
            lines.append(line)
        if line.strip():
            previous = line
    assert lang is None, f'{path}: unclosed code fence at line {start}'
    return blocks


def shell_commands(code: str) -> list[str]:
    r"""The commands of a bash block, continuation lines joined."""
    joined = re.sub(r'\s*\\\n\s*', ' ', code)
    return [
        c for c in joined.splitlines() if c.strip() and not c.lstrip().startswith('#')
    ]


def rewrite_command(command: str) -> list[str]:
    r"""Apply the module's rewrite rules; return the argument vector, with
    ``gvae-ext`` spelled ``python3 -m gvae_ext``."""
    argv = shlex.split(command, comments=True)
    if argv[0] == 'gvae-ext':
        argv = ['python3', '-m', 'gvae_ext', *argv[1:]]
    for flag, value in (('--epochs', '2'), ('--seeds', '0')):
        if flag in argv:
            argv[argv.index(flag) + 1] = value
    sub = argv[3] if argv[1:3] == ['-m', 'gvae_ext'] else None
    if sub == 'fit' and '--epochs' not in argv:
        argv += ['--epochs', '2']
    if sub == 'bench' and '--models' not in argv:
        argv += ['--models', 'sc']
    return argv


def rewrite_python(code: str) -> str:
    r"""``range(N)`` with ``N >= 10`` becomes ``range(2)``."""
    return re.sub(r'\brange\(\d{2,}\)', 'range(2)', code)


def test_rewrite_rules():
    py = 'python3'
    assert rewrite_command('gvae-ext fit --dataset cora --epochs 200  # note') == [
        py, '-m', 'gvae_ext', 'fit', '--dataset', 'cora', '--epochs', '2',
    ]  # fmt: skip
    assert rewrite_command('gvae-ext fit --dataset cora')[-2:] == ['--epochs', '2']
    assert rewrite_command('gvae-ext bench --seeds 0-9 --out b')[3:] == [
        'bench', '--seeds', '0', '--out', 'b', '--models', 'sc',
    ]  # fmt: skip
    assert rewrite_command('gvae-ext score m.pt --out s.csv')[3:] == [
        'score', 'm.pt', '--out', 's.csv',
    ]  # fmt: skip
    assert rewrite_python('for e in range(200):\n range(3)') == (
        'for e in range(2):\n range(3)'
    )
    assert shell_commands('a \\\n  b\n# c\n\nd') == ['a b', 'd']


def test_doc_blocks_marker(tmp_path):
    md = tmp_path / 'x.md'
    md.write_text(
        '<!-- no-walk: needs files -->\n```bash\na\n```\n\n```python\nb\n```\n'
    )
    blocks = doc_blocks(md)
    assert [(b['lang'], b['code'], b['skip']) for b in blocks] == [
        ('bash', 'a', 'needs files'),
        ('python', 'b', None),
    ]


def doc_steps(doc: str) -> list[dict]:
    r"""The walked steps of a document, rewritten, in order."""
    steps = []
    for block in doc_blocks(ROOT / doc):
        where = f'{doc}:{block["line"]}'
        if block['skip'] is not None or block['lang'] not in ('bash', 'python'):
            continue
        if block['lang'] == 'python':
            steps.append({'where': where, 'python': rewrite_python(block['code'])})
            continue
        for command in shell_commands(block['code']):
            assert not FORBIDDEN.match(command), (
                f'{where}: {command!r} must sit in a no-walk block'
            )
            steps.append({'where': where, 'argv': rewrite_command(command)})
    return steps


def _run_steps(steps: list[dict]) -> None:
    # The child process: run every step in order, stop at the first failure.
    from gvae_ext.cli import main

    for step in steps:
        argv, label = step.get('argv'), step['where']
        print(
            f'--- {label}: {shlex.join(argv) if argv else "python block"}', flush=True
        )
        if argv is None:
            exec(compile(step['python'], label, 'exec'), {'__name__': '__main__'})
        elif argv[:3] == ['python3', '-m', 'gvae_ext']:
            if main(argv[3:]) != 0:
                sys.exit(f'{label}: {shlex.join(argv)} failed')
        elif argv[:2] == ['python3', '-c']:
            exec(compile(argv[2], label, 'exec'), {'__name__': '__main__'})
        else:
            subprocess.run(argv, check=True)


@pytest.mark.slow
@pytest.mark.parametrize('doc', WALKED)
def test_doc_commands_run_in_order(doc, tmp_path):
    steps = doc_steps(doc)
    assert len(steps) >= 3
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS='1', MPLBACKEND='Agg')
    run = subprocess.run(
        [sys.executable, __file__],
        input=json.dumps(steps),
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, (run.stdout + run.stderr)[-4000:]


def _slug(heading: str) -> str:
    # GitHub's anchor of a heading: lower case, punctuation dropped,
    # spaces to hyphens.
    text = re.sub(r'[^\w\- ]', '', heading.strip().lower())
    return text.replace(' ', '-')


def _anchors(path: Path) -> set:
    text = re.sub(r'```.*?```', '', path.read_text(), flags=re.S)
    return {_slug(m) for m in re.findall(r'^#+\s+(.+)$', text, flags=re.M)}


def _markdown_files() -> list[Path]:
    return [ROOT / 'README.md', *sorted((ROOT / 'docs').rglob('*.md'))]


@pytest.mark.parametrize(
    'path', _markdown_files(), ids=lambda p: str(p.relative_to(ROOT))
)
def test_relative_links_resolve(path):
    text = re.sub(r'```.*?```', '', path.read_text(), flags=re.S)
    text = re.sub(r'`[^`\n]*`', '', text)
    broken = []
    for target in re.findall(r'\]\(([^)\s]+)\)', text):
        if re.match(r'^[a-z][a-z0-9+.-]*:', target):  # http:, https:, mailto:
            continue
        file, _, anchor = target.partition('#')
        resolved = (path.parent / file).resolve() if file else path
        if not resolved.exists():
            broken.append(target)
        elif anchor and resolved.suffix == '.md' and anchor not in _anchors(resolved):
            broken.append(target)
    assert broken == [], f'{path.relative_to(ROOT)}: broken links {broken}'


def test_guarantees_cite_existing_tests():
    text = (ROOT / 'docs' / 'guarantees.md').read_text()
    cited = re.findall(r'`(tests/[\w/]+\.py)::(\w+)`', text)
    assert len(cited) >= 20
    missing = [
        f'{file}::{name}'
        for file, name in cited
        if not re.search(rf'^def {name}\(', (ROOT / file).read_text(), flags=re.M)
    ]
    assert missing == []


if __name__ == '__main__':
    _run_steps(json.loads(sys.stdin.read()))
