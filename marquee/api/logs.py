"""Structured JSON logs: a ``logging.Formatter`` that writes one JSON object per record, and an access log
(one line per request, with the search's ``query_id`` so a log line joins the click events).

The access line carries the method, route, path (never the query string's secrets: there are none, and never
headers, which is where API keys travel), status, duration and pipeline.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from datetime import UTC, datetime
from typing import TextIO

from flask import Flask, Response, g, request

ACCESS_LOGGER = "marquee.access"
CONTEXT_FIELDS = ("method", "route", "path", "status", "duration_ms", "query_id", "pipeline", "remote", "bytes")


class JsonFormatter(logging.Formatter):
    """``{"ts", "level", "logger", "message", ...context}``; context comes from ``extra=`` fields."""

    def format(self, record: logging.LogRecord) -> str:
        data = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in CONTEXT_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                data[name] = value
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False, default=str)


def configure_json_logging(level: str = "info", stream: TextIO | None = None) -> None:
    """Route every logger through one JSON handler (``marquee serve`` calls this in each worker)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())


def init_access_log(app: Flask) -> None:
    logger = logging.getLogger(ACCESS_LOGGER)

    @app.before_request
    def _start() -> None:
        g.access_started = time.perf_counter()

    @app.after_request
    def _log(response: Response) -> Response:
        started = g.get("access_started")
        duration = round((time.perf_counter() - started) * 1000.0, 2) if started is not None else None
        route = request.url_rule.rule if request.url_rule else None
        logger.info(
            "%s %s %s", request.method, request.path[:200], response.status_code,
            extra={
                "method": request.method, "route": route, "path": request.path[:200],
                "status": response.status_code, "duration_ms": duration, "query_id": g.get("query_id"),
                "pipeline": g.get("pipeline"), "remote": request.remote_addr,
                "bytes": response.calculate_content_length(),
            },
        )
        return response
