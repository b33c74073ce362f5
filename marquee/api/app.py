"""Flask application factory (the Flask tutorial's pattern): settings in, app out, nothing at import time."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, request

from marquee.api.errors import ApiError, register_error_handlers
from marquee.api.params import MAX_URL_BYTES
from marquee.api.services import MarqueeServices
from marquee.settings import Settings, load_settings

MAX_BODY_BYTES = 1 << 20  # the default; views that accept more (judgement uploads) raise it for themselves


def create_app(settings: Settings | None = None, services: MarqueeServices | None = None) -> Flask:
    settings = settings or load_settings()
    app = Flask(__name__, static_folder=None, template_folder=str(Path(__file__).resolve().parent / "templates"))
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.json.sort_keys = False
    (services or MarqueeServices(settings)).init_app(app)
    register_error_handlers(app)
    from marquee.api.blueprints import (
        admin,
        analytics,
        docs,
        events,
        experiments,
        health,
        judgments,
        page,
        query_rules,
        recommendations,
        search,
        suggest,
        synonyms,
        writes,
    )
    from marquee.api.logs import init_access_log
    from marquee.api.metrics import init_metrics

    for module in (health, search, suggest, events, recommendations, admin, query_rules, synonyms, writes, judgments,
                   experiments, analytics, docs, page):
        app.register_blueprint(module.bp)
    init_metrics(app)
    init_access_log(app)

    @app.before_request
    def _url_length() -> None:
        environ = request.environ  # QUERY_STRING is the query as sent (percent-encoded)
        if len(environ.get("PATH_INFO", "")) + len(environ.get("QUERY_STRING", "")) > MAX_URL_BYTES:
            raise ApiError(414, "uri_too_long", f"the URL is longer than {MAX_URL_BYTES} bytes")

    return app
