"""Query-string parsing shared by the blueprints: strict, with 400s that say what was wrong."""

from __future__ import annotations

from collections.abc import Mapping

from marquee.api.errors import ApiError
from marquee.search.backends.base import Filters
from marquee.search.request import SearchRequest

TERM_PARAMS = {"genre": "genres", "country": "countries", "kind": "kind", "rating": "rating", "person": "people.raw"}
TRUE_VALUES = ("1", "true", "yes", "on")
FALSE_VALUES = ("0", "false", "no", "off", "")


def int_param(args: Mapping[str, str], name: str, default: int) -> int:
    raw = args.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ApiError(400, f"invalid_{name}", f"{name} must be an integer, got {raw[:50]!r}") from None


def bool_param(args: Mapping[str, str], name: str, default: bool) -> bool:
    raw = args.get(name)
    if raw is None:
        return default
    if raw.lower() in TRUE_VALUES:
        return True
    if raw.lower() in FALSE_VALUES:
        return False
    raise ApiError(400, f"invalid_{name}", f"{name} must be true or false")


def parse_filters(args) -> Filters:
    terms = {}
    for param, field in TERM_PARAMS.items():
        values = [v for v in args.getlist(param) if v]
        if values:
            terms[field] = values
    ranges = {}
    year_from, year_to = args.get("year_from"), args.get("year_to")
    if year_from or year_to:
        ranges["year"] = (
            int_param(args, "year_from", 0) if year_from else None,
            int_param(args, "year_to", 0) if year_to else None,
        )
    return Filters.of(terms, ranges)


def parse_search_request(args) -> SearchRequest:
    known = {
        "q",
        "from",
        "size",
        "sort",
        "pipeline",
        "rerank",
        "explain",
        "understand",
        "facets",
        "year_from",
        "year_to",
        *TERM_PARAMS,
    }
    unknown = sorted(set(args) - known)
    if unknown:
        raise ApiError(400, "unknown_parameter", f"unknown parameter(s) {unknown}; valid: {sorted(known)}")
    return SearchRequest(
        q=args.get("q", ""),
        filters=parse_filters(args),
        offset=int_param(args, "from", 0),
        size=int_param(args, "size", 10),
        sort=args.get("sort", "relevance"),
        pipeline=args.get("pipeline", "hybrid"),
        rerank=args.get("rerank", "none"),
        explain=bool_param(args, "explain", False),
        understand=bool_param(args, "understand", True),
        facets=bool_param(args, "facets", True),
    )
