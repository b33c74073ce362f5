"""The unit every click model consumes: one result page shown for one query, and what was clicked on it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Session:
    """``docs[i]`` was shown at rank ``i + 1``; ``clicked`` holds the ids clicked at least once.

    ``query`` is the key judgements are grouped under: the query text, or a topic id when several
    phrasings of one information need should pool their evidence.
    """

    query: str
    docs: tuple[str, ...]
    clicked: frozenset[str] = frozenset()
    explored: frozenset[str] = frozenset()
    """Documents placed on the page by exploration (a random draw from further down), not by their rank."""

    def __post_init__(self) -> None:
        if len(set(self.docs)) != len(self.docs):
            raise ValueError(f"session for {self.query!r} shows a document twice: {self.docs}")
        stray = self.clicked - set(self.docs)
        if stray:
            raise ValueError(f"session for {self.query!r} has clicks on documents it did not show: {sorted(stray)}")

    @property
    def last_click_rank(self) -> int:
        """1-based rank of the lowest click, 0 when nothing was clicked."""
        return max((rank for rank, doc in enumerate(self.docs, start=1) if doc in self.clicked), default=0)


def make_session(query: str, ranked: Iterable[tuple[int, str]], clicked_ranks: Iterable[int] = (),
                 explored_ranks: Iterable[int] = ()) -> Session:
    """Build a session from (rank, doc) pairs that may have gaps or repeats.

    Ranks are 1-based. Only the contiguous prefix 1..n is kept (a gap means we do not know what the user
    saw there); a document shown twice keeps its first rank. Clicks (and the ranks exploration placed) are given
    by rank, as logs record them.
    """
    by_rank = dict(sorted(ranked))
    docs: list[str] = []
    rank_to_doc: dict[int, str] = {}
    rank = 1
    while rank in by_rank:
        doc = by_rank[rank]
        if doc not in docs:
            docs.append(doc)
            rank_to_doc[rank] = doc
        rank += 1
    clicked = frozenset(rank_to_doc[r] for r in clicked_ranks if r in rank_to_doc)
    explored = frozenset(rank_to_doc[r] for r in explored_ranks if r in rank_to_doc)
    return Session(query, tuple(docs), clicked, explored)
