"""Admin authentication: an API key in ``Authorization: Bearer <key>``, checked against ``settings.api_keys``.

401 when no key is presented, 403 when a presented key is wrong. Every configured key is compared with
``hmac.compare_digest`` (no early exit), so timing says nothing about which key or how much of it matched.
Keys are never logged and never appear in an error message.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence

from flask import Blueprint, current_app, request

from marquee.api.errors import ApiError

SCHEME = "bearer"
MAX_KEY_BYTES = 512


def presented_key(header: str | None) -> str | None:
    """The key in an ``Authorization`` header, or None when there is no usable bearer credential."""
    if not header:
        return None
    scheme, _, credential = header.strip().partition(" ")
    if scheme.lower() != SCHEME or not credential.strip():
        return None
    return credential.strip()


def key_matches(presented: str, keys: Sequence[str]) -> bool:
    candidate = presented.encode("utf-8", "surrogatepass")[:MAX_KEY_BYTES]
    matched = False
    for key in keys:
        matched |= hmac.compare_digest(candidate, key.encode("utf-8"))
    return matched and bool(keys)


def require_api_key(header: str | None, keys: Sequence[str]) -> None:
    """Raise the right 401/403 :class:`ApiError`; return quietly when the key is one of ``keys``."""
    presented = presented_key(header)
    if presented is None:
        raise ApiError(401, "unauthorized", "this endpoint needs an API key: Authorization: Bearer <key>")
    if not key_matches(presented, keys):
        raise ApiError(403, "forbidden", "the API key is not valid for this endpoint")


def protect(blueprint: Blueprint) -> None:
    """Require an admin key for every view of ``blueprint`` (checked before the view runs)."""

    @blueprint.before_request
    def _authenticate() -> None:
        require_api_key(request.headers.get("Authorization"), current_app.extensions["marquee"].settings.api_keys)
