"""Reader for the TREC 2013 Session Track log: sessions, their queries, ranked results and clicks.

The XML (``sessiontrack2013.xml[.gz]``) nests ``session > interaction > (query, results > result, clicked > click)``;
a click names the *rank* it happened at and its start/end time in seconds from the session start. Judgements
(``qrels.txt``) are per topic, so :func:`click_sessions` can key sessions by topic to pool the evidence of
every phrasing of one information need.
"""

from __future__ import annotations

import gzip
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from marquee.relevance.clicks.events import Click, Impression, SearchEvent
from marquee.relevance.clicks.session import Session, make_session


class TrecSessionError(ValueError):
    """The file is not a TREC Session Track log we can read."""


@dataclass(frozen=True)
class TrecResult:
    rank: int
    doc_id: str
    url: str
    title: str
    snippet: str = ""


@dataclass(frozen=True)
class TrecClick:
    rank: int
    start: float
    end: float

    @property
    def dwell_ms(self) -> int | None:
        return round((self.end - self.start) * 1000) if self.end >= self.start else None


@dataclass(frozen=True)
class TrecInteraction:
    num: int
    query: str
    start: float
    results: tuple[TrecResult, ...]
    clicks: tuple[TrecClick, ...]


@dataclass(frozen=True)
class TrecSession:
    num: int
    topic: int
    interactions: tuple[TrecInteraction, ...]
    current_query: str | None


def _float(text: str | None, default: float = 0.0) -> float:
    try:
        return float(text) if text is not None else default
    except ValueError:
        return default


def read_sessions(path: Path) -> list[TrecSession]:
    """Parse the whole log (a few MB); ``.gz`` is read transparently."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as fh:
            root = ET.parse(fh).getroot()
    except (ET.ParseError, OSError, EOFError) as exc:
        raise TrecSessionError(f"{path}: not a readable Session Track XML file ({exc})") from exc
    sessions = []
    for s in root.iter("session"):
        topic = s.find("topic")
        if topic is None or not topic.get("num", "").isdigit():
            raise TrecSessionError(f"session {s.get('num')} has no topic number")
        interactions = []
        for it in s.findall("interaction"):
            results = tuple(
                TrecResult(int(r.get("rank", "0")), (r.findtext("clueweb12id") or "").strip(),
                           (r.findtext("url") or "").strip(), (r.findtext("title") or "").strip(),
                           " ".join((r.findtext("snippet") or "").split()))
                for r in it.iterfind("results/result")
            )
            clicks = tuple(
                TrecClick(int((c.findtext("rank") or "0").strip()), _float(c.get("starttime")),
                          _float(c.get("endtime")))
                for c in it.iterfind("clicked/click")
            )
            interactions.append(TrecInteraction(int(it.get("num", "0")), (it.findtext("query") or "").strip(),
                                                _float(it.get("starttime")), results, clicks))
        current = s.find("currentquery")
        sessions.append(TrecSession(int(s.get("num", "0")), int(topic.get("num", "0")), tuple(interactions),
                                    (current.findtext("query") or "").strip() if current is not None else None))
    return sessions


def read_qrels(path: Path) -> dict[str, dict[str, int]]:
    """``{topic: {doc_id: grade}}`` from the track's ``topic 0 docid grade`` file."""
    qrels: dict[str, dict[str, int]] = {}
    with open(path, encoding="utf-8") as fh:
        for line_no, line in enumerate(fh, start=1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) != 4:
                raise TrecSessionError(f"{path} line {line_no}: expected 'topic 0 docid grade'")
            qrels.setdefault(parts[0], {})[parts[2]] = int(parts[3])
    return qrels


def read_topic_map(path: Path) -> dict[int, int]:
    """``{session: topic}`` from ``sessiontopicmap.txt``."""
    mapping = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) == 2:
                mapping[int(parts[0])] = int(parts[1])
    return mapping


def click_sessions(sessions: Iterable[TrecSession], key: str = "topic") -> list[Session]:
    """One click-model :class:`Session` per interaction with results. ``key``: ``topic`` or ``query``."""
    if key not in ("topic", "query"):
        raise ValueError(f"key must be 'topic' or 'query', got {key!r}")
    out = []
    for s in sessions:
        for it in s.interactions:
            if not it.results:
                continue
            name = str(s.topic) if key == "topic" else it.query.lower()
            out.append(make_session(name, ((r.rank, r.doc_id) for r in it.results), (c.rank for c in it.clicks)))
    return out


def to_events(sessions: Iterable[TrecSession], epoch: datetime | None = None) -> list[SearchEvent]:
    """The log as ``POST /events`` records (session times are relative; ``epoch`` anchors them)."""
    base = epoch or datetime(2013, 1, 1, tzinfo=UTC)
    events = []
    for s in sessions:
        for it in s.interactions:
            shown = {r.rank: r.doc_id for r in it.results}
            events.append(SearchEvent(
                query_id=f"s{s.num}-i{it.num}",
                query=it.query or "(empty)",
                session_id=f"s{s.num}",
                timestamp=base + timedelta(seconds=it.start),
                impressions=[Impression(doc_id=doc, position=rank) for rank, doc in sorted(shown.items())],
                clicks=[Click(doc_id=shown[c.rank], position=c.rank, dwell_ms=c.dwell_ms,
                              timestamp=base + timedelta(seconds=c.start))
                        for c in it.clicks if c.rank in shown],
            ))
    return events
