"""Personalized search on a real server (gunicorn, 2 workers): a model trained with simulated viewers, served, and
measured by other simulated viewers over HTTP; the same figures per seed; personalize=false is the anonymous
ranking; an erased viewer is searched anonymously again."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from marquee.api.cli import main
from marquee.relevance.personalization import measure_personalization
from marquee.relevance.simulation import SimulationError
from marquee.search.features import PROFILE_FEATURES
from tests.api.catalog_home import HOME_OVERRIDES
from tests.api.served import ADMIN, Client, gunicorn, small_home

ROWS = 1500  # enough titles that several genres hold the 100 a taste is drawn from
JUDGMENTS = Path(__file__).resolve().parents[2] / "data" / "judgments" / "netflix"
VIEWERS, SEARCHES = 12, 60


def _cli(home: Path, *args: str) -> int:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MARQUEE_HOME", str(home))
        mp.setenv("MARQUEE_EMBEDDER", HOME_OVERRIDES["embedder"])
        return main(list(args))


def _split(target: Path, split: str) -> dict[str, dict[str, float]]:
    """The bundled list's ``split`` restricted to the slice's titles (s1..s1500), as a file and as qrels."""
    rows = [r for r in csv.DictReader((JUDGMENTS / f"{split}.csv").open(encoding="utf-8"))
            if int(r["docid"][1:]) <= ROWS]
    with target.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=["query", "docid", "rating"])
        writer.writeheader()
        writer.writerows(rows)
    qrels: dict[str, dict[str, float]] = {}
    for r in rows:
        qrels.setdefault(r["query"], {})[r["docid"]] = float(r["rating"])
    return {q: grades for q, grades in qrels.items() if any(g > 0 for g in grades.values())}


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    home = small_home(tmp_path_factory.mktemp("personal-home"), rows=ROWS)
    _split(home / "train.csv", "train")
    model = home / "trained" / "model.txt"
    assert _cli(home, "train-ltr", "--judgments", str(home / "train.csv"), "--folds", "2", "--personas", "24",
                "--personas-per-query", "3", "--out", str(model)) == 0
    assert _cli(home, "deploy-model", str(model)) == 0
    with gunicorn(home, workers=2, threads=4) as server:
        yield server, home, json.loads(model.with_suffix(".json").read_text())


def test_the_model_is_trained_with_viewers_and_uses_their_profiles(served):
    _, _, metadata = served
    assert metadata["personas"] == {"count": 24, "per_query": 3, "seed": 0}
    assert set(PROFILE_FEATURES) <= set(metadata["features"])  # served, so the server's registry agrees
    assert metadata["training_rows"] > metadata["training_queries"] * 3  # anonymous groups plus persona groups


def test_measuring_personalization_over_http_is_deterministic(served, tmp_path):
    server, _, _ = served
    qrels = _split(tmp_path / "test.csv", "test")
    first = measure_personalization(server.base, qrels, VIEWERS, SEARCHES, seed=5, max_seconds=120).to_dict()
    again = measure_personalization(server.base, qrels, VIEWERS, SEARCHES, seed=5, max_seconds=120).to_dict()
    first.pop("seconds"), again.pop("seconds")
    assert first == again  # profiles are replayed idempotently and searches post nothing: the same pairs
    assert (first["viewers"], first["plays"], first["searches"], first["errors"]) == (VIEWERS, VIEWERS * 20,
                                                                                      SEARCHES, 0)
    # only reranked text searches are personalized (a genre browse or "like <title>" is not reranked)
    assert 0 < first["personalized_share"] < 1 and first["scored_searches"] == SEARCHES
    assert set(first["delta"]) == {"ndcg@10", "recall@10", "mrr@10"}
    for metric, delta in first["delta"].items():
        assert delta["delta"] == pytest.approx(first["personalized"][metric] - first["unpersonalized"][metric],
                                               abs=1e-3)
        assert delta["wins"] + delta["ties"] + delta["losses"] == SEARCHES
    with pytest.raises(SimulationError, match="only talk to a local server"):
        measure_personalization("http://example.com:80", qrels, 1, 1, seed=0)


def test_personalize_false_and_an_erased_viewer_get_the_anonymous_ranking(served):
    server, _, _ = served
    client = Client(server.port)
    try:
        viewer = "personal-viewer-1"
        dramas = json.loads(client.request("GET", "/search", params={"q": "", "genre": "Dramas", "size": "20"})[1])
        for n, hit in enumerate(dramas["hits"]):
            status, _ = client.post_json("/events", {"action_name": "play", "doc_id": hit["id"], "client_id": viewer,
                                                     "session_id": "s", "timestamp": f"2026-01-01T00:00:{n:02d}Z"})
            assert status == 202

        def ranking(**params: str) -> tuple[list[str], bool]:
            status, body = client.request("GET", "/search", params={"q": "love", "size": "10", "explore": "false",
                                                                    **params})
            assert status == 200
            page = json.loads(body)
            return [h["id"] for h in page["hits"]], page["personalized"]

        anonymous, was = ranking()
        assert was is False
        for _ in range(4):  # both workers
            assert ranking(client_id=viewer, personalize="false") == (anonymous, False)
            personal, was = ranking(client_id=viewer)
            assert was is True and sorted(personal) != [] and len(personal) == len(anonymous)
        assert ranking(client_id="never-seen") == (anonymous, False)  # no profile: nothing to personalize
        assert ranking(client_id=viewer, sort="year") [1] is False
        status, _ = client.request("DELETE", f"/users/{viewer}", headers=ADMIN)
        assert status == 200
        for _ in range(4):
            assert ranking(client_id=viewer) == (anonymous, False)
    finally:
        client.close()
