"""``marquee alias show|set|rollback`` from the command line: states, provenance with what was read and rejected,
unknown names are errors."""

from __future__ import annotations

import json

from marquee.api.cli import main
from tests.api.catalog_home import catalog_slice


def _cli(home, capsys, *args):
    capsys.readouterr()
    code = main(["--home", str(home), "--embedder", "hashing", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_alias_show_set_and_unknown_names(tmp_path, capsys):
    home = tmp_path / "home"
    first, second = catalog_slice(tmp_path / "a.csv.gz", 30), catalog_slice(tmp_path / "b.csv.gz", 40)
    for catalog in (first, second):
        assert _cli(home, capsys, "reindex", str(catalog), "--format", "netflix", "--no-ner", "--progress",
                    "none")[0] == 0
    code, out, _ = _cli(home, capsys, "alias", "show")
    versions = json.loads(out)["versions"]
    assert [(v["index"], v["state"], v["documents"]) for v in versions] == [
        ("catalog-v0001", "ready", 30), ("catalog-v0002", "serving", 40)]
    assert (versions[1]["provenance"]["read"], versions[1]["provenance"]["rejected"]) == (40, 0)
    assert versions[1]["provenance"]["source"] == str(second.resolve())
    assert _cli(home, capsys, "alias", "set", "catalog", "catalog-v0001")[2].strip() == (
        "catalog: catalog-v0002 -> catalog-v0001")
    code, _, err = _cli(home, capsys, "alias", "set", "catalog", "catalog-v0007")
    assert code == 1 and "keeps no version named 'catalog-v0007'" in err
    code, _, err = _cli(home, capsys, "alias", "show", "nosuch")
    assert code == 1 and "no alias or version named 'nosuch'" in err


def test_another_catalog_does_not_replace_the_served_one_unless_asked(tmp_path, capsys):
    import csv
    import gzip

    home = tmp_path / "home"
    ours = catalog_slice(tmp_path / "ours.csv.gz", 30)
    with gzip.open(ours, "rt", encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    other = tmp_path / "other.csv.gz"
    with gzip.open(other, "wt", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([rows[0], *([f"x{r[0]}", *r[1:]] for r in rows[1:])])
    args = ["--format", "netflix", "--no-ner", "--progress", "none"]
    assert _cli(home, capsys, "reindex", str(ours), *args)[0] == 0
    code, _, err = _cli(home, capsys, "reindex", str(other), *args)
    assert code == 1 and "shares 0 of its 30 ids with the 30 of catalog-v0001: another catalog" in err
    assert _cli(home, capsys, "reindex", str(other), *args, "--replace-source")[0] == 0
    assert json.loads(_cli(home, capsys, "alias", "show")[1])["serves"] == "catalog-v0003"
