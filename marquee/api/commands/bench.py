"""``marquee bench enrich|index|search|api|all``: benchmarks printing one JSON object each."""

from __future__ import annotations

import argparse
import importlib
import json
from pathlib import Path

from marquee.settings import Settings

BENCHMARKS = ("enrich", "index", "search", "api")


def register(subparsers: argparse._SubParsersAction) -> None:
    bench = subparsers.add_parser("bench", help="run a benchmark and print its JSON result")
    bench.add_argument("name", choices=(*BENCHMARKS, "all"))
    bench.add_argument("--json", action="store_true", help="print JSON (the only output format; kept for clarity)")
    bench.add_argument("--catalog", type=Path, default=None, help="catalog for enrich/index (default: bundled)")
    bench.add_argument(
        "--dataset", type=Path, default=None, help="BEIR folder for search (default: ../shared/data/scifact)"
    )
    bench.add_argument("--limit", type=int, default=None, help="only the first N documents (quick runs)")
    bench.set_defaults(handler=run_bench)


def run_bench(args: argparse.Namespace, settings: Settings) -> int:
    names = BENCHMARKS if args.name == "all" else (args.name,)
    for name in names:
        try:
            module = importlib.import_module(f"marquee.bench.{name}")
        except ModuleNotFoundError:
            print(json.dumps({"benchmark": name, "error": "not implemented yet"}))
            continue
        kwargs = {"catalog": args.catalog or settings.catalog}
        if name == "enrich":
            kwargs["limit"] = args.limit
        if name in ("search", "api"):
            kwargs = {"settings": settings, "dataset": args.dataset, "limit": args.limit}
        print(json.dumps(module.run(**kwargs)), flush=True)
    return 0
