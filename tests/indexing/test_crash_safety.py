"""kill -9 a real `marquee reindex` at several points: the alias always serves a complete version."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from marquee.search.backends.embedded import EmbeddedBackend

ROOT = Path(__file__).resolve().parents[2]
HEADER = "show_id,type,title,director,cast,country,date_added,release_year,rating,duration,listed_in,description\n"


def catalog(path: Path, n: int, tag: str) -> Path:
    rows = [
        f's{i},Movie,{tag} title {i},,,France,"May 1, 2020",2020,PG,90 min,Dramas,"{tag} story number {i}"\n'
        for i in range(n)
    ]
    path.write_text(HEADER + "".join(rows))
    return path


def reindex_cmd(home: Path, source: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "marquee.api.cli",
        "--home",
        str(home),
        "--embedder",
        "hashing",
        "reindex",
        str(source),
        "--format",
        "netflix",
        "--no-ner",
        "--progress",
        "json",
    ]


def run_until(home: Path, source: Path, event: str, occurrence: int) -> None:
    """Start a reindex and SIGKILL it right after its `occurrence`-th `event` line."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        reindex_cmd(home, source), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env, cwd=ROOT
    )
    seen = 0
    try:
        for line in proc.stdout:
            if json.loads(line).get("event") == event:
                seen += 1
                if seen == occurrence:
                    proc.send_signal(signal.SIGKILL)
                    break
        else:
            pytest.fail(f"process ended before event {event!r} #{occurrence}")
    finally:
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL


def served(home: Path) -> tuple[str | None, int, set[str]]:
    backend = EmbeddedBackend(home / "indices")
    try:
        index = backend.get_alias("catalog")
        if index is None:
            return None, 0, set()
        titles = {row["title"].split()[0] for row in backend.scan(index, ["title"])}
        return index, backend.stats(index).doc_count, titles
    finally:
        backend.close()


@pytest.mark.parametrize(
    ("event", "occurrence"), [("created", 1), ("bulk", 1), ("bulk", 3), ("committed", 1), ("checked", 1)]
)
def test_kill_minus_nine_never_serves_a_partial_version(tmp_path, event, occurrence):
    home = tmp_path / "home"
    old = catalog(tmp_path / "old.csv", 1600, "old")
    new = catalog(tmp_path / "new.csv", 1700, "new")
    subprocess.run(reindex_cmd(home, old), check=True, capture_output=True, cwd=ROOT)
    assert served(home) == ("catalog-v0001", 1600, {"old"})

    run_until(home, new, event, occurrence)
    after = served(home)
    if event == "checked" and after[0] == "catalog-v0002":
        # the checks had passed: the swap (a ledger write and one rename) can land before the signal does, and
        # then the new version is served whole, never a part of it
        assert after == ("catalog-v0002", 1700, {"new"})
        return
    assert after == ("catalog-v0001", 1600, {"old"})

    # Re-running completes: leftovers are removed and the new catalog is served whole.
    done = subprocess.run(reindex_cmd(home, new), capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    index, count, tags = served(home)
    assert (count, tags) == (1700, {"new"})
    backend = EmbeddedBackend(home / "indices")
    kept = backend.list_indices("catalog-v")
    backend.close()
    if event == "checked" and kept == ["catalog-v0001", "catalog-v0002", index]:
        # killed after the checked version was recorded ready but before the swap: a whole, fit version that the
        # ledger keeps (like one rolled back from), never a partial one
        assert index == "catalog-v0003"
        return
    assert kept == ["catalog-v0001", index]


def test_kill_after_swap_serves_the_new_version(tmp_path):
    home = tmp_path / "home"
    subprocess.run(
        reindex_cmd(home, catalog(tmp_path / "old.csv", 600, "old")), check=True, capture_output=True, cwd=ROOT
    )
    run_until(home, catalog(tmp_path / "new.csv", 650, "new"), "swapped", 1)
    assert served(home) == ("catalog-v0002", 650, {"new"})
