"""Theme tagging against the hand-labelled sample: precision and recall, per theme and micro.

    python benchmarks/theme_tagging.py                 # held-out (test) figures with the packaged MiniLM, JSON
    python benchmarks/theme_tagging.py --tune          # grid search on the dev split, then test figures
    python benchmarks/theme_tagging.py --embedder hashing   # keyword evidence only
    python benchmarks/theme_tagging.py --draw          # print the sample's draw (ids and strata), to check it

The sample, its strata, split and labelling rules are in data/judgments/themes/GUIDELINE.md. Tuning reads the
dev split only; the figures reported are on the test split, for every title and for the genre stratum alone
(the theme-word stratum was selected by words the tagger also uses, so its recall is optimistic).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import itertools
import json
import random
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from marquee.enrichment.document import Document
from marquee.enrichment.embeddings import create_embedder
from marquee.enrichment.readers import read_catalog
from marquee.enrichment.themes import DEFAULT_PARAMS, TaggerParams, ThemeTagger, combine

ROOT = Path(__file__).resolve().parents[1]
CATALOG = ROOT / "data" / "netflix_titles.csv.gz"
SAMPLE = ROOT / "data" / "judgments" / "themes" / "sample.csv"
GENRE_STRATUM, GENRE_SEED = 220, 16
THEME_WORDS = ("heist", "christmas", "zombie", "world war ii", "true story", "coming-of-age", "serial killer",
               "revenge", "high school", "space")
THEME_WORD_SEED, PER_THEME_WORD = 1616, 4
MIN_DEV_PRECISION = 0.85
"""Tuning keeps the dev precision at or above this (the issue's target), then maximises dev recall."""
GRID = {"strong": (0.4, 0.5, 0.6), "weak": (0.0, 0.1, 0.2), "semantic": (0.3, 0.5, 0.7, 1.0),
        "cos_floor": (0.1, 0.15, 0.2, 0.25, 0.3), "cos_span": (0.1, 0.2, 0.3),
        "threshold": tuple(round(0.5 + 0.1 * i, 1) for i in range(11))}


def draw() -> list[tuple[str, str]]:
    """(show_id, stratum) in the sample's order, as GUIDELINE.md describes."""
    with gzip.open(CATALOG, "rt", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    rng = random.Random(GENRE_SEED)
    by_genre: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        for genre in row["listed_in"].split(","):
            by_genre.setdefault(genre.strip(), []).append(row)
    for titles in by_genre.values():
        rng.shuffle(titles)
    genres = sorted(by_genre)
    picked: list[tuple[str, str]] = []
    seen: set[str] = set()
    for i in itertools.count():
        if len(picked) == GENRE_STRATUM:
            break
        titles, k = by_genre[genres[i % len(genres)]], i // len(genres)
        if k < len(titles) and titles[k]["show_id"] not in seen:
            seen.add(titles[k]["show_id"])
            picked.append((titles[k]["show_id"], "genre"))
    rng = random.Random(THEME_WORD_SEED)
    for word in THEME_WORDS:
        pool = [r for r in rows if r["show_id"] not in seen and word in r["description"].lower()]
        rng.shuffle(pool)
        for row in pool[:PER_THEME_WORD]:
            seen.add(row["show_id"])
            picked.append((row["show_id"], "theme-word"))
    return picked


def load_sample(path: Path = SAMPLE) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as fh:
        return [{**row, "themes": frozenset(t for t in row["themes"].split(";") if t)} for row in csv.DictReader(fh)]


def sample_documents(sample: Sequence[Mapping[str, Any]]) -> dict[str, Document]:
    wanted = {row["show_id"] for row in sample}
    return {d.id: d for d in read_catalog(CATALOG, "netflix") if isinstance(d, Document) and d.id in wanted}


def figures(gold: Mapping[str, frozenset[str]], tagged: Mapping[str, Iterable[str]], themes: Sequence[str]) -> dict:
    """Micro precision/recall over (title, theme) pairs, and per theme (support = gold positives)."""
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for doc_id, truth in gold.items():
        got = set(tagged.get(doc_id, ()))
        for t in got & truth:
            tp[t] += 1
        for t in got - truth:
            fp[t] += 1
        for t in truth - got:
            fn[t] += 1
    def ratio(a: int, b: int) -> float | None:
        return None if b == 0 else round(a / b, 3)
    total_tp, total_fp, total_fn = sum(tp.values()), sum(fp.values()), sum(fn.values())
    per_theme = {
        t: {"precision": ratio(tp[t], tp[t] + fp[t]), "recall": ratio(tp[t], tp[t] + fn[t]),
            "tagged": tp[t] + fp[t], "support": tp[t] + fn[t]}
        for t in themes if tp[t] + fp[t] + fn[t]
    }
    return {"titles": len(gold), "tagged": total_tp + total_fp, "gold": total_tp + total_fn,
            "precision": ratio(total_tp, total_tp + total_fp), "recall": ratio(total_tp, total_tp + total_fn),
            "per_theme": per_theme}


def tag_all(tagger: ThemeTagger, docs: Mapping[str, Document], vectors: Mapping[str, np.ndarray | None],
            ids: Iterable[str]) -> dict[str, list[str]]:
    return {i: tagger.tag(docs[i], vectors[i]) for i in ids}


def tune(tagger: ThemeTagger, docs: Mapping[str, Document], vectors: Mapping[str, np.ndarray | None],
         gold: Mapping[str, frozenset[str]]) -> TaggerParams:
    """The grid point with the best dev recall among those at dev precision >= MIN_DEV_PRECISION (ties: precision,
    then grid order). Evidence is computed once; each grid point only recombines it."""
    ids = list(gold)
    counts = np.stack([tagger.keyword_counts(docs[i]) for i in ids])
    cosines = np.stack([tagger.cosines(vectors[i]) for i in ids])
    truth = np.array([[t.id in gold[i] for t in tagger.themes] for i in ids])
    best: tuple[float, float] | None = None
    chosen = tagger.params
    for values in itertools.product(*GRID.values()):
        params = TaggerParams(*values)
        tagged = combine(counts, cosines, params) >= params.threshold - 1e-6
        tp = int((tagged & truth).sum())
        precision, recall = tp / max(1, int(tagged.sum())), tp / max(1, int(truth.sum()))
        if precision >= MIN_DEV_PRECISION and (best is None or (recall, precision) > best):
            best, chosen = (recall, precision), params
    tagger.params = chosen
    return chosen


def run(embedder_name: str, do_tune: bool) -> dict[str, Any]:
    sample = load_sample()
    docs = sample_documents(sample)
    embedder = create_embedder(embedder_name)
    ids = [row["show_id"] for row in sample]
    encoded = embedder.encode([docs[i].embedding_text() for i in ids])
    vectors = dict(zip(ids, encoded, strict=True))
    tagger = ThemeTagger(embedder, params=DEFAULT_PARAMS)
    theme_ids = [t.id for t in tagger.themes]
    split = {name: {r["show_id"]: r["themes"] for r in sample if r["split"] == name} for name in ("dev", "test")}
    genre_test = {r["show_id"]: r["themes"] for r in sample if r["split"] == "test" and r["stratum"] == "genre"}
    params = tune(tagger, docs, vectors, split["dev"]) if do_tune else tagger.params
    tagged = tag_all(tagger, docs, vectors, ids)
    return {
        "benchmark": "theme_tagging", "embedder": embedder.model_id, "themes": len(theme_ids),
        "sample": len(sample), "dev": len(split["dev"]), "test": len(split["test"]),
        "params": params._asdict(), "tuned_on": "dev" if do_tune else "defaults",
        "dev_figures": {k: v for k, v in figures(split["dev"], tagged, theme_ids).items() if k != "per_theme"},
        "test_figures": figures(split["test"], tagged, theme_ids),
        "test_genre_stratum": {k: v for k, v in figures(genre_test, tagged, theme_ids).items() if k != "per_theme"},
        "test_errors": {i: {"gold": sorted(split["test"][i]), "tagged": tagged[i]}
                        for i in split["test"] if set(tagged[i]) != split["test"][i]},
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--embedder", default="minilm", choices=("minilm", "minilm-onnx", "hashing"))
    parser.add_argument("--tune", action="store_true", help="grid search on the dev split first")
    parser.add_argument("--draw", action="store_true", help="print the sample's draw and whether it matches")
    parser.add_argument("--errors", action="store_true", help="also list the test titles tagged wrongly")
    args = parser.parse_args(argv)
    if args.draw:
        drawn = draw()
        committed = [(r["show_id"], r["stratum"]) for r in load_sample()]
        print(json.dumps({"drawn": len(drawn), "matches_sample": drawn == committed}))
        return 0
    result = run(args.embedder, args.tune)
    if not args.errors:
        result.pop("test_errors")
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
