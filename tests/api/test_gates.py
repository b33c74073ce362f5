"""Relevance-gated deploys: a deliberately worse index version and a deliberately worse model are refused with
their comparison and the served state untouched; better ones go through. A model swap reaches every gunicorn
worker without a restart, and rolls back the same way."""

from __future__ import annotations

import csv
import gzip
import json
import time
from pathlib import Path

import pytest

from marquee.api.cli import main
from tests.api.catalog_home import CATALOG
from tests.api.served import Client, gunicorn

ROWS = 200
TITLED = 20  # the first titles' descriptions are the gate's queries (a typed title is pinned whatever the model)


def _rows() -> list[list[str]]:
    with gzip.open(CATALOG, "rt", encoding="utf-8", newline="") as fh:
        return [row for _, row in zip(range(ROWS + 1), csv.reader(fh), strict=False)]


def _catalog(path: Path, damaged: bool) -> Path:
    """The first 200 titles; ``damaged``: the gate's titles renamed and described as nothing in particular."""
    rows = _rows()
    if damaged:
        for row in rows[1:TITLED + 1]:
            row[2], row[11] = f"Untitled {row[0]}", "A story."
    with gzip.open(path, "wt", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows(rows)
    return path


def _query(row: list[str]) -> str:
    """The first words of a title's description: what a viewer half-remembers of the plot."""
    return " ".join(row[11].lower().split()[:8])


def _gate_list(path: Path, inverted: bool = False) -> Path:
    """Each gate query is a description, its document is relevant (``inverted``: every other one is)."""
    rows = _rows()[1:]
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["query", "docid", "rating"])
        for row in rows[:TITLED]:
            query = _query(row)
            writer.writerow([query, row[0], 0 if inverted else 3])
            if inverted:
                writer.writerows([query, other[0], 3] for other in rows[TITLED:TITLED + 5])
    return path


def _cli(home: Path, *args: str) -> int:
    return main(["--home", str(home), "--embedder", "hashing", *args])


def _reindex(home: Path, catalog: Path, *gate: str) -> int:
    return _cli(home, "reindex", str(catalog), "--format", "netflix", "--no-ner", "--progress", "json", *gate)


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    home = tmp_path_factory.mktemp("gate-home")
    assert _reindex(home, _catalog(home / "damaged.csv.gz", damaged=True)) == 0
    assert _cli(home, "judgments", "import", str(_gate_list(home / "gate.csv")), "--format", "quepid",
                "--list", "gate") == 0
    return home


def _served(home: Path, capsys) -> dict:
    capsys.readouterr()
    assert _cli(home, "alias", "show") == 0
    return json.loads(capsys.readouterr().out)


def test_a_better_index_passes_the_gate_and_a_worse_one_is_refused(home, capsys):
    capsys.readouterr()
    assert _reindex(home, _catalog(home / "good.csv.gz", damaged=False), "--gate", "gate") == 0
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    gated = next(e for e in events if e["event"] == "gated")
    assert gated["passed"] is True and gated["candidate"] > gated["served"] and gated["served_index"] == \
        "catalog-v0001"
    shown = _served(home, capsys)
    assert shown["serves"] == "catalog-v0002"
    assert shown["versions"][-1]["provenance"]["checks"][0]["gate"] == "gate"

    assert _reindex(home, _catalog(home / "worse.csv.gz", damaged=True), "--gate", "gate") == 1
    captured = capsys.readouterr()
    refused = next(json.loads(line) for line in captured.out.splitlines() if '"refused"' in line)
    assert refused["passed"] is False and refused["delta"] < -0.01 and refused["queries"] == TITLED
    assert "relevance gate 'gate' refused catalog-v0003" in captured.err
    shown = _served(home, capsys)
    assert shown["serves"] == "catalog-v0002"  # untouched
    assert [v["index"] for v in shown["versions"]] == ["catalog-v0001", "catalog-v0002"]  # the refused one is gone


def test_models_are_gated_swapped_on_every_worker_and_rolled_back(home, capsys, tmp_path):
    good, bad = tmp_path / "good" / "model.txt", tmp_path / "bad" / "model.txt"
    assert _cli(home, "train-ltr", "--judgments", str(home / "gate.csv"), "--folds", "2", "--out", str(good)) == 0
    inverted = _gate_list(tmp_path / "inverted.csv", inverted=True)
    assert _cli(home, "train-ltr", "--judgments", str(inverted), "--folds", "2", "--out", str(bad)) == 0
    capsys.readouterr()
    assert _cli(home, "deploy-model", str(good), "--gate", "gate", "--json") == 0
    deployed = json.loads(capsys.readouterr().out)
    assert deployed["deployed"] is True and deployed["version"] == "0001" and deployed["gate"]["passed"]

    assert _cli(home, "deploy-model", str(bad), "--gate", "gate") == 1
    refused = json.loads(capsys.readouterr().out)
    assert refused["deployed"] is False and not refused["gate"]["passed"] and "version" not in refused

    plot_query = _query(_rows()[1])
    with gunicorn(home, workers=2, threads=2) as server:
        client = Client(server.port)

        def top_hits() -> set[str]:
            return {json.loads(client.request("GET", "/search", params={"q": plot_query, "size": "1"})[1])[
                "hits"][0]["id"] for _ in range(12)}  # spread over both workers

        assert top_hits() == {"s1"}
        assert _cli(home, "deploy-model", str(bad)) == 0  # ungated: an operator's choice
        time.sleep(0.1)
        assert "s1" not in top_hits()  # every worker serves the new model at its next request
        assert _cli(home, "model", "rollback") == 0
        assert top_hits() == {"s1"}
        client.close()
    capsys.readouterr()
    assert _cli(home, "model", "show") == 0
    state = json.loads(capsys.readouterr().out)
    assert state["versions"] == ["0001", "0002"] and state["history"] == ["0001"]
