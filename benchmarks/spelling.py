"""Did-you-mean on the bundled catalog: correction accuracy and zero-result rate on misspelt queries, the
nonsense queries kept empty, the cost of a correction and the p50 of queries that need none.

    python benchmarks/spelling.py --home var     # a `make demo` home (MiniLM vectors, the calibrated dense floor)

Each misspelt query of ``data/judgments/spelling/queries.tsv`` is searched as typed (``spellcheck=false``) and
as served. What the service made of it: the correction it applied or offered (``understood.spelling``), else
the title it resolved a typo to (titles first, ``understood.title.how == "typo"``), else nothing; correct when
that equals the intended query (compared as phrase keys: case, accents, a leading article, a final s).
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import time
from pathlib import Path

from marquee.api.services import MarqueeServices
from marquee.search.analysis import analyzer
from marquee.search.features import phrase_key
from marquee.search.request import SearchRequest
from marquee.search.service import SearchResponse
from marquee.settings import load_settings

ROOT = Path(__file__).resolve().parents[1]
JUDGMENTS = ROOT / "data" / "judgments"


def rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def timed(services: MarqueeServices, q: str, spellcheck: bool) -> tuple[SearchResponse, float]:
    started = time.perf_counter()
    response = services.search.search(SearchRequest(q=q, size=10, spellcheck=spellcheck))
    return response, (time.perf_counter() - started) * 1000.0


def made_of(query: str, intended: str, response: SearchResponse) -> tuple[str, str | None]:
    """What the service searched for or offered instead of ``query``, and by which mechanism."""
    understood = response.understood
    spelling = understood.get("spelling")
    if spelling:
        return ("applied" if spelling["applied"] else "offered"), spelling["corrected"]
    title = understood.get("title") or {}
    if title.get("how") == "typo":
        return "title typo", understood.get("text")
    if title and response.hits:
        return "title", response.hits[0].title
    fuzzy = [m for m in understood.get("matches", []) if m.get("how") == "fuzzy" and m.get("values")]
    if fuzzy:  # understanding matched a name or label within its own typo budget
        text = query
        for m in sorted(fuzzy, key=lambda m: -m["start"]):
            text = text[:m["start"]] + m["values"][0] + text[m["end"]:]
        return "understood", text
    stem = analyzer("english_text")
    if stem(query) == stem(intended):  # the engine's stemming already meets the intended words
        return "stemmed", intended
    return "none", None


def misspelt(services: MarqueeServices) -> dict[str, object]:
    results, extra_ms = [], []
    for row in rows(JUDGMENTS / "spelling" / "queries.tsv"):
        timed(services, row["query"], False)  # warm: the timings below compare ranking, not model calls
        timed(services, row["query"], True)
        off, off_ms = timed(services, row["query"], False)
        on, on_ms = timed(services, row["query"], True)
        how, text = made_of(row["query"], row["intended"], on)
        if how in ("applied", "offered"):
            extra_ms.append(on_ms - off_ms)
        results.append({"query": row["query"], "intended": row["intended"], "kind": row["kind"], "how": how,
                         "text": text, "correct": text is not None and phrase_key(text) == phrase_key(row["intended"]),
                         "empty_before": off.total == 0, "empty_after": on.total == 0})
    by_kind: dict[str, dict[str, float]] = {}
    for kind in [*sorted({r["kind"] for r in results}), "all"]:
        chosen = [r for r in results if kind in ("all", r["kind"])]
        by_kind[kind] = {"queries": len(chosen),
                         "accuracy": round(sum(r["correct"] for r in chosen) / len(chosen), 3),
                         "zero_before": round(sum(r["empty_before"] for r in chosen) / len(chosen), 3),
                         "zero_after": round(sum(r["empty_after"] for r in chosen) / len(chosen), 3)}
    how_counts = {h: sum(r["how"] == h for r in results)
                  for h in ("applied", "offered", "title typo", "title", "understood", "stemmed", "none")}
    spelled = [r for r in results if r["how"] in ("applied", "offered")]
    return {"by_kind": by_kind, "how": how_counts,
            "spelling_precision": round(sum(r["correct"] for r in spelled) / len(spelled), 3) if spelled else None,
            "correction_extra_ms_p50": round(statistics.median(extra_ms), 1) if extra_ms else None,
            "wrong": [r for r in results if not r["correct"]]}


def nonsense(services: MarqueeServices) -> dict[str, object]:
    out: dict[str, object] = {}
    for name in ("calibration", "yardstick"):
        queries = [r["query"] for r in rows(JUDGMENTS / "nonsense" / f"{name}.tsv")]
        before = [timed(services, q, False)[0] for q in queries]
        after = [timed(services, q, True)[0] for q in queries]
        out[name] = {"queries": len(queries),
                     "empty_before": round(sum(r.total == 0 for r in before) / len(queries), 3),
                     "empty_after": round(sum(r.total == 0 for r in after) / len(queries), 3),
                     "corrected": [(q, r.understood["spelling"]["corrected"]) for q, r in zip(queries, after,
                                                                                             strict=True)
                                   if r.understood.get("spelling")]}
    return out


def judgement_queries() -> list[str]:
    with open(JUDGMENTS / "netflix" / "queries.jsonl", encoding="utf-8") as fh:
        return [json.loads(line)["query"] for line in fh if line.strip()]


def speed(services: MarqueeServices, rounds: int) -> dict[str, object]:
    """p50 of the Netflix judgement queries with hits, with and without spellcheck (interleaved, warm caches)."""
    queries = judgement_queries()
    for q in queries:
        timed(services, q, True)  # warm the query-embedding cache and the engine
    timings: dict[bool, list[float]] = {True: [], False: []}
    with_hits = [q for q in queries if timed(services, q, False)[0].total > 0]
    for _ in range(rounds):
        for q in with_hits:
            for spellcheck in (False, True):
                timings[spellcheck].append(timed(services, q, spellcheck)[1])
    fired = sum(bool(timed(services, q, True)[0].understood.get("spelling")) for q in with_hits)
    return {"queries": len(with_hits), "rounds": rounds, "spelling_fired": fired,
            "p50_ms_spellcheck_off": round(statistics.median(timings[False]), 2),
            "p50_ms_spellcheck_on": round(statistics.median(timings[True]), 2)}


def rules_cost(services: MarqueeServices, rounds: int, rules: int = 100) -> dict[str, object]:
    """p50 with no rule store, then with ``rules`` stored contains-rules that never fire (each search reads the
    current version from SQLite and scans the set), interleaved. Writes the store into the home's database."""
    from marquee.search.query_rules import QueryRule

    queries = judgement_queries()[:100]
    for q in queries:
        timed(services, q, True)
    absent = [timed(services, q, True)[1] for _ in range(rounds) for q in queries]
    index = services.search.served_index()
    some_id = next(iter(services.backend.scan(index, ["title"])))["id"]
    store = services.rule_store
    store.replace([QueryRule(f"r{n}", f"zzqx{n} never", "contains", pin=(some_id,)) for n in range(rules)],
                  lambda ids: ids)
    present = [timed(services, q, True)[1] for _ in range(rounds) for q in queries]
    store.replace([], lambda ids: ids)
    return {"queries": len(queries), "rules": rules, "p50_ms_no_store": round(statistics.median(absent), 2),
            "p50_ms_with_rules": round(statistics.median(present), 2)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", default="var")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rules-cost", action="store_true", help="also time searches with 100 stored query rules "
                        "(writes the rule store into the home's database, emptied afterwards)")
    args = parser.parse_args()
    services = MarqueeServices(load_settings(overrides={"home": args.home}))
    services.warm_up()
    started = time.perf_counter()
    index = services.search.served_index()
    services.search.spelling.index_for(index)
    report = {"index": index, "misspelt": misspelt(services), "nonsense": nonsense(services),
              "speed": speed(services, args.rounds)}
    if args.rules_cost:
        report["rules_cost"] = rules_cost(services, args.rounds)
    build = time.perf_counter()
    from marquee.search.spelling import SpellingDictionary

    SpellingDictionary(services.backend.scan(index, services.search.spelling.FIELDS))
    started_words = time.perf_counter()
    words = services.search.spelling.index_for(index)
    samples = [r["query"] for r in rows(JUDGMENTS / "spelling" / "queries.tsv")]
    for q in samples:
        words.correct(q)
    report["correct_call_ms_mean"] = round((time.perf_counter() - started_words) * 1000.0 / len(samples), 2)
    report["dictionary_build_s"] = round(time.perf_counter() - build, 2)
    report["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
