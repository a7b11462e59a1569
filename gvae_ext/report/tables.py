r"""The summary of a benchmark and its tables: ``results.md``, ``.csv``, ``.json``.

:func:`summarize` reduces the runs of :func:`gvae_ext.report.bench.run_grid`
to mean ± std (x100) per dataset and row, with the paper's figure
(:data:`PAPER`) beside it where there is one; :func:`to_markdown` and
:func:`write_reports` write the tables.
"""

import csv
import io
import math
import os
import statistics
from collections.abc import Sequence

from gvae_ext._io import check_output_path, write_json, write_text

# Kipf & Welling 2016, Table 1 (AUC, AP) x100, laid out as in the paper: one
# row per method, one (AUC, AP) column per dataset of _PAPER_DATASETS.
_PAPER_DATASETS = ('cora', 'planetoid:CiteSeer', 'planetoid:PubMed')
_PAPER_TABLE = {
    'sc': ((84.6, 88.5), (80.5, 85.0), (84.2, 87.8)),
    'deepwalk': ((83.1, 85.0), (80.5, 83.6), (84.4, 84.1)),
    'gae*@paper': ((84.3, 88.1), (78.7, 84.1), (82.2, 87.4)),
    'vgae*@paper': ((84.0, 87.7), (78.9, 84.1), (82.7, 87.5)),
    'gae@paper': ((91.0, 92.0), (89.5, 89.9), (96.4, 96.5)),
    'vgae@paper': ((91.4, 92.6), (90.8, 92.0), (94.4, 94.7)),
}
PAPER = {
    dataset: {method: row[i] for method, row in _PAPER_TABLE.items()}
    for i, dataset in enumerate(_PAPER_DATASETS)
}


# The summary files a benchmark writes into its folder.
RESULT_FILES = {k: f'results.{k}' for k in ('md', 'csv', 'json')}


def _metric_keys(runs: Sequence[dict]) -> list[str]:
    skip = {'dataset', 'row', 'seed', 'key'}
    keys = [k for k, v in runs[0].items() if k not in skip and isinstance(v, float)]
    return [k for k in keys if all(isinstance(r.get(k), (int, float)) for r in runs)]


def summarize(results: Sequence[dict]) -> list[dict]:
    r"""Mean and (sample) standard deviation of every metric, x100.

    Args:
        results (list of dict): Runs from :func:`run_grid`.

    Returns:
        One dict per (dataset, row): ``runs``, ``<metric>`` and
        ``<metric>_std`` (x100; ``seconds`` as it is), and the paper's
        ``paper_auc``/``paper_ap`` (NaN where there is none).
    """
    groups: dict[tuple, list[dict]] = {}
    for r in results:
        groups.setdefault((r['dataset'], r['row']), []).append(r)
    summary = []
    for (dataset, row), runs in groups.items():
        entry = dict(dataset=dataset, row=row, runs=len(runs))
        for key in _metric_keys(runs):
            scale = 1.0 if key == 'seconds' else 100.0
            values = [scale * float(r[key]) for r in runs]
            entry[key] = statistics.fmean(values)
            entry[key + '_std'] = statistics.stdev(values) if len(values) > 1 else 0.0
        paper = PAPER.get(dataset, {}).get(row)
        entry['paper_auc'], entry['paper_ap'] = paper if paper else (math.nan, math.nan)
        summary.append(entry)
    return summary


# (column title, metric) per protocol, in table order.
_COLUMNS = (
    ('test AUC', 'test_auc'),
    ('test AP', 'test_ap'),
    ('HeaRT MRR', 'heart_mrr'),
    ('HeaRT H@10', 'heart_hits@10'),
    ('HeaRT H@50', 'heart_hits@50'),
    ('HeaRT H@100', 'heart_hits@100'),
    ('OGB H@20', 'ogb_hits@20'),
    ('OGB H@50', 'ogb_hits@50'),
    ('OGB H@100', 'ogb_hits@100'),
    ('OGB MRR', 'ogb_mrr'),
)


def to_markdown(summary: Sequence[dict]) -> str:
    r"""The summary as a Markdown table (x100, mean ± std).

    The columns are those of the protocols that were run: test AUC / AP
    (random), HeaRT MRR and Hits@{10, 50, 100}, OGB Hits@{20, 50, 100} and
    MRR, then the paper's AUC / AP where there is one, and seconds per run.

    Args:
        summary (list of dict): The output of :func:`summarize`.

    Returns:
        The table, one line per entry, ending with a newline.
    """
    columns = [(t, k) for t, k in _COLUMNS if any(k in e for e in summary)]
    head = ['dataset', 'method', 'runs'] + [t for t, _ in columns]
    lines = [
        '| ' + ' | '.join(head + ['paper AUC / AP', 's/run']) + ' |',
        '|' + '---|' * (len(head) + 2),
    ]
    for e in summary:
        paper = (
            f'{e["paper_auc"]:.1f} / {e["paper_ap"]:.1f}'
            if not math.isnan(e['paper_auc'])
            else '—'
        )
        cells = [e['dataset'], e['row'], str(e['runs'])]
        for _, k in columns:
            cells.append(f'{e[k]:.1f} ± {e[k + "_std"]:.1f}' if k in e else '—')
        cells += [paper, f'{e["seconds"]:.1f}']
        lines.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines) + '\n'


def write_reports(summary: Sequence[dict], out_dir: str) -> dict[str, str]:
    r"""Write ``results.md``, ``results.csv`` and ``results.json`` atomically.

    Args:
        summary (list of dict): The output of :func:`summarize`, non-empty.
        out_dir (str): The output folder (created when missing).

    Returns:
        The written paths keyed ``'md'``, ``'csv'`` and ``'json'``.
    """
    if not summary:
        raise ValueError(f"'summary' must hold at least one entry (got {summary})")
    check_output_path(out_dir, 'out_dir', kind='dir')
    paths = {k: os.path.join(out_dir, name) for k, name in RESULT_FILES.items()}
    table = io.StringIO(newline='')
    # rows may differ in their metrics (val_mrr for MODEL:mrr rows): every
    # column any row has, in order of first appearance, empty where missing
    columns = list(dict.fromkeys(key for entry in summary for key in entry))
    writer = csv.DictWriter(table, fieldnames=columns, restval='')
    writer.writeheader()
    writer.writerows(summary)
    write_text(paths['md'], to_markdown(summary))
    write_text(paths['csv'], table.getvalue(), newline='')
    write_json(paths['json'], list(summary))
    return paths


__all__ = ['PAPER', 'summarize', 'to_markdown', 'write_reports']
