"""``GET /openapi.json`` (built from the views' pydantic contracts) and ``GET /docs``, the same spec rendered
as plain HTML on the server: no CDN, no JavaScript viewer, works offline."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, render_template

from marquee.api.openapi import build_spec

bp = Blueprint("docs", __name__)
CACHE_KEY = "marquee.openapi"


def spec() -> dict[str, Any]:
    """Built once per app (the URL map does not change after start-up)."""
    if CACHE_KEY not in current_app.extensions:
        current_app.extensions[CACHE_KEY] = build_spec(current_app)
    return current_app.extensions[CACHE_KEY]


@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(spec())


def _schema_text(schema: dict[str, Any]) -> str:
    """A one-line type for the docs table: ``integer (0..100)``, ``one of bm25, dense, hybrid``, ``array of string``."""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if "enum" in schema:
        return "one of " + ", ".join(str(v) for v in schema["enum"])
    if "anyOf" in schema:
        return " or ".join(_schema_text(s) for s in schema["anyOf"])
    kind = schema.get("type", "any")
    if kind == "array":
        return f"array of {_schema_text(schema.get('items', {}))}"
    low, high = schema.get("minimum"), schema.get("maximum")
    if low is not None or high is not None:
        return f"{kind} ({'' if low is None else low}..{'' if high is None else high})"
    if schema.get("maxLength") is not None:
        return f"{kind} (at most {schema['maxLength']} characters)"
    return str(kind)


@bp.get("/docs")
def docs() -> str:
    document = spec()
    operations = []
    for path, methods in document["paths"].items():
        for method, op in methods.items():
            operations.append({"method": method.upper(), "path": path, **op})
    operations.sort(key=lambda op: (op["tags"][0] != "search", op["tags"][0], op["path"], op["method"]))
    return render_template("docs.html", spec=document, operations=operations, schema_text=_schema_text)
