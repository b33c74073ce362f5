"""The search page at ``/``: static HTML, CSS and JS over the JSON API (no build step, no CDN)."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, send_from_directory

STATIC = Path(__file__).resolve().parents[1] / "static"
bp = Blueprint("page", __name__, static_folder=str(STATIC), static_url_path="/static")


@bp.get("/")
def index():
    return send_from_directory(STATIC, "index.html")
