"""A catalog document as a client writes it (``PUT``/``PATCH``/``_bulk``): checked field by field, strictly.

A catalog file is read leniently (a number in a text column is kept as text, unknown columns are ignored)
because a content team cannot fix a 9,000-row export on the spot. A write names one document, so it is held to
its types exactly, and every refusal names the field: unknown fields, wrong types, oversize text, ids a path
could be built from. The writable fields are :class:`Document`'s own, so they cannot drift from the catalog.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import fields
from typing import Any

from marquee.enrichment.document import Document

COMPUTED = ("entities", "extra", "themes", "language")  # enrichment fills these; a client cannot
WRITABLE = tuple(f.name for f in fields(Document) if f.name not in COMPUTED)
TEXT = ("title", "body", "kind", "rating", "date_added")
LISTS = ("cast", "directors", "genres", "countries", "keywords")
INTEGERS = {"year": (1800, 2200), "duration_minutes": (0, 100_000), "seasons": (0, 1000)}
FLOATS = ("popularity",)
MAX_ID = 200
MAX_ITEMS = 500
MAX_ITEM_CHARS = 500
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@+-]*")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class InvalidDocument(ValueError):
    """A write the catalog cannot take as given; ``field`` names what to fix (HTTP 400 in the API)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field, self.reason = field, reason


def check_id(doc_id: object) -> str:
    """Letters, digits and ``._:@+-``, not starting with punctuation: never ``/``, ``..`` or a control character,
    so an id can name a file, a URL segment and an OpenSearch ``_id`` alike."""
    if not isinstance(doc_id, str) or not doc_id:
        raise InvalidDocument("id", "must be a non-empty string")
    if len(doc_id) > MAX_ID:
        raise InvalidDocument("id", f"has {len(doc_id)} characters, more than {MAX_ID}")
    if not _ID.fullmatch(doc_id) or ".." in doc_id:
        raise InvalidDocument("id", "may hold only letters, digits and . _ : @ + - (no '/', '..', spaces or "
                                    "control characters), starting with a letter or digit")
    return doc_id


def _text(field: str, value: object, limit: int) -> str:
    if not isinstance(value, str):
        raise InvalidDocument(field, f"must be a string, got {type(value).__name__}")
    if len(value) > limit:
        raise InvalidDocument(field, f"has {len(value)} characters, more than the limit of {limit}")
    if _CONTROL.search(value) or any(0xD800 <= ord(c) <= 0xDFFF for c in value):
        raise InvalidDocument(field, "holds control characters or unpaired surrogates (not valid UTF-8 text)")
    return value


def _value(field: str, value: object, max_chars: int) -> object:
    if value is None:
        if field == "title":
            raise InvalidDocument(field, "must be a string, got null")
        return [] if field in LISTS else ("" if field == "body" else None)
    if field in TEXT:
        text = _text(field, value, max_chars)
        if field == "date_added" and text:
            try:
                dt.date.fromisoformat(text[:10])
            except ValueError as exc:
                raise InvalidDocument(field, f"{text!r} is not an ISO date (YYYY-MM-DD)") from exc
        return text
    if field in LISTS:
        if not isinstance(value, list):
            raise InvalidDocument(field, f"must be a list of strings, got {type(value).__name__}")
        if len(value) > MAX_ITEMS:
            raise InvalidDocument(field, f"has {len(value)} items, more than {MAX_ITEMS}")
        items = [_text(f"{field}[{i}]", item, MAX_ITEM_CHARS).strip() for i, item in enumerate(value)]
        return list(dict.fromkeys(item for item in items if item))
    if field in INTEGERS:
        low, high = INTEGERS[field]
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidDocument(field, f"must be an integer, got {type(value).__name__}")
        if not low <= value <= high:
            raise InvalidDocument(field, f"{value} is outside {low}..{high}")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidDocument(field, f"must be a finite number, got {value!r}")
    return float(value)


def document_from_body(doc_id: str, body: object, max_chars: int, base: Document | None = None) -> Document:
    """``body`` as a whole document (``base`` None: fields it omits are empty) or as changes to ``base``.

    An ``id`` in the body must equal the one in the URL."""
    check_id(doc_id)
    if not isinstance(body, Mapping):
        raise InvalidDocument("body", f"must be a JSON object, got {type(body).__name__}")
    unknown = sorted(set(body) - set(WRITABLE))
    if unknown:
        raise InvalidDocument(unknown[0], f"is not a catalog field (writable: {', '.join(WRITABLE)})")
    if "id" in body and body["id"] != doc_id:
        raise InvalidDocument("id", f"the body names {body['id']!r} but the URL names {doc_id!r}")
    values: dict[str, Any] = {} if base is None else {name: getattr(base, name) for name in WRITABLE}
    values.update({name: _value(name, value, max_chars) for name, value in body.items() if name != "id"})
    values["id"] = doc_id
    values.setdefault("title", "")
    if not str(values.get("title") or "").strip() and not str(values.get("body") or "").strip():
        raise InvalidDocument("title", "a document needs a title or a body")
    return Document(**values)
