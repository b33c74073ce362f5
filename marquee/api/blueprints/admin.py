"""Admin endpoints (API key required): re-index as a background job, job progress, index versions, rollback.

The key check runs in the blueprint's ``before_request``, so no admin view can forget it.
"""

from __future__ import annotations

from typing import TypeVar

from flask import Blueprint, Response, current_app, jsonify
from pydantic import BaseModel

from marquee.api.auth import protect
from marquee.api.errors import ApiError
from marquee.api.jobs import JobBusy, public
from marquee.api.openapi import Operation, documented
from marquee.api.params import read_json_body
from marquee.api.reindex import SourceNotAllowed, reindex_work
from marquee.api.schemas import Indices, Job, JobList, ReindexBody, RollbackBody, RollbackResult
from marquee.api.services import MarqueeServices, services
from marquee.api.wiring import make_indexer
from marquee.indexing.indexer import Indexer
from marquee.indexing.locking import AliasBusy
from marquee.search.backends.base import BackendError

M = TypeVar("M", bound=BaseModel)
bp = Blueprint("admin", __name__, url_prefix="/admin")
MAX_ADMIN_BODY = 16 * 1024


protect(bp)


def _indexer(svc: MarqueeServices) -> Indexer:
    return make_indexer(svc.settings, svc.backend)


def _body(model: type[M]) -> M:
    return read_json_body(model, MAX_ADMIN_BODY, code="invalid_body", allow_empty=True)


@bp.post("/reindex")
@documented(Operation(
    "Re-index the catalog into a new version and swap the alias (background job)", {202: Job},
    body=ReindexBody, errors=(409,), auth=True, tag="admin",
    description="Starts a job and returns it at once; poll GET /admin/jobs/{job_id}. One job at a time (409).",
    body_required=False,
))
def reindex() -> tuple[Response, int]:
    body = _body(ReindexBody)
    svc = services(current_app)
    try:
        work = reindex_work(svc.settings, svc.embedder, body)
    except (FileNotFoundError, SourceNotAllowed) as exc:
        raise ApiError(400, "invalid_source", str(exc)) from None
    try:
        job = svc.jobs.start("reindex", work)
    except JobBusy as exc:
        raise ApiError(409, "job_running", str(exc)) from None
    return jsonify(job), 202


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
