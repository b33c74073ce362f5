"""One writer per alias: an advisory ``flock`` held for the whole build-and-swap (or rollback)."""

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


def alias_busy(lock_dir: Path, alias: str) -> bool:
    """Whether some process (this one included) holds the alias's lock now: a build is really under way.

    ``flock`` locks belong to an open file, not a process, so probing through a descriptor of our own neither
    disturbs the holder nor is fooled by it."""
    path = lock_dir / f"{alias}.lock"
    if not path.exists():
        return False
    with open(path, "a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(fh, fcntl.LOCK_UN)
    return False
