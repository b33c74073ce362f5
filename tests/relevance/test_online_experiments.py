"""The experiment store, assignment, attribution and reports on hand-made cases: exact values throughout."""

from __future__ import annotations

import hashlib
import multiprocessing
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from marquee.relevance.online.experiments import (
    ExperimentSpec,
    create_experiment,
    experiment_report,
    show_experiment,
    stop_experiment,
)
from marquee.relevance.online.power import interleaving_sample_size, power_analysis
from marquee.search.experiment_serving import Exposure
from marquee.search.experiments import (
    Arm,
    Experiment,
    ExperimentConflict,
    ExperimentError,
    ExperimentNotFound,
    apply_ranker,
    assign,
    bucket,
    validate_arms,
)
from marquee.search.request import SearchRequest
from marquee.storage.experiments import EXPIRED, NOT_IN_EXPERIMENT, NOT_SHOWN, UNKNOWN, ExperimentStore

TWO = [Arm("control", {}), Arm("bm25", {"pipeline": "bm25", "understand": False})]


def ab(experiment_id: str = "ab-1", shares=(0.5, 0.5)) -> ExperimentSpec:
    return ExperimentSpec("ab", [Arm("control", {}, shares[0]), Arm("bm25", {"pipeline": "bm25"}, shares[1])],
                          id=experiment_id, baseline_ctr=0.1, mde=0.02)


@pytest.fixture
def store(tmp_path):
    with ExperimentStore(tmp_path / "marquee.sqlite3") as opened:
        yield opened


# -- definitions ------------------------------------------------------------------------------------------


def test_create_stores_arms_power_and_history_and_stop_is_recorded(store):
    created = create_experiment(store, ab())
    assert created.status == "running" and created.running and store.running() == created
    assert [a.to_dict() for a in created.arms] == [{"name": "control", "ranker": {}, "share": 0.5},
                                                   {"name": "bm25", "ranker": {"pipeline": "bm25"}, "share": 0.5}]
    assert created.power["queries_per_arm"] == 3841 and created.power["queries_total"] == 7682  # ab_sample_size pin
    stopped = stop_experiment(store, "ab-1", "enough")
    assert stopped.status == "stopped" and stopped.stopped_at is not None and store.running() is None
    shown = show_experiment(store, "ab-1")
    assert [h["action"] for h in shown["history"]] == ["create", "stop"]
    assert shown["history"][1]["comment"] == "enough" and shown["power"]["mde"] == 0.02
    with pytest.raises(ExperimentConflict, match="stopped at"):
        stop_experiment(store, "ab-1")
    with pytest.raises(ExperimentNotFound):
        store.get("nope")


def test_a_second_running_experiment_overlaps_and_ids_are_unique(store):
    create_experiment(store, ab("first"))
    with pytest.raises(ExperimentConflict) as overlap:
        create_experiment(store, ab("second"))
    assert overlap.value.code == "experiment_overlap" and "'first' is running" in overlap.value.message
    stop_experiment(store, "first")
    with pytest.raises(ExperimentConflict) as taken:
        create_experiment(store, ab("first"))
    assert taken.value.code == "experiment_exists" and taken.value.field == "id"
    assert create_experiment(store, ab("second")).running
    assert [e.id for e in store.all()] == ["second", "first"]


@pytest.mark.parametrize(("kind", "arms", "code", "field"), [
    ("ab", [Arm("a", {}, 1.0)], "too_few_arms", "arms"),
    ("ab", [Arm("a", {}, 0.5), Arm("b", {}, 0.4)], "invalid_shares", "arms"),
    ("ab", [Arm("a", {}, 0.5), Arm("b", {"model": "x"}, 0.5)], "unknown_ranker_parameter", "arms[1].ranker.model"),
    ("ab", [Arm("a", {}, 0.5), Arm("b", {"pipeline": "fancy"}, 0.5)], "invalid_ranker", "arms[1].ranker"),
    ("ab", [Arm("a", {}, 0.5), Arm("b", {"understand": "no"}, 0.5)], "invalid_ranker", "arms[1].ranker.understand"),
    ("ab", [Arm("a", {}, 0.5), Arm("b", {"fusion": {"method": "mean"}}, 0.5)], "invalid_ranker",
     "arms[1].ranker.fusion"),
    ("ab", [Arm("a", {}, 0.5), Arm("a", {}, 0.5)], "duplicate_arm", "arms[1].name"),
    ("ab", [Arm("a", {}, 1.5), Arm("b", {}, -0.5)], "invalid_share", "arms[0].share"),
    ("interleaving", [Arm("a"), Arm("b"), Arm("c")], "invalid_arms", "arms"),
    ("bandit", [Arm("a"), Arm("b")], "invalid_kind", "kind"),
])
def test_bad_definitions_name_their_field(kind, arms, code, field):
    with pytest.raises(ExperimentError) as raised:
        validate_arms(kind, arms)
    assert (raised.value.code, raised.value.field) == (code, field)


def test_use_case_checks_id_power_inputs_and_served_rerankers(store):
    with pytest.raises(ExperimentError) as bad_id:
        create_experiment(store, ExperimentSpec("interleaving", TWO, id="Bad Id"))
    assert bad_id.value.field == "id"
    with pytest.raises(ExperimentError) as bad_mde:
        create_experiment(store, ExperimentSpec("ab", [Arm("a", {}, 0.5), Arm("b", {}, 0.5)], mde=0.9))
    assert bad_mde.value.field == "mde"
    with pytest.raises(ExperimentError) as no_model:
        create_experiment(store, ExperimentSpec("interleaving", [Arm("a"), Arm("b", {"rerank": "ltr"})]),
                          rerankers=set())
    assert no_model.value.field == "arms[1].ranker.rerank"
    assert store.all() == []
    made = create_experiment(store, ExperimentSpec("interleaving", [Arm("a", {}, 0.9), Arm("b")]))
    assert made.id.startswith("exp-") and [a.share for a in made.arms] == [0.5, 0.5]


def test_a_ranker_is_checked_and_applied_as_search_request_fields():
    applied = apply_ranker(SearchRequest(q="x", pipeline="hybrid"), {"pipeline": "bm25", "understand": False,
                                                                      "fusion": {"method": "rrf"}})
    assert (applied.pipeline, applied.understand, applied.q, applied.fusion.method) == ("bm25", False, "x", "rrf")


def _create_in_process(path: str, experiment_id: str, results) -> None:
    with ExperimentStore(Path(path)) as store:
        try:
            create_experiment(store, ab(experiment_id))
            results.put("created")
        except ExperimentConflict:
            results.put("conflict")


def test_concurrent_creates_from_processes_start_exactly_one(tmp_path):
    path = str(tmp_path / "marquee.sqlite3")
    ExperimentStore(tmp_path / "marquee.sqlite3").close()  # migrated once, as a server's first store does
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    workers = [context.Process(target=_create_in_process, args=(path, f"race-{n}", results)) for n in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert sorted(results.get(timeout=5) for _ in workers) == ["conflict"] * 3 + ["created"]


# -- assignment -------------------------------------------------------------------------------------------


def test_assignment_honours_shares_on_10k_hashed_ids_and_is_stable():
    experiment = Experiment("exp-shares", "ab", validate_arms("ab", [Arm("a", {}, 0.2), Arm("b", {}, 0.3),
                                                                   Arm("c", {}, 0.5)]))
    clients = [f"client-{n}" for n in range(10_000)]
    counts = Counter(assign(experiment, c).name for c in clients)
    # binomial sd at n = 10k is at most 0.005: 0.015 is three of them
    assert counts["a"] / 1e4 == pytest.approx(0.2, abs=0.015)
    assert counts["b"] / 1e4 == pytest.approx(0.3, abs=0.015)
    assert counts["c"] / 1e4 == pytest.approx(0.5, abs=0.015)
    assert all(assign(experiment, c) == assign(experiment, c) for c in clients[:500])
    assert assign(experiment, None) is None and assign(experiment, "") is None
    assert bucket("exp-shares", "client-0") == pytest.approx(int.from_bytes(
        hashlib.sha256(b"exp-shares\x00client-0").digest()[:8], "big") / 2 ** 64)


def test_the_salt_splits_viewers_independently_per_experiment():
    one = Experiment("exp-one", "ab", tuple(TWO))
    other = Experiment("exp-two", "ab", tuple(TWO))
    same = sum(assign(one, f"c{n}") == assign(other, f"c{n}") for n in range(10_000)) / 1e4
    assert same == pytest.approx(0.5, abs=0.02)  # independent halves agree half the time, not always


# -- attribution ------------------------------------------------------------------------------------------


def exposure(query_id: str, experiment_id: str, ids, teams, arm=None, reason=None, offset=0, client="c1",
             first=None) -> Exposure:
    return Exposure(query_id, experiment_id, "interleaving" if arm is None and reason is None else "ab", arm,
                    reason, offset, tuple(ids), tuple(teams), first, client, "s1")


def test_clicks_are_credited_to_the_team_that_showed_them_and_the_rest_is_counted(store):
    create_experiment(store, ExperimentSpec("interleaving", TWO, id="il"))
    store.record(exposure("q1", "il", ["d1", "d2", "d3"], ["control", "bm25", "control"], first="control"))
    store.record(exposure("q1", "il", ["d4"], ["bm25"], offset=3))  # the next page under the same query id
    first = store.attribute("q1", ["d2", "d4", "d2", "zz"])
    assert (first.credited, first.unattributed) == (2, {NOT_SHOWN: 1})
    again = store.attribute("q1", ["d2"])  # a repeated post of the same click
    assert again.credited == 1
    unknown = store.attribute("never-served", ["d1"])
    assert unknown.unattributed == {UNKNOWN: 1}
    late = store.attribute("q1", ["d1"], now=datetime.now(UTC) + timedelta(days=2))
    assert late.unattributed == {EXPIRED: 1}
    (outcome,) = store.outcomes("il")
    assert outcome.clicks == ((2, "bm25"), (4, "bm25")) and outcome.shown == 3 and outcome.first_team == "control"
    assert store.unattributed("il") == {EXPIRED: 1, NOT_SHOWN: 1, UNKNOWN: 1}
    stop_experiment(store, "il")
    assert store.attribute("q1", ["d3"]).unattributed == {EXPIRED: 1}  # after the stop
    assert store.attribute("other", ["d3"]).unattributed == {}  # nothing runs: not about any experiment


def test_a_search_without_client_id_is_counted_outside_the_ab_experiment(store):
    create_experiment(store, ab())
    store.record(exposure("anon", "ab-1", ["d1"], [""], reason="no_client_id", client=None))
    assert store.attribute("anon", ["d1"]).unattributed == {NOT_IN_EXPERIMENT: 1}
    report = experiment_report(store, "ab-1")
    assert report["not_in_experiment"] == {"no_client_id": 1}
    assert report["unattributed_clicks"] == {"total": 1, NOT_IN_EXPERIMENT: 1}
    assert report["queries"] == 0


# -- reports ----------------------------------------------------------------------------------------------


def test_interleaving_report_on_a_hand_made_case(store):
    create_experiment(store, ExperimentSpec("interleaving", TWO, id="il", mde=0.5))
    # control wins q0..q8, bm25 wins q9, q10 ties, q11 has no click
    for n in range(12):
        store.record(exposure(f"q{n:02d}", "il", ["c", "b"], ["control", "bm25"],
                              first="control" if n % 2 else "bm25"))
    for n in range(9):
        store.attribute(f"q{n:02d}", ["c"])
    store.attribute("q09", ["b"])
    store.attribute("q10", ["c", "b"])
    report = experiment_report(store, "il")
    assert (report["wins"], report["ties"], report["losses"]) == (9, 1, 1)
    assert report["clicks"] == {"control": 10, "bm25": 2}
    assert report["queries"] == 12 and report["queries_with_clicks"] == 11
    assert report["preference"] == pytest.approx(8 / 11)
    assert report["sign_test_p"] == pytest.approx(22 / 1024)
    assert report["better"] == "control" and report["verdict"] == "control is preferred"
    lo, hi = report["preference_ci"]
    assert lo < 8 / 11 < hi <= 1.0
    assert report["srm"]["observed"] == {"control": 6, "bm25": 6} and report["srm"]["p"] == pytest.approx(1.0)
    # 29 clicked queries for a preference of 0.5, at the default baseline CTR of 0.3: 97 queries
    assert report["horizon"]["queries_per_arm_needed"] == 97 and report["horizon"]["reached"] is False
    assert "peeking" in report["horizon"]["note"]


def test_ab_report_per_arm_on_a_hand_made_case(store):
    create_experiment(store, ab())
    # control: 4 queries from 2 clients, 2 clicked (first clicks at ranks 1 and 2), one without results
    for qid, client, shown in (("a1", "x", 3), ("a2", "x", 3), ("a3", "y", 3), ("a4", "y", 0)):
        store.record(exposure(qid, "ab-1", ["d1", "d2", "d3"][:shown], ["control"] * shown, arm="control",
                              client=client))
    store.attribute("a1", ["d1", "d3"])
    store.attribute("a2", ["d2"])
    # bm25: 2 queries from 1 client, none clicked
    for qid in ("b1", "b2"):
        store.record(exposure(qid, "ab-1", ["d1"], ["bm25"], arm="bm25", client="z"))
    report = experiment_report(store, "ab-1")
    control, bm25 = report["arms"]["control"], report["arms"]["bm25"]
    assert (control["queries"], control["clients"], bm25["queries"], bm25["clients"]) == (4, 2, 2, 1)
    assert control["ctr"]["value"] == 0.5 and control["ctr"]["wilson_95"][0] == pytest.approx(0.150039, abs=1e-6)
    assert control["abandonment"]["successes"] == 1 and control["abandonment"]["n"] == 3
    assert control["reciprocal_rank_first_click"]["mean"] == pytest.approx((1 + 0.5) / 4)
    assert control["clicks@3"]["mean"] == pytest.approx(3 / 4) and control["clicks@10"]["mean"] == pytest.approx(3 / 4)
    assert bm25["ctr"]["value"] == 0.0 and bm25["abandonment"]["value"] == 1.0
    assert report["comparisons"]["bm25"]["ctr_difference"] == pytest.approx(-0.5)
    assert report["comparisons"]["bm25"]["p"] == pytest.approx(0.2206714, abs=1e-6)  # pooled z = 0.5 / sqrt(1/3 * 2/3 * 3/4)
    assert report["better"] is None and report["verdict"] == "no significant CTR difference"
    assert report["srm"]["observed"] == {"control": 2, "bm25": 1}
    assert report["srm"]["p"] == pytest.approx(0.5637029, abs=1e-6)
    assert report["horizon"]["queries_per_arm_served"] == 2 and report["horizon"]["reached"] is False


def test_power_analysis_fixed_horizon():
    assert interleaving_sample_size(0.1) == 783
    three = power_analysis("ab", 3, baseline_ctr=0.1, mde=0.02)
    assert three["alpha_per_comparison"] == 0.025 and three["queries_per_arm"] > 3841  # Bonferroni: more needed
    assert power_analysis("interleaving", 2, baseline_ctr=0.3, mde=0.1)["queries_per_arm"] == 2610


def test_erasing_a_viewer_takes_its_served_pages_with_it(store):
    create_experiment(store, ab())
    store.record(exposure("a1", "ab-1", ["d1", "d2"], ["control"] * 2, arm="control", client="gone"))
    store.record(exposure("a2", "ab-1", ["d1"], ["control"], arm="control", client="kept"))
    with store.transaction() as conn:  # what DELETE /users/<client_id> does to every table with a client_id
        conn.execute("DELETE FROM experiment_queries WHERE client_id = ?", ("gone",))
    assert [o.query_id for o in store.outcomes("ab-1")] == ["a2"]
    assert store._conn.execute("SELECT COUNT(*) FROM experiment_shown").fetchone()[0] == 1
