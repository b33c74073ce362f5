"""Liveness (process up) and readiness (models loaded, and the served index answers a probe query)."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, jsonify

from marquee.api.openapi import Operation, documented
from marquee.api.schemas import Health, Readiness
from marquee.api.services import services

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


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
    body: dict[str, object] = {"status": "not_ready", "index": index, "models_loaded": loaded}
    if ready:
        try:
            svc.search.probe()
        except Exception as exc:  # noqa: BLE001 - whatever stops the probe makes this worker unready; say what
            log.warning("readiness probe failed on %s: %s", index, exc)
            body["reason"] = "the served index cannot answer a probe query"
            return jsonify(body), 503
        body["status"] = "ready"
    return jsonify(body), 200 if ready else 503
