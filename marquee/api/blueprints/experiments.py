"""Admin endpoints for online experiments (A/B and team-draft interleaving): create, list, show, stop, report.

Each view parses the body, calls the one use case ``marquee experiments`` calls too (``relevance/online``) and
shapes the answer; a refused definition is a 400 naming its field, a second running experiment or a second
stop a 409, an unknown id a 404 (``api/errors.py`` maps the domain errors).
"""

from __future__ import annotations

from typing import Any, Literal

from flask import Blueprint, Response, current_app, jsonify
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from marquee.api.auth import protect
from marquee.api.openapi import Operation, documented
from marquee.api.params import read_json_body
from marquee.api.schemas import NO_NUL
from marquee.api.services import services
from marquee.relevance.online.experiments import (
    ExperimentSpec,
    arm_from,
    create_experiment,
    experiment_report,
    list_experiments,
    show_experiment,
    stop_experiment,
)
from marquee.search.experiments import KINDS, MAX_ARMS

bp = Blueprint("experiments", __name__, url_prefix="/admin")
MAX_EXPERIMENT_BODY = 64 * 1024
protect(bp)

FusionValue = str | int | float | list[float]
RankerValue = StrictBool | str | dict[str, FusionValue]


class ArmBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=40, pattern=NO_NUL, description="letters, digits, - and _")
    ranker: dict[str, RankerValue] = Field(
        default_factory=dict, max_length=10, description="/search parameters that rank: pipeline, rerank, "
        "understand, spellcheck, rules, fusion (an object such as tune-fusion prints); {} is the default ranking")
    share: float | None = Field(default=None, description="A/B traffic share (shares sum to 1); omitted: an equal "
                                "split. Ignored by interleaving")


class ExperimentBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str | None = Field(default=None, max_length=64, pattern=NO_NUL,
                           description="a-z, 0-9, - and _; omitted: exp-<random>. It salts the A/B assignment")
    kind: Literal[KINDS] = Field(  # type: ignore[valid-type]
        description="ab: viewers split by client_id; interleaving: two rankers merged by team draft on every page")
    arms: list[ArmBody] = Field(max_length=MAX_ARMS, description="A/B: 2 or more; interleaving: exactly 2")
    description: str = Field(default="", max_length=1000, pattern=NO_NUL)
    baseline_ctr: float | None = Field(default=None, description="share of queries with a click today, for the "
                                       "power analysis (default 0.3)")
    mde: float | None = Field(default=None, description="minimum detectable effect: an absolute CTR change (A/B, "
                              "default 0.05) or a preference (interleaving, default 0.1)")


class StopBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    comment: str = Field(default="", max_length=1000, pattern=NO_NUL)


class ArmOut(BaseModel):
    name: str
    ranker: dict[str, Any]
    share: float


class ExperimentOut(BaseModel):
    id: str
    kind: Literal[KINDS]  # type: ignore[valid-type]
    status: Literal["running", "stopped"]
    description: str
    arms: list[ArmOut]
    created_at: str
    stopped_at: str | None
    power: dict[str, Any] = Field(description="the fixed horizon computed at creation (queries per arm needed)")


class ExperimentDetail(ExperimentOut):
    history: list[dict[str, Any]] = Field(description="every change (create, stop), oldest first")


class ExperimentList(BaseModel):
    experiments: list[ExperimentOut]


class ExperimentReport(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str
    kind: Literal[KINDS]  # type: ignore[valid-type]
    status: str
    verdict: str
    better: str | None = Field(description="the significantly better arm, or null")
    srm: dict[str, Any] = Field(description="sample-ratio mismatch chi-square: p and whether it is an alarm")
    horizon: dict[str, Any] = Field(description="queries per arm needed and served; the verdict is final once reached")
    unattributed_clicks: dict[str, int]
    not_in_experiment: dict[str, int]


@bp.post("/experiments")
@documented(Operation(
    "Start an online experiment (A/B or interleaving) on relevance searches", {201: ExperimentOut},
    body=ExperimentBody, errors=(409,), auth=True, tag="experiments",
    description="One experiment runs at a time (409 experiment_overlap). The answer carries the power analysis: "
    "how many queries per arm the verdict waits for (fixed horizon; read the report before it and the p-value "
    "is not valid).",
))
def create() -> tuple[Response, int]:
    body = read_json_body(ExperimentBody, MAX_EXPERIMENT_BODY)
    svc = services(current_app)
    spec = ExperimentSpec(body.kind, [arm_from(a.name, a.ranker, a.share, len(body.arms)) for a in body.arms],
                          body.id, body.description, body.baseline_ctr, body.mde)
    loaded = [name for name, reranker in svc.rerankers.items() if reranker.available]
    return jsonify(create_experiment(svc.experiment_store, spec, rerankers=loaded).to_dict()), 201


@bp.get("/experiments")
@documented(Operation("Every experiment, newest first", {200: ExperimentList}, auth=True, tag="experiments"))
def index() -> Response:
    return jsonify({"experiments": [e.to_dict() for e in list_experiments(services(current_app).experiment_store)]})


@bp.get("/experiments/<experiment_id>")
@documented(Operation("An experiment, its power analysis and its history", {200: ExperimentDetail}, errors=(404,),
                      auth=True, tag="experiments"))
def show(experiment_id: str) -> Response:
    return jsonify(show_experiment(services(current_app).experiment_store, experiment_id))


@bp.post("/experiments/<experiment_id>/stop")
@documented(Operation("Stop an experiment: searches are served as before from the next one", {200: ExperimentOut},
                      body=StopBody, body_required=False, errors=(404, 409), auth=True, tag="experiments"))
def stop(experiment_id: str) -> Response:
    body = read_json_body(StopBody, MAX_EXPERIMENT_BODY, allow_empty=True)
    return jsonify(stop_experiment(services(current_app).experiment_store, experiment_id, body.comment).to_dict())


@bp.get("/experiments/<experiment_id>/report")
@documented(Operation(
    "The experiment's statistics: interleaving wins/ties/losses, preference and sign test; A/B CTR, abandonment, "
    "reciprocal rank and clicks@k per arm; sample-ratio mismatch; uncredited clicks", {200: ExperimentReport},
    errors=(404,), auth=True, tag="experiments",
))
def report(experiment_id: str) -> Response:
    return jsonify(experiment_report(services(current_app).experiment_store, experiment_id))
