"""Exploration of the first page: the top stays, the rest is a replayable random draw from further down."""

from __future__ import annotations

import pytest

from marquee.search.exploration import ExplorationPolicy, explore

IDS = [f"d{i:02d}" for i in range(1, 41)]  # ranked d01 .. d40


def test_an_unexplored_search_is_unchanged():
    assert explore(IDS, 10, "q1", ExplorationPolicy(rate=0.0)) == (IDS, [])


def test_the_top_stays_and_the_slots_come_from_ranks_keep_to_depth():
    policy = ExplorationPolicy(rate=1.0, keep=5, depth=30)
    shown, placed = explore(IDS, 10, "q1", policy)
    assert shown[:5] == IDS[:5]
    assert shown[5:10] == placed and len(set(placed)) == 5
    assert set(placed) <= set(IDS[5:30])
    # the rest of the ranking follows in rank order, without what moved up: no title twice, none lost
    assert shown[10:] == [i for i in IDS[5:] if i not in placed]
    assert sorted(shown) == sorted(IDS)


def test_the_draw_is_a_function_of_the_query_id_alone():
    policy = ExplorationPolicy(rate=1.0)
    assert explore(IDS, 10, "abc", policy) == explore(IDS, 10, "abc", policy)
    draws = {tuple(explore(IDS, 10, f"q{n}", policy)[1]) for n in range(50)}
    assert len(draws) == 50  # 25 choose 5 in random order: fifty keys, fifty different pages


def test_the_rate_is_the_share_of_searches_explored():
    policy = ExplorationPolicy(rate=0.2)
    explored = sum(policy.explores(f"query-{n}") for n in range(10_000))
    assert 1_900 <= explored <= 2_100  # binomial(10,000, 0.2): sd 40, this is +-2.5 sd


def test_explored_positions_are_uniform_enough_for_a_position_model():
    policy = ExplorationPolicy(rate=1.0, keep=5, depth=10)  # the pool is exactly ranks 6..10: a permutation
    first_slot = [explore(IDS, 10, f"k{n}", policy)[0][5] for n in range(5_000)]
    counts = {doc: first_slot.count(doc) for doc in IDS[5:10]}
    assert set(counts) == set(IDS[5:10]) and all(850 <= c <= 1_150 for c in counts.values())


def test_short_lists_and_small_pages_are_left_alone():
    policy = ExplorationPolicy(rate=1.0, keep=5)
    assert explore(IDS[:5], 10, "q", policy) == (IDS[:5], [])
    assert explore(IDS, 5, "q", policy) == (IDS, [])
    shown, placed = explore(IDS[:8], 10, "q", policy)  # 3 candidates below the top: all shown, in random order
    assert sorted(placed) == IDS[5:8] and shown[:5] == IDS[:5]


@pytest.mark.parametrize("kwargs", [{"rate": 1.5}, {"rate": -0.1}, {"keep": 30, "depth": 30}, {"keep": -1}])
def test_bad_policies_are_refused(kwargs):
    with pytest.raises(ValueError, match="exploration"):
        ExplorationPolicy(**kwargs)
