"""The search page at ``/`` and the analytics page at ``/analytics``: static HTML, CSS and JS over the JSON API
(no build step, no CDN). The analytics page asks for the admin key and sends it only to ``/admin/...``."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, send_from_directory

STATIC = Path(__file__).resolve().parents[1] / "static"
bp = Blueprint("page", __name__, static_folder=str(STATIC), static_url_path="/static")


@bp.get("/")
def index():
    return send_from_directory(STATIC, "index.html")


@bp.get("/analytics")
def analytics():
    return send_from_directory(STATIC, "analytics.html")
