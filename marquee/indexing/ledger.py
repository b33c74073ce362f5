"""The version ledger of an alias: every version built for it, its state and where it came from.

Why a ledger, when the backend can list indices: the list alone cannot tell a version rolled back from (kept,
fit to serve) from the half-built leftover of a killed run (to delete), nor say which number was last used
(numbers are never reused, so a version name always means one build). The ledger is one JSON file per alias
beside its lock, replaced atomically and written only by the holder of the alias lock; anyone may read it.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

BUILDING = "building"  # created, being written; a record left in this state by a dead run means interrupted
READY = "ready"  # written, committed and checked: fit to serve (served or not)


@dataclass
class VersionRecord:
    index: str
    state: str
    created_at: str
    finished_at: str | None = None
    documents: int | None = None
    failed: int | None = None
    provenance: dict[str, Any] = field(default_factory=dict)  # source, its hash, format, embedder, mapping...

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Ledger:
    alias: str
    last_number: int = 0
    records: dict[str, VersionRecord] = field(default_factory=dict)
    existed: bool = True  # False: no file yet (a home from before the ledger, or a first build)


class VersionLedger:
    """``<state_dir>/<alias>.versions.json``."""

    def __init__(self, state_dir: Path, alias: str) -> None:
        self.alias = alias
        self.path = Path(state_dir) / f"{alias}.versions.json"

    def load(self) -> Ledger:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return Ledger(self.alias, existed=False)
        records = {r["index"]: VersionRecord(**r) for r in raw.get("versions", [])}
        return Ledger(self.alias, int(raw.get("last_number", 0)), records)

    def save(self, ledger: Ledger) -> None:
        """Atomically (write, fsync, rename): a reader sees the old ledger or the new one, never a torn one."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        body = {"alias": ledger.alias, "last_number": ledger.last_number,
                "versions": [r.to_dict() for r in sorted(ledger.records.values(), key=lambda r: r.index)]}
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(body, fh, indent=1)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)
