"""Decay, trending spikes and the item-to-item blend on hand-made cases, with an injected clock: exact values."""

from __future__ import annotations

import math

import pytest

from marquee.search.recommendations import decay, trending
from marquee.search.recommendations.item_to_item import cooccurrence, jaccard
from marquee.search.recommendations.profiles import Interaction
from marquee.search.recommendations.store import HalfLives, RecommendationStore

H = 100.0


def test_decay_halves_every_half_life_and_adds_weights():
    assert decay.factor(H, H) == 0.5 and decay.factor(2 * H, H) == 0.25 and decay.factor(-5, H) == 1.0
    assert decay.add(4.0, 0.0, 1.0, H, H) == (3.0, H)
    # the order of two decayed sums never changes with time: rank_key orders them
    assert decay.rank_key(4.0, 0.0, H) == decay.rank_key(2.0, H, H) == 2.0


def test_spike_against_the_baseline():
    steady = None
    for minute in range(0, 24 * 100 * 5, 10):  # one play every 10 s for 5 baseline half-lives
        steady = trending.observe(steady, "steady", 1.0, float(minute), H)
    assert not trending.trend(steady, 12_000.0, H).spike
    assert trending.trend(steady, 12_000.0, H).ratio == pytest.approx(1.0, abs=0.05)
    burst = None
    for second in range(5):
        burst = trending.observe(burst, "burst", 1.0, 12_000.0 - 5 + second, H)
    t = trending.trend(burst, 12_000.0, H)
    assert t.spike and t.ratio == pytest.approx(24.0 * t.popularity / t.baseline)  # 23.5: a fresh title
    ranked = trending.rank([steady, burst], 12_000.0, H)
    assert [r.doc_id for r in ranked] == ["burst", "steady"]  # the spike first although steady has more plays
    # forgetting an event takes it out exactly
    one = trending.observe(None, "x", 3.0, 0.0, H)
    two = trending.observe(one, "x", 1.0, H, H)
    assert trending.forget(two, 3.0, 0.0, H).short == pytest.approx(1.0)


def test_blend_parts():
    assert cooccurrence(2, 4, 4) == pytest.approx(2 / 4 * 2 / 4)
    assert cooccurrence(0, 4, 4) == 0.0
    assert jaccard(frozenset("ab"), frozenset("bc")) == pytest.approx(1 / 3)


def test_profile_affinities_decay_exactly(tmp_path):
    store = RecommendationStore(tmp_path / "db.sqlite3")
    lives = HalfLives(profile=H, trending=H)
    docs = {"a": {"id": "a", "genres": ["Dramas", "Comedies"], "kind": "Movie", "embedding": [1.0, 0.0]},
            "b": {"id": "b", "genres": ["Dramas"], "kind": "TV Show", "embedding": [0.0, 1.0]}}
    click = Interaction("u1", "u1", "s1", "a", "click", "2026-01-01T00:00:00.000Z")
    play = Interaction("u1", "u1", "s1", "b", "play", "2026-01-01T00:01:00.000Z")
    assert store.observe([click], docs, 0.0, lives) == 1
    assert store.observe([click], docs, 1.0, lives) == 0  # a retry counts once
    assert store.observe([play], docs, H, lives) == 1
    profile = store.profile("u1", H, lives)
    assert profile.events == 2
    assert profile.affinities["genres"] == {"Dramas": 3.5, "Comedies": 0.5}
    assert profile.affinities["kind"] == {"Movie": 0.5, "TV Show": 3.0}
    assert profile.centroid.tolist() == pytest.approx([0.5 / 3.5, 3.0 / 3.5])
    assert [d for d, _ in profile.recent] == ["b", "a"]
    later = store.profile("u1", 2 * H, lives)
    assert later.affinities["genres"]["Dramas"] == pytest.approx(1.75)
    erased = store.erase("u1", 2 * H, lives)
    assert (erased.interactions, erased.profiles) == (2, 1)
    assert store.counts() == {"rec_interactions": 0, "rec_profiles": 0, "rec_affinities": 0, "rec_trending": 0}
    assert math.isfinite(decay.rank_key(1.0, 0.0, H))
