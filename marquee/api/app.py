"""Flask application factory (the Flask tutorial's pattern): settings in, app out, nothing at import time."""

from __future__ import annotations

from flask import Flask

from marquee.api.errors import register_error_handlers
from marquee.api.services import MarqueeServices
from marquee.settings import Settings, load_settings


def create_app(settings: Settings | None = None, services: MarqueeServices | None = None) -> Flask:
    settings = settings or load_settings()
    app = Flask(__name__, static_folder=None)
    app.config["MAX_CONTENT_LENGTH"] = 1 << 20
    app.json.sort_keys = False
    (services or MarqueeServices(settings)).init_app(app)
    register_error_handlers(app)
    from marquee.api.blueprints import events, health, page, search, suggest
    from marquee.api.metrics import init_metrics

    for blueprint in (health.bp, search.bp, suggest.bp, events.bp, page.bp):
        app.register_blueprint(blueprint)
    init_metrics(app)
    return app
