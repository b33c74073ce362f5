"""Liveness (process up) and readiness (index served and models loaded)."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify

from marquee.api.openapi import Operation, documented
from marquee.api.schemas import Health, Readiness
from marquee.api.services import services

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@documented(Operation("The process is up", {200: Health}, tag="operations"))
def healthz() -> Response:
    return jsonify({"status": "ok"})


@bp.get("/readyz")
@documented(Operation("An index is served and the models are loaded", {200: Readiness, 503: Readiness},
                      tag="operations"))
def readyz() -> tuple[Response, int]:
    svc = services(current_app)
    index = svc.backend.get_alias(svc.settings.alias)
    ready = svc.ready
    loaded = svc.model_load_seconds is not None
    body = {"status": "ready" if ready else "not_ready", "index": index, "models_loaded": loaded}
    return jsonify(body), 200 if ready else 503
