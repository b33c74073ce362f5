"""How commands print a summary: one JSON object with ``--json``, else ``key=value`` pairs for people, values as
JSON (``weights=[0.6, 0.4]``, ``null``): never Python reprs, which nobody can paste back into a setting."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


def plain(summary: Mapping[str, Any]) -> str:
    return "  ".join(f"{k}={v if isinstance(v, str) else json.dumps(v)}" for k, v in summary.items())


def emit(summary: Mapping[str, Any], as_json: bool) -> None:
    print(json.dumps(summary) if as_json else plain(summary))
