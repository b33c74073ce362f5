"""Fit every click model on the TREC 2013 Session Track log and measure agreement with its qrels.

    .venv/bin/python benchmarks/click_models.py [--data ../shared/data/trec_session_2013] [--key topic|query]

Prints one JSON object: log counts, then per model (and the ctr / position / random baselines) the mean
per-topic tie-aware nDCG@10 of ranking the judged documents by click score, the same by the 0..3 grade the
score maps to, and Kendall tau-b / Spearman rho between score and qrels grade. Only (topic, doc) pairs that
were shown in the log *and* judged count. ``--key query`` fits per query string and scores a topic's
documents by their best score over the topic's queries.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

from marquee.relevance.clicks.agreement import agreement, constant_scores, ctr_scores, position_scores
from marquee.relevance.clicks.models import CLICK_MODELS, fit_click_model
from marquee.relevance.clicks.trec_session import click_sessions, read_qrels, read_sessions

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "trec_session_2013"
MAX_RANK = 10


def _by_topic(scores: dict[str, dict[str, float]], query_topic: dict[str, str]) -> dict[str, dict[str, float]]:
    """Per-query scores to per-topic scores: a document keeps its best score over the topic's queries."""
    out: dict[str, dict[str, float]] = defaultdict(dict)
    for query, docs in scores.items():
        topic = query_topic[query]
        for doc, score in docs.items():
            out[topic][doc] = max(score, out[topic].get(doc, score))
    return dict(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--key", choices=("topic", "query"), default="topic")
    parser.add_argument("--k", type=int, default=10)
    args = parser.parse_args(argv)
    log_path = args.data / "sessiontrack2013.xml.gz"
    if not log_path.exists():
        print(f"{log_path} not found; pass --data", file=sys.stderr)
        return 2
    started = time.perf_counter()
    trec = read_sessions(log_path)
    qrels = {t: {d: float(g) for d, g in docs.items()} for t, docs in read_qrels(args.data / "qrels.txt").items()}
    sessions = click_sessions(trec, key=args.key)
    query_topic = {}
    for s in trec:
        for it in s.interactions:
            query_topic[str(s.topic) if args.key == "topic" else it.query.lower()] = str(s.topic)

    def score(scores: dict[str, dict[str, float]]) -> dict:
        topic_scores = _by_topic(scores, query_topic)
        return agreement(topic_scores, qrels, args.k).to_dict(args.k)

    results: dict[str, dict] = {}
    for name in sorted(CLICK_MODELS):
        t0 = time.perf_counter()
        fit = fit_click_model(name, sessions, max_rank=MAX_RANK)
        fit_seconds = time.perf_counter() - t0
        grades = {q: {d: float(g) for d, g in docs.items()} for q, docs in fit.grades().items()}
        by_score = score(fit.scores)
        by_grade = score(grades)
        histogram: dict[int, int] = defaultdict(int)
        for docs in grades.values():
            for g in docs.values():
                histogram[int(g)] += 1
        results[name] = {**by_score, f"ndcg@{args.k}_by_grade": by_grade[f"ndcg@{args.k}"],
                         "grade_histogram": dict(sorted(histogram.items())), "fit_seconds": round(fit_seconds, 3),
                         "params": {k: v for k, v in fit.params.items() if k not in ("rank_ctr", "examination")}}
    for name, baseline in (("ctr", ctr_scores), ("position", position_scores), ("random", constant_scores)):
        results[f"baseline:{name}"] = score(baseline(sessions, MAX_RANK))
    shown_pairs = {(query_topic[s.query], d) for s in sessions for d in s.docs[:MAX_RANK]}
    print(json.dumps({
        "benchmark": "click_models",
        "dataset": "trec_session_2013",
        "key": args.key,
        "max_rank": MAX_RANK,
        "sessions": len(trec),
        "interactions": len(sessions),
        "clicks_in_max_rank": sum(len(set(s.clicked) & set(s.docs[:MAX_RANK])) for s in sessions),
        "shown_pairs": len(shown_pairs),
        "shown_pairs_judged": sum(1 for t, d in shown_pairs if d in qrels.get(t, {})),
        "models": results,
        "seconds": round(time.perf_counter() - started, 2),
    }, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
