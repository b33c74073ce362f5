"""Search analytics (admin key): ``GET /admin/analytics`` (every figure the ``/analytics`` page draws, one
snapshot of one window) and ``GET /admin/analytics/to-judge`` (the queries worth judging next, as the query file
``marquee judgments import --queries`` reads). The definitions live in ``relevance/analytics.py``, once.
"""

from __future__ import annotations

from typing import Any, Literal

from flask import Blueprint, Response, current_app, jsonify, request
from pydantic import BaseModel, Field

from marquee.api.auth import protect
from marquee.api.openapi import TEXT, Operation, documented
from marquee.api.params import parse_query
from marquee.api.schemas import QueryModel
from marquee.api.services import services
from marquee.relevance import analytics

bp = Blueprint("analytics", __name__, url_prefix="/admin")
protect(bp)

Reason = Literal["low_ctr", "deep_clicks", "zero_results"]


class AnalyticsParams(QueryModel):
    days: float = Field(default=7.0, gt=0, le=365, description="the window: this many days back from now")
    bucket: Literal[tuple(analytics.BUCKETS)] = Field(  # type: ignore[valid-type]
        default="hour", description="latency series bucket (UTC)")
    limit: int = Field(default=20, ge=1, le=500, description="rows per query table")
    min_searches: int = Field(default=analytics.Thresholds.min_searches, ge=1, le=1_000_000,
                              description="a query is judged next only once searched this often")
    low_ctr: float = Field(default=analytics.Thresholds.low_ctr, ge=0, le=1, description="CTR below this is low")
    deep_click: float = Field(default=analytics.Thresholds.deep_click, ge=1, le=1000,
                              description="a mean first-click position deeper than this is deep")


class Proportion(BaseModel):
    value: float
    successes: int
    n: int
    wilson_95: list[float] = Field(description="Wilson 95% interval")


class Window(BaseModel):
    since: str
    days: float
    bucket: str


class Summary(BaseModel):
    searches: int = Field(description="first pages of queries with words")
    requests: int = Field(description="every page, deeper ones included")
    distinct_queries: int
    zero_result_rate: Proportion
    understood_share: Proportion = Field(description="searches where understanding read filters or preferences")
    queries_with_events: int = Field(description="queries whose client posted impressions to /events")
    ctr: Proportion = Field(description="queries with a click, over queries with events")
    abandonment: Proportion = Field(description="queries that showed titles and got no click")


class TopQuery(BaseModel):
    query: str
    searches: int
    zero_results: int
    mean_total: float
    ctr: Proportion


class ZeroResultQuery(BaseModel):
    query: str
    searches: int
    last_seen: str
    understood: dict[str, Any] = Field(description="what understanding read the last time: text, filters, prefer")


class PositionCtr(BaseModel):
    position: int
    impressions: int
    clicks: int
    ctr: float


class QueryToJudge(BaseModel):
    id: str
    query: str
    searches: int
    ctr: float
    mean_first_click: float | None
    zero_results: int
    reasons: list[Reason]


class LatencyPoint(BaseModel):
    start: str = Field(description="the bucket's start, an ISO-8601 UTC prefix")
    requests: int
    p50_ms: float
    p99_ms: float


class Analytics(BaseModel):
    window: Window
    summary: Summary
    top_queries: list[TopQuery]
    zero_result_queries: list[ZeroResultQuery]
    ctr_by_position: list[PositionCtr]
    to_judge: list[QueryToJudge] = Field(description="worth judging next, most searched first")
    latency: dict[str, list[LatencyPoint]] = Field(description="per served pipeline, per bucket")


def _thresholds(params: AnalyticsParams) -> analytics.Thresholds:
    return analytics.Thresholds(params.min_searches, params.low_ctr, params.deep_click)


@bp.get("/analytics")
@documented(Operation(
    "Search analytics over a window: searches, zero-result rate, CTR and abandonment, top and zero-result "
    "queries, CTR by position, queries worth judging next, latency p50/p99 per pipeline", {200: Analytics},
    query=AnalyticsParams, auth=True, tag="analytics",
    description="A search is a first page of a query with words (browses are not queries); CTR counts only "
    "queries whose client posted events. Experiments and their verdicts: /admin/experiments.",
))
def overview() -> Response:
    params = parse_query(AnalyticsParams, request.args)
    since = analytics.since_days(params.days)
    searches, shown = services(current_app).analytics_window(since)
    return jsonify({
        "window": {"since": since, "days": params.days, "bucket": params.bucket},
        "summary": analytics.summary(searches, shown),
        "top_queries": analytics.top_queries(searches, shown, params.limit),
        "zero_result_queries": analytics.zero_result_queries(searches, params.limit),
        "ctr_by_position": analytics.ctr_by_position(shown),
        "to_judge": analytics.to_judge(searches, shown, _thresholds(params), params.limit),
        "latency": analytics.latency(searches, params.bucket),
    })


@bp.get("/analytics/to-judge")
@documented(Operation(
    "The queries worth judging next as id<TAB>text lines (marquee judgments import --queries reads them)",
    {200: TEXT}, query=AnalyticsParams, auth=True, tag="analytics",
))
def to_judge_file() -> Response:
    params = parse_query(AnalyticsParams, request.args)
    searches, shown = services(current_app).analytics_window(analytics.since_days(params.days))
    rows = analytics.to_judge(searches, shown, _thresholds(params), params.limit)
    return Response(analytics.queries_file(rows), content_type="text/plain; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="queries-to-judge.tsv"'})
