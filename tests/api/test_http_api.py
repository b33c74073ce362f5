"""The HTTP API over the real catalog: response shapes, JSON errors with 4xx codes, events, suggest, metrics."""

from __future__ import annotations

import json

import pytest

from marquee.search.request import MAX_QUERY_CHARS


def test_search_response_shape(client):
    body = client.get("/search?q=space%20cowboys&size=3&explain=true").get_json()
    assert set(body) >= {"query_id", "took_ms", "total", "hits", "facets", "understood"}
    top = body["hits"][0]
    assert (top["id"], top["title"]) == ("s351", "Space Cowboys")
    assert set(top) >= {"id", "title", "score", "highlights", "fields", "explain"}
    assert top["highlights"]["title"] == "<mark>Space</mark> <mark>Cowboys</mark>"
    assert set(body["facets"]) == {"genres", "kind", "decade", "countries", "rating", "themes"}


def test_filters_from_the_query_string(client):
    body = client.get("/search?q=&kind=TV%20Show&country=South%20Korea&size=50").get_json()
    assert body["total"] == len(body["hits"]) or body["total"] > 50
    assert all(h["fields"]["kind"] == "TV Show" and "South Korea" in h["fields"]["countries"] for h in body["hits"])


@pytest.mark.parametrize(("url", "status", "code"), [
    ("/search?q=x&size=500", 400, "invalid_size"),
    ("/search?q=x&size=ten", 400, "invalid_size"),
    ("/search?q=x&from=-1", 400, "invalid_from"),
    ("/search?q=" + "a" * 10_240, 400, "query_too_long"),
    ("/search?q=x&colour=red", 400, "unknown_parameter"),
    ("/search?q=x&pipeline=magic", 400, "invalid_pipeline"),
    ("/search?q=x&explain=maybe", 400, "invalid_explain"),
    ("/search?q=x&year_from=2020&year_to=2010", 400, "invalid_range"),
    ("/search?q=x&rerank=ltr", 409, "reranker_unavailable"),
    ("/documents/nope", 404, "not_found"),
    ("/documents/nope/similar", 404, "not_found"),
    ("/nowhere", 404, "not_found"),
    ("/suggest?q=" + "a" * 200, 400, "query_too_long"),
    ("/suggest?q=ab&size=21", 400, "invalid_size"),
    ("/search?q=x&size=5&size=6", 400, "duplicate_parameter"),
    ("/search?q=x&from=999&size=2", 400, "window_too_large"),
    ("/search?q=x&sort=popularity", 400, "invalid_sort"),
    ("/search?q=x&year_from=1066", 400, "invalid_year_from"),
    ("/search?q=x%00y", 400, "invalid_q"),
    ("/search?genre=" + "&genre=".join(["Dramas"] * 11), 400, "invalid_genre"),
    ("/documents/s351/similar?size=0", 400, "invalid_size"),
    ("/documents/s351/similar?q=x", 400, "unknown_parameter"),
])
def test_client_errors_are_json_4xx(client, url, status, code):
    response = client.get(url)
    assert response.status_code == status
    assert response.get_json()["error"]["code"] == code
    assert response.get_json()["error"]["message"]


@pytest.mark.parametrize("q", ['title:(', '"unbalanced', "space*", "\\", "AND OR", "%00", "<script>"])
def test_query_syntax_never_fails(client, q):
    assert client.get("/search", query_string={"q": q}).status_code in (200, 400)


def test_document_and_similar(client):
    doc = client.get("/documents/s351").get_json()
    assert doc["title"] == "Space Cowboys" and "embedding" not in doc
    similar = client.get("/documents/s351/similar?size=5").get_json()
    assert len(similar["hits"]) == 5 and "s351" not in [h["id"] for h in similar["hits"]]


def test_suggest_titles_and_people(client):
    body = client.get("/suggest?q=tom%20han").get_json()
    assert {"text": "Tom Hanks", "kind": "person", "id": None} in body["suggestions"]
    titles = client.get("/suggest?q=space%20cow").get_json()["suggestions"]
    assert titles[0] == {"text": "Space Cowboys", "kind": "title", "id": "s351"}


def event(query_id="q-1", **extra):
    return {"query_id": query_id, "query": "space cowboys", "timestamp": "2026-11-22T10:00:00Z",
            "impressions": [{"doc_id": "s351", "position": 1}, {"doc_id": "s72", "position": 2}],
            "clicks": [{"doc_id": "s351", "position": 1, "dwell_ms": 5000}], **extra}


def test_events_are_stored_and_validated(client):
    stored = client.post("/events", json=event())
    assert stored.status_code == 202
    assert stored.get_json() == {"query_id": "q-1", "new_query": True, "impressions_added": 2, "clicks_added": 1}
    bad_click = event("q-2", clicks=[{"doc_id": "s999", "position": 1}])
    response = client.post("/events", json=bad_click)
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "invalid_event"
    assert client.post("/events", data="not json", content_type="application/json").status_code == 400
    assert client.post("/events", json=[1, 2]).get_json()["error"]["code"] == "invalid_json"
    huge = client.post("/events", data="x" * (300 * 1024), content_type="application/json")
    assert huge.status_code == 413


def test_metrics_count_requests_per_route_and_pipeline(client):
    client.get("/search?q=dragon&pipeline=bm25")
    text = client.get("/metrics").get_data(as_text=True)
    assert 'marquee_requests_total{method="GET",pipeline="bm25",route="/search",status="200"}' in text
    assert "marquee_index_documents 8807.0" in text
    assert "marquee_request_seconds_bucket" in text


def test_health_and_readiness(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.get_json()["index"] == "catalog-v0001"


@pytest.mark.parametrize("change", [{"timestamp": 0}, {"timestamp": 1733011200.5}, {"timestamp": True},
                                    {"impressions": [{"doc_id": "s1", "position": "1"}]},
                                    {"impressions": [{"doc_id": "s1", "position": True}]},
                                    {"clicks": [{"doc_id": "s351", "position": 1, "timestamp": 0}]}])
def test_events_refuse_numbers_for_times_and_strings_for_positions(client, change):
    body = {**event(query_id="strict-1"), **change}
    response = client.post("/events", json=body)
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "invalid_event"


@pytest.mark.parametrize("content_type", ["text/plain", "multipart/form-data; boundary=x", None])
def test_events_need_a_json_content_type(client, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    response = client.post("/events", data=json.dumps(event()), headers=headers)
    assert response.status_code == 415
    assert response.get_json()["error"]["code"] == "unsupported_media_type"


def test_a_long_non_ascii_query_is_served_and_an_over_long_url_is_a_json_414(client):
    longest = "\U0001F600" * MAX_QUERY_CHARS  # 4 bytes each: 6 KB once percent-encoded
    people = ["\u00e9" * 200] * 5  # 2 bytes each: 12 KB more
    assert client.get("/search", query_string={"q": longest, "person": people, "size": 1}).status_code == 200
    too_long = client.get("/search", query_string={"q": longest + "x"})
    assert (too_long.status_code, too_long.get_json()["error"]["code"]) == (400, "query_too_long")
    huge = client.get("/search", query_string={"q": "x", "genre": "y" * 40_000})
    assert huge.status_code == 414
    assert huge.get_json() == {"error": {"code": "uri_too_long", "message": "the URL is longer than 32768 bytes"}}


@pytest.mark.parametrize("breakage", ["fetch_returns_nothing", "listing_raises"])
def test_readiness_fails_when_the_served_index_cannot_answer_a_probe(app, client, monkeypatch, breakage):
    backend = app.extensions["marquee"].backend
    if breakage == "fetch_returns_nothing":  # lists a document it cannot fetch: files and handle disagree
        monkeypatch.setattr(backend, "get_documents", lambda *args, **kwargs: {})
    else:  # what a stale handle did: its vector rows end before the engine's
        def stale(*args, **kwargs):
            raise IndexError("list index out of range")
        monkeypatch.setattr(backend, "lexical_search", stale)
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.get_json() == {"status": "not_ready", "index": "catalog-v0001", "models_loaded": True,
                                "reason": "the served index cannot answer a probe query"}


def test_search_page_and_its_assets_are_served(client):
    page = client.get("/")
    assert page.status_code == 200 and page.content_type.startswith("text/html")
    html = page.get_data(as_text=True)
    assert '<label for="q"' in html and 'role="search"' in html and 'aria-live="polite"' in html
    for asset, kind in (("/static/app.js", "javascript"), ("/static/app.css", "text/css")):
        response = client.get(asset)
        assert response.status_code == 200 and kind in response.content_type
    assert client.get("/static/missing.js").get_json()["error"]["code"] == "not_found"


def test_wrong_method_and_oversized_bodies_are_json_4xx(client):
    wrong = client.post("/search?q=x")
    assert wrong.status_code == 405 and wrong.get_json()["error"]["code"] == "method_not_allowed"
    assert "GET" in wrong.headers["Allow"]
    huge = client.post("/events", data=b"{" + b" " * (2 << 20) + b"}", content_type="application/json")
    assert huge.status_code == 413 and huge.get_json()["error"]["code"] == "body_too_large"
    nested = client.post("/events", data="[" * 100_000, content_type="application/json")
    assert nested.status_code == 400 and nested.get_json()["error"]["code"] == "invalid_json"


def test_repeated_filters_are_or_within_a_field(client):
    both = client.get("/search?q=&kind=Movie&kind=TV%20Show&size=0").get_json()["total"]
    movies = client.get("/search?q=&kind=Movie&size=0").get_json()["total"]
    shows = client.get("/search?q=&kind=TV%20Show&size=0").get_json()["total"]
    assert both == movies + shows == 8807


def test_year_range_filter(client):
    body = client.get("/search?q=&year_from=1990&year_to=1999&size=100&understand=false").get_json()
    assert body["hits"] and all(1990 <= h["fields"]["year"] <= 1999 for h in body["hits"])


def test_metric_labels_stay_bounded_whatever_clients_send(client):
    client.get("/search?q=x&pipeline=" + "z" * 50)
    client.open("/search", method="BREW")
    text = client.get("/metrics").get_data(as_text=True)
    assert "z" * 50 not in text and "BREW" not in text
    assert 'route="unmatched"' in text or 'method="other"' in text


def test_suggest_offers_the_title_from_its_start_and_through_a_typo(client):
    def texts(prefix: str) -> list[str]:
        return [s["text"] for s in client.get("/suggest", query_string={"q": prefix}).get_json()["suggestions"]]

    assert texts("the irish") == ["The Irishman", "The Irish Mob", "The Irishman: In Conversation", "Kill the Irishman"]
    assert texts("the irishmen")[:2] == ["The Irishman", "The Irishman: In Conversation"]
    assert "Stranger Things" in texts("stran") and texts("strnager thi") == ["Stranger Things",
                                                                             "Beyond Stranger Things"]
    assert texts("xqzwvjk") == []


def test_openapi_document_and_docs_page(client):
    spec = client.get("/openapi.json").get_json()
    assert spec["openapi"] == "3.1.0"
    search = spec["paths"]["/search"]["get"]
    params = {p["name"]: p for p in search["parameters"]}
    assert set(params) == {"q", "genre", "kind", "country", "rating", "person", "themes", "language", "year_from",
                           "year_to", "from", "size", "sort", "pipeline", "rerank", "explain", "understand", "facets",
                           "spellcheck", "query_id", "explore", "client_id", "session_id", "personalize"}
    assert params["size"]["schema"] == {"default": 10, "maximum": 100, "minimum": 0, "type": "integer"}
    assert params["pipeline"]["schema"]["enum"] == ["bm25", "dense", "hybrid"]
    assert set(search["responses"]) == {"200", "400", "409", "503"}
    assert search["responses"]["400"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorResponse"}
    assert spec["paths"]["/admin/indices"]["get"]["security"] == [{"bearer": []}]
    page = client.get("/docs")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert "<script" not in html and "https://" not in html
    for path in spec["paths"]:
        assert f"<code>{path}</code>" in html


def test_events_are_also_copied_to_ubi_when_the_backend_keeps_them(app, client, monkeypatch):
    class Recorder:
        def __init__(self):
            self.written = []

        def write_ubi(self, query_doc, events):
            self.written.append((query_doc, events))

    svc = app.extensions["marquee"]
    recorder = Recorder()
    monkeypatch.setattr(svc, "ubi", recorder)
    assert client.post("/events", json=event(query_id="ubi-1")).status_code == 202
    ((query_doc, events),) = recorder.written
    assert query_doc["query_id"] == "ubi-1" and [e["action_name"] for e in events] == ["impression", "impression",
                                                                                     "click"]

    class Failing:
        def write_ubi(self, query_doc, events):
            from marquee.search.backends.base import BackendError

            raise BackendError("cluster unreachable")

    monkeypatch.setattr(svc, "ubi", Failing())
    assert client.post("/events", json=event(query_id="ubi-2")).status_code == 202  # stored in SQLite all the same


def test_themes_are_a_facet_and_a_filter_and_come_back_in_hits(client):
    body = client.get("/search?q=&facets=true&size=100").get_json()
    assert "themes" in body["facets"]
    tagged = [h for h in body["hits"] if h["fields"].get("themes")]
    if tagged:  # the fixture catalog has titles whose descriptions name a theme twice
        theme = tagged[0]["fields"]["themes"][0]
        filtered = client.get(f"/search?q=&themes={theme}&size=100").get_json()
        assert filtered["total"] >= 1
        assert all(theme in h["fields"]["themes"] for h in filtered["hits"])
    assert all("language" in h["fields"] for h in body["hits"])
