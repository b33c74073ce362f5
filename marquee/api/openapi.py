"""OpenAPI 3.1 built from the pydantic models the views validate with, so the docs cannot drift from the code.

A view declares its contract with :func:`documented`; the contract rides on the view function itself (no
registry, no module state) and :func:`build_spec` walks the app's URL map to collect them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import Flask
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from marquee import __version__
from marquee.api.params import MAX_URL_BYTES
from marquee.api.schemas import ErrorResponse

F = TypeVar("F", bound=Callable[..., Any])
REF = "#/components/schemas/{model}"
TEXT = "text/plain"
ERROR_TEXT = {
    400: "invalid parameter or body",
    401: "missing API key",
    403: "wrong API key",
    404: "not found",
    409: "conflict with the current state",
    413: "body too large",
    415: "unsupported media type",
    503: "no index is served yet",
}
Content = type[BaseModel] | str | None  # a model (JSON), a media type (a string body), or no body


@dataclass(frozen=True)
class Operation:
    summary: str
    responses: Mapping[int, Content]
    query: type[BaseModel] | None = None
    body: Content = None
    body_required: bool = True
    errors: tuple[int, ...] = ()
    auth: bool = False
    tag: str = "search"
    description: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    def error_codes(self) -> list[int]:
        codes = set(self.errors)
        if self.query is not None or self.body is not None:
            codes.add(400)
        if self.body is not None:
            codes.add(413)
        if self.auth:
            codes |= {401, 403}
        return sorted(codes)


def documented(operation: Operation) -> Callable[[F], F]:
    def attach(view: F) -> F:
        view.openapi = operation  # type: ignore[attr-defined]
        return view

    return attach


def _operations(app: Flask) -> Iterable[tuple[str, str, list[str], Operation]]:
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        operation = getattr(app.view_functions.get(rule.endpoint), "openapi", None)
        if operation is None:
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield path, method.lower(), sorted(rule.arguments), operation


def _content(content: Content, refs: Mapping[tuple[type[BaseModel], str], Any], mode: str) -> dict[str, Any]:
    if content is None:
        return {}
    if isinstance(content, str):
        return {"content": {content: {"schema": {"type": "string"}}}}
    return {"content": {"application/json": {"schema": refs[(content, mode)]}}}


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(by_alias=True, ref_template=REF)
    required = set(schema.get("required", ()))
    parameters = []
    for name, prop in schema["properties"].items():
        prop = {k: v for k, v in prop.items() if k != "title"}
        description = prop.pop("description", "")
        parameter: dict[str, Any] = {"name": name, "in": "query", "required": name in required, "schema": prop}
        if description:
            parameter["description"] = description
        if prop.get("type") == "array":
            parameter.update(style="form", explode=True)
        parameters.append(parameter)
    return parameters


def build_spec(app: Flask) -> dict[str, Any]:
    operations = list(_operations(app))
    wanted: set[tuple[type[BaseModel], str]] = {(ErrorResponse, "serialization")}
    for _path, _method, _args, op in operations:
        if isinstance(op.body, type):
            wanted.add((op.body, "validation"))
        wanted |= {(c, "serialization") for c in op.responses.values() if isinstance(c, type)}
    ordered = sorted(wanted, key=lambda pair: (pair[0].__name__, pair[1]))
    refs, defs = models_json_schema(ordered, ref_template=REF)
    paths: dict[str, dict[str, Any]] = {}
    for path, method, args, op in operations:
        responses: dict[str, Any] = {}
        for status, content in sorted(op.responses.items()):
            description = "OK" if status < 300 else ERROR_TEXT.get(status, "")
            responses[str(status)] = {"description": description, **_content(content, refs, "serialization")}
        for status in op.error_codes():
            responses.setdefault(str(status), {"description": ERROR_TEXT.get(status, "error"),
                                               **_content(ErrorResponse, refs, "serialization")})
        entry: dict[str, Any] = {"summary": op.summary, "tags": [op.tag], "responses": responses,
                                 "operationId": f"{method}_{re.sub(r'[^a-z0-9]+', '_', path.lower()).strip('_')}"}
        if op.description:
            entry["description"] = op.description
        parameters = [{"name": a, "in": "path", "required": True, "schema": {"type": "string"}} for a in args]
        if op.query is not None:
            parameters += _query_parameters(op.query)
        if parameters:
            entry["parameters"] = parameters
        if op.body is not None:
            entry["requestBody"] = {"required": op.body_required, **_content(op.body, refs, "validation")}
        if op.auth:
            entry["security"] = [{"bearer": []}]
        entry.update(op.extra)
        paths.setdefault(path, {})[method] = entry
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "marquee",
            "version": __version__,
            "description": "Search a catalog: hybrid BM25 + kNN retrieval, query understanding, facets, autocomplete. "
            "Every error is JSON {error: {code, message}} with a 4xx status. URLs (path and query) are limited to "
            f"{MAX_URL_BYTES} bytes as sent (414 uri_too_long); JSON bodies need Content-Type: application/json "
            "(415 unsupported_media_type); a body over an endpoint's limit is a 413, declared or chunked.",
        },
        "paths": paths,
        "components": {
            "schemas": defs.get("$defs", {}),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "an admin API key"}},
        },
    }
