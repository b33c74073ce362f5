"""``understand(query, vocab)``: recognise catalog entities in a query, longest match first.

The steps, each small and in this order:

1. exact phrases (catalog values, lexicon synonyms, ratings with "rated") and time expressions are
   collected at every position; the longest win, ties going to the more specific field;
2. on the words still free: one-word people confirmed by spaCy, then typo'd people, then typo'd
   genre and kind words;
3. context rules (:func:`.rules.apply_context`): words that are often part of titles (kind words, genre
   words, bare years and decades) count only in company, so "Reply 1988" and "Mama Drama" stay text;
4. genres are resolved against the kind ("comedy series" is TV Comedies);
5. connector words are dropped only where they link recognised entities.

No word is consumed unless a match used it: a query that matches nothing comes back unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from marquee.search.backends.base import Filters
from marquee.search.understanding.concepts import ConceptTables
from marquee.search.understanding.confidence import confidence_of
from marquee.search.understanding.lexicon import CONNECTORS, TIME_OPERATORS
from marquee.search.understanding.model import (
    SHARED_FIELD_WEIGHT,
    SOFT_FIELD_WEIGHT,
    SOFT_FIELDS,
    Boost,
    Match,
    Span,
    Understanding,
)
from marquee.search.understanding.rules import Pick, apply_context, dropped_connectors, resolve_genres
from marquee.search.understanding.tables import RANK_RATING, LookupTables
from marquee.search.understanding.temporal import Interval, TimeMatch, combine, time_matches
from marquee.search.understanding.text import Token, key_of, tokenize
from marquee.search.understanding.vocabulary import YEAR_FIELD, Vocabulary

Ner = Callable[[str], list[tuple[str, str]]]
"""spaCy-style entities of a text: ``[(entity text, label), ...]``."""

MAX_FUZZY_TOKENS = 12
"""Typo matching is skipped on longer free text: its cost grows with every span, and long queries are
descriptions, not names."""
MAX_FUZZY_SPAN = 5
NOT_NAME_EDGES = frozenset({*CONNECTORS, *TIME_OPERATORS, "rated"})


def _phrase_picks(keys: Sequence[str], tables: LookupTables) -> list[Pick]:
    picks = []
    n = len(keys)
    for i in range(n):
        for width in range(min(tables.max_phrase, n - i), 0, -1):
            entry = tables.phrases.get(tuple(keys[i : i + width]))
            if entry is None:
                continue
            pick = Pick(i, i + width, entry.field, entry.values, None, entry.how, 0, entry.rule, entry.rank, entry)
            if entry.field == "rating":
                if i > 0 and keys[i - 1] == "rated":
                    picks.append(pick._replace(start=i - 1, rule=f"rated {entry.values[0]}"))
                if i + width < n and keys[i + width] == "rated":
                    picks.append(pick._replace(end=i + width + 1, rule=f"{entry.values[0]} rated"))
                if entry.needs_prefix:
                    continue
            picks.append(pick)
    return picks


RANK_CONCEPT = 0
"""A concept phrase wins over a lexicon or catalog phrase of the same length ("thriller" is the thriller concept,
wider than the one catalog label the genre word names)."""


def _concept_picks(keys: Sequence[str], concepts: ConceptTables) -> list[Pick]:
    picks = []
    n = len(keys)
    for i in range(n):
        for width in range(min(concepts.max_phrase, n - i), 0, -1):
            key = tuple(keys[i : i + width])
            if key in concepts.blocked:
                picks.append(Pick(i, i + width, "", rule="blocked phrase", rank=RANK_CONCEPT))
                continue
            entry = concepts.phrases.get(key)
            if entry is None:
                continue
            field, values = entry.filter[0] if entry.filter else ("year" if entry.years else "concept", ())
            if entry.years and not entry.filter:
                field = YEAR_FIELD
            rule = f"{entry.concept.type} concept: {entry.concept.id}"
            picks.append(Pick(i, i + width, field, values, entry.years, "concept", 0, rule, RANK_CONCEPT,
                              concept=entry))
    return picks


def _time_pick(match: TimeMatch) -> Pick:
    return Pick(
        match.start, match.end, YEAR_FIELD, (), match.interval, "pattern", 0, match.rule, RANK_RATING, None, match
    )  # fmt: skip


def _select(candidates: list[Pick], covered: list[bool]) -> list[Pick]:
    """Longest first; among equals the more specific field, then the earlier position."""
    chosen = []
    for pick in sorted(candidates, key=lambda p: (p.start - p.end, p.rank, p.start)):
        if not any(covered[pick.start : pick.end]):
            chosen.append(pick)
            for i in range(pick.start, pick.end):
                covered[i] = True
    return chosen


def _free_runs(covered: Sequence[bool]) -> list[tuple[int, int]]:
    runs, start = [], None
    for i, used in enumerate([*covered, True]):
        if not used and start is None:
            start = i
        elif used and start is not None:
            runs.append((start, i))
            start = None
    return runs


def _ner_people(query: str, keys: Sequence[str], tables: LookupTables, covered: list[bool], ner: Ner) -> list[Pick]:
    """One-word names ("Kajol") only when rare in the catalog and spaCy calls that very word a PERSON."""
    wanted = {
        i: tables.single_person(k)
        for i, k in enumerate(keys)
        if not covered[i] and k not in NOT_NAME_EDGES and tables.single_person(k)
    }
    if not wanted:
        return []
    persons = {key_of(text) for text, label in ner(query) if label == "PERSON"}
    picks = []
    for i, names in wanted.items():
        if (keys[i],) in persons:
            picks.append(Pick(i, i + 1, "people.raw", names, how="spacy", rule="one-word name, spaCy PERSON"))
            covered[i] = True
    return picks


def _fuzzy_people(keys: Sequence[str], tables: LookupTables, covered: list[bool]) -> list[Pick]:
    free = [i for i, used in enumerate(covered) if not used]
    if len(free) > MAX_FUZZY_TOKENS:
        return []
    hits = {keys[i]: tables.person_hits(keys[i]) for i in free if keys[i] not in NOT_NAME_EDGES}
    picks = []
    for run_start, run_end in _free_runs(covered):
        for width in range(min(MAX_FUZZY_SPAN, run_end - run_start), 1, -1):
            for i in range(run_start, run_end - width + 1):
                span = tuple(keys[i : i + width])
                if any(covered[i : i + width]) or span[0] in NOT_NAME_EDGES or span[-1] in NOT_NAME_EDGES:
                    continue
                if any(t.isdigit() or t not in hits for t in span):
                    continue
                found = tables.fuzzy_person(span, hits)
                if found is not None:
                    rule = f"typo of {found.key!r}"
                    picks.append(Pick(i, i + width, "people.raw", found.names, None, "fuzzy", found.distance, rule))
                    for j in range(i, i + width):
                        covered[j] = True
    return picks


def _fuzzy_words(keys: Sequence[str], tables: LookupTables, covered: list[bool]) -> list[Pick]:
    picks = []
    for i, key in enumerate(keys):
        if covered[i] or key in NOT_NAME_EDGES:
            continue
        found = tables.fuzzy_lexicon(key)
        if found is not None:
            word, entry, distance = found
            if entry.needs_prefix:
                continue
            rule = f"typo of {word!r}: {entry.rule}"
            picks.append(Pick(i, i + 1, entry.field, entry.values, None, "fuzzy", distance, rule, entry.rank, entry))
            covered[i] = True
    return picks


def _year_boosts(interval: Interval, vocab: Vocabulary) -> tuple[Boost, ...]:
    span = vocab.year_span
    if span is None:
        return ()
    lo = span[0] if interval[0] is None else max(interval[0], span[0])
    hi = span[1] if interval[1] is None else min(interval[1], span[1])
    if lo > hi:
        return ()
    if (lo % 10 or hi % 10 != 9) and hi - lo < 10:
        return tuple(("year", str(y), 1.0) for y in range(lo, hi + 1))
    return tuple(("decade", str(d), 1.0) for d in sorted(vocab.decades) if d + 9 >= lo and d <= hi)


def _build(
    query: str, tokens: Sequence[Token], picks: list[Pick], dropped: list[int], vocab: Vocabulary
) -> Understanding:
    picks = sorted(picks, key=lambda p: p.start)
    used = [False] * len(tokens)
    for pick in picks:
        if pick.field in SOFT_FIELDS or (pick.concept is not None and pick.concept.concept.keep_text):
            continue  # a preference or a vague concept: its words stay in the text
        for i in range(pick.start, pick.end):
            used[i] = True
    for i in dropped:
        used[i] = True
    # a vague word stays in the text only when nothing else is said: beside other free words ("revenge thrillers")
    # it would only dilute them
    vague = {i for p in picks if p.concept is not None and p.concept.concept.keep_text for i in range(p.start, p.end)}
    if any(not used[i] and i not in vague for i in range(len(tokens))):
        for i in vague:
            used[i] = True
    if not picks:
        return Understanding(query=query, text=query)
    text = " ".join(query[tokens[a].start : tokens[b - 1].end] for a, b in _free_runs(used))
    matches = []
    terms: dict[str, dict[str, None]] = {}
    per_field: dict[str, int] = {}
    intervals = []
    preferences: dict[Boost, None] = {}
    # the surer concept takes a contested field as its filter ("scary movies for kids": kids filters, scary prefers)
    concept_picks = sorted((p for p in picks if p.concept is not None),
                           key=lambda p: (-p.concept.concept.confidence if p.concept else 0.0, p.start))
    for pick in [p for p in picks if p.concept is None] + concept_picks:
        start, end = tokens[pick.start].start, tokens[pick.end - 1].end
        confidence, use = confidence_of(pick)
        match = Match(start, end, query[start:end], pick.field, pick.values, pick.interval, pick.how, pick.distance,
                      pick.rule, confidence, use)
        if pick.concept is not None:
            entry = pick.concept
            weight = entry.concept.prefer_weight
            expansion: dict[str, tuple[str, ...]] = {}
            preferred: list[Boost] = [(f, v, weight) for f, values in entry.prefer for v in values]
            for name, values in entry.filter:
                if name in terms:  # the field is already constrained: AND is out of reach, prefer instead
                    preferred.extend((name, v, weight) for v in values)
                    continue
                terms[name] = dict.fromkeys(values)
                per_field[name] = 1
                expansion[name] = values
            if entry.years is not None:
                intervals.append(entry.years)
            preferences.update(dict.fromkeys(preferred))
            use = "expand" if expansion or entry.years else "prefer"
            matches.append(replace(match, use=use, concept=entry.concept.id, expansion=tuple(expansion.items()),
                                   prefer=tuple(preferred)))
            continue
        matches.append(match)
        if pick.interval is not None:
            intervals.append(pick.interval)
        elif pick.field in SOFT_FIELDS:
            preferences.update(dict.fromkeys((pick.field, value, SOFT_FIELD_WEIGHT) for value in pick.values))
        else:
            terms.setdefault(pick.field, {}).update(dict.fromkeys(pick.values))
            per_field[pick.field] = per_field.get(pick.field, 0) + 1
    boosts = tuple(
        (name, value, SHARED_FIELD_WEIGHT) for name, values in terms.items() if per_field[name] > 1 for value in values
    ) + tuple(preferences)
    interval = combine(intervals) if intervals else None
    ranges = {} if interval is None else {YEAR_FIELD: interval}
    return Understanding(
        query=query,
        text=text,
        filters=Filters.of({k: list(v) for k, v in terms.items()}, ranges),
        boosts=boosts,
        matches=tuple(sorted(matches, key=lambda m: m.start)),
        dropped=tuple(Span(tokens[i].start, tokens[i].end, query[tokens[i].start : tokens[i].end]) for i in dropped),
        year_boosts=() if interval is None else _year_boosts(interval, vocab),
    )


def understand(
    query: str, vocab: Vocabulary, ner: Ner | None = None, concepts: ConceptTables | None = None
) -> Understanding:
    """Parse ``query`` into free text, filters and boosts using the catalog's vocabulary.

    ``ner`` (spaCy entities of the query) is only consulted when a free word is a rare one-word name;
    ``concepts`` (see :mod:`.concepts`, built for this catalog) adds the viewers' words the labels do not spell.
    """
    tokens = tokenize(query)
    if not tokens:
        return Understanding(query=query, text=query)
    keys = [t.key for t in tokens]
    tables = vocab.tables
    covered = [False] * len(keys)
    candidates = _phrase_picks(keys, tables) + [_time_pick(m) for m in time_matches(query, tokens, vocab.year_span)]
    if concepts is not None:
        candidates += _concept_picks(keys, concepts)
    picks = _select(candidates, covered)
    for pick in picks:
        if not pick.field:  # a blocked phrase: plain text, but no shorter match may take its words
            for i in range(pick.start, pick.end):
                covered[i] = False
    picks = [p for p in picks if p.field]
    if ner is not None:
        picks += _ner_people(query, keys, tables, covered, ner)
    picks += _fuzzy_people(keys, tables, covered)
    picks += _fuzzy_words(keys, tables, covered)
    picks = resolve_genres(apply_context(picks, keys))
    covered = [False] * len(keys)
    for pick in picks:
        for i in range(pick.start, pick.end):
            covered[i] = True
    return _build(query, tokens, picks, dropped_connectors(keys, covered), vocab)
