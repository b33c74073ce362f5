"""A value built from an index version, rebuilt in the background when the version changes in place.

Why: single-document writes change the served version about once a second. The structures a worker derives
from a full scan of it (the title index, the suggest prefix index: ~1 s each on the bundled catalog) cannot be
rebuilt on the request path at that rate without starving the searches. So the first build of a version is
synchronous (nothing else could answer), and after that a changed key keeps serving the previous value while
one background thread builds the new one, at most once per ``min_interval`` seconds; the newest key wins.
A new version (after an alias swap) is a new name: it is built synchronously, never served from another one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")
MIN_INTERVAL_SECONDS = 5.0


class RebuildingValue(Generic[T]):
    def __init__(self, build: Callable[[str], T], min_interval: float = MIN_INTERVAL_SECONDS) -> None:
        """``build(index)`` makes the value from the version's current state."""
        self.build = build
        self.min_interval = min_interval
        self._value: tuple[tuple[str, int], T] | None = None
        self._lock = threading.Lock()
        self._building = False
        self._last_build = 0.0

    def get(self, index: str, generation: int) -> T:
        key = (index, generation)
        current = self._value
        if current is not None and current[0] == key:
            return current[1]
        if current is None or current[0][0] != index:  # nothing for this version yet: build it now
            with self._lock:
                current = self._value
                if current is None or current[0][0] != index:
                    self._last_build = time.monotonic()
                    self._value = (key, self.build(index))
                return self._value[1]
        self._refresh_later(key)
        return current[1]

    def _refresh_later(self, key: tuple[str, int]) -> None:
        with self._lock:
            if self._building or time.monotonic() - self._last_build < self.min_interval:
                if not self._building:
                    self._schedule(key, delay=self.min_interval - (time.monotonic() - self._last_build))
                return
            self._schedule(key, delay=0.0)

    def _schedule(self, key: tuple[str, int], delay: float) -> None:
        self._building = True

        def run() -> None:
            time.sleep(max(0.0, delay))
            try:
                self._last_build = time.monotonic()
                value = self.build(key[0])  # the newest state when it runs, whatever generation asked
                with self._lock:
                    if self._value is None or self._value[0][0] == key[0]:
                        self._value = (key, value)
            finally:
                with self._lock:
                    self._building = False

        threading.Thread(target=run, name="rebuild", daemon=True).start()
