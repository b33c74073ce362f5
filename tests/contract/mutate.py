"""Deliberate mistakes for the contract tests: rename one key deep inside a body."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any


def renamed(body: Any, path: Sequence[str | int], old: str, new: str) -> Any:
    """A deep copy of ``body`` where the key ``old`` of the object at ``path`` is spelled ``new``.

    Raises ``KeyError`` if ``old`` is not there, so a test can never "catch" a typo it did not make.
    """
    copied = copy.deepcopy(body)
    node = copied
    for step in path:
        node = node[step]
    node[new] = node.pop(old)
    return copied
