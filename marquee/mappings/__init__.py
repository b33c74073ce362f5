"""JSON only: the OpenSearch index body, search pipelines and LTR featureset. Loaded with :func:`load`."""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

MAPPINGS_DIR = Path(__file__).parent


@cache
def _load_text(relative: str) -> str:
    return (MAPPINGS_DIR / relative).read_text(encoding="utf-8")


def load(relative: str = "catalog.json") -> dict[str, Any]:
    """A fresh copy of a mapping file, so callers may mutate it freely."""
    return json.loads(_load_text(relative))


def fingerprint(relative: str = "catalog.json") -> str:
    """A short hash of a mapping's content (key order ignored): which mapping an index version was built with."""
    canonical = json.dumps(load(relative), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]
