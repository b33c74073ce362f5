"""A search under a running experiment, with a fake searcher: which ranker answers, how two pages merge, what is
recorded for attribution, and which searches stay out."""

from __future__ import annotations

from dataclasses import replace

from marquee.search.experiment_serving import ExperimentServing, Exposure
from marquee.search.experiments import Arm, Experiment, assign, validate_arms
from marquee.search.interleaving import team_draft
from marquee.search.request import SearchRequest
from marquee.search.service import ResultHit, SearchResponse

RANKINGS = {"hybrid": ["d1", "d2", "d3", "d4", "d5", "d6"], "bm25": ["d4", "d1", "d7", "d8", "d2", "d9"]}


class FakeSearcher:
    def __init__(self) -> None:
        self.requests: list[SearchRequest] = []

    def search(self, request: SearchRequest) -> SearchResponse:
        self.requests.append(request)
        ids = RANKINGS[request.pipeline][request.offset:request.offset + request.size]
        hits = [ResultHit(i, i.upper(), 1.0, {}, {}) for i in ids]
        return SearchResponse(request.query_id or "fresh", 1.0, 6, hits, {}, {}, request.pipeline, "v1")


def serving(experiment: Experiment | None) -> tuple[ExperimentServing, FakeSearcher, list[Exposure]]:
    searcher, kept = FakeSearcher(), []
    return ExperimentServing(searcher, lambda: experiment, kept.append), searcher, kept


AB_EXP = Experiment("ab-1", "ab", validate_arms("ab", [Arm("control", {}, 0.5), Arm("lexical", {"pipeline": "bm25"},
                                                                                     0.5)]))
IL_EXP = Experiment("il-1", "interleaving", validate_arms("interleaving", [Arm("control"),
                                                                           Arm("lexical", {"pipeline": "bm25"})]))


def test_ab_serves_the_arm_of_the_client_and_records_its_page():
    service, searcher, kept = serving(AB_EXP)
    client = next(c for c in (f"c{n}" for n in range(100)) if assign(AB_EXP, c).name == "lexical")
    response, block = service.search(SearchRequest(q="x", size=3, explore=True), client, "s1")
    assert block == {"id": "ab-1", "kind": "ab", "arm": "lexical"}
    assert searcher.requests[0].pipeline == "bm25" and searcher.requests[0].explore is False
    assert [h.id for h in response.hits] == ["d4", "d1", "d7"]
    (exposure,) = kept
    assert (exposure.arm, exposure.ids, exposure.teams, exposure.client_id) == (
        "lexical", ("d4", "d1", "d7"), ("lexical",) * 3, client)
    assert exposure.query_id == searcher.requests[0].query_id and exposure.query_id is not None


def test_ab_without_client_id_is_served_as_asked_and_said_to_be_outside():
    service, searcher, kept = serving(AB_EXP)
    _, block = service.search(SearchRequest(q="x", size=2, explore=True))
    assert block["arm"] is None and "not in the experiment" in block["note"]
    assert searcher.requests[0].pipeline == "hybrid" and kept[0].reason == "no_client_id"


def test_interleaving_merges_both_rankings_by_team_draft_seeded_with_the_query_id():
    service, searcher, kept = serving(IL_EXP)
    request = SearchRequest(q="x", size=4, query_id="q-42", explore=True)
    response, block = service.search(request)
    merged = team_draft(RANKINGS["hybrid"][:4], RANKINGS["bm25"][:4], 4, seed="q-42")
    names = {"A": "control", "B": "lexical"}
    assert [h.id for h in response.hits] == list(merged.ids)
    assert block == {"id": "il-1", "kind": "interleaving", "teams": [names[t] for t in merged.teams]}
    assert [r.pipeline for r in searcher.requests] == ["hybrid", "bm25"]
    assert kept[0].first_team == names[merged.teams[0]] and response.query_id == "q-42"
    # the next page under the same query id continues the same merge
    page_two, _ = service.search(replace(request, offset=4, size=2))
    deeper = team_draft(RANKINGS["hybrid"], RANKINGS["bm25"], 6, seed="q-42")
    assert deeper.ids[:4] == merged.ids and [h.id for h in page_two.hits] == list(deeper.ids[4:6])
    assert kept[1].offset == 4 and kept[1].ids == deeper.ids[4:6]


def test_browses_sorted_listings_tools_and_no_experiment_are_plain_searches():
    for experiment, request in ((IL_EXP, SearchRequest(q="", explore=True)),
                                (IL_EXP, SearchRequest(q="x", sort="-year", explore=True)),
                                (IL_EXP, SearchRequest(q="x", explore=False)),
                                (None, SearchRequest(q="x", explore=True))):
        service, searcher, kept = serving(experiment)
        _, block = service.search(request)
        assert block is None and kept == [] and len(searcher.requests) == 1
