"""Admin endpoints: every one refuses a missing key (401) and a wrong key (403) without echoing it; with the
key they list versions, refuse impossible rollbacks, and move judgement lists in and out."""

from __future__ import annotations

import hashlib

import pytest

from marquee import mappings
from marquee.enrichment.embeddings import HashingEmbedder
from tests.api.catalog_home import ADMIN_KEY, CATALOG

ADMIN_ROUTES = [
    ("POST", "/admin/reindex"),
    ("GET", "/admin/jobs"),
    ("GET", "/admin/jobs/0123456789abcdef0123456789abcdef"),
    ("GET", "/admin/indices"),
    ("POST", "/admin/aliases/rollback"),
    ("POST", "/admin/aliases/set"),
    ("GET", "/admin/judgments"),
    ("GET", "/admin/judgments/some-list"),
    ("PUT", "/admin/judgments/some-list"),
    ("POST", "/admin/judgments/some-list/from-clicks"),
    ("GET", "/admin/models"),
    ("POST", "/admin/models/deploy"),
    ("POST", "/admin/models/rollback"),
    ("GET", "/admin/documents/s1"),
    ("PUT", "/admin/documents/s1"),
    ("PATCH", "/admin/documents/s1"),
    ("DELETE", "/admin/documents/s1"),
    ("POST", "/admin/documents/_bulk"),
    ("GET", "/admin/rules"),
    ("PUT", "/admin/rules"),
    ("GET", "/admin/rules/history"),
    ("POST", "/admin/rules/restore"),
    ("PUT", "/admin/rules/r1"),
    ("DELETE", "/admin/rules/r1"),
    ("POST", "/admin/experiments"),
    ("GET", "/admin/experiments"),
    ("GET", "/admin/analytics"),
    ("GET", "/admin/analytics/to-judge"),
    ("GET", "/admin/experiments/e1"),
    ("POST", "/admin/experiments/e1/stop"),
    ("GET", "/admin/experiments/e1/report"),
    ("DELETE", "/users/c1"),
]
WRONG_KEYS = ["wrong", ADMIN_KEY[:-1], ADMIN_KEY + "x", ADMIN_KEY.upper(), "é" * 40, "x" * 5000]


def test_the_list_covers_every_secured_operation_in_the_spec(client):
    spec = client.get("/openapi.json").get_json()
    secured = {(m.upper(), p) for p, ops in spec["paths"].items() for m, op in ops.items() if op.get("security")}
    listed = {(m, p.replace("0123456789abcdef0123456789abcdef", "{job_id}").replace("some-list", "{name}")
               .replace("/admin/documents/s1", "/admin/documents/{doc_id}")
                   .replace("/admin/rules/r1", "/admin/rules/{rule_id}").replace("/users/c1", "/users/{client_id}")
               .replace("/admin/experiments/e1", "/admin/experiments/{experiment_id}")) for m, p in ADMIN_ROUTES}
    assert listed == secured


@pytest.mark.parametrize(("method", "path"), ADMIN_ROUTES)
@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", f"Token {ADMIN_KEY}"])
def test_missing_key_is_401(client, method, path, header):
    headers = {} if header is None else {"Authorization": header}
    response = client.open(path, method=method, headers=headers, json={})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="marquee"'


@pytest.mark.parametrize(("method", "path"), ADMIN_ROUTES)
@pytest.mark.parametrize("key", WRONG_KEYS, ids=range(len(WRONG_KEYS)))
def test_wrong_key_is_403_and_never_echoed(client, method, path, key):
    response = client.open(path, method=method, headers={"Authorization": f"Bearer {key}"}, json={})
    assert response.status_code == 403
    body = response.get_data(as_text=True)
    assert response.get_json()["error"]["code"] == "forbidden"
    assert key[:20] not in body and ADMIN_KEY[:8] not in body


def test_indices_lists_the_served_version(client, admin_headers):
    body = client.get("/admin/indices", headers=admin_headers).get_json()
    (version,) = body.pop("versions")
    assert body == {"alias": "catalog", "serves": "catalog-v0001"}
    assert version.pop("created_at") <= version.pop("finished_at")
    provenance = version.pop("provenance")
    assert version == {"index": "catalog-v0001", "state": "serving", "documents": 8807, "failed": 0, "served": True}
    assert provenance == {
        "source": str(CATALOG.resolve()), "source_sha256": hashlib.sha256(CATALOG.read_bytes()).hexdigest(),
        "format": "netflix", "embedder": HashingEmbedder().model_id, "ner": False,
        "mapping_sha256": mappings.fingerprint(), "read": 8807, "rejected": 0, "reject_reasons": {},
        "rejects_file": None,
    }


def test_rollback_with_a_single_version_is_a_conflict(client, admin_headers):
    response = client.post("/admin/aliases/rollback", headers=admin_headers)
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "nothing_to_roll_back"
    missing = client.post("/admin/aliases/rollback", headers=admin_headers, json={"alias": "nope"})
    assert missing.status_code == 404


def test_admin_bodies_are_validated(client, admin_headers):
    unknown = client.post("/admin/reindex", headers=admin_headers, json={"sourse": "x"})
    assert unknown.status_code == 400 and unknown.get_json()["error"]["code"] == "invalid_body"
    missing = client.post("/admin/reindex", headers=admin_headers, json={"source": "/nonexistent/catalog.csv",
                                                                          "format": "netflix"})
    assert missing.status_code == 400 and missing.get_json()["error"]["code"] == "invalid_source"
    assert client.post("/admin/reindex", headers=admin_headers, data="[1]",
                       content_type="application/json").status_code == 400
    assert client.post("/admin/reindex", headers=admin_headers, data="{}").status_code == 415  # no Content-Type
    huge = client.post("/admin/reindex", headers=admin_headers, data="{" + " " * 20_000 + "}")
    assert huge.status_code == 413
    for flag in ({"force": 0}, {"force": "true"}, {"no_ner": 1}, {}, {"format": "netflix"}):
        strict = client.post("/admin/reindex", headers=admin_headers, json=flag)
        assert strict.status_code == 400 and strict.get_json()["error"]["code"] == "invalid_body", flag


def test_reindex_reads_only_from_the_catalog_folders(app, client, admin_headers, tmp_path):
    home = app.extensions["marquee"].settings.home
    outside = tmp_path / "elsewhere.csv"
    outside.write_text("show_id\n")
    (home / "catalogs").mkdir(exist_ok=True)
    link = home / "catalogs" / "link.csv"
    link.unlink(missing_ok=True)
    link.symlink_to(outside)
    for source in ("/etc/passwd", str(outside), str(home / "catalogs" / ".." / "marquee.sqlite3"), str(link)):
        response = client.post("/admin/reindex", headers=admin_headers, json={"source": source, "format": "netflix"})
        assert response.status_code == 400, source
        error = response.get_json()["error"]
        assert error["code"] == "invalid_source" and "must be inside one of the catalog folders" in error["message"]
    link.unlink()


def test_an_empty_judgement_upload_creates_nothing(client, admin_headers):
    for body in ("", "  \n"):
        response = client.put("/admin/judgments/empty-upload?format=trec", headers=admin_headers, data=body)
        assert response.status_code == 400 and response.get_json()["error"]["code"] == "invalid_judgments"
    names = [lst["name"] for lst in client.get("/admin/judgments", headers=admin_headers).get_json()["lists"]]
    assert "empty-upload" not in names


def test_model_endpoints_validate_and_report(client, admin_headers, tmp_path):
    state = client.get("/admin/models", headers=admin_headers).get_json()
    assert state == {"serves": None, "versions": [], "history": []}
    outside = client.post("/admin/models/deploy", headers=admin_headers, json={"model": str(tmp_path / "m.txt")})
    assert outside.status_code == 400 and outside.get_json()["error"]["code"] == "invalid_model"
    assert client.post("/admin/models/deploy", headers=admin_headers).status_code == 400  # a model must be named
    rollback = client.post("/admin/models/rollback", headers=admin_headers)
    assert rollback.status_code == 409 and rollback.get_json()["error"]["code"] == "nothing_to_roll_back"


def test_unknown_job_is_404(client, admin_headers):
    for job_id in ("0123456789abcdef0123456789abcdef", "..%2F..%2Fetc", "x"):
        assert client.get(f"/admin/jobs/{job_id}", headers=admin_headers).status_code == 404


QUEPID = "query,docid,rating\nspace cowboys,s351,3\nspace cowboys,s72,0\ndragons,s10,2\n"


def test_judgement_list_upload_and_download(client, admin_headers):
    created = client.put("/admin/judgments/api-test?format=quepid", headers=admin_headers, data=QUEPID)
    assert created.status_code == 201
    body = created.get_json()
    assert (body["list"], body["format"], body["rows"], body["inserted"]) == ("api-test", "quepid", 3, 3)
    assert "path" not in body
    listed = {lst["name"]: lst for lst in client.get("/admin/judgments", headers=admin_headers).get_json()["lists"]}
    assert (listed["api-test"]["judgments"], listed["api-test"]["queries"]) == (3, 2)
    trec = client.get("/admin/judgments/api-test?format=quepid", headers=admin_headers)
    assert trec.status_code == 200 and trec.mimetype == "text/plain"
    assert sorted(trec.get_data(as_text=True).strip().splitlines()[1:]) == [
        "dragons,s10,2", "space cowboys,s351,3", "space cowboys,s72,0"]


def test_judgement_upload_errors_are_400_and_nothing_is_stored(client, admin_headers):
    bad = client.put("/admin/judgments/api-bad?format=quepid", headers=admin_headers, data="q,d\nx,y\n")
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "invalid_judgments"
    rows = client.put("/admin/judgments/api-bad?format=quepid", headers=admin_headers,
                      data="query,docid,rating\nx,s1,high\n")
    assert rows.status_code == 400
    assert client.get("/admin/judgments/api-bad", headers=admin_headers).status_code == 404
    assert client.put("/admin/judgments/x?format=excel", headers=admin_headers, data="").status_code == 400
