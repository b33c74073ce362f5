"""Index version names: ``<alias>-v0001``, ``<alias>-v0002`` ... sortable and parseable."""

from __future__ import annotations

import re

_SUFFIX = re.compile(r"-v(\d{4,})$")


def version_name(alias: str, number: int) -> str:
    return f"{alias}-v{number:04d}"


def version_number(alias: str, index: str) -> int | None:
    if not index.startswith(f"{alias}-v"):
        return None
    match = _SUFFIX.search(index)
    return int(match.group(1)) if match and index == version_name(alias, int(match.group(1))) else None


def versions_of(alias: str, indices: list[str]) -> list[str]:
    """The alias's versions, oldest first (other indices sharing the prefix are ignored)."""
    numbered = [(version_number(alias, name), name) for name in indices]
    return [name for number, name in sorted((n, i) for n, i in numbered if n is not None)]


def next_version(alias: str, indices: list[str], last_used: int = 0) -> str:
    """One past the newest version in ``indices`` and past ``last_used`` (a number whose version is gone)."""
    existing = versions_of(alias, indices)
    last = version_number(alias, existing[-1]) if existing else 0
    return version_name(alias, max(last or 0, last_used) + 1)
