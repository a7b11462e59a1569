r"""Write real featureless graphs that Python packages ship as edge-list files.

Every graph is written as ``OUT/<name>.txt``: one undirected edge ``u v`` per
line with integer ids ``0, ..., N-1`` (nodes numbered in order of first
appearance, only nodes with an edge), no self-loops, no repeated pairs, so
``gvae-ext bench --datasets edgelist:OUT/<name>.txt`` reads it as is. The
original node names go to ``OUT/<name>.nodes.txt`` (line ``i`` names node
``i``) and ``OUT/manifest.json`` records each graph's size and source.

Sources (nothing is downloaded by this script):

* networkx built-ins: ``karate`` (Zachary's karate club), ``lesmis`` (Les
  Misérables co-appearances, Knuth), ``davis`` (Davis' southern women and the
  events they attended, bipartite), ``florentine`` (Padgett's Florentine
  marriages).
* The example data files of the networkx 3.6.1 *source distribution*, read
  straight from the tarball passed as ``--nx-sdist``; get it with
  ``pip download --no-deps --no-binary :all: networkx==3.6.1 -d DIR``:
  ``roget`` (cross-references of Roget's Thesaurus, 1879, Stanford GraphBase
  ``roget.dat``; directed references made undirected), ``words`` (SGB
  ``words.dat``, 5757 five-letter English words, linked when they differ in
  exactly one position -- a rule-made graph over real words), ``miles`` (SGB
  ``miles.dat``, 128 North American cities, linked when their 1949 highway
  distance is under 300 miles, as in networkx's ``knuth_miles`` example),
  ``hartford`` (a drug users' network in Hartford, CT), ``lanl`` (internet
  routes from Los Alamos, near a tree), ``wormnet`` (WormNet v3 benchmark
  gene pairs of *C. elegans*), ``chess`` (players who met in World
  Championship games 1886-1985, a tiny graph).

``compare`` reads the ``runs/*.json`` that ``gvae-ext bench --out DIR`` left
and prints one Markdown table of test AUC / AP (x100, mean ± sample
std over seeds) with each ``MODEL[*][@PRESET]`` row's *paired* difference to its
``MODEL[*]@paper`` row (same seeds, so the same splits): mean ± std of the
per-seed differences and on how many seeds the row is ahead.

Usage::

    python3 scripts/real_graphs.py build OUT --nx-sdist DIR/networkx-3.6.1.tar.gz
    python3 scripts/real_graphs.py compare BENCH_DIR [BENCH_DIR ...]
"""

import argparse
import bz2
import gzip
import io
import json
import re
import statistics
import tarfile
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple

Pairs = List[Tuple[str, str]]
_SDIST_ROOT = 'networkx-3.6.1/examples/'


def _networkx(name: str) -> Pairs:
    import networkx as nx

    graph = getattr(nx, name)()
    return [(str(u), str(v)) for u, v in graph.edges()]


def _roget(text: str) -> Pairs:
    r"""SGB ``roget.dat``: ``<num><name>:<num> <num> ...``, lines ending in a
    backslash continue on the next line."""
    pairs, buffer = [], ''
    for line in text.splitlines():
        if line.startswith('*'):
            continue
        line = buffer + line
        if line.endswith('\\'):
            buffer = line[:-1]
            continue
        buffer = ''
        head, _, tails = line.partition(':')
        head = re.match(r'\d+', head).group(0)
        pairs += [(head, tail) for tail in tails.split()]
    return pairs


def _words(text: str) -> Pairs:
    r"""SGB ``words.dat``: the first five letters of each line are a word; two
    words are linked when they differ in exactly one position."""
    words = [line[:5] for line in text.splitlines() if not line.startswith('*')]
    pairs = []
    for pos in range(5):
        groups: Dict[str, List[str]] = {}
        for word in words:
            groups.setdefault(word[:pos] + '_' + word[pos + 1 :], []).append(word)
        for group in groups.values():
            pairs += [(a, b) for i, a in enumerate(group) for b in group[i + 1 :]]
    return pairs


def _miles(text: str, limit: int = 300) -> Pairs:
    r"""SGB ``miles.dat``: a city line ``Name, ST[lat,lon]population`` is
    followed by its distances to the cities listed before it, most recent
    first; cities closer than ``limit`` miles are linked."""
    pairs, cities, i = [], [], 0
    for line in text.splitlines():
        if line.startswith('*'):
            continue
        if re.match(r'\d', line):
            for dist in line.split():
                if int(dist) < limit:
                    pairs.append((cities[0], cities[i]))
                i += 1
        else:
            cities.insert(0, line.split('[')[0])
            i = 1
    return pairs


def _columns(text: str, sep: Optional[str] = None) -> Pairs:
    rows = (line.split('#')[0].split(sep) for line in text.splitlines())
    return [(r[0].strip(), r[1].strip()) for r in rows if len(r) >= 2]


def _chess(text: str) -> Pairs:
    white = re.findall(r'^\[White "(.*)"\]', text, re.M)
    black = re.findall(r'^\[Black "(.*)"\]', text, re.M)
    if len(white) != len(black):
        raise ValueError(f'chess: unpaired games (got {len(white)} / {len(black)})')
    return list(zip(white, black))


def _sdist_reader(path: Path) -> Callable[[str], str]:
    archive = tarfile.open(path)

    def read(member: str) -> str:
        raw = archive.extractfile(_SDIST_ROOT + member).read()
        if member.endswith('.gz'):
            raw = gzip.decompress(raw)
        elif member.endswith('.bz2'):
            raw = bz2.decompress(raw)
        return io.TextIOWrapper(io.BytesIO(raw), encoding='latin-1').read()

    return read


BUILTINS = {
    'karate': ('karate_club_graph', 'networkx.karate_club_graph()'),
    'lesmis': ('les_miserables_graph', 'networkx.les_miserables_graph()'),
    'davis': ('davis_southern_women_graph', 'networkx.davis_southern_women_graph()'),
    'florentine': ('florentine_families_graph', 'networkx.florentine_families_graph()'),
}
SDIST = {
    'roget': ('graph/roget_dat.txt.gz', _roget),
    'words': ('graph/words_dat.txt.gz', _words),
    'miles': ('drawing/knuth_miles.txt.gz', _miles),
    'hartford': ('algorithms/hartford_drug.edgelist', _columns),
    'lanl': ('graphviz_layout/lanl_routes.edgelist', _columns),
    'wormnet': ('algorithms/WormNet.v3.benchmark.txt', _columns),
    'chess': ('drawing/chess_masters_WCC.pgn.bz2', _chess),
}


def simple_edges(pairs: Iterable[Tuple[str, str]]):
    r"""Number the nodes in order of first appearance and return
    ``(names, edges)``: each undirected non-loop pair once, in file order."""
    index: Dict[str, int] = {}
    seen, edges = set(), []
    for u, v in pairs:
        if u == v:
            continue
        a, b = index.setdefault(u, len(index)), index.setdefault(v, len(index))
        key = (min(a, b), max(a, b))
        if key not in seen:
            seen.add(key)
            edges.append((a, b))
    return list(index), edges


def _components(num_nodes: int, edges) -> int:
    parent = list(range(num_nodes))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in edges:
        parent[find(a)] = find(b)
    return len({find(i) for i in range(num_nodes)})


def build(out: Path, nx_sdist: Optional[Path]) -> None:
    r"""Write every graph to ``out`` and print a table of their sizes."""
    out.mkdir(parents=True, exist_ok=True)
    jobs = {n: (lambda f=f: _networkx(f), s) for n, (f, s) in BUILTINS.items()}
    if nx_sdist is not None:
        read = _sdist_reader(nx_sdist)
        for name, (member, parse) in SDIST.items():
            source = f'networkx-3.6.1 sdist, examples/{member}'
            jobs[name] = (lambda m=member, p=parse: p(read(m)), source)

    manifest = {}
    print(f'{"graph":<11}{"nodes":>7}{"edges":>8}{"comps":>7}  source')
    for name, (load, source) in jobs.items():
        names, edges = simple_edges(load())
        path = out / f'{name}.txt'
        path.write_text(''.join(f'{a} {b}\n' for a, b in edges))
        (out / f'{name}.nodes.txt').write_text(
            ''.join(n.replace('\n', ' ') + '\n' for n in names)
        )
        comps = _components(len(names), edges)
        manifest[name] = dict(
            path=str(path),
            nodes=len(names),
            edges=len(edges),
            components=comps,
            source=source,
        )
        print(f'{name:<11}{len(names):>7}{len(edges):>8}{comps:>7}  {source}')
    (out / 'manifest.json').write_text(json.dumps(manifest, indent=2) + '\n')


def _mean_std(values: List[float], sign: str = '') -> str:
    std = statistics.stdev(values) if len(values) > 1 else 0.0
    return f'{statistics.fmean(values):{sign}.1f} ± {std:.1f}'


def _row_order(row: str):
    model, _, preset = row.partition('@')
    rank = {'paper': 0, '': 1, 'tuned': 1}.get(preset, 2)
    return ('@' in row or '*' in row, model, rank, preset)


def compare(folders: Sequence[Path]) -> str:
    r"""One Markdown table of the runs in ``folders`` (see the module
    docstring); the folders must hold runs of one dataset."""
    runs: Dict[Tuple[str, int], dict] = {}
    for folder in folders:
        for path in sorted((folder / 'runs').glob('*.json')):
            run = json.loads(path.read_text())
            runs[(run['row'], run['seed'])] = run
    if not runs:
        raise ValueError(
            f"'folders' hold no runs/*.json (got {list(map(str, folders))})"
        )
    datasets = {run['dataset'] for run in runs.values()}
    if len(datasets) != 1:
        raise ValueError(f"'folders' must hold one dataset (got {sorted(datasets)})")
    lines = [
        f'`{datasets.pop()}`',
        '',
        '| method | seeds | test AUC | test AP | Δ AUC vs paper (ahead) '
        '| Δ AP vs paper (ahead) | s / run |',
        '|---|---|---|---|---|---|---|',
    ]
    for row in sorted({row for row, _ in runs}, key=_row_order):
        seeds = sorted(s for r, s in runs if r == row)
        cells = [_mean_std([100 * runs[(row, s)][k] for s in seeds]) for k in KEYS]
        paper = row.split('@')[0] + '@paper'
        paired = [s for s in seeds if (paper, s) in runs]
        for key in KEYS:
            if row == paper or paper not in {r for r, _ in runs} or not paired:
                cells.append('')
                continue
            diff = [100 * (runs[(row, s)][key] - runs[(paper, s)][key]) for s in paired]
            ahead = sum(d > 0 for d in diff)
            cells.append(f'{_mean_std(diff, "+")} ({ahead}/{len(diff)})')
        seconds = statistics.fmean(runs[(row, s)]['seconds'] for s in seeds)
        lines.append(
            f'| `{row}` | {len(seeds)} | ' + ' | '.join(cells) + f' | {seconds:.1f} |'
        )
    return '\n'.join(lines) + '\n'


KEYS = ('test_auc', 'test_ap')


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest='command', required=True)
    p = sub.add_parser('build', help='write the edge-list files')
    p.add_argument('out', type=Path, help='folder for the edge-list files')
    p.add_argument(
        '--nx-sdist',
        type=Path,
        help='networkx-3.6.1.tar.gz (pip download --no-deps --no-binary :all: '
        'networkx==3.6.1 -d DIR); without it only the networkx built-ins are written',
    )
    p = sub.add_parser('compare', help='a paired table of gvae-ext bench folders')
    p.add_argument(
        'folders', type=Path, nargs='+', help='gvae-ext bench --out DIRs of one graph'
    )
    args = parser.parse_args(argv)
    if args.command == 'build':
        build(args.out, args.nx_sdist)
    else:
        print(compare(args.folders), end='')


if __name__ == '__main__':
    main()
