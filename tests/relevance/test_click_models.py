"""Click models and agreement metrics pinned to values worked out by hand from their definitions."""

import math

import numpy as np
import pytest

from marquee.relevance.clicks import Session, fit_click_model, make_session
from marquee.relevance.clicks.agreement import agreement, constant_scores, correlations, ndcg, position_scores
from marquee.relevance.clicks.judge import store_click_judgments
from marquee.relevance.clicks.models.base import to_grade
from marquee.relevance.judgments import JudgmentStore

# q: a is clicked wherever it is shown, b never; r: c clicked once out of two, d never.
SESSIONS = [
    Session("q", ("a", "b"), frozenset({"a"})),
    Session("q", ("b", "a"), frozenset({"a"})),
    Session("r", ("c", "d"), frozenset()),
    Session("r", ("c", "d"), frozenset({"c"})),
]


def test_coec_by_hand():
    fit = fit_click_model("coec", SESSIONS, max_rank=2)
    # CTR@1 = clicks a(s1), c(s4) over 4 impressions = 0.5; CTR@2 = a(s2) over 4 = 0.25
    assert fit.params["rank_ctr"] == [0.5, 0.25]
    assert fit.scores["q"]["a"] == pytest.approx(2 / (0.5 + 0.25))
    assert fit.scores["q"]["b"] == 0.0
    assert fit.scores["r"]["c"] == pytest.approx(1 / (0.5 + 0.5))
    assert fit.grades() == {"q": {"a": 3, "b": 0}, "r": {"c": 2, "d": 0}}  # thresholds 0.5, 1, 2


def test_pbm_one_em_step_by_hand():
    fit = fit_click_model("pbm", SESSIONS, max_rank=2, iterations=1, init=0.5, alpha_prior=(0, 0))
    # alpha = gamma = 0.5: an unclicked impression has P(A=1|C=0) = P(E=1|C=0) = 0.25 / 0.75 = 1/3
    assert fit.scores["q"]["a"] == pytest.approx(1.0)
    assert fit.scores["q"]["b"] == pytest.approx(1 / 3)
    assert fit.scores["r"]["c"] == pytest.approx((1 / 3 + 1) / 2)
    assert fit.scores["r"]["d"] == pytest.approx(1 / 3)
    # rank 1: clicks a, c + unclicked b, c -> (2 + 2/3) / 4; rank 2: click a + three unclicked -> (1 + 1) / 4
    assert fit.params["examination"] == [pytest.approx(2 / 3, abs=1e-6), pytest.approx(0.5, abs=1e-6)]


def test_pbm_recovers_simulated_parameters():
    rng = np.random.default_rng(7)
    gamma = [1.0, 0.6, 0.3]
    alpha = {"x": 0.8, "y": 0.4, "z": 0.1}
    orders = [("x", "y", "z"), ("y", "z", "x"), ("z", "x", "y")]
    sessions = []
    for i in range(30_000):
        order = orders[i % 3]
        clicked = {d for rank, d in enumerate(order) if rng.random() < gamma[rank] * alpha[d]}
        sessions.append(Session("q", order, frozenset(clicked)))
    fit = fit_click_model("pbm", sessions, max_rank=3, iterations=500, alpha_prior=(0, 0))
    got = fit.scores["q"]
    scale = got["x"] / alpha["x"]  # PBM is identified up to alpha*gamma; compare ratios
    assert got["y"] / scale == pytest.approx(0.4, abs=0.02)
    assert got["z"] / scale == pytest.approx(0.1, abs=0.01)
    examination = [g / fit.params["examination"][0] for g in fit.params["examination"]]
    assert examination == [pytest.approx(1.0), pytest.approx(0.6, abs=0.02), pytest.approx(0.3, abs=0.02)]


SDBN_SESSIONS = [
    Session("q", ("a", "b", "c"), frozenset({"a", "b"})),  # examined a, b; last click b
    Session("q", ("b", "a", "c"), frozenset()),            # no click: examined all
    Session("q", ("c", "a", "b"), frozenset({"a"})),       # examined c, a; last click a
]


def test_sdbn_by_hand():
    fit = fit_click_model("sdbn", SDBN_SESSIONS, max_rank=3)
    # a: examined 3, clicked 2, last 1; b: 2, 1, 1; c: 2, 0, 0 -- Beta(1,1) pseudo-counts
    assert fit.scores["q"]["a"] == pytest.approx((3 / 5) * (2 / 4))
    assert fit.scores["q"]["b"] == pytest.approx((2 / 4) * (2 / 3))
    assert fit.scores["q"]["c"] == pytest.approx((1 / 4) * (1 / 2))
    unsmoothed = fit_click_model("sdbn", SDBN_SESSIONS, attractiveness_prior=(0, 0), satisfaction_prior=(0, 0))
    assert unsmoothed.scores["q"] == {"a": pytest.approx(1 / 3), "b": pytest.approx(1 / 2), "c": 0.0}
    skipping = fit_click_model("sdbn", SDBN_SESSIONS, skip_unclicked=True)
    assert skipping.scores["q"] == {"a": pytest.approx(3 / 8), "b": pytest.approx(4 / 9), "c": pytest.approx(1 / 6)}


def test_sdbn_never_examined_scores_zero():
    fit = fit_click_model("sdbn", [Session("q", ("a", "b"), frozenset({"a"}))])
    assert fit.scores["q"]["b"] == 0.0


def test_grades_and_dispatch():
    assert [to_grade(s, (0.5, 1.0, 2.0)) for s in (0.0, 0.5, 0.99, 1.0, 2.0, 9.0)] == [0, 1, 1, 2, 3, 3]
    with pytest.raises(ValueError, match="valid: \\['coec', 'pbm', 'sdbn'\\]"):
        fit_click_model("dbn", SESSIONS)
    with pytest.raises(ValueError, match="ascending"):
        fit_click_model("coec", SESSIONS, thresholds=(1, 0.5, 2))
    fit = fit_click_model("coec", [*SESSIONS, Session("q", ("e",), frozenset())], max_rank=2)
    assert "e" not in fit.grades(min_impressions=2)["q"] and fit.grades()["q"]["e"] == 0


def test_make_session_handles_gaps_repeats_and_stray_clicks():
    s = make_session("q", [(2, "b"), (1, "a"), (3, "a"), (5, "e")], clicked_ranks=[3, 2, 5])
    assert s.docs == ("a", "b")  # rank 3 repeats a; rank 4 missing, so 5 is dropped
    assert s.clicked == frozenset({"b"})
    with pytest.raises(ValueError, match="did not show"):
        Session("q", ("a",), frozenset({"z"}))
    assert Session("q", ("a", "b", "c"), frozenset({"b"})).last_click_rank == 2


def test_tie_aware_ndcg_by_hand():
    gains = {"a": 0, "b": 3, "c": 1}
    scores = {"a": 2.0, "b": 1.0, "c": 1.0}  # a first, then b and c tied over ranks 2-3
    idcg = 3 + 1 / math.log2(3)
    assert ndcg(scores, gains, 10) == pytest.approx(2 * (1 / math.log2(3) + 1 / math.log2(4)) / idcg)
    assert ndcg(scores, gains, 2) == pytest.approx(2 * (1 / math.log2(3)) / idcg)
    # everything tied = the exact mean over random orders: 0.5 * (1 + 1/log2 3)
    assert ndcg({"x": 0.0, "y": 0.0}, {"x": 1, "y": 0}, 10) == pytest.approx(0.5 * (1 + 1 / math.log2(3)))
    assert ndcg({"x": 1.0}, {"x": 0}, 10) is None
    assert ndcg({"x": 1.0, "y": 0.0}, {"x": -2, "y": 1}, 10) == pytest.approx((1 / math.log2(3)) / 1.0)


def test_correlations_and_agreement():
    assert correlations([3, 2, 1], [2, 1, 0]) == (pytest.approx(1.0), pytest.approx(1.0))
    assert correlations([1, 1], [0, 1]) == (None, None)
    scores = {"t1": {"a": 2.0, "b": 1.0, "z": 5.0}, "t2": {"c": 1.0}, "t3": {"q": 1.0}}
    qrels = {"t1": {"a": 1, "b": 0}, "t2": {"c": 0}}
    result = agreement(scores, qrels)
    assert (result.topics, result.pairs, result.ndcg_topics, result.tau_topics) == (2, 3, 1, 1)
    assert result.ndcg_at_k == pytest.approx(1.0) and result.kendall_tau == pytest.approx(1.0)


def test_baselines():
    assert position_scores(SESSIONS)["q"] == {"a": -1.5, "b": -1.5}
    assert position_scores(SESSIONS)["r"] == {"c": -1.0, "d": -2.0}
    assert constant_scores(SESSIONS)["r"] == {"c": 0.0, "d": 0.0}


def test_click_judgments_are_stored_with_provenance(tmp_path):
    fit = fit_click_model("coec", SESSIONS, max_rank=2)
    with JudgmentStore(tmp_path / "m.sqlite3") as store:
        report = store_click_judgments(store, "clicks-coec", fit, known_doc_ids={"a", "b", "c"})
        assert (report.inserted, report.unknown, report.unknown_doc_ids) == (3, 1, ["d"])
        assert store.qrels("clicks-coec") == {"q": {"a": 3.0, "b": 0.0}, "r": {"c": 2.0}}
        assert {j.source for j in store.judgments("clicks-coec")} == {"click_model"}
        (prov,) = store.provenance("clicks-coec")
        assert prov["source"] == "click_model" and prov["detail"] == "coec"
        assert prov["params"]["thresholds"] == [0.5, 1.0, 2.0] and prov["params"]["rank_ctr"] == [0.5, 0.25]
        assert store.get_list("clicks-coec").scale == (0.0, 3.0)


def test_click_models_beat_random_order_on_the_trec_session_log():
    from marquee.relevance.clicks.trec_session import click_sessions, read_qrels, read_sessions
    from tests.shared_data import shared_data_dir

    root = shared_data_dir("trec_session_2013")
    sessions = click_sessions(read_sessions(root / "sessiontrack2013.xml.gz"))
    qrels = read_qrels(root / "qrels.txt")
    random_order = agreement(constant_scores(sessions), qrels).ndcg_at_k
    for name in ("coec", "pbm", "sdbn"):
        result = agreement(fit_click_model(name, sessions).scores, qrels)
        assert result.pairs == 2387  # shown in the top 10 and judged for the session's topic
        assert result.ndcg_at_k > random_order + 0.1, name
        assert result.kendall_tau > 0.05, name
