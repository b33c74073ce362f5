"""Prometheus metrics per app (its own registry: no module-level state), exposed at ``GET /metrics``.

Labels are bounded whatever clients send: the route is the matched URL rule (``unmatched`` otherwise), the
method one of the standard ones, and the pipeline is set by the search view only after validation.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import cast

from flask import Flask, Response, g, request
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from marquee.api.openapi import TEXT, Operation, documented
from marquee.api.services import services
from marquee.relevance import analytics

METHODS = frozenset({"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"})
BUCKETS = (0.001, 0.002, 0.005, 0.01, 0.015, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0)


def init_metrics(app: Flask) -> None:
    registry = CollectorRegistry()
    requests = Counter(
        "marquee_requests", "HTTP requests", ["route", "method", "status", "pipeline"], registry=registry
    )
    latency = Histogram(
        "marquee_request_seconds", "request latency", ["route", "pipeline"], registry=registry, buckets=BUCKETS
    )
    docs = Gauge("marquee_index_documents", "documents in the served index", registry=registry)
    model_load = Gauge("marquee_model_load_seconds", "time to load the models in this worker", registry=registry)
    # Read from the shared stores at scrape time, so every worker answers the same figures (per-process
    # counters would each see only their own worker's searches).
    window = {
        "zero_result_rate": Gauge("marquee_search_zero_result_ratio", "searches that found nothing, last hour",
                                  registry=registry),
        "ctr": Gauge("marquee_search_click_through_ratio", "queries with a click over queries with events, last "
                     "hour", registry=registry),
        "understood_share": Gauge("marquee_search_understood_ratio", "searches where understanding read filters or "
                                  "preferences, last hour", registry=registry),
    }
    searches = Gauge("marquee_search_searches_last_hour", "searches (first pages of queries with words), last hour",
                     registry=registry)

    @app.before_request
    def _start() -> None:
        g.metrics_started = time.perf_counter()

    @app.after_request
    def _observe(response: Response) -> Response:
        route = request.url_rule.rule if request.url_rule else "unmatched"
        pipeline = g.get("pipeline") or ""
        method = request.method if request.method in METHODS else "other"
        requests.labels(route, method, str(response.status_code), pipeline).inc()
        started = g.get("metrics_started")
        if started is not None:
            latency.labels(route, pipeline).observe(time.perf_counter() - started)
        return response

    @documented(Operation("Prometheus metrics", {200: TEXT}, tag="operations"))
    def metrics() -> Response:
        svc = services(app)
        index = svc.backend.get_alias(svc.settings.alias)
        if index is not None:
            docs.set(svc.backend.stats(index).doc_count)
        if svc.model_load_seconds is not None:
            model_load.set(svc.model_load_seconds)
        figures = analytics.summary(*svc.analytics_window(analytics.since_days(1 / 24)))
        for name, gauge in window.items():
            gauge.set(cast(Mapping[str, float], figures[name])["value"])
        searches.set(cast(int, figures["searches"]))
        return Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)

    app.add_url_rule("/metrics", "metrics", metrics, methods=["GET"])
