"""One writer per alias: an advisory ``flock`` held for the whole build-and-swap."""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator
from pathlib import Path


class AliasBusy(RuntimeError):
    pass


@contextlib.contextmanager
def alias_lock(lock_dir: Path, alias: str) -> Iterator[None]:
    lock_dir.mkdir(parents=True, exist_ok=True)
    with open(lock_dir / f"{alias}.lock", "a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise AliasBusy(f"another re-index of {alias!r} is running") from exc
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
