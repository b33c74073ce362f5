"""Retrieval collections nobody tuned on, built as BEIR folders from the data in ``../shared``.

A default (the hybrid fusion, say) chosen by its peak on one collection is tuned to that collection; chosen by
how it holds up on several unlike ones, it is tuned for generality. These builders turn the shared data into
BEIR-layout folders (``corpus.jsonl``, ``queries.jsonl``, ``qrels/<split>.tsv``) that ``marquee evaluate`` and
``tune-fusion`` read like any other:

* ``trec-session``: the TREC 2013 Session Track. The corpus is every result the track's engine showed (title +
  snippet: ClueWeb12 itself is not shared), the queries are the users' own reformulations, the grades are the
  track's per-topic judgements of those results. Short web snippets, real user queries.
* ``tmdb-taglines``: a known-item task. Each movie's tagline is a query whose one relevant document is the movie;
  the corpus has the title, overview and genres but never the tagline, so the words must be found by meaning.
* ``tmdb-keywords``: a topical task. A query is two of a movie's TMDB keywords ("space war future"); every movie
  tagged with both is relevant. Keywords are not in the corpus either: the overview has to carry the topic.

Query ids, samples and splits are functions of the data alone (sha256), so a rebuilt folder is byte-identical.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path

from marquee.relevance.clicks.trec_session import read_qrels, read_sessions, read_topic_map

COLLECTIONS = ("trec-session", "tmdb-taglines", "tmdb-keywords")
TAGLINE_QUERIES = 600
KEYWORD_QUERIES = 600
MIN_KEYWORD_MATCHES = 2
"""A keyword pair names a topic only when at least this many movies share it (one would be a known item)."""
MAX_KEYWORD_MATCHES = 40
MAX_KEYWORD_SHARE = 0.02
"""Keywords on more than 2% of the movies are bookkeeping, not topics ("duringcreditsstinger", "woman director",
"independent film", "3d"): they are never drawn."""


class CollectionError(ValueError):
    """The source data is missing or not in the expected shape."""


def _bucket(key: str) -> int:
    return int(hashlib.sha256(key.encode("utf-8")).hexdigest()[:12], 16)


def _write(out: Path, corpus: Iterable[Mapping[str, str]], queries: Mapping[str, str],
           qrels: Mapping[str, Mapping[str, int]]) -> dict[str, int]:
    out.mkdir(parents=True, exist_ok=True)
    (out / "qrels").mkdir(exist_ok=True)
    documents = 0
    with open(out / "corpus.jsonl", "w", encoding="utf-8") as fh:
        for doc in corpus:
            fh.write(json.dumps(doc, ensure_ascii=False, sort_keys=True) + "\n")
            documents += 1
    kept = {qid: text for qid, text in queries.items() if qrels.get(qid)}
    with open(out / "queries.jsonl", "w", encoding="utf-8") as fh:
        for qid, text in sorted(kept.items()):
            fh.write(json.dumps({"_id": qid, "text": text}, ensure_ascii=False) + "\n")
    with open(out / "qrels" / "test.tsv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter="\t", lineterminator="\n")
        writer.writerow(["query-id", "corpus-id", "score"])
        for qid in sorted(kept):
            for doc_id, grade in sorted(qrels[qid].items()):
                writer.writerow([qid, doc_id, grade])
    return {"documents": documents, "queries": len(kept), "judgements": sum(len(qrels[q]) for q in kept)}


def build_trec_session(source: Path, out: Path) -> dict[str, int]:
    """Corpus = the results shown (title + snippet), queries = distinct (topic, query) pairs, grades = qrels.

    Negative grades (spam, -2) become 0. A query is kept when at least one shown result is judged relevant."""
    xml = source / "sessiontrack2013.xml.gz"
    if not xml.exists():
        raise CollectionError(f"{source}: no sessiontrack2013.xml.gz")
    sessions = read_sessions(xml)
    topics = read_topic_map(source / "sessiontopicmap.txt")
    judged = read_qrels(source / "qrels.txt")
    documents: dict[str, dict[str, str]] = {}
    for session in sessions:
        for interaction in session.interactions:
            for result in interaction.results:
                if result.doc_id and result.doc_id not in documents:
                    documents[result.doc_id] = {"_id": result.doc_id, "title": result.title, "text": result.snippet}
    queries: dict[str, str] = {}
    qrels: dict[str, dict[str, int]] = {}
    for session in sessions:
        topic = str(topics.get(session.num, session.topic))
        grades = judged.get(topic, {})
        texts = [i.query for i in session.interactions] + [session.current_query or ""]
        for text in texts:
            text = " ".join(text.split())
            if not text:
                continue
            qid = f"t{topic}-{hashlib.sha256(text.lower().encode()).hexdigest()[:10]}"
            queries[qid] = text
            qrels[qid] = {d: max(0, g) for d, g in grades.items() if d in documents}
            if not any(qrels[qid].values()):
                del qrels[qid]
    return _write(out, (documents[d] for d in sorted(documents)), queries, qrels)


def _tmdb_rows(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        raise CollectionError(f"{path}: not found")
    with gzip.open(path, "rt", encoding="utf-8", newline="") if path.suffix == ".gz" else open(
        path, encoding="utf-8", newline=""
    ) as fh:
        rows = list(csv.DictReader(fh))
    if not rows or "tagline" not in rows[0] or "keywords" not in rows[0]:
        raise CollectionError(f"{path}: not a TMDB 5000 movies CSV (needs tagline and keywords columns)")
    return rows


def _names(cell: str) -> list[str]:
    try:
        return [str(item["name"]) for item in json.loads(cell or "[]")]
    except (json.JSONDecodeError, KeyError, TypeError):
        return []


def _tmdb_corpus(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """Title, overview and genres: never the tagline or keywords the queries come from."""
    corpus = []
    for row in rows:
        if not row.get("overview", "").strip():
            continue
        genres = ", ".join(_names(row.get("genres", "")))
        text = row["overview"].strip() + (f" Genres: {genres}." if genres else "")
        corpus.append({"_id": f"tmdb-{row['id']}", "title": row["title"], "text": text})
    return corpus


def build_tmdb_taglines(catalog: Path, out: Path, count: int = TAGLINE_QUERIES) -> dict[str, int]:
    rows = _tmdb_rows(catalog)
    corpus = _tmdb_corpus(rows)
    present = {doc["_id"] for doc in corpus}
    candidates = [r for r in rows if r.get("tagline", "").strip() and f"tmdb-{r['id']}" in present]
    chosen = sorted(candidates, key=lambda r: _bucket(f"tagline:{r['id']}"))[:count]
    queries = {f"tag-{r['id']}": r["tagline"].strip() for r in chosen}
    qrels = {f"tag-{r['id']}": {f"tmdb-{r['id']}": 1} for r in chosen}
    return _write(out, corpus, queries, qrels)


def build_tmdb_keywords(catalog: Path, out: Path, count: int = KEYWORD_QUERIES) -> dict[str, int]:
    rows = _tmdb_rows(catalog)
    corpus = _tmdb_corpus(rows)
    present = {doc["_id"] for doc in corpus}
    tagged: dict[str, set[str]] = {}
    for row in rows:
        doc_id = f"tmdb-{row['id']}"
        if doc_id in present:
            for keyword in _names(row.get("keywords", "")):
                tagged.setdefault(keyword.lower(), set()).add(doc_id)
    common = {k for k, docs in tagged.items() if len(docs) > MAX_KEYWORD_SHARE * len(corpus)}
    pairs: dict[tuple[str, str], set[str]] = {}
    for row in rows:
        words = sorted({k.lower() for k in _names(row.get("keywords", ""))} - common)
        for i, first in enumerate(words):
            for second in words[i + 1:]:
                if (first, second) not in pairs:
                    pairs[(first, second)] = tagged.get(first, set()) & tagged.get(second, set())
    usable = [p for p, docs in pairs.items() if MIN_KEYWORD_MATCHES <= len(docs) <= MAX_KEYWORD_MATCHES]
    chosen = sorted(usable, key=lambda p: _bucket(f"keywords:{p[0]}|{p[1]}"))[:count]
    queries = {f"kw-{hashlib.sha256('|'.join(p).encode()).hexdigest()[:10]}": f"{p[0]} {p[1]}" for p in chosen}
    qrels = {qid: dict.fromkeys(sorted(pairs[p]), 1) for qid, p in zip(queries, chosen, strict=True)}
    return _write(out, corpus, queries, qrels)


def build(name: str, shared_data: Path, out: Path) -> dict[str, int]:
    """Build collection ``name`` from ``shared_data`` (the ``../shared/data`` folder) into ``out``."""
    if name == "trec-session":
        return build_trec_session(shared_data / "trec_session_2013", out)
    if name == "tmdb-taglines":
        return build_tmdb_taglines(shared_data / "tmdb_5000_movies" / "tmdb_5000_movies.csv.gz", out)
    if name == "tmdb-keywords":
        return build_tmdb_keywords(shared_data / "tmdb_5000_movies" / "tmdb_5000_movies.csv.gz", out)
    raise ValueError(f"unknown collection {name!r}; valid: {', '.join(COLLECTIONS)}")
