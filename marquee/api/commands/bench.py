"""``marquee bench enrich|index|search|api|scale|all``: benchmarks printing one JSON object each."""

from __future__ import annotations

import argparse
import importlib
import json
from pathlib import Path

from marquee.settings import Settings

BENCHMARKS = ("enrich", "index", "search", "api", "scale")


def register(subparsers: argparse._SubParsersAction) -> None:
    bench = subparsers.add_parser("bench", help="run a benchmark and print its JSON result")
    bench.add_argument("name", choices=(*BENCHMARKS, "all"))
    bench.add_argument("--json", action="store_true", help="print JSON (the only output format; kept for clarity)")
    bench.add_argument("--catalog", type=Path, default=None, help="catalog for enrich/index (default: bundled)")
    bench.add_argument(
        "--dataset", type=Path, default=None, help="BEIR folder for search (default: ../shared/data/scifact)"
    )
    bench.add_argument("--limit", type=int, default=None, help="only the first N documents (quick runs)")
    bench.add_argument("--sizes", type=_sizes, default=None,
                       help="scale: catalog sizes, comma-separated (default 10000,100000)")
    bench.add_argument("--seed", type=int, default=0, help="scale: seed of the synthetic catalogs")
    bench.add_argument("--plot", type=Path, default=None, help="scale: write a PNG of latency and memory vs size")
    bench.set_defaults(handler=run_bench)


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",") if part.strip()]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"--sizes: {text!r} is not a comma-separated list of integers") from exc
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("--sizes: give at least one positive size")
    return sizes


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
        if name == "scale":
            kwargs = {"settings": settings, "sizes": args.sizes, "seed": args.seed, "plot_path": args.plot}
        print(json.dumps(module.run(**kwargs)), flush=True)
    return 0
