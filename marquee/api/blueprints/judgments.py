"""Judgement lists over HTTP (API key required): list them, upload a file into one, download one.

Uploads and downloads go through :func:`marquee.relevance.judgments.import_file` / ``export_file``, the same
code as ``marquee judgments import|export``, via a temporary file: one import path, one set of rules (the
whole upload is one transaction; bad rows abort it unless ``skip_bad_rows=true``).
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from datetime import UTC
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from marquee.api.auth import protect
from marquee.api.blueprints.admin import start_job
from marquee.api.errors import ApiError
from marquee.api.jobs import Progress
from marquee.api.openapi import TEXT, Operation, documented
from marquee.api.params import parse_query, read_body, read_json_body
from marquee.api.schemas import (
    FromClicksBody,
    Job,
    JudgmentFormatParams,
    JudgmentImport,
    JudgmentLists,
    JudgmentUploadParams,
)
from marquee.api.services import services
from marquee.relevance.clicks.judge import judge_from_events
from marquee.relevance.judgments import (
    JudgmentFormatError,
    JudgmentStore,
    JudgmentStoreError,
    JudgmentValidationError,
    export_file,
    import_file,
)

bp = Blueprint("judgments", __name__, url_prefix="/admin/judgments")
protect(bp)
MAX_UPLOAD_BYTES = 16 * 1024 * 1024
MAX_NAME = 100
MAX_BODY = 16 * 1024


def _store() -> JudgmentStore:
    return JudgmentStore(services(current_app).database)


def _check_name(name: str) -> None:
    if not name.strip() or len(name) > MAX_NAME or "\x00" in name:
        raise ApiError(400, "invalid_name", f"a list name has 1 to {MAX_NAME} characters")


def _scratch_dir() -> Path:
    scratch = services(current_app).settings.home / "tmp"
    scratch.mkdir(parents=True, exist_ok=True)
    return scratch


@bp.get("")
@documented(Operation("Judgement lists with their statistics", {200: JudgmentLists}, auth=True, tag="admin"))
def lists() -> Response:
    with _store() as store:
        return jsonify({"lists": [store.stats(lst.name).to_dict() for lst in store.lists()]})


@bp.put("/<name>")
@documented(Operation(
    "Upload a judgement file into a list (created on first upload)", {201: JudgmentImport}, body=TEXT,
    query=JudgmentUploadParams, auth=True, tag="admin",
    description=f"The body is the file itself (at most {MAX_UPLOAD_BYTES} bytes, UTF-8).",
))
def upload(name: str) -> tuple[Response, int]:
    _check_name(name)
    params = parse_query(JudgmentUploadParams, request.args)
    data = read_body(MAX_UPLOAD_BYTES)
    if not data.strip():
        raise ApiError(400, "invalid_judgments", "the body is empty: send the judgement file itself")
    with tempfile.NamedTemporaryFile(dir=_scratch_dir(), suffix=f".{params.format}") as fh:
        fh.write(data)
        fh.flush()
        with _store() as store:
            try:
                report = import_file(store, Path(fh.name), params.format, name, skip_bad_rows=params.skip_bad_rows)
            except (JudgmentFormatError, JudgmentValidationError, ValueError) as exc:
                raise ApiError(400, "invalid_judgments", str(exc).replace(fh.name, "upload")) from None
    body = report.to_dict()
    body.pop("path", None)  # a server-side temporary file: meaningless to the client
    return jsonify(body), 201


@bp.get("/<name>")
@documented(Operation(
    "Download a judgement list as a file", {200: TEXT}, query=JudgmentFormatParams, errors=(404, 409), auth=True,
    tag="admin",
))
def download(name: str) -> Response:
    _check_name(name)
    params = parse_query(JudgmentFormatParams, request.args)
    with tempfile.TemporaryDirectory(dir=_scratch_dir()) as scratch, _store() as store:
        if store.find_list(name) is None:
            raise ApiError(404, "not_found", "no judgement list with that name")
        target = Path(scratch) / f"list.{params.format}"
        try:
            export_file(store, name, params.format, target)
        except (JudgmentFormatError, JudgmentStoreError) as exc:
            raise ApiError(409, "cannot_export", str(exc)) from None
        text = target.read_text(encoding="utf-8")
    disposition = f'attachment; filename="{name[:40]}.{params.format}"' if name.isidentifier() else "attachment"
    return Response(text, mimetype=TEXT, headers={"Content-Disposition": disposition})


@bp.post("/<name>/from-clicks")
@documented(Operation(
    "Grade (query, document) pairs from the logged clicks into a list, with a click model (background job)",
    {202: Job}, body=FromClicksBody, errors=(409,), auth=True, tag="admin",
    description="The same as `marquee judgments from-clicks`; poll GET /admin/jobs/{job_id}.",
))
def from_clicks(name: str) -> tuple[Response, int]:
    _check_name(name)
    body = read_json_body(FromClicksBody, MAX_BODY, code="invalid_body")
    svc = services(current_app)
    since = None if body.since is None else body.since.astimezone(UTC).isoformat(timespec="milliseconds").replace(
        "+00:00", "Z")

    def work(progress: Progress) -> Mapping[str, Any]:
        progress("fitting", {"model": body.model})
        report, evidence = judge_from_events(svc.database, name, body.model, min_impressions=body.min_impressions,
                                             since=since)
        return {"list": name, **report.to_dict(), "evidence": evidence}

    return jsonify(start_job(svc, "from-clicks", work)), 202
