"""``marquee judgments import|export|list|stats``: manage judgement lists in ``settings.db_path``."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from marquee.relevance.clicks.models import CLICK_MODELS
from marquee.relevance.judgments import (
    FORMATS,
    JudgmentFormatError,
    JudgmentStore,
    JudgmentValidationError,
    export_file,
    import_file,
)
from marquee.settings import Settings
from marquee.storage import DatabaseError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("judgments", help="import, export and inspect judgement lists")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

    imp = actions.add_parser("import", help="load a judgement file into a list (one transaction)")
    imp.add_argument("file", type=Path)
    imp.add_argument("--format", choices=sorted(FORMATS), required=True)
    imp.add_argument("--list", dest="list_name", required=True, help="list to add to (created if absent)")
    imp.add_argument("--description", default=None)
    imp.add_argument(
        "--scale",
        default="0,3",
        help="MIN,MAX grade of a new list (default 0,3; write --scale=-2,4 for a negative MIN)",
    )
    imp.add_argument("--skip-bad-rows", action="store_true", help="store the good rows, report the bad ones")
    imp.add_argument(
        "--known-ids",
        type=Path,
        default=None,
        help="file with one known doc id per line; judgements for others are kept apart",
    )
    imp.add_argument("--rater", default=None)
    imp.add_argument("--queries", type=Path, default=None,
                     help="BEIR queries.jsonl or id<TAB>text lines: store query text instead of ids (TREC, BEIR, "
                     "RankLib carry only ids), so the list can be scored on the served index and exported to Quepid")
    imp.add_argument("--json", action="store_true")
    imp.set_defaults(handler=run_import)

    exp = actions.add_parser("export", help="write a list in one of the formats")
    exp.add_argument("--list", dest="list_name", required=True)
    exp.add_argument("--format", choices=sorted(FORMATS), required=True)
    exp.add_argument("--out", type=Path, required=True)
    exp.set_defaults(handler=run_export)

    lst = actions.add_parser("list", help="list the judgement lists")
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(handler=run_list)

    clicks = actions.add_parser("from-clicks", help="grade (query, document) pairs from logged clicks")
    clicks.add_argument("--model", choices=sorted(CLICK_MODELS), required=True, help="the click model to fit")
    clicks.add_argument("--list", dest="list_name", required=True, help="list to write to (created if absent)")
    clicks.add_argument("--min-impressions", type=int, default=5,
                        help="grade only pairs shown at least this often (default 5)")
    clicks.add_argument("--since", default=None,
                        help="only events the server received from this ISO-8601 UTC time on (new evidence)")
    clicks.add_argument("--json", action="store_true")
    clicks.set_defaults(handler=run_from_clicks)

    st = actions.add_parser("stats", help="counts, grade histogram and provenance of a list")
    st.add_argument("--list", dest="list_name", required=True)
    st.add_argument("--json", action="store_true")
    st.set_defaults(handler=run_stats)


def _fail(message: str, code: int = 2) -> int:
    print(f"marquee: {message}", file=sys.stderr)
    return code


def _scale(text: str) -> tuple[float, float]:
    try:
        low, high = (float(part) for part in text.split(","))
    except ValueError:
        raise ValueError(f"--scale must be MIN,MAX (e.g. 0,3), got {text!r}") from None
    return low, high


def run_import(args: argparse.Namespace, settings: Settings) -> int:
    try:
        scale = _scale(args.scale)
        known = None
        if args.known_ids is not None:
            with open(args.known_ids, encoding="utf-8") as fh:
                known = {line.strip() for line in fh if line.strip()}
        with JudgmentStore(settings.db_path) as store:
            report = import_file(
                store,
                args.file,
                args.format,
                args.list_name,
                skip_bad_rows=args.skip_bad_rows,
                known_doc_ids=known,
                description=args.description,
                scale=scale,
                rater=args.rater,
                queries=None if args.queries is None else read_queries(args.queries),
            )
    except JudgmentValidationError as exc:
        _print_problems(args.file, exc.problems, "")
        hint = _format_hint(args.file, args.format)
        return _fail(f"{len(exc.problems)} bad rows; nothing imported (use --skip-bad-rows to store the rest){hint}",
                     1)
    except (JudgmentFormatError, DatabaseError, ValueError, OSError) as exc:
        return _fail(str(exc))
    if args.json:
        print(json.dumps(report.to_dict()))
        return 0
    w = report.write
    _print_problems(args.file, w.rejected, "skipped ")
    for warning in report.warnings:
        print(f"marquee: {warning}", file=sys.stderr)
    print(
        f"{args.list_name}: {w.inserted} new, {w.replaced} replaced, {w.duplicates} duplicates (last kept), "
        f"{w.unknown} for unknown documents (kept apart), {len(w.rejected)} skipped"
    )
    return 0


SAME_PROBLEM_SHOWN = 10


def read_queries(path: Path) -> dict[str, str]:
    """Query id -> text from BEIR ``queries.jsonl`` (``{"_id", "text"}``) or ``id<TAB>text`` lines."""
    out: dict[str, str] = {}
    with open(path, encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            if line.lstrip().startswith("{"):
                record = json.loads(line)
                out[str(record["_id"])] = str(record["text"])
            else:
                qid, tab, text = line.rstrip("\n").partition("\t")
                if not tab:
                    raise ValueError(f"{path} line {number}: expected id<TAB>text or a JSON object")
                out[qid] = text
    return out


def _print_problems(path: Path, problems: list, prefix: str) -> None:
    """Each kind of problem at most ten times, then how many more there are of it (340 identical lines help
    nobody)."""
    seen: Counter[str] = Counter()
    for problem in problems:
        seen[problem.message] += 1
        if seen[problem.message] <= SAME_PROBLEM_SHOWN:
            print(f"{path}: {prefix}{problem}", file=sys.stderr)
    for message, count in seen.items():
        if count > SAME_PROBLEM_SHOWN:
            print(f"{path}: ... and {count - SAME_PROBLEM_SHOWN} more: {message}", file=sys.stderr)


def _format_hint(path: Path, given: str) -> str:
    from marquee.relevance.experiments.runs import RunFileError, detect_qrels_format

    try:
        found = detect_qrels_format(path)
    except (RunFileError, OSError, UnicodeDecodeError):
        return ""
    return f"; the file looks like {found}: try --format {found}" if found in FORMATS and found != given else ""


def run_export(args: argparse.Namespace, settings: Settings) -> int:
    try:
        with JudgmentStore(settings.db_path) as store:
            count = export_file(store, args.list_name, args.format, args.out)
    except (JudgmentFormatError, DatabaseError, ValueError, OSError) as exc:
        return _fail(str(exc))
    print(f"wrote {count} judgements to {args.out}")
    return 0


def run_list(args: argparse.Namespace, settings: Settings) -> int:
    try:
        with JudgmentStore(settings.db_path) as store:
            rows = [
                {
                    "name": lst.name,
                    "description": lst.description,
                    "scale": list(lst.scale),
                    "judgments": store.stats(lst.name).judgments,
                    "created_at": lst.created_at,
                }
                for lst in store.lists()
            ]
    except DatabaseError as exc:
        return _fail(str(exc))
    if args.json:
        print(json.dumps(rows))
    elif not rows:
        print("no judgement lists")
    else:
        for row in rows:
            print(f"{row['name']:<30}{row['judgments']:>8}  {row['description']}")
    return 0


def run_stats(args: argparse.Namespace, settings: Settings) -> int:
    try:
        with JudgmentStore(settings.db_path) as store:
            stats = store.stats(args.list_name).to_dict()
            stats["provenance"] = store.provenance(args.list_name)
    except DatabaseError as exc:
        return _fail(str(exc))
    if args.json:
        print(json.dumps(stats))
    else:
        for key, value in stats.items():
            if key != "provenance":
                print(f"{key}: {value}")
        for p in stats["provenance"]:
            print(f"source: {p['source']} {p['detail']} at {p['created_at']}")
    return 0


def run_from_clicks(args: argparse.Namespace, settings: Settings) -> int:
    from marquee.relevance.clicks.judge import judge_from_events

    try:
        report, evidence = judge_from_events(settings.db_path, args.list_name, args.model,
                                             min_impressions=args.min_impressions, since=_utc(args.since))
    except (DatabaseError, ValueError) as exc:
        return _fail(str(exc))
    summary = {"list": args.list_name, "model": args.model, **report.to_dict(), "evidence": evidence}
    if args.json:
        print(json.dumps(summary))
    else:
        print(f"{args.list_name}: {report.inserted} new, {report.replaced} replaced from {evidence['pages']} result "
              f"pages, {evidence['clicks']} clicks, {evidence['sessions']} sessions ({args.model})", file=sys.stderr)
    return 0


def _utc(text: str | None) -> str | None:
    """An ISO-8601 time as the store writes it (UTC, milliseconds, Z); ValueError naming the flag."""
    if text is None:
        return None
    from datetime import UTC, datetime

    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"--since must be an ISO-8601 time such as 2026-12-01T10:00:00Z, got {text!r}") from None
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
