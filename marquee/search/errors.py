"""The search layer's errors: what went wrong, in its own terms. ``api/errors.py`` decides the HTTP status.

Each has a stable machine-readable ``code`` (clients match on it) and a message for people.
"""

from __future__ import annotations


class SearchError(ValueError):
    """A request the search layer will not run as given: the caller's mistake (an HTTP 400)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class NotFound(SearchError):
    """The document (or other thing) the request names does not exist."""


class NotServing(SearchError):
    """Nothing fit to answer from: no version is served, or the served one fails its probe."""


class RerankerUnavailable(SearchError):
    """The request asks for a reranker this service has not loaded (no model trained yet)."""
