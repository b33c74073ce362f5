"""``marquee report``: one self-contained HTML file comparing runs (plots inlined as PNG data URIs).

Sections: metrics per pipeline (ranx); every run against the baseline (the first run, or ``baseline``) with the
nDCG@10 delta, randomisation and t-test p-values, wins/ties/losses and the queries it hurt most; per-query
nDCG@10 delta histograms against the baseline; recall@k curves; the LTR model's feature importance when a model
JSON is given. No network, no JS.
"""

from __future__ import annotations

import base64
import html
import io
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from marquee.relevance.evaluation import METRICS, score
from marquee.relevance.experiments.runs import load_run

Run = dict[str, dict[str, float]]
Qrels = Mapping[str, Mapping[str, float]]
RECALL_KS = (1, 2, 3, 5, 10, 20, 30, 50, 75, 100)


def read_run(path: Path) -> Run:
    """A ranx/TREC run, or the file ``marquee evaluate --run-out`` writes (``{"run": ..., "per_query": ...}``)."""
    text = Path(path).read_text(encoding="utf-8").lstrip()
    if text.startswith("{"):
        data = json.loads(text)
        if isinstance(data, dict) and isinstance(data.get("run"), dict):
            return {qid: {doc: float(s) for doc, s in docs.items()} for qid, docs in data["run"].items()}
    return load_run(path)


def recall_at(qrels: Qrels, run: Run, k: int) -> float:
    """Mean over judged queries of (relevant in top k) / (relevant); queries without relevant docs skipped."""
    values = []
    for qid, judged in qrels.items():
        relevant = {doc for doc, grade in judged.items() if grade > 0}
        if not relevant:
            continue
        ranked = sorted(run.get(qid, {}).items(), key=lambda kv: (-kv[1], kv[0]))[:k]
        values.append(len(relevant & {doc for doc, _ in ranked}) / len(relevant))
    return float(np.mean(values)) if values else 0.0


def _png(fig: Any) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


WORST_QUERIES = 5


def _against_baseline(runs: Mapping[str, Run], qrels: Qrels, baseline: str) -> str:
    """An HTML table: each run against the baseline on nDCG@10, with significance and the worst-hit queries."""
    from marquee.relevance.experiments.compare import _fmt_p, compare_runs

    graded = {q: {d: int(g) for d, g in docs.items()} for q, docs in qrels.items()}
    rows = []
    for name, run in runs.items():
        if name == baseline:
            continue
        comparison = compare_runs(graded, runs[baseline], run, metrics=("ndcg@10", "recall@100"), top_n=10**6)
        row = comparison.metric("ndcg@10")
        worst = sorted((m for m in comparison.top_moves if m.delta < 0), key=lambda m: m.delta)[:WORST_QUERIES]
        hurt = "<br>".join(f"{html.escape(m.query_id)} ({m.a:.3f} &rarr; {m.b:.3f})" for m in worst) or "none"
        rows.append(f"<tr><th>{html.escape(name)}</th><td>{row.delta:+.4f}</td><td>{_fmt_p(row.randomisation_p)}</td>"
                    f"<td>{_fmt_p(row.t_test_p)}</td><td>{row.wins}/{row.ties}/{row.losses}</td>"
                    f"<td style='text-align:left'>{hurt}</td></tr>")
    return (f"<h2>Against {html.escape(baseline)}</h2><table><tr><th>run</th><th>nDCG@10 &Delta;</th>"
            "<th>p (randomisation)</th><th>p (t-test)</th><th>W/T/L</th><th>queries hurt most</th></tr>"
            + "".join(rows) + "</table>")


def build_report(
    runs: Mapping[str, Run],
    qrels: Qrels,
    model_json: Mapping[str, Any] | None = None,
    title: str = "marquee relevance report",
    baseline: str | None = None,
) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if not runs:
        raise ValueError("a report needs at least one run")
    names = list(runs)
    baseline = baseline or names[0]
    if baseline not in runs:
        raise ValueError(f"baseline {baseline!r} is not one of the runs: {', '.join(names)}")
    results = {name: score(dict(qrels), run, METRICS) for name, run in runs.items()}
    images: list[tuple[str, str]] = []

    fig, ax = plt.subplots(figsize=(7, 3.2))
    width = 0.8 / len(names)
    for i, name in enumerate(names):
        ax.bar(np.arange(len(METRICS)) + i * width, [results[name][0][m] for m in METRICS], width, label=name)
    ax.set_xticks(np.arange(len(METRICS)) + width * (len(names) - 1) / 2, METRICS)
    ax.set_ylim(0, 1)
    ax.legend(fontsize=8)
    images.append(("Metrics per pipeline", _png(fig)))
    plt.close(fig)

    base = results[baseline][1]["ndcg@10"]
    for name in names:
        if name == baseline:
            continue
        other = results[name][1]["ndcg@10"]
        deltas = [other.get(q, 0.0) - base.get(q, 0.0) for q in qrels]
        fig, ax = plt.subplots(figsize=(7, 3))
        ax.hist(deltas, bins=np.linspace(-1, 1, 41), color="#b3122e")
        ax.set_xlabel(f"nDCG@10 per query: {name} minus {baseline}")
        ax.set_ylabel("queries")
        images.append((f"Per-query delta: {name}", _png(fig)))
        plt.close(fig)

    fig, ax = plt.subplots(figsize=(7, 3.2))
    for name, run in runs.items():
        ax.plot(RECALL_KS, [recall_at(qrels, run, k) for k in RECALL_KS], marker="o", label=name)
    ax.set_xscale("log")
    ax.set_xlabel("k")
    ax.set_ylabel("recall@k")
    ax.legend(fontsize=8)
    images.append(("Recall@k", _png(fig)))
    plt.close(fig)

    if model_json and model_json.get("feature_importance_gain"):
        gains = sorted(model_json["feature_importance_gain"].items(), key=lambda kv: kv[1])[-15:]
        fig, ax = plt.subplots(figsize=(7, 0.3 * len(gains) + 0.8))
        ax.barh([k for k, _ in gains], [v for _, v in gains], color="#444")
        ax.set_xlabel("LightGBM gain")
        images.append(("LTR feature importance", _png(fig)))
        plt.close(fig)

    rows = "".join(
        f"<tr><th>{html.escape(name)}</th>" + "".join(f"<td>{results[name][0][m]:.4f}</td>" for m in METRICS) + "</tr>"
        for name in names
    )
    head = "".join(f"<th>{m}</th>" for m in METRICS)
    figures = "".join(
        f'<h2>{html.escape(caption)}</h2><img alt="{html.escape(caption)}" src="{src}">' for caption, src in images
    )
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        "<style>body{font:15px system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}"
        "table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.3rem .6rem;text-align:right}"
        "img{max-width:100%}</style></head><body>"
        f"<h1>{html.escape(title)}</h1><p>{len(qrels)} judged queries.</p>"
        f"<table><tr><th>run</th>{head}</tr>{rows}</table>"
        f"{_against_baseline(runs, qrels, baseline) if len(names) > 1 else ''}{figures}</body></html>"
    )


def write_report(
    path: Path,
    run_paths: Sequence[Path],
    qrels: Qrels,
    names: Sequence[str] | None = None,
    model_json: Path | None = None,
    baseline: str | None = None,
) -> None:
    labels = list(names) if names else [Path(p).stem for p in run_paths]
    if len(labels) != len(run_paths):
        raise ValueError(f"{len(run_paths)} runs but {len(labels)} names")
    runs = {label: read_run(p) for label, p in zip(labels, run_paths, strict=True)}
    model = json.loads(Path(model_json).read_text(encoding="utf-8")) if model_json else None
    Path(path).write_text(build_report(runs, qrels, model, baseline=baseline), encoding="utf-8")
