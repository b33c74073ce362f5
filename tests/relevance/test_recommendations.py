"""The maths of offline recommendations pinned on hand-made cases (issue 18 section 5)."""

import math

import numpy as np
import pytest
import scipy.sparse as sp

from marquee.relevance.recommendations.blend import impute_cold_columns
from marquee.relevance.recommendations.dataset import Ratings, held_out_users, history_mask, split
from marquee.relevance.recommendations.ease import ease_weights
from marquee.relevance.recommendations.evaluation import UserCase, evaluate
from marquee.relevance.recommendations.item_knn import cosine_neighbours
from marquee.relevance.recommendations.metrics import cold_recall_at, coverage, ndcg_at, recall_at
from marquee.relevance.recommendations.popularity import popularity_prior
from marquee.relevance.recommendations.significance import paired_test
from marquee.search.recommendations.scoring import (
    BlendWeights,
    HistoryWeighting,
    ItemTables,
    history_weights,
    load_tables,
    recommend,
    save_tables,
    score_items,
    top_k,
)

# users x items: G = X^T X = [[3,2,2],[2,2,1],[2,1,2]]; with lambda = 1, P = (G + I)^-1 = [[8,-4,-4],[-4,8,0],[-4,0,8]] / 16
X = sp.csr_matrix(np.array([[1, 1, 0], [1, 0, 1], [1, 1, 1]], dtype=np.float32))


def test_ease_closed_form_on_a_3x3_case():
    b = ease_weights(X, 1.0)
    # B_ij = -P_ij / P_jj, zero diagonal
    assert b == pytest.approx(np.array([[0, 0.5, 0.5], [0.5, 0, 0], [0.5, 0, 0]]), abs=1e-6)


def test_ease_leaves_items_without_interactions_at_zero_and_rejects_lambda_0():
    wide = sp.hstack([X, sp.csr_matrix((3, 1))]).tocsr()
    b = ease_weights(wide, 1.0)
    assert b.shape == (4, 4)
    assert not b[3].any() and not b[:, 3].any()
    assert b[:3, :3] == pytest.approx(ease_weights(X, 1.0))
    with pytest.raises(ValueError, match="lambda > 0"):
        ease_weights(X, 0.0)


def test_item_knn_is_the_cosine_of_item_columns_with_top_neighbours():
    sim = cosine_neighbours(X, neighbours=5)
    r = 2 / math.sqrt(6)
    assert sim == pytest.approx(np.array([[0, r, r], [r, 0, 0.5], [r, 0.5, 0]]), abs=1e-6)
    one = cosine_neighbours(X, neighbours=1)
    assert (one > 0).sum(axis=1).tolist() == [1, 1, 1]
    assert one[1, 0] == pytest.approx(r) and one[1, 2] == 0


def test_popularity_prior_is_log_count_over_log_max():
    assert popularity_prior(np.array([0, 1, 3])) == pytest.approx([0.0, math.log(2) / math.log(4), 1.0])


def test_ranking_metrics_on_a_hand_made_ranking():
    ranked, relevant = [5, 3, 7, 1], {3, 1}
    assert ndcg_at(ranked, relevant, 3) == pytest.approx((1 / math.log2(3)) / (1 + 1 / math.log2(3)))
    assert ndcg_at(ranked, relevant, 4) == pytest.approx((1 / math.log2(3) + 1 / math.log2(5)) / (1 + 1 / math.log2(3)))
    assert recall_at(ranked, relevant, 3) == 0.5
    assert cold_recall_at(ranked, relevant, {1}, 3) == 0.0
    assert cold_recall_at(ranked, relevant, {1}, 4) == 1.0
    assert math.isnan(cold_recall_at(ranked, relevant, {9}, 4))
    assert coverage([[0, 1], [1, 2]], 10, 2) == pytest.approx(0.3)


def _ratings(rows):
    u, i, r, t = zip(*rows, strict=True)
    return Ratings(np.array(u), np.array(i), np.array(r, dtype=float), np.array(t))


def test_history_is_each_users_first_80_percent_by_time():
    # user 1: 10 ratings given out of time order; user 2: 5 ratings; user 3: 1 rating (history only)
    rows = [(1, 100 + k, 4.0, 1000 - k) for k in range(10)] + [(2, 200 + k, 3.0, k) for k in range(5)] + [(3, 1, 5, 0)]
    ratings = _ratings(rows)
    mask = history_mask(ratings)
    first = {int(i) for i in ratings.items[mask & (ratings.users == 1)]}
    assert first == {102, 103, 104, 105, 106, 107, 108, 109}  # the 8 earliest: largest k
    assert sorted(ratings.items[mask & (ratings.users == 2)].tolist()) == [200, 201, 202, 203]
    assert mask[ratings.users == 3].all()


def test_users_are_held_out_by_a_hash_of_their_id_whoever_else_is_in_the_file():
    users = np.arange(1, 2001)
    held = held_out_users(users, 0.2, seed=0)
    assert 0.15 < held.mean() < 0.25
    assert (held_out_users(users, 0.2, seed=0) == held).all()
    part = held_out_users(users[::3], 0.2, seed=0)
    assert (part == held[::3]).all()
    assert not (held_out_users(users, 0.2, seed=1) == held).all()


def test_split_puts_every_user_on_one_side():
    rows = [(u, k, 4.0, k) for u in range(1, 60) for k in range(5)]
    train, history, targets = split(_ratings(rows), 0.3, seed=0)
    assert not set(train.users) & set(history.users)
    assert set(history.users) == set(targets.users)
    assert len(train) + len(history) + len(targets) == len(rows)
    assert all((history.users == u).sum() == 4 for u in set(history.users))


COLLABORATIVE_ONLY = BlendWeights(1.0, 0.0, 0.0)


def _tables(content=None, blend=COLLABORATIVE_ONLY):
    collab = np.array([[0, 2, 1, 0], [2, 0, 0, 1], [1, 0, 0, 0], [0, 1, 0, 0]], dtype=np.float32)
    return ItemTables(("a", "b", "c", "d"), collab, np.zeros((0, 0), np.float32) if content is None else content,
                      np.array([1.0, 0.5, 0.25, 0.0], np.float32), blend)


def test_scores_exclude_history_and_scale_each_part_by_its_largest():
    scores = score_items(_tables(), [0], [1.0])
    assert scores[0] == -np.inf
    assert scores[1:] == pytest.approx([1.0, 0.5, 0.0])  # (2, 1, 0) / 2
    content = np.array([[0, 0, 0, 0.8], [0, 0, 0, 0], [0, 0, 0, 0], [0.8, 0, 0, 0]], dtype=np.float32)
    blended = score_items(_tables(content, BlendWeights(1.0, 0.5, 0.1)), [0], [1.0])
    assert blended[1:] == pytest.approx([1.0 + 0.05, 0.5 + 0.025, 0.5 * 1.0 + 0.0])
    assert score_items(_tables(), [], []) == pytest.approx([1.0, 0.5, 0.25, 0.0])  # no history: popularity


def test_recommend_never_returns_history_or_excluded_items_and_ignores_unknown_ids():
    tables = _tables()
    assert [i for i, _ in recommend(tables, ["a", "zzz"], k=3)] == ["b", "c", "d"]
    assert [i for i, _ in recommend(tables, ["a"], k=3, exclude=["b"])] == ["c", "d"]
    assert top_k(np.array([1.0, 3.0, 3.0, -np.inf]), 5).tolist() == [1, 2, 0]


def test_history_weights_by_rating_and_recency():
    w = history_weights(HistoryWeighting(rating_power=1.0, half_life_s=10.0), 3, np.array([5.0, 2.5, np.nan]),
                        np.array([20.0, 10.0, 20.0]))
    assert w == pytest.approx([1.0, 0.5 * 0.5, 0.8])


def test_cold_columns_are_the_weighted_mean_of_their_content_neighbours():
    b = np.array([[0, 2, 0], [4, 0, 0], [1, 3, 0]], dtype=np.float32)
    sim = np.array([[0, 0, 0.3], [0, 0, 0.1], [0.3, 0.1, 0]], dtype=np.float32)
    out = impute_cold_columns(b, sim, np.array([False, False, True]), neighbours=2, scale=1.0)
    assert out[:, 2] == pytest.approx(0.75 * b[:, 0] + 0.25 * b[:, 1])
    assert (out[:, :2] == b[:, :2]).all()


def test_evaluate_excludes_history_and_counts_cold_targets():
    tables = _tables()
    case = UserCase(1, np.array([0]), np.array([5.0]), np.array([0.0]), frozenset({2, 3}))
    metrics = evaluate(lambda rows, r, t: score_items(tables, rows, None), [case], np.array([0, 0, 0, 1], bool), k=2)
    # ranking b, c: one of the two relevant in the top 2, at rank 2; the cold target d is not
    assert metrics["ndcg@2"] == pytest.approx((1 / math.log2(3)) / (1 + 1 / math.log2(3)))
    assert metrics["recall@2"] == 0.5 and metrics["cold_recall@2"] == 0.0 and metrics["coverage"] == 0.5
    assert metrics["new_row_recall@2"] == 1.0  # a row of cold titles only holds d


def test_tables_round_trip_through_files(tmp_path):
    tables = _tables(np.eye(4, dtype=np.float32), BlendWeights(1.0, 0.2, 0.1))
    loaded = load_tables(save_tables(tables, tmp_path / "t"))
    assert loaded.item_ids == tables.item_ids and loaded.blend == tables.blend
    assert (loaded.collaborative == tables.collaborative).all() and (loaded.content == tables.content).all()
    (tmp_path / "t" / "tables.json").write_text("{}")
    with pytest.raises(ValueError, match="tables format"):
        load_tables(tmp_path / "t")


def test_paired_test_finds_no_difference_between_equal_runs_and_one_in_a_consistent_gain():
    same = paired_test(np.array([0.1, 0.5, 0.3]), np.array([0.1, 0.5, 0.3]))
    assert same.mean_difference == 0 and same.p_randomisation == 1.0 and same.p_t_test == 1.0
    ours = np.linspace(0.2, 0.8, 40)
    gain = paired_test(ours, ours - 0.1 + np.linspace(-0.01, 0.01, 40))
    assert gain.p_randomisation < 0.001 and gain.mean_difference == pytest.approx(0.1)
    assert (gain.wins, gain.ties, gain.losses) == (40, 0, 0)
    assert 0.09 < gain.difference_ci95[0] < 0.1 < gain.difference_ci95[1] < 0.11


def test_paired_test_counts_wins_ties_losses_and_relative_gain_on_three_users():
    # differences 0.4, 0, -0.1: every sign flip has |mean| >= 0.1 (0.1 or 1/6), so p = 1 exactly
    test = paired_test(np.array([0.5, 0.2, 0.3]), np.array([0.1, 0.2, 0.4]))
    assert (test.wins, test.ties, test.losses) == (1, 1, 1)
    assert test.mean_difference == pytest.approx(0.1) and test.relative_gain == pytest.approx(0.1 / (0.7 / 3))
    assert test.p_randomisation == 1.0
    assert -0.1 - 1e-12 <= test.difference_ci95[0] <= 0.1 <= test.difference_ci95[1] <= 0.4 + 1e-12


def test_cold_items_get_the_prior_their_catalog_audience_predicts():
    from marquee.relevance.recommendations.blend import calibrated_prior

    counts = np.array([0, 1, 3, 0])  # warm priors 0.5 and 1.0 at audience 1 and 2: prior = 0.5 * audience
    audience = np.array([1.5, 1.0, 2.0, 9.0])
    assert calibrated_prior(counts, audience, 1.0) == pytest.approx([0.75, 0.5, 1.0, 1.0])  # clipped to 1
    assert calibrated_prior(counts, audience, 0.5) == pytest.approx([0.375, 0.5, 1.0, 0.5])
    assert calibrated_prior(counts, audience, 0.0) == pytest.approx([0.0, 0.5, 1.0, 0.0])


def test_fresh_slots_give_the_last_places_to_the_best_fresh_items():
    from marquee.search.recommendations.scoring import top_k_with_fresh

    scores = np.array([5.0, 4.0, 3.0, 2.0, 1.0, 0.5])
    fresh = np.array([False, False, False, False, True, True])
    assert top_k_with_fresh(scores, 3, fresh, 0).tolist() == [0, 1, 2]
    assert top_k_with_fresh(scores, 3, fresh, 1).tolist() == [0, 1, 4]
    assert top_k_with_fresh(scores, 3, fresh, 2).tolist() == [0, 4, 5]
    assert top_k_with_fresh(scores, 10, fresh, 1).tolist() == [0, 1, 2, 3, 4, 5]  # already in: unchanged
    lead = np.array([1.0, 4.0, 3.0, 2.0, 9.0, 0.5])
    assert top_k_with_fresh(lead, 3, fresh, 1).tolist() == [4, 1, 2]  # a fresh item that ranks on its own stays
    history = np.array([5.0, 4.0, 3.0, 2.0, -np.inf, -np.inf])
    assert top_k_with_fresh(history, 3, fresh, 1).tolist() == [0, 1, 2]  # no candidate fresh item left


def test_top_k_breaks_ties_by_the_given_rank():
    scores = np.array([1.0, 0.0, 0.0, 0.0])
    assert top_k(scores, 3).tolist() == [0, 1, 2]
    assert top_k(scores, 3, tie_rank=np.array([0, 3, 1, 2])).tolist() == [0, 2, 3]


def test_the_new_row_of_a_model_blind_to_cold_titles_does_not_follow_the_catalog_file_order():
    # 12 titles, 2..11 cold; the scorer gives every title 0. Ranked by index, the new row would open with 2 and 3
    # and find the target 2; with the fixed random tie order (seed 0: cold titles 6 and 11 first) it finds none
    case = UserCase(1, np.array([0]), np.array([5.0]), np.array([0.0]), frozenset({2}))
    cold = np.array([False, False, *[True] * 10])
    metrics = evaluate(lambda rows, r, t: np.zeros(12), [case], cold, k=2)
    assert metrics["new_row_recall@2"] == 0.0
    catalog_order_hit = UserCase(1, np.array([0]), np.array([5.0]), np.array([0.0]), frozenset({6}))
    assert evaluate(lambda rows, r, t: np.zeros(12), [catalog_order_hit], cold, k=2)["new_row_recall@2"] == 1.0
