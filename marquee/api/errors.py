"""Every error leaves as JSON ``{"error": {"code", "message"}}``; client mistakes are 4xx, never 5xx.

Messages are written here or by the search layer, never built from request headers, so nothing a client
sends as a credential can come back in an error body.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from marquee.search.errors import NotFound, NotServing, RerankerUnavailable, SearchError
from marquee.search.experiments import ExperimentConflict, ExperimentError, ExperimentNotFound
from marquee.search.query_rules import RuleError, RulesChanged
from marquee.storage import DatabaseError

log = logging.getLogger(__name__)
HTTP_CODES = {413: "body_too_large", 404: "not_found", 405: "method_not_allowed", 415: "unsupported_media_type"}


class ApiError(Exception):
    """``details``: more of the error object for clients to act on (a conflict's current ``_seq_no``)."""

    def __init__(self, status: int, code: str, message: str, headers: Mapping[str, str] | None = None,
                 details: Mapping[str, object] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.headers = dict(headers or {})
        self.details = dict(details or {})


def error_response(status: int, code: str, message: str, headers: Mapping[str, str] | None = None,
                   details: Mapping[str, object] | None = None) -> Response:
    response = jsonify({"error": {**(details or {}), "code": code, "message": message}})
    response.status_code = status
    response.headers.update(headers or {})
    return response


SEARCH_STATUS: tuple[tuple[type[SearchError], int], ...] = (
    (NotFound, 404), (RerankerUnavailable, 409), (RulesChanged, 409), (NotServing, 503), (SearchError, 400),
)


def search_status(exc: SearchError) -> int:
    """The HTTP status of a search-layer error: its most specific class decides."""
    return next(status for kind, status in SEARCH_STATUS if isinstance(exc, kind))


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError) -> Response:
        headers = dict(exc.headers)
        if exc.status == 401:
            headers.setdefault("WWW-Authenticate", 'Bearer realm="marquee"')
        return error_response(exc.status, exc.code, exc.message, headers, exc.details)

    @app.errorhandler(SearchError)
    def _search_error(exc: SearchError) -> Response:
        return error_response(search_status(exc), exc.code, exc.message)

    @app.errorhandler(RuleError)
    def _rule_error(exc: RuleError) -> Response:  # a rule set refused: which field, for the editor to show
        return error_response(search_status(exc), exc.code, exc.message, details={"field": exc.field})

    @app.errorhandler(ExperimentError)
    def _experiment_error(exc: ExperimentError) -> Response:  # which field, as for a refused rule set
        status = 404 if isinstance(exc, ExperimentNotFound) else 409 if isinstance(exc, ExperimentConflict) else 400
        return error_response(status, exc.code, exc.message, details={"field": exc.field} if exc.field else None)

    @app.errorhandler(DatabaseError)
    def _storage_error(exc: DatabaseError) -> Response:  # the operator's problem, not the client's: say so
        log.error("database unavailable: %s", exc)
        return error_response(503, "storage_unavailable", "the event and judgement store cannot be used right now")

    @app.errorhandler(RequestEntityTooLarge)
    def _too_large(exc: RequestEntityTooLarge) -> Response:
        return error_response(413, "body_too_large", "the request body is larger than this endpoint accepts")

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        status = exc.code or 500
        code = HTTP_CODES.get(status) or (exc.name or "error").lower().replace(" ", "_")
        headers = {"Allow": ", ".join(exc.valid_methods)} if getattr(exc, "valid_methods", None) else None
        return error_response(status, code, exc.description or exc.name, headers)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:  # the last line of defence: log it, never leak internals
        log.exception("unhandled error")
        return error_response(500, "internal_error", "the server failed to handle this request")
