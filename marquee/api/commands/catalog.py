"""``marquee enrich | index | reindex | alias``: turn a catalog file into a served, versioned index."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tqdm import tqdm

from marquee.api.gates import gate_checks
from marquee.api.wiring import make_backend, make_embedder, make_enricher, make_indexer
from marquee.enrichment.pipeline import EnrichmentStats, RejectsWriter, write_enriched
from marquee.enrichment.readers import FORMATS, parse_field_map, read_catalog
from marquee.indexing.indexer import IndexReport, PreSwapRefused
from marquee.indexing.locking import AliasBusy
from marquee.indexing.reindex import (
    EXPECTED_ERRORS,
    CatalogSource,
    ReindexOutcome,
    count_rows,
    default_rejects_path,
    index_enriched,
    reindex_catalog,
)
from marquee.search.backends.base import BackendError
from marquee.settings import Settings
from marquee.storage import DatabaseError


def _add_source_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", type=Path, help="catalog file (CSV, JSONL, .gz) or BEIR folder")
    parser.add_argument(
        "--format", choices=FORMATS, default=None, help="catalog format (default: MARQUEE_CATALOG_FORMAT)"
    )
    parser.add_argument("--field-map", default="", help="jsonl only: FIELD=json.path,... e.g. id=sku,title=name")
    parser.add_argument(
        "--rejects", type=Path, help="where rejected rows go (default: beside the output / in MARQUEE_HOME)"
    )
    parser.add_argument("--no-ner", action="store_true", help="skip spaCy NER (catalog entities only)")


def _add_index_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--alias", default=None, help="alias to serve the new version under (default: MARQUEE_ALIAS)")
    parser.add_argument("--force", action="store_true", help="swap even if the new version is much smaller")
    parser.add_argument("--replace-source", action="store_true",
                        help="allow replacing the served catalog with another one (under half the ids in common)")
    parser.add_argument("--gate", metavar="LIST", default=None,
                        help="a judgement list the new version must not do worse on than the served one")
    parser.add_argument("--max-drop", type=float, default=0.01,
                        help="with --gate: the largest nDCG@10 drop allowed (default 0.01)")
    parser.add_argument(
        "--progress",
        choices=("bar", "json", "none"),
        default="bar",
        help="bar: tqdm on stderr; json: one event per line on stdout (for jobs and tests)",
    )


def register(subparsers: argparse._SubParsersAction) -> None:
    enrich = subparsers.add_parser("enrich", help="read a catalog, extract entities and embeddings, write JSONL")
    _add_source_args(enrich)
    enrich.add_argument("--out", type=Path, required=True, help="enriched JSONL to write")
    enrich.set_defaults(handler=run_enrich)

    index = subparsers.add_parser("index", help="index an enriched JSONL file into a new version and swap the alias")
    index.add_argument("file", type=Path)
    _add_index_args(index)
    index.set_defaults(handler=run_index)

    reindex = subparsers.add_parser("reindex", help="enrich + index a catalog into a new version, check it, swap")
    _add_source_args(reindex)
    _add_index_args(reindex)
    reindex.set_defaults(handler=run_reindex)

    alias = subparsers.add_parser("alias", help="show or roll back an alias")
    alias_sub = alias.add_subparsers(dest="alias_command", required=True)
    show = alias_sub.add_parser("show", help="which version each alias serves, and the kept versions")
    show.add_argument("alias", nargs="?")
    show.set_defaults(handler=run_alias_show)
    rollback = alias_sub.add_parser("rollback", help="serve the previous kept version again")
    rollback.add_argument("alias")
    rollback.set_defaults(handler=run_alias_rollback)
    serve = alias_sub.add_parser("set", help="serve any ready version the alias keeps (also roll forward)")
    serve.add_argument("alias")
    serve.add_argument("version", help="e.g. catalog-v0003 (see alias show)")
    serve.set_defaults(handler=run_alias_set)


def _fail(message: str, code: int = 1) -> int:
    print(f"marquee: {message}", file=sys.stderr)
    return code


def _reader(args: argparse.Namespace, settings: Settings):
    fmt = args.format or settings.catalog_format
    field_map = parse_field_map(args.field_map) if args.field_map else None
    return read_catalog(args.source, fmt, field_map=field_map, max_chars=settings.max_text_chars)


def _print_counts(stats: EnrichmentStats, rejects: Path | None) -> None:
    line = (
        f"read {stats.read} / enriched {stats.enriched} / rejected {stats.rejected}; "
        f"embeddings computed {stats.embeddings_computed}, reused {stats.embeddings_reused}"
    )
    print(line, file=sys.stderr)
    if stats.rejected and rejects:
        reasons = ", ".join(f"{k}: {v}" for k, v in sorted(stats.reject_reasons.items()))
        print(f"rejected rows ({reasons}) written to {rejects}", file=sys.stderr)


class _Progress:
    """Reports indexing phases either as a tqdm bar (rows read of the catalog's total, with %, rate and ETA) or
    as JSON lines (machine-readable, flushed)."""

    def __init__(self, mode: str, total: int | None = None, stats: EnrichmentStats | None = None) -> None:
        self.mode = mode
        self.stats = stats
        self.bar = tqdm(total=total, unit="row", disable=mode != "bar", file=sys.stderr, dynamic_ncols=True)

    def event(self, phase: str, info: Mapping[str, Any]) -> None:
        if self.mode == "json":
            print(json.dumps({"event": phase, **info}), flush=True)
        if phase == "bulk":
            done = self.stats.read if self.stats is not None else int(info["indexed"])
            self.bar.update(done - self.bar.n)
            self.bar.set_postfix(indexed=info["indexed"], rejected=self.stats.rejected if self.stats else 0)

    def close(self) -> None:
        self.bar.close()


def run_enrich(args: argparse.Namespace, settings: Settings) -> int:
    rejects_path = args.rejects or args.out.with_suffix(".rejects.jsonl")
    rejects = RejectsWriter(rejects_path)
    stats = EnrichmentStats()
    try:
        items = _reader(args, settings)
        enricher = make_enricher(settings, use_ner=not args.no_ner)
        with tqdm(unit="doc", file=sys.stderr, disable=not sys.stderr.isatty()) as bar:

            def on_chunk(s: EnrichmentStats) -> None:
                bar.update(s.read - bar.n)

            write_enriched(args.out, enricher.run(items, rejects=rejects, stats=stats, on_chunk=on_chunk))
    except (FileNotFoundError, ValueError) as exc:
        return _fail(str(exc))
    finally:
        rejects.close()
    _print_counts(stats, rejects_path)
    return 0 if stats.enriched else _fail("nothing could be read from the catalog")


def _print_report(report: IndexReport, progress: str) -> None:
    if progress == "json":
        print(json.dumps({"event": "done", **report.as_dict()}), flush=True)
        return
    print(f"{report.alias} -> {report.index} ({report.indexed} documents, {len(report.failed)} failed, "
          f"{report.seconds:.1f}s; previous: {report.previous})", file=sys.stderr)


def run_index(args: argparse.Namespace, settings: Settings) -> int:
    progress = _Progress(args.progress)
    backend = make_backend(settings)
    try:
        checks = gate_checks(settings, backend, make_embedder(settings), args.gate, args.max_drop) if args.gate else []
        report = index_enriched(
            args.file, indexer=make_indexer(settings, backend, progress.event, checks),
            alias=args.alias or settings.alias, rejects_path=args.file.with_suffix(".index-rejects.jsonl"),
            force=args.force, replace_source=args.replace_source,
        )
    except PreSwapRefused as exc:
        print(json.dumps({"event": "refused", **exc.details}), flush=True)
        return _fail(str(exc))
    except (*EXPECTED_ERRORS, DatabaseError) as exc:
        return _fail(str(exc))
    finally:
        progress.close()
        backend.close()
    _print_report(report, args.progress)
    return 0


def run_reindex(args: argparse.Namespace, settings: Settings) -> int:
    rejects_path = args.rejects or default_rejects_path(settings.home, args.source)
    try:
        source = CatalogSource(args.source, args.format or settings.catalog_format,
                               parse_field_map(args.field_map) if args.field_map else None)
    except ValueError as exc:
        return _fail(str(exc), code=2)
    stats = EnrichmentStats()
    progress = _Progress(args.progress, count_rows(source) if args.progress == "bar" else None, stats)
    backend = make_backend(settings)
    try:
        enricher = make_enricher(settings, use_ner=not args.no_ner)
        checks = gate_checks(settings, backend, enricher.embedder, args.gate, args.max_drop)
        outcome = reindex_catalog(
            source, indexer=make_indexer(settings, backend, progress.event, checks), enricher=enricher,
            alias=args.alias or settings.alias, rejects_path=rejects_path, max_chars=settings.max_text_chars,
            force=args.force, replace_source=args.replace_source, stats=stats,
        )
    except PreSwapRefused as exc:
        print(json.dumps({"event": "refused", **exc.details}), flush=True)
        return _fail(str(exc))
    except (*EXPECTED_ERRORS, DatabaseError) as exc:
        return _fail(str(exc))
    finally:
        progress.close()
        backend.close()
    _print_report(outcome.report, args.progress)
    _print_counts(outcome.stats, rejects_path)
    if outcome.duplicates is not None:
        print(f"same work, several records: {json.dumps(outcome.duplicates.as_dict())}", file=sys.stderr)
    _print_drift(outcome, args.progress)
    return 0


def _print_drift(outcome: ReindexOutcome, progress: str) -> None:
    """``--progress json``: one ``drift`` event on stdout (``drift: null`` for a first index); else lines for people
    on stderr, beside the counts."""
    if progress == "json":
        drift = None if outcome.drift is None else outcome.drift.as_dict()
        print(json.dumps({"event": "drift", "drift": drift}), flush=True)
    elif outcome.drift is None:
        print("drift: none (first version of the alias: nothing was served)", file=sys.stderr)
    else:
        print("\n".join(outcome.drift.summary_lines()), file=sys.stderr)


def run_alias_show(args: argparse.Namespace, settings: Settings) -> int:
    backend = make_backend(settings)
    alias = args.alias or settings.alias
    versions = make_indexer(settings, backend).versions(alias)
    served = backend.get_alias(alias)
    if served is None and not versions:
        return _fail(f"no alias or version named {alias!r} here (MARQUEE_ALIAS is {settings.alias!r})")
    print(json.dumps({"alias": alias, "serves": served, "versions": versions}, indent=1))
    return 0


def run_alias_set(args: argparse.Namespace, settings: Settings) -> int:
    backend = make_backend(settings)
    try:
        old, new = make_indexer(settings, backend).serve(args.alias, args.version)
    except (AliasBusy, BackendError) as exc:
        return _fail(str(exc))
    print(f"{args.alias}: {old} -> {new}", file=sys.stderr)
    return 0


def run_alias_rollback(args: argparse.Namespace, settings: Settings) -> int:
    backend = make_backend(settings)
    try:
        old, new = make_indexer(settings, backend).rollback(args.alias)
    except (AliasBusy, BackendError) as exc:
        return _fail(str(exc))
    print(f"{args.alias}: {old} -> {new}", file=sys.stderr)
    return 0
