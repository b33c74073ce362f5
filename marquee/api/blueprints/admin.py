"""Admin endpoints (API key required): re-index as a background job, job progress, index versions, rollback.

The key check runs in the blueprint's ``before_request``, so no admin view can forget it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

from flask import Blueprint, Response, current_app, jsonify
from pydantic import BaseModel

from marquee.api.auth import protect
from marquee.api.commands.models import deploy_model, model_state
from marquee.api.errors import ApiError
from marquee.api.jobs import JobBusy, Progress, Work, public
from marquee.api.openapi import Operation, documented
from marquee.api.params import read_json_body
from marquee.api.reindex import SourceNotAllowed, reindex_work
from marquee.api.schemas import (
    AliasSetBody,
    Indices,
    Job,
    JobList,
    ModelDeployBody,
    ModelRollback,
    ModelState,
    ReindexBody,
    RollbackBody,
    RollbackResult,
)
from marquee.api.services import MarqueeServices, services
from marquee.api.wiring import make_indexer
from marquee.indexing.indexer import Indexer
from marquee.indexing.locking import AliasBusy
from marquee.relevance.judgments import JudgmentStore
from marquee.search.backends.base import BackendError
from marquee.search.model_versions import ModelVersionError, ModelVersions

M = TypeVar("M", bound=BaseModel)
bp = Blueprint("admin", __name__, url_prefix="/admin")
MAX_ADMIN_BODY = 16 * 1024


protect(bp)


def _indexer(svc: MarqueeServices) -> Indexer:
    return make_indexer(svc.settings, svc.backend)


def _body(model: type[M]) -> M:
    return read_json_body(model, MAX_ADMIN_BODY, code="invalid_body", allow_empty=True)


def start_job(svc: MarqueeServices, kind: str, work: Work) -> dict[str, Any]:
    """Start a background job, or 409 while another one runs (one job at a time, across workers)."""
    try:
        return svc.jobs.start(kind, work)
    except JobBusy as exc:
        raise ApiError(409, "job_running", str(exc)) from None


def _body_required(model: type[M]) -> M:
    return read_json_body(model, MAX_ADMIN_BODY, code="invalid_body")


@bp.post("/reindex")
@documented(Operation(
    "Re-index the catalog into a new version and swap the alias (background job)", {202: Job},
    body=ReindexBody, errors=(409,), auth=True, tag="admin",
    description="Starts a job and returns it at once; poll GET /admin/jobs/{job_id}. One job at a time (409). "
    "`source` and `format` are required: nothing replaces the served catalog by default.",
))
def reindex() -> tuple[Response, int]:
    body = _body_required(ReindexBody)
    svc = services(current_app)
    try:
        work = reindex_work(svc.settings, svc.embedder, body)
    except (FileNotFoundError, SourceNotAllowed) as exc:
        raise ApiError(400, "invalid_source", str(exc)) from None
    if body.gate is not None and JudgmentStore(svc.database).find_list(body.gate) is None:
        raise ApiError(400, "invalid_gate", f"no judgement list named {body.gate!r} to gate on")
    return jsonify(start_job(svc, "reindex", work)), 202


@bp.get("/jobs")
@documented(Operation("Recent jobs, newest first", {200: JobList}, auth=True, tag="admin"))
def jobs() -> Response:
    return jsonify({"jobs": [public(job) for job in services(current_app).jobs.store.all()[:50]]})


@bp.get("/jobs/<job_id>")
@documented(Operation("A job's status and progress", {200: Job}, errors=(404,), auth=True, tag="admin"))
def job(job_id: str) -> Response:
    found = services(current_app).jobs.store.load(job_id)
    if found is None:
        raise ApiError(404, "not_found", "no job with that id")
    return jsonify(public(found))


@bp.get("/indices")
@documented(Operation("Versions kept for the alias and which one is served", {200: Indices}, auth=True, tag="admin"))
def indices() -> Response:
    svc = services(current_app)
    alias = svc.settings.alias
    versions = _indexer(svc).versions(alias)
    return jsonify({"alias": alias, "serves": svc.backend.get_alias(alias), "versions": versions})


@bp.post("/aliases/set")
@documented(Operation(
    "Serve any ready version the alias keeps (roll forward, or back further)", {200: RollbackResult},
    body=AliasSetBody, errors=(404, 409), auth=True, tag="admin",
))
def alias_set() -> Response:
    body = _body_required(AliasSetBody)
    svc = services(current_app)
    alias = body.alias or svc.settings.alias
    try:
        previous, serves = _indexer(svc).serve(alias, body.version)
    except AliasBusy as exc:
        raise ApiError(409, "alias_busy", str(exc)) from None
    except BackendError as exc:
        raise ApiError(404, "not_found", str(exc)) from None
    return jsonify({"alias": alias, "previous": previous, "serves": serves})


@bp.post("/aliases/rollback")
@documented(Operation(
    "Serve the previous kept version again", {200: RollbackResult}, body=RollbackBody, errors=(404, 409),
    auth=True, tag="admin", body_required=False,
))
def rollback() -> Response:
    body = _body(RollbackBody)
    svc = services(current_app)
    alias = body.alias or svc.settings.alias
    if svc.backend.get_alias(alias) is None:
        raise ApiError(404, "not_found", f"alias {alias!r} does not exist")
    try:
        previous, serves = _indexer(svc).rollback(alias)
    except AliasBusy as exc:
        raise ApiError(409, "alias_busy", str(exc)) from None
    except BackendError as exc:
        raise ApiError(409, "nothing_to_roll_back", str(exc)) from None
    return jsonify({"alias": alias, "previous": previous, "serves": serves})


@bp.get("/models")
@documented(Operation("The served LTR model, the versions kept and the history", {200: ModelState}, auth=True,
                      tag="admin"))
def models() -> Response:
    return jsonify(model_state(services(current_app).settings))


@bp.post("/models/deploy")
@documented(Operation(
    "Serve an LTR model on every worker without a restart, after an optional relevance gate (background job)",
    {202: Job}, body=ModelDeployBody, errors=(409,), auth=True, tag="admin",
    description="Starts a job; poll GET /admin/jobs/{job_id}. A refused gate leaves the served model as it was.",
))
def deploy() -> tuple[Response, int]:
    body = _body_required(ModelDeployBody)
    svc = services(current_app)
    model = Path(body.model).resolve()
    if not model.is_relative_to(svc.settings.models_dir.resolve()) or not model.exists():
        raise ApiError(400, "invalid_model", f"model must be a file under {svc.settings.models_dir}")
    if body.gate is not None and JudgmentStore(svc.database).find_list(body.gate) is None:
        raise ApiError(400, "invalid_gate", f"no judgement list named {body.gate!r} to gate on")

    def work(progress: Progress) -> Mapping[str, Any]:
        progress("gating" if body.gate else "deploying", {"model": str(model)})
        return deploy_model(svc.settings, model, body.gate, body.max_drop)

    return jsonify(start_job(svc, "deploy-model", work)), 202


@bp.post("/models/rollback")
@documented(Operation("Serve the LTR model served before this one", {200: ModelRollback}, errors=(409,), auth=True,
                      tag="admin", body_required=False))
def rollback_model() -> Response:
    try:
        previous, serves = ModelVersions(services(current_app).settings.models_dir).rollback()
    except ModelVersionError as exc:
        raise ApiError(409, "nothing_to_roll_back", str(exc)) from None
    return jsonify({"previous": previous, "serves": serves})
