"""``marquee evaluate --judgments FILE`` / ``--list NAME``: a judgement list scored on the served index through
the serving pipeline, in the order served (browse results have equal scores but a meaningful order)."""

from __future__ import annotations

import json

from marquee.api.cli import main

QUEPID = "query,docid,rating\nspace cowboys,s351,3\nspace cowboys,s72,0\nzzzz qqqq,s1,3\n"


def _evaluate(home, capsys, *args):
    capsys.readouterr()
    code = main(["--home", str(home), "--embedder", "hashing", "evaluate", *args, "--json"])
    captured = capsys.readouterr()
    return code, (json.loads(captured.out) if code == 0 else captured.err)


def test_a_judgement_file_is_scored_on_the_served_index(api_home, tmp_path, capsys):
    path = tmp_path / "list.csv"
    path.write_text(QUEPID)
    code, result = _evaluate(api_home, capsys, "--judgments", str(path), "--pipeline", "bm25",
                             "--run-out", str(tmp_path / "run.json"))
    assert code == 0, result
    # "space cowboys" finds s351 first (nDCG 1), the nonsense query finds nothing relevant (0)
    assert (result["queries"], result["ndcg@10"], result["mrr@10"]) == (2, 0.5, 0.5)
    assert (result["index"], result["pipeline"], result["understand"]) == ("catalog-v0001", "bm25", True)
    written = json.loads((tmp_path / "run.json").read_text())
    meta, run = written["meta"], written["run"]
    assert (meta["judgments"], meta["index"], meta["pipeline"], meta["embedding_model"]) == (
        str(path), "catalog-v0001", "bm25", "hashing-v1-384")
    assert meta["marquee_version"] and meta["fusion"]["normalization"] == "l2"
    from marquee.relevance.experiments.runs import load_run

    assert load_run(tmp_path / "run.json") == {q: d for q, d in run.items() if d}  # a run for compare and report
    ordered = sorted(run["space cowboys"].items(), key=lambda kv: -kv[1])
    assert ordered[0][0] == "s351"


def test_a_stored_list_is_scored_and_bad_sources_are_clear(api_home, tmp_path, capsys):
    path = tmp_path / "list.csv"
    path.write_text(QUEPID)
    assert main(["--home", str(api_home), "judgments", "import", str(path), "--format", "quepid",
                 "--list", "served-eval"]) == 0
    code, result = _evaluate(api_home, capsys, "--list", "served-eval", "--pipeline", "hybrid")
    assert code == 0 and result["ndcg@10"] == 0.5
    code, err = _evaluate(api_home, capsys, "--list", "no-such-list")
    assert code == 2 and "no judgement list named 'no-such-list'" in err
    code, err = _evaluate(api_home, capsys, "--judgments", str(tmp_path / "missing.csv"))
    assert code == 2 and "missing.csv" in err
