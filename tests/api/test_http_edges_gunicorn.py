"""What only the real server shows: gunicorn's own limits and errors, and chunked bodies, over real HTTP.

Every answer is marquee's JSON error shape (gunicorn's HTML pages are replaced by the worker), a documented-valid
2,048-character non-ASCII query fits, and a chunked body over an endpoint's limit is a 413, not a parse error.
"""

from __future__ import annotations

import json
import socket
from urllib.parse import quote

import pytest

from marquee.search.request import MAX_QUERY_CHARS
from tests.api.served import Client, gunicorn, small_home


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with gunicorn(small_home(tmp_path_factory.mktemp("edges-home"), rows=50), workers=2, threads=2) as running:
        yield running


def _raw(port: int, payload: bytes) -> tuple[int, str, dict]:
    """Send bytes as they are and read the answer (the server closes the connection on these errors)."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(payload)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    lines = head.decode("latin1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers.get("Content-Type", ""), json.loads(body)


def _chunked(client: Client, path: str, body: bytes) -> tuple[int, dict]:
    conn = client.conn
    conn.putrequest("POST", path)
    conn.putheader("Content-Type", "application/json")
    conn.putheader("Transfer-Encoding", "chunked")
    conn.endheaders()
    for start in range(0, len(body), 8192):
        part = body[start:start + 8192]
        conn.send(b"%x\r\n%s\r\n" % (len(part), part))
    conn.send(b"0\r\n\r\n")
    response = conn.getresponse()
    return response.status, json.loads(response.read())


def test_the_longest_valid_non_ascii_query_is_answered(server):
    """512 four-byte characters and five 200-character filter values: 18 KB of URL, over gunicorn's default
    request-line limit (4 KB), under marquee's documented 32 KB."""
    client = Client(server.port)
    people = "".join(f"&person={quote(chr(0xE9) * 200)}" for _ in range(5))
    status, raw = client.request("GET", "/search?size=1&q=" + quote("\U0001F600" * MAX_QUERY_CHARS) + people)
    client.close()
    assert status == 200 and json.loads(raw)["total"] == 0


def test_an_over_long_url_is_a_json_414_from_the_app(server):
    status, ctype, body = _raw(server.port, b"GET /search?q=" + b"x" * 40_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    assert (status, ctype) == (414, "application/json")
    assert body == {"error": {"code": "uri_too_long", "message": "the URL is longer than 32768 bytes"}}


def test_gunicorns_own_errors_are_json(server):
    status, ctype, body = _raw(server.port, b"GET /search?q=" + b"x" * (2 << 20) + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    assert (status, ctype, body["error"]["code"]) == (414, "application/json", "uri_too_long")
    status, ctype, body = _raw(server.port, b"NOT A REQUEST LINE\r\n\r\n")
    assert (status, ctype, body) == (400, "application/json",
                                     {"error": {"code": "bad_request", "message": "Bad Request"}})


def test_a_chunked_body_over_the_limit_is_413_and_under_it_is_read(server):
    client = Client(server.port)
    event = {"query_id": "chunked-1", "query": "q", "timestamp": "2026-12-01T10:00:00Z",
             "impressions": [{"doc_id": "s1", "position": 1}]}
    status, body = _chunked(client, "/events", json.dumps({**event, "application": "x" * 300_000}).encode())
    assert status == 413 and body["error"]["code"] == "body_too_large"
    client.close()
    client = Client(server.port)
    status, body = _chunked(client, "/events", json.dumps(event).encode())
    client.close()
    assert (status, body["impressions_added"]) == (202, 1)
