"""Constraint precision@10 per query shape on the understanding yardstick, through the served pipeline.

    python benchmarks/understanding_yardstick.py --home var --split dev [--pipeline hybrid+ltr] [--out dev.json]

Reads ``data/judgments/understanding-v2/queries.jsonl`` (see :mod:`marquee.relevance.constraints`), answers each
query as the server would from the home's served version, and prints per-shape precision@10 as JSON. Choose
settings on ``--split dev``; read ``--split test`` once.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from marquee.api.wiring import make_backend, make_embedder, make_retriever
from marquee.relevance.constraints import load_queries, run_yardstick
from marquee.search.rerank import rerankers_for
from marquee.search.service import SearchService, ServiceConfig
from marquee.settings import load_settings

ROOT = Path(__file__).resolve().parents[1]
QUERIES = ROOT / "data" / "judgments" / "understanding-v2" / "queries.jsonl"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--home", required=True)
    parser.add_argument("--embedder", default=None)
    parser.add_argument("--split", choices=("dev", "test", "all"), default="dev")
    parser.add_argument("--pipeline", default="hybrid")
    parser.add_argument("--no-understand", action="store_true")
    parser.add_argument("--out", help="also write the per-query result here")
    args = parser.parse_args(argv)
    overrides = {"home": args.home, **({"embedder": args.embedder} if args.embedder else {})}
    settings = load_settings(overrides=overrides)
    backend = make_backend(settings)
    retriever = make_retriever(settings, backend, make_embedder(settings))
    service = SearchService(backend, retriever, ServiceConfig(alias=settings.alias),
                            rerankers=rerankers_for(settings, backend, retriever))
    result = run_yardstick(service, load_queries(QUERIES, args.split), args.pipeline, not args.no_understand)
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=1, ensure_ascii=False), encoding="utf-8")
    print(json.dumps({"split": args.split, **{k: v for k, v in result.items() if k != "per_query"}}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
