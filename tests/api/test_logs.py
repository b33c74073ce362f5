"""Structured JSON logs: one object per record, an access line per request carrying the search's query_id,
and no API key material anywhere in the logs or in error bodies."""

from __future__ import annotations

import io
import json
import logging

from marquee.api.logs import ACCESS_LOGGER, JsonFormatter, configure_json_logging
from tests.api.catalog_home import ADMIN_KEY


def test_formatter_writes_one_json_object_with_context():
    record = logging.LogRecord("marquee.access", logging.INFO, __file__, 1, "GET %s %s", ("/search", 200), None)
    record.query_id, record.status, record.duration_ms = "abc123", 200, 4.25
    line = JsonFormatter().format(record)
    data = json.loads(line)
    assert "\n" not in line
    assert {k: data[k] for k in ("level", "logger", "message", "query_id", "status", "duration_ms")} == {
        "level": "info", "logger": "marquee.access", "message": "GET /search 200", "query_id": "abc123",
        "status": 200, "duration_ms": 4.25}
    assert data["ts"].endswith("Z") and "pipeline" not in data


def test_configure_json_logging_routes_records_through_the_formatter():
    stream = io.StringIO()
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    try:
        configure_json_logging("warning", stream)
        logging.getLogger("marquee.test").warning("careful: %d", 3)
        logging.getLogger("marquee.test").info("not shown")
    finally:
        root.handlers[:], root.level = saved[0], saved[1]
    lines = stream.getvalue().splitlines()
    assert [json.loads(line)["message"] for line in lines] == ["careful: 3"]


def test_access_log_carries_the_query_id(client, caplog):
    with caplog.at_level(logging.INFO, logger=ACCESS_LOGGER):
        body = client.get("/search?q=dragon&pipeline=bm25&size=1").get_json()
    records = [r for r in caplog.records if r.name == ACCESS_LOGGER]
    assert len(records) == 1
    data = json.loads(JsonFormatter().format(records[0]))
    assert (data["query_id"], data["route"], data["status"], data["pipeline"]) == (
        body["query_id"], "/search", 200, "bm25")
    assert data["method"] == "GET" and data["duration_ms"] >= 0


def test_no_key_material_in_logs_or_errors(client, caplog):
    wrong = ADMIN_KEY[:-2] + "zz"
    bodies = []
    with caplog.at_level(logging.DEBUG):
        for key in (ADMIN_KEY, wrong):
            headers = {"Authorization": f"Bearer {key}"}
            for method, path in (("GET", "/admin/indices"), ("POST", "/admin/reindex"), ("GET", "/admin/jobs/x"),
                                 ("POST", "/admin/aliases/rollback"), ("GET", "/admin/nowhere")):
                response = client.open(path, method=method, headers=headers, data="{bad json")
                bodies.append(response.get_data(as_text=True))
    logged = "\n".join(JsonFormatter().format(r) for r in caplog.records)
    assert caplog.records  # the access log did run
    for secret in (ADMIN_KEY, wrong, ADMIN_KEY[:10], "Bearer"):
        assert secret not in logged
        assert all(secret not in body for body in bodies)
