"""Query strings and JSON bodies into the pydantic models of :mod:`marquee.api.schemas`, with 400s that say
what was wrong; then into the search layer's own types (``SearchRequest``, ``Filters``).

The model decides everything (names, types, bounds); this module only knows how a query string repeats a
key: list fields take every value, scalar fields exactly one.
"""

from __future__ import annotations

import json
import typing
from typing import Any, TypeVar

from flask import request
from pydantic import BaseModel, ValidationError
from werkzeug.datastructures import MultiDict

from marquee.api.errors import ApiError
from marquee.api.schemas import FilterParams, SearchParams
from marquee.schema import CATALOG
from marquee.search.backends.base import Filters
from marquee.search.request import SearchRequest

M = TypeVar("M", bound=BaseModel)
TERM_FIELDS = CATALOG.filter_params
MAX_URL_BYTES = 32 * 1024  # path + query as sent: the longest valid query and filters take about 18 KB
# Error codes the API has always used for these parameters (clients match on them).
TOO_LONG_CODES = {"q": "query_too_long"}


def _is_list(annotation: Any) -> bool:
    return typing.get_origin(annotation) is list


def _field_names(model: type[BaseModel]) -> dict[str, bool]:
    """Public name -> whether the field takes repeated values."""
    return {(info.alias or name): _is_list(info.annotation) for name, info in model.model_fields.items()}


def parse_query(model: type[M], args: MultiDict[str, str]) -> M:
    fields = _field_names(model)
    unknown = sorted(set(args) - set(fields))
    if unknown:
        shown = ", ".join(repr(name[:40]) for name in unknown[:5])
        raise ApiError(400, "unknown_parameter", f"unknown parameter(s) {shown}; valid: {', '.join(sorted(fields))}")
    data: dict[str, Any] = {}
    for name, repeated in fields.items():
        values = args.getlist(name)
        if not values:
            continue
        if not repeated and len(values) > 1:
            raise ApiError(400, "duplicate_parameter", f"{name} may be given once")
        data[name] = values if repeated else values[0]
    return validate(model, data)


def validate(model: type[M], data: Any, code: str | None = None) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise validation_error(exc, code) from None


def validation_error(exc: ValidationError, code: str | None = None) -> ApiError:
    """The first problem as a 400: ``code`` when given (one code per body type), else ``invalid_<field>``
    (cross-field checks raise ``PydanticCustomError`` whose type is their code)."""
    error = exc.errors(include_url=False, include_input=False)[0]
    loc = [str(part) for part in error.get("loc", ())]
    name = loc[0] if loc else ""
    message = error.get("msg", "invalid value").removeprefix("Value error, ")
    if code is not None:
        return ApiError(400, code, f"{'.'.join(loc) or 'body'}: {message}")
    if error.get("type") == "extra_forbidden":
        return ApiError(400, "unknown_parameter", f"unknown field {'.'.join(loc)[:60]!r}")
    if not name:  # a model-level check raises PydanticCustomError whose type is the code
        return ApiError(400, str(error.get("type", "invalid_request")), message)
    if error.get("type") == "string_too_long" and name in TOO_LONG_CODES:
        return ApiError(400, TOO_LONG_CODES[name], f"{name}: {message}")
    return ApiError(400, f"invalid_{name}", f"{'.'.join(loc)}: {message}")


def to_filters(params: FilterParams) -> Filters:
    terms = {field: list(getattr(params, name)) for name, field in TERM_FIELDS.items() if getattr(params, name)}
    ranges = {}
    if params.year_from is not None or params.year_to is not None:
        ranges["year"] = (params.year_from, params.year_to)
    return Filters.of(terms, ranges)


def to_search_request(params: SearchParams, default_rerank: str = "none") -> SearchRequest:
    """``default_rerank``: what an omitted ``rerank`` means (the service's default reranker)."""
    return SearchRequest(
        q=params.q,
        filters=to_filters(params),
        offset=params.from_,
        size=params.size,
        sort=params.sort,
        pipeline=params.pipeline,
        rerank=params.rerank or default_rerank,
        explain=params.explain,
        understand=params.understand,
        facets=params.facets,
        spellcheck=params.spellcheck,
        query_id=params.query_id,
        explore=params.explore,
        client_id=params.client_id,
        personalize=params.personalize,
    )


def parse_json_body(model: type[M], body: bytes, *, code: str = "invalid_body", allow_empty: bool = False) -> M:
    """A JSON object body into ``model``; an empty body means all defaults when ``allow_empty``."""
    if not body.strip() and allow_empty:
        return validate(model, {}, code)
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):  # bad UTF-8 or JSON, absurd nesting or numbers
        raise ApiError(400, "invalid_json", "the body must be one JSON object") from None
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_json", "the body must be one JSON object")
    return validate(model, data, code)


def read_body(limit: int) -> bytes:
    """The request body, at most ``limit`` bytes: a 413 beyond it whether the length is declared or the body is
    chunked (werkzeug cuts a chunked body at the limit silently, which then read as invalid JSON)."""
    too_large = ApiError(413, "body_too_large", f"the request body is larger than this endpoint accepts ({limit} "
                         "bytes)")
    length = request.content_length
    if length is not None:
        if length > limit:
            raise too_large
        return request.get_data(cache=False)
    raw = request.environ.get("wsgi.input")
    if raw is None or not request.environ.get("wsgi.input_terminated"):
        return b""  # no length and not chunked: there is no body (as werkzeug reads it)
    data = raw.read(limit + 1)
    if len(data) > limit:
        raise too_large
    return data


def read_json_body(model: type[M], limit: int, *, code: str = "invalid_body", allow_empty: bool = False) -> M:
    """A JSON body (``Content-Type: application/json``, else 415) of at most ``limit`` bytes into ``model``."""
    body = read_body(limit)
    if not body.strip():
        if allow_empty:
            return validate(model, {}, code)
        raise ApiError(400, code, "a JSON body is required")
    mimetype = request.mimetype
    if mimetype != "application/json" and not mimetype.endswith("+json"):
        shown = mimetype or "none"
        raise ApiError(415, "unsupported_media_type", f"the body must be JSON (Content-Type: application/json), "
                       f"not {shown[:60]}")
    return parse_json_body(model, body, code=code)
