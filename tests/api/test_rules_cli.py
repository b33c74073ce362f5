"""``marquee rules``: the CLI edits the same versioned store the admin API does, validated the same way."""

from __future__ import annotations

import json

import pytest

from marquee.api.cli import main
from tests.api.served import small_home


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    return small_home(tmp_path_factory.mktemp("rules-cli"), rows=30)


def run(home, monkeypatch, capsys, *argv: str) -> tuple[int, str, str]:
    monkeypatch.setenv("MARQUEE_HOME", str(home))
    monkeypatch.setenv("MARQUEE_EMBEDDER", "hashing")
    code = main(["rules", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_set_list_delete_history(home, monkeypatch, capsys):
    code, out, _ = run(home, monkeypatch, capsys, "set", "kids", "--query", "Kids Show", "--match", "contains",
                       "--pin", "s3", "s2", "--hide", "s1", "--json")
    assert code == 0 and json.loads(out) == {"version": 1, "rules": 1, "set": "kids"}
    code, out, _ = run(home, monkeypatch, capsys, "list", "--json")
    assert json.loads(out)["rules"] == [{"id": "kids", "query": "Kids Show", "match": "contains", "pin": ["s3", "s2"],
                                         "bury": [], "hide": ["s1"], "comment": ""}]
    code, _, err = run(home, monkeypatch, capsys, "set", "bad", "--query", "x", "--bury", "no-such-id")
    assert code == 2 and "rules[1].bury[0]: no document 'no-such-id'" in err
    assert run(home, monkeypatch, capsys, "delete", "kids", "--json")[1].strip() == json.dumps(
        {"version": 2, "rules": 0, "deleted": "kids"})
    code, _, err = run(home, monkeypatch, capsys, "delete", "kids")
    assert code == 2 and "no rule with id 'kids'" in err
    code, out, _ = run(home, monkeypatch, capsys, "history", "--json")
    assert [(v["version"], v["action"]) for v in json.loads(out)["versions"]] == [(2, "delete"), (1, "put")]
    code, out, _ = run(home, monkeypatch, capsys, "list", "--version", "1", "--json")
    assert json.loads(out)["version"] == 1
