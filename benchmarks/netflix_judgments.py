"""Build the Netflix judgement list: pool four systems, grade by the written specs, split, write with provenance.

    python benchmarks/netflix_judgments.py --home var        # a home serving the bundled catalog with MiniLM

For every query of ``data/judgments/netflix/queries.jsonl`` the pool is the top 20 of bm25, dense, hybrid and
hybrid with query understanding (the served pipelines, through the search service), deduplicated. Every pooled
title is graded 0-3 by the query's spec (``marquee/relevance/judgments/rules.py``; what the grades mean per shape is
in ``GUIDELINE.md``). Every other title of the catalog that the spec grades 3 is added too, so a title that fully
answers the query but that all four systems miss still counts against them (pool bias favours pooled systems).

The split is fixed by query id (sha256 of the id, 30% test). Writes ``train.csv`` / ``test.csv`` (Quepid CSV:
query text, doc id, grade: what ``marquee judgments import --format quepid`` reads) and ``PROVENANCE.json``.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from marquee.api.services import MarqueeServices
from marquee.relevance.judgments.rules import QuerySpec, load_specs
from marquee.schema import CATALOG
from marquee.search.request import SearchRequest
from marquee.settings import load_settings

HERE = Path(__file__).resolve().parents[1] / "data" / "judgments" / "netflix"
POOL_DEPTH = 20
TEST_SHARE = 0.3
SYSTEMS = {"bm25": {"pipeline": "bm25", "understand": False}, "dense": {"pipeline": "dense", "understand": False},
           "hybrid": {"pipeline": "hybrid", "understand": False},
           "hybrid+understanding": {"pipeline": "hybrid", "understand": True}}


def split_of(query_id: str) -> str:
    """Fixed by the id alone: a query never moves between train and test when the list grows."""
    bucket = int(hashlib.sha256(query_id.encode()).hexdigest()[:8], 16) % 100
    return "test" if bucket < TEST_SHARE * 100 else "train"


def pool(services: MarqueeServices, spec: QuerySpec) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for name, options in SYSTEMS.items():
        response = services.search.search(SearchRequest(q=spec.query, size=POOL_DEPTH, facets=False, **options))
        for hit in response.hits:
            found.setdefault(hit.id, set()).add(name)
    return found


def build(home: Path, out: Path) -> dict:
    settings = load_settings(overrides={"home": str(home)})
    services = MarqueeServices(settings)
    services.warm_up()
    index = services.search.served_index()
    fields = [f.name for f in CATALOG.fields if f.document is not None]
    catalog = {row["id"]: row for row in services.backend.scan(index, fields)}
    specs = load_specs(out / "queries.jsonl")
    rows: dict[str, list[tuple[str, str, int]]] = {"train": [], "test": []}
    pooled_sizes, added_outside, histogram = [], 0, Counter()
    per_system_found = Counter()
    for spec in specs:
        pooled = pool(services, spec)
        pooled_sizes.append(len(pooled))
        grades = {doc_id: spec.grade(catalog[doc_id]) for doc_id in pooled}
        for doc_id, doc in catalog.items():
            if doc_id not in grades:
                grade = spec.grade(doc)
                if grade == 3:
                    grades[doc_id] = grade
                    added_outside += 1
        for doc_id, systems in pooled.items():
            if grades[doc_id] >= 2:
                per_system_found.update(systems)
        for doc_id, grade in sorted(grades.items()):
            rows[split_of(spec.id)].append((spec.query, doc_id, grade))
            histogram[grade] += 1
    for split, items in rows.items():
        with open(out / f"{split}.csv", "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["query", "docid", "rating"])
            writer.writerows(items)
    queries_by_split = Counter(split_of(s.id) for s in specs)
    provenance = {
        "list": "netflix", "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "catalog": "data/netflix_titles.csv.gz", "catalog_documents": len(catalog), "index": index,
        "embedding_model": services.embedder.model_id, "pool": {"systems": list(SYSTEMS), "depth": POOL_DEPTH,
                                                               "mean_size": round(sum(pooled_sizes) / len(specs), 1)},
        "graded_3_outside_pool": added_outside, "queries": len(specs),
        "queries_by_shape": dict(Counter(s.shape for s in specs)), "queries_by_split": dict(queries_by_split),
        "judgments": sum(histogram.values()), "grade_histogram": {str(g): histogram[g] for g in sorted(histogram)},
        "relevant_found_by_system": dict(per_system_found),
        "split": f"sha256(query id) % 100 < {int(TEST_SHARE * 100)} -> test",
        "grading": "marquee/relevance/judgments/rules.py over queries.jsonl; meaning of grades: GUIDELINE.md",
    }
    (out / "PROVENANCE.json").write_text(json.dumps(provenance, indent=1) + "\n", encoding="utf-8")
    services.close()
    return provenance


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True, help="a MARQUEE_HOME serving the bundled catalog")
    parser.add_argument("--out", type=Path, default=HERE)
    args = parser.parse_args(argv)
    print(json.dumps(build(args.home, args.out), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
