"""``marquee upsert FILE`` and ``marquee delete ID…``: single-document writes to the served catalog from a shell.

The same use cases as ``/admin/documents`` (validated, enriched, logged, applied), with ``refresh=true`` at the
end so the command returns once the served version holds the writes. Rows the reader rejects go to the rejects
file with their reason, as a re-index does; writes the catalog refuses are printed with theirs.
"""

from __future__ import annotations

import argparse
import sys
from itertools import islice
from pathlib import Path

from marquee.api.commands.output import emit
from marquee.api.wiring import make_backend, make_document_writer, make_embedder
from marquee.enrichment.pipeline import RejectsWriter
from marquee.enrichment.readers import FORMATS, Reject, parse_field_map, read_catalog
from marquee.indexing.document_body import WRITABLE
from marquee.indexing.documents import BulkAction, BulkItem, DocumentWriter, NothingServed, VersionNotWritable
from marquee.indexing.reindex import default_rejects_path
from marquee.indexing.write_log import WriteLog
from marquee.settings import Settings
from marquee.storage import DatabaseError

BATCH = 500


def register(subparsers: argparse._SubParsersAction) -> None:
    upsert = subparsers.add_parser("upsert", help="create or replace the documents of a catalog file in the served "
                                                  "version (no re-index)")
    upsert.add_argument("source", type=Path, help="catalog file (CSV, JSONL, .gz)")
    upsert.add_argument("--format", choices=FORMATS, default=None, help="catalog format (default: "
                                                                         "MARQUEE_CATALOG_FORMAT)")
    upsert.add_argument("--field-map", default="", help="jsonl only: FIELD=json.path,... e.g. id=sku,title=name")
    upsert.add_argument("--rejects", type=Path, help="where rejected rows go (default: in MARQUEE_HOME)")
    upsert.add_argument("--json", action="store_true", help="print the summary as JSON")
    upsert.set_defaults(handler=run_upsert)

    delete = subparsers.add_parser("delete", help="remove documents from the served version by id")
    delete.add_argument("ids", nargs="+", metavar="ID")
    delete.add_argument("--json", action="store_true", help="print the summary as JSON")
    delete.set_defaults(handler=run_delete)


def _summary(items: list[BulkItem]) -> dict[str, object]:
    counts: dict[str, int] = {}
    for item in items:
        key = item.result.result if item.result is not None else "failed"
        counts[key] = counts.get(key, 0) + 1
    failures = [{"id": i.id, "status": i.status, "reason": str(i.error)} for i in items if i.error is not None]
    return {"written": sum(1 for i in items if i.result is not None), **counts, "failures": failures[:50]}


def _writes(settings: Settings) -> tuple[DocumentWriter, WriteLog]:
    backend = make_backend(settings)
    log = WriteLog(settings.db_path)
    return make_document_writer(settings, backend, make_embedder(settings), log), log


def run_upsert(args: argparse.Namespace, settings: Settings) -> int:
    fmt = args.format or settings.catalog_format
    rejects_path = args.rejects or default_rejects_path(settings.home, args.source)
    rejects = RejectsWriter(rejects_path)
    try:
        field_map = parse_field_map(args.field_map) if args.field_map else None
        items = read_catalog(args.source, fmt, field_map, settings.max_text_chars)
        writer, log = _writes(settings)
    except (ValueError, FileNotFoundError, DatabaseError) as exc:
        print(f"marquee: {exc}", file=sys.stderr)
        return 2
    results: list[BulkItem] = []
    rejected = 0
    try:
        while batch := list(islice(items, BATCH)):
            actions = []
            for item in batch:
                if isinstance(item, Reject):
                    rejects.write(item)
                    rejected += 1
                    continue
                body = {name: getattr(item, name) for name in WRITABLE if name != "id"}
                actions.append(BulkAction("index", item.id, body))
            results += writer.bulk(actions, refresh="false") if actions else []
        writer.applier.apply_pending(wait=True)  # return once the served version holds every write
    except (ValueError, NothingServed, VersionNotWritable, DatabaseError) as exc:
        print(f"marquee: {exc}", file=sys.stderr)
        return 1
    finally:
        rejects.close()
        log.close()
    summary = {**_summary(results), "rejected": rejected, "rejects_file": str(rejects_path) if rejected else None}
    emit(summary, args.json)
    return 0 if not summary["failures"] else 1


def run_delete(args: argparse.Namespace, settings: Settings) -> int:
    try:
        writer, log = _writes(settings)
    except DatabaseError as exc:
        print(f"marquee: {exc}", file=sys.stderr)
        return 2
    try:
        results = writer.bulk([BulkAction("delete", doc_id) for doc_id in args.ids], refresh="true")
    except (NothingServed, VersionNotWritable, DatabaseError) as exc:
        print(f"marquee: {exc}", file=sys.stderr)
        return 1
    finally:
        log.close()
    summary = _summary(results)
    emit(summary, args.json)
    return 0 if not summary["failures"] else 1
