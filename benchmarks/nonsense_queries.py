"""Build the nonsense yardstick: queries no title of the bundled catalog answers, in two disjoint sets.

    python benchmarks/nonsense_queries.py     # writes data/judgments/nonsense/{calibration,yardstick}.tsv

Three kinds, as viewers and bots produce them: random letter strings (one to three "words" of 4-9 letters),
keyboard mashes (runs along a QWERTY row, a hand rolled over neighbouring keys) and words of other languages
(Finnish, Hungarian, Welsh, Polish, Turkish, Basque, Icelandic, Swahili) that no title, description or name of
the catalog contains. ``calibration.tsv`` is where the dense floor is chosen; ``yardstick.tsv`` (different seed,
different foreign words) is read once for the reported figure. A query whose folded words appear in the catalog
is dropped, so every query is nonsense *for this catalog*.
"""

from __future__ import annotations

import csv
import gzip
import random
import sys
from pathlib import Path

from marquee.search.understanding.text import key_of

ROOT = Path(__file__).resolve().parents[1]
CATALOG = ROOT / "data" / "netflix_titles.csv.gz"
OUT = ROOT / "data" / "judgments" / "nonsense"
PER_KIND = {"calibration": 20, "yardstick": 20}
SEEDS = {"calibration": 11, "yardstick": 29}
ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
FOREIGN = {
    "calibration": [
        "hyppytyynytyydytys", "tietokoneohjelma", "kännykkä", "sähköposti", "jäätelöauto", "megszentségtelenít",
        "hűtőszekrény", "gyümölcslé", "llongyfarchiadau", "cwtsh", "hiraeth", "przyjaciółka", "gżegżółka",
        "źdźbło", "çekoslovakyalılaştıramadıklarımızdan", "gözlükçü", "etxebizitza", "txakurtxo",
        "sjónvarpstæki", "kvöldmatur", "mchicha", "kiboko",
    ],
    "yardstick": [
        "lentokonesuihkuturbiinimoottoriapumekaanikko", "pöytälaatikko", "mustikkapiirakka", "ölelés",
        "szívesen", "bögre", "cyfrifiadur", "ysbyty", "mwynhau", "szczebrzeszyn", "chrząszcz", "wyłącznik",
        "muvaffakiyetsizleştiricileştiriveremeyebileceklerimizdenmişsinizcesine", "şemsiye", "ilkbahar",
        "ordenagailua", "bihotzez", "tölvupóstur", "hnífapör", "kompyuta", "kitabu cha", "ndizi mbivu",
    ],
}


def catalog_words() -> set[str]:
    """Every folded word of every title, description and name in the bundled catalog."""
    words: set[str] = set()
    with gzip.open(CATALOG, "rt", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            for column in ("title", "director", "cast", "country", "listed_in", "description"):
                words.update(key_of(row.get(column) or ""))
    return words


def random_string(rng: random.Random) -> str:
    letters = "bcdfghjklmnpqrstvwxzaeiouy"
    weights = [3] * 20 + [1] * 6  # consonant-heavy, as a mistyped or random string is
    return " ".join("".join(rng.choices(letters, weights, k=rng.randint(4, 9))) for _ in range(rng.randint(1, 3)))


def keyboard_mash(rng: random.Random) -> str:
    row = rng.choice(ROWS)
    start = rng.randrange(0, len(row) - 3)
    run = row[start : start + rng.randint(4, len(row) - start)]
    mashed = "".join(ch * rng.choice((1, 1, 2)) for ch in (run if rng.random() < 0.5 else run[::-1]))
    if rng.random() < 0.5:
        other = rng.choice(ROWS)
        mashed += " " + other[: rng.randint(3, len(other))]
    return mashed


def build(out: Path) -> dict[str, int]:
    known = catalog_words()
    counts: dict[str, int] = {}
    out.mkdir(parents=True, exist_ok=True)
    for name, per_kind in PER_KIND.items():
        rng = random.Random(SEEDS[name])
        rows: list[tuple[str, str]] = []
        seen: set[str] = set()
        for kind, make in (("random", random_string), ("mash", keyboard_mash)):
            made = 0
            while made < per_kind:
                query = make(rng)
                if query in seen or any(w in known for w in key_of(query)):
                    continue
                seen.add(query)
                rows.append((query, kind))
                made += 1
        rows += [(w, "foreign") for w in FOREIGN[name] if not any(k in known for k in key_of(w))]
        with open(out / f"{name}.tsv", "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, delimiter="\t", lineterminator="\n")
            writer.writerow(["query", "kind"])
            writer.writerows(rows)
        counts[name] = len(rows)
    return counts


if __name__ == "__main__":
    print(build(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT))
