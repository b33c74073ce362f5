"""The fusion grid search on hand-made lists where the right answer is known."""

from __future__ import annotations

from marquee.relevance.fusion_tuning import (
    candidate_specs,
    evaluate_spec,
    grid_search,
    per_type_search,
    query_length_type,
)
from marquee.search.fusion import FusionSpec

# q1: lexical is right (relevant "a" first lexically, last by vectors); q2: dense is right.
LISTS = {
    "q1": ([("a", 9.0), ("b", 5.0), ("c", 1.0)], [("c", 0.9), ("b", 0.8), ("a", 0.7)]),
    "q2": ([("x", 9.0), ("y", 5.0), ("z", 1.0)], [("z", 0.9), ("y", 0.8), ("x", 0.7)]),
}
QRELS = {"q1": {"a": 1}, "q2": {"z": 1}}


def test_grid_covers_all_allowed_settings():
    specs = list(candidate_specs())
    # min_max and l2 with 3 combinations x 11 weights, z_score with arithmetic only x 11, 7 RRF constants;
    # geometric/harmonic with a zero weight are still valid OpenSearch settings.
    assert len(specs) == 2 * 3 * 11 + 11 + 7
    assert FusionSpec(method="rrf", rank_constant=60, weights=()) in specs


def test_all_lexical_weight_is_perfect_for_a_lexical_query():
    assert evaluate_spec({"q1": LISTS["q1"]}, {"q1": QRELS["q1"]}, FusionSpec(weights=(1.0, 0.0))) == 1.0


def test_per_type_search_picks_opposite_weights():
    best = per_type_search(LISTS, QRELS, {"q1": "lexical", "q2": "dense"}.__getitem__)
    assert best["lexical"].metric == 1.0 and best["dense"].metric == 1.0
    # a single global setting cannot be perfect on both
    assert grid_search(LISTS, QRELS)[0].metric < 1.0


def test_query_length_type():
    assert query_length_type("tom hanks") == "short"
    assert query_length_type("a claim about the effect of vitamin d on bone density") == "descriptive"
