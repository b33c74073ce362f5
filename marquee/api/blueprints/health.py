"""Liveness (process up) and readiness (index served and models loaded)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from marquee.api.services import services

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz():
    svc = services(current_app)
    index = svc.backend.get_alias(svc.settings.alias)
    ready = svc.ready
    body = {
        "status": "ready" if ready else "not_ready",
        "index": index,
        "models_loaded": svc.model_load_seconds is not None,
    }
    return jsonify(body), 200 if ready else 503
