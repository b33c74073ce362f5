"""Build the title yardstick: 160 title queries from the bundled catalog, each naming one work.

    python benchmarks/title_queries.py        # writes data/judgments/netflix-titles/{titles.csv,queries.tsv}

Titles whose folded key no other work shares are drawn with a fixed seed; each gets one query, typed as a
viewer would, in rotation: the title in lower case; without its leading article; with one typo (two neighbouring
letters swapped in its longest word, the first letter kept); with its release year; or its main title before a
subtitle. ``titles.csv`` is a Quepid list (the work graded 3) for ``marquee evaluate --judgments``; MRR@10 is the
yardstick (issue: >= 0.95); ``queries.tsv`` keeps the variant of each query.
"""

from __future__ import annotations

import csv
import gzip
import random
import re
import sys
from collections import Counter
from pathlib import Path

from marquee.search.features import phrase_key

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "data" / "judgments" / "netflix-titles"
COUNT = 160
SEED = 20261202
VARIANTS = ("lower", "no_article", "typo", "with_year", "main_title")


def typo(title: str) -> str | None:
    words = title.lower().split()
    longest = max(range(len(words)), key=lambda i: len(re.sub(r"\W", "", words[i])))
    word = words[longest]
    if len(word) < 5 or not word.isalpha():
        return None
    i = len(word) // 2
    words[longest] = word[:i] + word[i + 1] + word[i] + word[i + 2:]
    return " ".join(words)


def variant(kind: str, row: dict[str, str]) -> str | None:
    title = row["title"].strip()
    if kind == "lower":
        return title.lower()
    if kind == "no_article":
        match = re.match(r"(?i)^(the|a|an)\s+(.+)$", title)
        return match.group(2).lower() if match else None
    if kind == "typo":
        return typo(title)
    if kind == "with_year":
        return f"{title.lower()} {row['release_year']}" if row["release_year"] else None
    main = re.split(r":\s|\s[-\u2013\u2014]\s", title)[0]
    return main.lower() if main != title and len(main) >= 4 else None


def main() -> int:
    with gzip.open(ROOT / "data" / "netflix_titles.csv.gz", "rt", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    keys = Counter(phrase_key(r["title"]) for r in rows)
    mains = Counter(phrase_key(re.split(r":\s|\s[-\u2013\u2014]\s", r["title"])[0]) for r in rows)
    unique = [r for r in rows if keys[phrase_key(r["title"])] == 1 and len(phrase_key(r["title"])) >= 3]
    random.Random(SEED).shuffle(unique)
    chosen: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    for n, row in enumerate(unique):
        if len(chosen) == COUNT:
            break
        for offset in range(len(VARIANTS)):
            kind = VARIANTS[(n + offset) % len(VARIANTS)]
            query = variant(kind, row)
            if kind == "main_title" and query is not None and mains[phrase_key(query)] != 1:
                query = None  # a main title several works share names none of them
            if query and query not in seen:
                chosen.append((query, row["show_id"], kind))
                seen.add(query)
                break
    OUT.mkdir(parents=True, exist_ok=True)
    with open(OUT / "titles.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["query", "docid", "rating"])
        writer.writerows((q, doc, 3) for q, doc, _ in chosen)
    with open(OUT / "queries.tsv", "w", encoding="utf-8") as fh:
        fh.write("query\tdoc_id\tvariant\n")
        fh.writelines(f"{q}\t{doc}\t{kind}\n" for q, doc, kind in chosen)
    print(f"{len(chosen)} queries: {dict(Counter(k for _, _, k in chosen))}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
