"""Background jobs (re-indexing) with progress any worker can read.

Gunicorn runs several worker processes, and ``GET /admin/jobs/<id>`` may land on a worker other than the one
running the job; so a job's state lives in a small JSON file under ``<home>/jobs`` (written atomically on
every progress event), not in memory. One job at a time: a second start is refused while a job file says
``running`` and the process that owns it is alive.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)
Progress = Callable[[str, Mapping[str, Any]], None]
Work = Callable[[Progress], Mapping[str, Any]]
JOB_ID = re.compile(r"^[0-9a-f]{32}$")
ACTIVE = ("queued", "running")
PUBLIC_FIELDS = ("id", "kind", "status", "created_at", "started_at", "finished_at", "phase", "progress", "result",
                 "error")


class JobBusy(RuntimeError):
    """Another job is still running."""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class JobStore:
    """One JSON file per job; readers never see a half-written file (``os.replace``)."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def path(self, job_id: str) -> Path:
        return self.directory / f"{job_id}.json"

    def save(self, job: Mapping[str, Any]) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        target = self.path(job["id"])
        tmp = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_text(json.dumps(job, default=str), encoding="utf-8")
        os.replace(tmp, target)

    def load(self, job_id: str) -> dict[str, Any] | None:
        if not JOB_ID.match(job_id):
            return None
        try:
            return json.loads(self.path(job_id).read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            return None

    def all(self) -> list[dict[str, Any]]:
        if not self.directory.is_dir():
            return []
        jobs = [self.load(p.stem) for p in self.directory.glob("*.json")]
        return sorted((j for j in jobs if j is not None), key=lambda j: j["created_at"], reverse=True)

    def active(self) -> dict[str, Any] | None:
        for job in self.all():
            if job["status"] in ACTIVE and _alive(int(job.get("pid", 0) or 0)):
                return job
        return None


def public(job: Mapping[str, Any]) -> dict[str, Any]:
    """What the API shows: no process ids or other internals."""
    return {name: job.get(name) for name in PUBLIC_FIELDS}


class JobRunner:
    def __init__(self, directory: Path, expected_errors: tuple[type[BaseException], ...] = ()) -> None:
        self.store = JobStore(directory)
        self.expected_errors = expected_errors
        self._lock = threading.Lock()

    def start(self, kind: str, work: Work) -> dict[str, Any]:
        with self._lock:
            running = self.store.active()
            if running is not None:
                raise JobBusy(f"job {running['id']} ({running['kind']}) is still {running['status']}")
            job: dict[str, Any] = {
                "id": uuid.uuid4().hex, "kind": kind, "status": "queued", "created_at": _now(), "started_at": None,
                "finished_at": None, "phase": None, "progress": {}, "result": None, "error": None, "pid": os.getpid(),
            }
            self.store.save(job)
            thread = threading.Thread(target=self._run, args=(job, work), name=f"job-{job['id'][:8]}", daemon=True)
            thread.start()
            return public(job)

    def _run(self, job: dict[str, Any], work: Work) -> None:
        job_lock = threading.Lock()

        def progress(phase: str, info: Mapping[str, Any]) -> None:
            with job_lock:
                job.update(phase=phase, progress=dict(info))
                self.store.save(job)

        job.update(status="running", started_at=_now())
        self.store.save(job)
        done = False
        try:
            result = work(progress)
            job.update(status="succeeded", result=dict(result))
            done = True
        except self.expected_errors as exc:
            # a refusal carries what it measured (a gate's comparison): kept with the job
            job.update(status="failed", error=str(exc), result=getattr(exc, "details", None))
            done = True
        finally:
            if not done:  # an unexpected error: the thread's excepthook logs it; the job must not stay "running"
                job.update(status="failed", error="the job failed unexpectedly; see the server log")
            job["finished_at"] = _now()
            self.store.save(job)
            log.info("job %s %s: %s", job["id"], job["kind"], job["status"])
