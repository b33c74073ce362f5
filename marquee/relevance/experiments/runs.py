"""Reading runs and qrels from files, with errors that name the line.

Runs: TREC run files (``qid Q0 docid rank score tag``), ranx Run JSON (``{qid: {docid: score}}``) or the file
``marquee evaluate --run-out`` writes (``{"run": ..., "per_query": ...}``), told apart by the first non-blank
character. Qrels: TREC qrels, BEIR qrels TSV or Quepid CSV (recognised by their headers), ranx-style
JSON, or SRW judgment JSON -- read with the judgement-list format readers so every format has one parser.
"""

from __future__ import annotations

import json
from pathlib import Path

from marquee.relevance.judgments.formats import get_format
from marquee.relevance.judgments.formats.beir import HEADER as BEIR_HEADER


class RunFileError(ValueError):
    """A run or qrels file we cannot read; the message says where."""


def _first_char(path: Path) -> str:
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                return line.lstrip()[0]
    return ""


def load_run(path: Path) -> dict[str, dict[str, float]]:
    path = Path(path)
    try:
        if _first_char(path) == "{":
            return _load_json_scores(path, "run")
        run: dict[str, dict[str, float]] = {}
        with open(path, encoding="utf-8") as fh:
            for line_no, line in enumerate(fh, start=1):
                parts = line.split()
                if not parts:
                    continue
                if len(parts) != 6:
                    raise RunFileError(f"{path} line {line_no}: expected 'qid Q0 docid rank score tag', "
                                       f"got {len(parts)} fields")
                try:
                    score = float(parts[4])
                except ValueError:
                    raise RunFileError(f"{path} line {line_no}: score {parts[4]!r} is not a number") from None
                run.setdefault(parts[0], {})[parts[2]] = score
        return run
    except (OSError, UnicodeDecodeError) as exc:
        raise RunFileError(f"cannot read run {path}: {exc}") from exc


def detect_qrels_format(path: Path) -> str:
    """``ranx-json``, ``srw``, ``beir``, ``quepid``, ``ranklib`` or ``trec``, from the first line (or bytes)."""
    if _first_char(path) == "{":
        with open(path, encoding="utf-8") as fh:
            return "srw" if "judgmentRatings" in fh.read(4096) else "ranx-json"
    with open(path, encoding="utf-8") as fh:
        first = fh.readline().rstrip("\r\n")
    if tuple(p.strip() for p in first.split("\t")) == BEIR_HEADER:
        return "beir"
    if first.lower().replace(" ", "").startswith("query,"):
        return "quepid"  # query text, doc id, rating: the format the catalog's own list ships in
    if len(first.split()) > 1 and first.split()[1].startswith("qid:"):
        return "ranklib"
    return "trec"


def load_qrels(path: Path) -> dict[str, dict[str, float]]:
    path = Path(path)
    try:
        fmt = detect_qrels_format(path)
        if fmt == "ranx-json":
            return _load_json_scores(path, "qrels")
        with open(path, encoding="utf-8", newline="") as fh:
            parsed = get_format(fmt).read(fh)
    except (OSError, UnicodeDecodeError) as exc:
        raise RunFileError(f"cannot read qrels {path}: {exc}") from exc
    except ValueError as exc:  # JudgmentFormatError: the file is not the format at all
        raise RunFileError(f"{path}: {exc}") from exc
    if parsed.problems:
        shown = "; ".join(str(p) for p in parsed.problems[:5])
        raise RunFileError(f"{path}: {len(parsed.problems)} malformed qrels rows: {shown}")
    qrels: dict[str, dict[str, float]] = {}
    for j in parsed.judgments:
        qrels.setdefault(j.query, {})[j.doc_id] = j.grade
    return qrels


def _load_json_scores(path: Path, what: str) -> dict[str, dict[str, float]]:
    try:
        with open(path, encoding="utf-8") as fh:
            body = json.load(fh)
    except json.JSONDecodeError as exc:
        raise RunFileError(f"{path} line {exc.lineno}: invalid JSON ({exc.msg})") from exc
    if what == "run" and isinstance(body, dict) and {"run", "per_query"} <= set(body) <= {"run", "per_query", "meta"}:
        body = body["run"]  # what `marquee evaluate --run-out` writes: the run, its per-query metrics, its meta
    if not isinstance(body, dict) or not all(isinstance(v, dict) for v in body.values()):
        raise RunFileError(f"{path}: a JSON {what} must be an object {{query_id: {{doc_id: number}}}}")
    out: dict[str, dict[str, float]] = {}
    for qid, docs in body.items():
        for doc, value in docs.items():
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise RunFileError(f"{path}: {what} value for ({qid!r}, {doc!r}) is not a number: {value!r}")
            out.setdefault(str(qid), {})[str(doc)] = float(value)
    return out
