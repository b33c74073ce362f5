"""Search analytics for relevance engineers (issue 17, section 4): what users search for and where search fails.

Two sources, joined by ``query_id``: the server's search log (``storage/search_log.py``: every answered search,
its total, latency and what understanding read) and the event store (``relevance/clicks/store.py``: what a page
showed and what was clicked, posted by clients). Definitions, once, as the experiment reports use them:

* a **search** is a first page (``page_offset`` 0) of a query with words; deeper pages count only for latency;
* **zero-result rate**: searches whose answer held no title, over searches;
* **CTR**: queries with at least one click over queries that posted events (a client that posts no events
  cannot show whether its users clicked, so it is left out of the denominator, not counted as abandoning);
* **abandonment**: queries that showed titles and got no click, over queries that showed titles;
* **CTR at position p**: clicks at p over impressions at p (each position of a query counted once);
* **worth judging next**: queries searched at least ``min_searches`` times whose CTR is below ``low_ctr``, whose
  mean first click is deeper than ``deep_click``, or that found nothing. Most searched first: fixing those helps
  most users. Exported as ``id<TAB>text`` lines, the query file ``marquee judgments import --queries`` reads.

Proportions carry Wilson 95% intervals; latency percentiles are numpy's (linear interpolation).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import cast

import numpy as np

from marquee.relevance.clicks.store import ShownQuery
from marquee.relevance.online.statistics import proportion
from marquee.storage import utc_iso
from marquee.storage.search_log import SearchRow, normalize_query

BUCKETS = {"minute": 16, "hour": 13, "day": 10}  # ISO prefix length: 2026-12-04T17:05 / 2026-12-04T17 / 2026-12-04


@dataclass(frozen=True)
class Thresholds:
    """When a query is worth judging next (see the module docstring)."""

    min_searches: int = 3
    low_ctr: float = 0.2
    deep_click: float = 5.0


def since_days(days: float, now: datetime | None = None) -> str:
    """The ISO-8601 UTC start of a window of ``days`` ending now (the stores' timestamp format)."""
    return utc_iso((now or datetime.now(UTC)) - timedelta(days=days))


def first_pages(searches: Iterable[SearchRow]) -> list[SearchRow]:
    return [s for s in searches if s.page_offset == 0]


def summary(searches: Sequence[SearchRow], shown: Sequence[ShownQuery]) -> dict[str, object]:
    """The window's headline figures."""
    firsts = first_pages(searches)
    with_results = [q for q in shown if q.shown]
    return {
        "searches": len(firsts),
        "requests": len(searches),
        "distinct_queries": len({s.normalized for s in firsts}),
        "zero_result_rate": proportion(sum(1 for s in firsts if s.total == 0), len(firsts)),
        "understood_share": proportion(sum(1 for s in firsts if s.understood), len(firsts)),
        "queries_with_events": len(shown),
        "ctr": proportion(sum(1 for q in shown if q.clicked), len(shown)),
        "abandonment": proportion(sum(1 for q in with_results if not q.clicked), len(with_results)),
    }


def ctr_by_position(shown: Sequence[ShownQuery], depth: int = 20) -> list[dict[str, object]]:
    """Impressions, clicks and CTR at each position 1..depth that was shown at least once."""
    impressions: dict[int, int] = defaultdict(int)
    clicks: dict[int, int] = defaultdict(int)
    for q in shown:
        for p in q.shown:
            impressions[p] += 1
        for p in q.clicked:
            clicks[p] += 1
    return [{"position": p, "impressions": impressions[p], "clicks": clicks[p], "ctr": clicks[p] / impressions[p]}
            for p in sorted(impressions) if p <= depth]


def top_queries(searches: Sequence[SearchRow], shown: Sequence[ShownQuery], limit: int) -> list[dict[str, object]]:
    """The most searched queries: searches, how many found nothing, mean total, and CTR where events came."""
    events = {q.query_id: q for q in shown}
    groups: dict[str, list[SearchRow]] = defaultdict(list)
    for s in first_pages(searches):
        groups[s.normalized].append(s)
    out = []
    for query, rows in groups.items():
        posted = [events[s.query_id] for s in rows if s.query_id in events]
        out.append({"query": query, "searches": len(rows), "zero_results": sum(1 for s in rows if s.total == 0),
                    "mean_total": sum(s.total for s in rows) / len(rows),
                    "ctr": proportion(sum(1 for q in posted if q.clicked), len(posted))})
    return most_searched(out, limit)


def zero_result_queries(searches: Sequence[SearchRow], limit: int) -> list[dict[str, object]]:
    """Queries that found nothing, most frequent first, with what understanding read the last time."""
    groups: dict[str, list[SearchRow]] = defaultdict(list)
    for s in first_pages(searches):
        if s.total == 0:
            groups[s.normalized].append(s)
    out = [{"query": query, "searches": len(rows), "last_seen": rows[-1].received_at, "understood": rows[-1].reading}
           for query, rows in groups.items()]
    return most_searched(out, limit)


def query_id_for(normalized: str) -> str:
    """A stable id for an exported query (the same text gets the same id in every export)."""
    return "q-" + hashlib.sha1(normalized.encode("utf-8")).hexdigest()[:12]


def to_judge(searches: Sequence[SearchRow], shown: Sequence[ShownQuery], thresholds: Thresholds,
             limit: int) -> list[dict[str, object]]:
    """Queries worth judging next, most searched first, each with the reasons it was picked."""
    zero: dict[str, int] = defaultdict(int)
    for s in first_pages(searches):
        if s.total == 0:
            zero[s.normalized] += 1
    posted: dict[str, list[ShownQuery]] = defaultdict(list)
    for q in shown:
        posted[normalize_query(q.query)].append(q)
    out = []
    for query in sorted(set(posted) | set(zero)):
        mine = posted.get(query, [])
        clicked = [q for q in mine if q.clicked]
        first_clicks = [min(q.clicked) for q in clicked]
        ctr = len(clicked) / len(mine) if mine else 0.0
        mean_first = sum(first_clicks) / len(first_clicks) if first_clicks else None
        reasons = []
        if len(mine) >= thresholds.min_searches and ctr < thresholds.low_ctr:
            reasons.append("low_ctr")
        if len(mine) >= thresholds.min_searches and mean_first is not None and mean_first > thresholds.deep_click:
            reasons.append("deep_clicks")
        if zero[query] >= thresholds.min_searches:
            reasons.append("zero_results")
        if reasons:
            out.append({"id": query_id_for(query), "query": query, "searches": max(len(mine), zero[query]),
                        "ctr": ctr, "mean_first_click": mean_first, "zero_results": zero[query], "reasons": reasons})
    return most_searched(out, limit)


def most_searched(rows: list[dict[str, object]], limit: int) -> list[dict[str, object]]:
    """Most searched first, ties by query text (so every answer is in one order)."""
    return sorted(rows, key=lambda r: (-cast(int, r["searches"]), str(r["query"])))[:limit]


def queries_file(rows: Sequence[dict[str, object]]) -> str:
    """``id<TAB>text`` lines (tabs and line breaks in a query become spaces, so every line stays one query)."""
    return "".join(f"{r['id']}\t{' '.join(str(r['query']).split())}\n" for r in rows)


def latency(searches: Sequence[SearchRow], bucket: str) -> dict[str, list[dict[str, object]]]:
    """Per pipeline, per time bucket (UTC): requests, p50 and p99 of the server's own time in ms."""
    if bucket not in BUCKETS:
        raise ValueError(f"bucket must be one of {', '.join(BUCKETS)}, not {bucket!r}")
    cut = BUCKETS[bucket]
    groups: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for s in searches:
        groups[s.pipeline][s.received_at[:cut]].append(s.took_ms)
    out: dict[str, list[dict[str, object]]] = {}
    for pipeline in sorted(groups):
        series = []
        for start in sorted(groups[pipeline]):
            values = np.asarray(groups[pipeline][start], dtype=np.float64)
            series.append({"start": start, "requests": int(values.size),
                           "p50_ms": round(float(np.percentile(values, 50)), 3),
                           "p99_ms": round(float(np.percentile(values, 99)), 3)})
        out[pipeline] = series
    return out
