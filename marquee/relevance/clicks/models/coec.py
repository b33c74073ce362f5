"""COEC, clicks over expected clicks (Zhang & Jones 2007; the model OpenSearch SRW uses for UBI judgements).

The click-through rate at each rank, over the whole log, says how many clicks an *average* result gets
there. A pair's COEC is its clicks divided by the clicks an average result would have got at the ranks it
was actually shown: ``COEC(q, d) = clicks(q, d) / sum over impressions i of CTR[rank_i]``. 1.0 means "clicked
as often as an average result in the same places". SRW simplifies the denominator to
``impressions x CTR[one observed rank]``; summing over each impression's own rank is the original definition
and equals SRW's when a document is always shown at one rank.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from marquee.relevance.clicks.models.base import (
    ClickModelFit,
    check_max_rank,
    check_thresholds,
    impressions_by_pair,
)
from marquee.relevance.clicks.session import Session

NAME = "coec"
DEFAULT_THRESHOLDS = (0.5, 1.0, 2.0)


def rank_ctr(sessions: Sequence[Session], max_rank: int) -> list[float]:
    """CTR at ranks 1..max_rank over all sessions (index 0 is rank 1); 0.0 for ranks never shown."""
    shown = [0] * max_rank
    clicked = [0] * max_rank
    for s in sessions:
        for i, doc in enumerate(s.docs[:max_rank]):
            shown[i] += 1
            clicked[i] += doc in s.clicked
    return [c / n if n else 0.0 for c, n in zip(clicked, shown, strict=True)]


def fit(sessions: Sequence[Session], *, max_rank: int = 10,
        thresholds: Sequence[float] = DEFAULT_THRESHOLDS) -> ClickModelFit:
    check_max_rank(max_rank)
    ctr = rank_ctr(sessions, max_rank)
    clicks: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    expected: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for s in sessions:
        for i, doc in enumerate(s.docs[:max_rank]):
            expected[s.query][doc] += ctr[i]
            clicks[s.query][doc] += doc in s.clicked
    scores = {
        q: {d: (clicks[q][d] / e if e > 0 else 0.0) for d, e in docs.items()}
        for q, docs in expected.items()
    }
    return ClickModelFit(NAME, scores, impressions_by_pair(sessions, max_rank), check_thresholds(thresholds),
                         {"max_rank": max_rank, "rank_ctr": [round(c, 6) for c in ctr]})
