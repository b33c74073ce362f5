"""A catalog of any size from real texts, for the cost curve (``marquee bench scale``): deterministic per seed.

How a document is made (``generate(n, seed)``):

* its *text source* is drawn first -- Netflix descriptions 45 %, TMDB overviews 30 %, SciFact abstracts 15 %,
  TREC Session 2013 result snippets 10 % (all under ``../shared/data``, licences in each ``SOURCE.md``);
* the body is as many sentences as a random real record of that source has (at most ``MAX_SENTENCES``), each
  drawn from that source's sentence pool; the title is as many words as a random real title of that source,
  each drawn from the pool of all its title words (so frequent title words stay frequent);
* the structured fields come from real Netflix rows, one row per group of fields that belong together, drawn
  independently: (kind, duration, rating, genres) -- TV genres stay with TV shows --, countries, director,
  cast, (release year, date added). Every field's distribution, its missing rate included, is the catalog's.

Why term statistics stay realistic: every token comes from a real sentence or title in its real context, drawn
with its real frequency, so the vocabulary's Zipf curve, sentence and title lengths and field lengths are
those of the sources; what BM25 sees (document frequencies relative to N, average field lengths) and what the
facets count (value frequencies) scale the way a larger catalog of the same kind would. What does not: the
vocabulary stops growing at the sources' (~100k words), where a real catalog keeps adding rare words, and
sentences repeat (about N / 90k times each), so rare-term postings grow a little longer than they would.

The output is a Netflix-format CSV (``.csv.gz``) that ``marquee reindex FILE --format netflix`` reads like the
real one; documents are produced one at a time, so a million of them never sit in memory at once.
"""

from __future__ import annotations

import csv
import gzip
import html
import json
import random
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from marquee.enrichment.readers.netflix import COLUMNS

SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
SOURCE_WEIGHTS = {"netflix": 0.45, "tmdb": 0.30, "scifact": 0.15, "trec": 0.10}
MAX_SENTENCES = 4
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")
_WORD = re.compile(r"\S+")
# (kind, duration, rating, genres) stay together: TV genres and season counts belong to TV shows
_GROUPS = (("type", "duration", "rating", "listed_in"), ("country",), ("director",), ("cast",),
           ("release_year", "date_added"))


@dataclass(frozen=True)
class TextPool:
    """One source's sentences and title words, and how many of each its real records have."""

    sentences: tuple[str, ...]
    sentence_counts: tuple[int, ...]
    title_words: tuple[str, ...]
    title_lengths: tuple[int, ...]

    @classmethod
    def from_records(cls, records: list[tuple[str, str]]) -> TextPool:
        sentences: list[str] = []
        counts: list[int] = []
        words: list[str] = []
        lengths: list[int] = []
        for title, text in records:
            parts = [s.strip() for s in _SENTENCE.split(text) if s.strip()]
            if parts:
                sentences.extend(parts)
                counts.append(min(len(parts), MAX_SENTENCES))
            title_words = _WORD.findall(title)
            if title_words:
                words.extend(title_words)
                lengths.append(len(title_words))
        return cls(tuple(sentences), tuple(counts), tuple(words), tuple(lengths))


def _netflix_rows(data: Path) -> list[dict[str, str]]:
    with gzip.open(data / "netflix_titles" / "netflix_titles.csv.gz", "rt", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _tmdb_records(data: Path) -> list[tuple[str, str]]:
    with gzip.open(data / "tmdb_5000_movies" / "tmdb_5000_movies.csv.gz", "rt", encoding="utf-8", newline="") as fh:
        return [(row["title"], row["overview"]) for row in csv.DictReader(fh)]


def _scifact_records(data: Path) -> list[tuple[str, str]]:
    with gzip.open(data / "scifact" / "corpus.jsonl.gz", "rt", encoding="utf-8") as fh:
        return [(doc.get("title", ""), doc.get("text", "")) for doc in map(json.loads, fh)]


def _trec_records(data: Path) -> list[tuple[str, str]]:
    records = []
    with gzip.open(data / "trec_session_2013" / "sessiontrack2013.xml.gz", "rb") as fh:
        for _, element in ET.iterparse(fh):
            if element.tag == "result":
                title = html.unescape(element.findtext("title") or "")
                snippet = html.unescape(element.findtext("snippet") or "").replace('\\"', '"').strip(". ")
                records.append((title, snippet))
                element.clear()
    return records


@dataclass(frozen=True)
class Pools:
    netflix: list[dict[str, str]]
    text: dict[str, TextPool]

    @classmethod
    def load(cls, data: Path = SHARED_DATA) -> Pools:
        netflix = _netflix_rows(data)
        text = {
            "netflix": TextPool.from_records([(r["title"], r["description"]) for r in netflix]),
            "tmdb": TextPool.from_records(_tmdb_records(data)),
            "scifact": TextPool.from_records(_scifact_records(data)),
            "trec": TextPool.from_records(_trec_records(data)),
        }
        return cls(netflix, text)


def generate(n: int, seed: int = 0, pools: Pools | None = None) -> Iterator[dict[str, str]]:
    """``n`` Netflix-format rows (``COLUMNS``), the same ones for the same seed and pools."""
    pools = pools or Pools.load()
    rng = random.Random(seed)
    sources = list(SOURCE_WEIGHTS)
    weights = list(SOURCE_WEIGHTS.values())
    for i in range(n):
        pool = pools.text[rng.choices(sources, weights)[0]]
        body = " ".join(rng.choice(pool.sentences) for _ in range(rng.choice(pool.sentence_counts)))
        title = " ".join(rng.choice(pool.title_words) for _ in range(rng.choice(pool.title_lengths)))
        row: dict[str, str] = {"show_id": f"x{i:07d}", "title": title, "description": body}
        for group in _GROUPS:
            donor = rng.choice(pools.netflix)
            row.update({column: donor[column] for column in group})
        yield {column: row[column] for column in COLUMNS}


def write_catalog(path: Path, n: int, seed: int = 0, data: Path = SHARED_DATA) -> dict[str, Any]:
    """Write ``generate(n, seed)`` as a gzipped Netflix CSV; returns what was written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt", encoding="utf-8", newline="", compresslevel=1) as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        for row in generate(n, seed, Pools.load(data)):
            writer.writerow(row)
    return {"path": str(path), "documents": n, "seed": seed, "format": "netflix",
            "text_sources": SOURCE_WEIGHTS, "bytes": path.stat().st_size}
