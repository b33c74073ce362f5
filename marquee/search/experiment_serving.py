"""A search under a running experiment: which ranker answers (A/B), or both merged by team draft (interleaving),
and the record of what each arm contributed, so a later click can be credited server-side.

Why a module of its own: the search service ranks one configuration; an experiment decides *which* configurations
run and how their pages combine. ``api/`` only wires it (the viewer's ``client_id`` in, the ``experiment`` block
out); the store behind ``running`` and ``record`` is ``storage/experiments.py``.

Who is in an experiment: a relevance search (text, ``sort=relevance``) from live traffic. Browses and sorted
listings are not (no ranker decides them), nor are requests with ``explore=false`` (tools that need the ranking
itself: gates, evaluations). In A/B a request without ``client_id`` is not in it either (it could not stay in one
arm); interleaving randomises per query, so every such search is interleaved. Experiment pages are never explored:
exploration would reshuffle what the arms are compared on.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Protocol

from marquee.search.experiments import AB, Experiment, apply_ranker, assign
from marquee.search.interleaving import TEAM_A, team_draft
from marquee.search.request import SearchRequest
from marquee.search.service import SearchResponse

NO_CLIENT_ID = "no_client_id"


class Searcher(Protocol):
    def search(self, request: SearchRequest) -> SearchResponse: ...


@dataclass(frozen=True)
class Exposure:
    """What one served page of an experiment showed: ``ids`` from rank ``offset + 1`` on, ``teams[i]`` the arm
    that placed ``ids[i]``; ``arm`` the A/B arm (None in interleaving, or when ``reason`` says the request was
    not in the experiment); ``first_team``: the arm that picked first in team draft (its coin, checked for
    sample-ratio mismatch)."""

    query_id: str
    experiment_id: str
    kind: str
    arm: str | None
    reason: str | None
    offset: int
    ids: tuple[str, ...]
    teams: tuple[str, ...]
    first_team: str | None
    client_id: str | None
    session_id: str | None


RunningExperiment = Callable[[], Experiment | None]
RecordExposure = Callable[[Exposure], None]


class ExperimentServing:
    """``running``: the experiment running now (read on every search, so a create or stop through any worker
    applies from the next search); ``record``: keeps an :class:`Exposure` (the wiring's recorder logs a store
    failure and the page is still served: its clicks then count as unknown in the report, which says so)."""

    def __init__(self, searcher: Searcher, running: RunningExperiment, record: RecordExposure) -> None:
        self.searcher = searcher
        self.running = running
        self.record = record

    def search(self, request: SearchRequest, client_id: str | None = None,
               session_id: str | None = None) -> tuple[SearchResponse, dict[str, object] | None]:
        """The page and its ``experiment`` block (None when no experiment runs or the request is not one)."""
        experiment = self.running() if _eligible(request) else None
        if experiment is None:
            return self.searcher.search(request), None
        if request.query_id is None:
            request = replace(request, query_id=uuid.uuid4().hex)
        request = replace(request, explore=False)
        if experiment.kind == AB:
            return self._ab(experiment, request, client_id, session_id)
        return self._interleave(experiment, request, client_id, session_id)

    def _ab(self, experiment: Experiment, request: SearchRequest, client_id: str | None,
            session_id: str | None) -> tuple[SearchResponse, dict[str, object]]:
        arm = assign(experiment, client_id)
        response = self.searcher.search(apply_ranker(request, arm.ranker) if arm is not None else request)
        ids = tuple(h.id for h in response.hits)
        name = arm.name if arm is not None else None
        self._keep(Exposure(response.query_id, experiment.id, AB, name, None if arm else NO_CLIENT_ID,
                            request.offset, ids, tuple(name or "" for _ in ids), None, client_id, session_id))
        block: dict[str, object] = {"id": experiment.id, "kind": AB, "arm": name}
        if arm is None:
            block["note"] = "no client_id: this search is not in the experiment"
        return response, block

    def _interleave(self, experiment: Experiment, request: SearchRequest, client_id: str | None,
                    session_id: str | None) -> tuple[SearchResponse, dict[str, object]]:
        """Both rankers' first ``offset + size`` results, merged by team draft seeded with the query_id: a
        deeper page under the same query_id continues the same merge."""
        arm_a, arm_b = experiment.arms
        depth = replace(request, offset=0, size=request.offset + request.size)
        first = self.searcher.search(apply_ranker(depth, arm_a.ranker))
        second = self.searcher.search(apply_ranker(replace(depth, facets=False), arm_b.ranker))
        merged = team_draft([h.id for h in first.hits], [h.id for h in second.hits], depth.size,
                            seed=str(request.query_id))
        by_id = {h.id: h for h in second.hits} | {h.id: h for h in first.hits}
        names = {TEAM_A: arm_a.name}
        window = slice(request.offset, request.offset + request.size)
        ids, teams = merged.ids[window], tuple(names.get(t, arm_b.name) for t in merged.teams[window])
        response = replace(first, hits=[by_id[i] for i in ids], query_id=str(request.query_id))
        first_team = names.get(merged.teams[0], arm_b.name) if merged.teams else None
        self._keep(Exposure(response.query_id, experiment.id, experiment.kind, None, None, request.offset, ids, teams,
                            first_team, client_id, session_id))
        return response, {"id": experiment.id, "kind": experiment.kind, "teams": list(teams)}

    def _keep(self, exposure: Exposure) -> None:
        self.record(exposure)  # the wiring's recorder logs a store failure and lets the page be served


def _eligible(request: SearchRequest) -> bool:
    return request.explore and request.sort == "relevance" and bool(request.q.strip())
