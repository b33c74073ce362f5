"""Memory-mapped vectors and impacts: served from shared pages, identical answers, old ``.npz`` versions still
open, and a commit never changes what a reader that mapped the previous files sees. Old versions also keep
serving when the schema gains a facet they do not map."""

from __future__ import annotations

import numpy as np
import pytest

from marquee import mappings
from marquee.enrichment.embeddings import HashingEmbedder
from marquee.search.backends.base import BackendError, Filters, LexicalQuery
from marquee.search.backends.embedded import EmbeddedBackend
from marquee.search.backends.embedded.arrays import pack_strings, read_arrays, write_arrays
from marquee.search.backends.embedded.vectors import VectorStore
from marquee.search.retrieval import DEFAULT_LEXICAL_FIELDS
from tests.backends.test_embedded_fast_paths import _documents

QUERIES = ["friends in new york", "a detective solves murders in london", "christmas family comedy"]
FILTERS = Filters(terms=(("genres", ("Dramas",)),))


@pytest.fixture(scope="module")
def docs():
    return _documents(400)


def _built(root, docs, name="c-v0001"):
    backend = EmbeddedBackend(root)
    backend.create_index(name, mappings.load())
    assert not backend.bulk_upsert(name, docs).failed
    backend.refresh(name)
    return backend


def _answers(backend, name="c-v0001"):
    embedder = HashingEmbedder()
    out = []
    for text in QUERIES:
        for filters in (None, FILTERS):
            out.append(backend.lexical_search(name, LexicalQuery(text=text, fields=DEFAULT_LEXICAL_FIELDS,
                                                                 size=10, filters=filters)))
            out.append(backend.vector_search(name, embedder.encode([text])[0], 10, filters))
    return out


def _write_legacy(version):
    """The layout every version had before: one vectors.npz and one impacts.npz (no impacts in it)."""
    vectors = read_arrays(version, "vectors")
    ids = bytes(vectors["ids"]).decode("utf-8").split("\x1f")
    np.savez(version / "vectors.npz", matrix=vectors["matrix"], live=vectors["live"], ids=np.array(ids, dtype=str))
    impacts = read_arrays(version, "impacts")
    legacy = {"present": impacts["present"],
              "fields": np.array(bytes(impacts["fields"]).decode("utf-8").split("\x1f"), dtype=str)}
    legacy.update({k: v for k, v in impacts.items() if k.split(".")[-1] in ("terms", "indptr", "rows", "tfs", "lengths")})
    np.savez(version / "impacts.npz", **legacy)
    for stem in ("vectors", "impacts"):
        (version / f"{stem}.json").unlink()
        for folder in version.glob(f"{stem}.*"):
            if folder.is_dir():
                for item in folder.iterdir():
                    item.unlink()
                folder.rmdir()


def test_a_reopened_version_serves_mapped_arrays_with_the_same_answers(tmp_path, docs):
    writer = _built(tmp_path, docs)
    before = _answers(writer)
    writer.close()
    reader = EmbeddedBackend(tmp_path)
    assert _answers(reader) == before
    opened = reader._resolve("c-v0001")
    assert isinstance(opened.vectors._matrix, np.memmap) and not opened.vectors._matrix.flags.writeable
    postings = opened._impacts._committed["all_text"]
    assert isinstance(postings.rows, np.memmap) and isinstance(postings.impacts, np.memmap)
    reader.close()


def test_a_version_saved_as_npz_still_opens_and_answers_the_same(tmp_path, docs):
    writer = _built(tmp_path, docs)
    before = _answers(writer)
    writer.close()
    version = tmp_path / "c-v0001"
    _write_legacy(version)
    old = EmbeddedBackend(tmp_path)
    opened = old._resolve("c-v0001")
    assert opened._impacts.covers(["all_text"])  # impacts recomputed from the old file
    assert _answers(old) == before
    old.bulk_upsert("c-v0001", docs[:3])  # the next commit moves it to the new layout
    old.refresh("c-v0001")
    assert not (version / "vectors.npz").exists() and (version / "vectors.json").exists()
    old.close()
    assert _answers(EmbeddedBackend(tmp_path)) == before


def test_a_commit_does_not_change_what_a_reader_mapped(tmp_path, docs):
    writer = _built(tmp_path, docs)
    writer.close()
    reader = EmbeddedBackend(tmp_path)
    before = _answers(reader)
    held = reader._resolve("c-v0001")
    matrix = np.array(held.vectors._matrix)
    rows = np.array(held._impacts._committed["all_text"].rows)

    other = EmbeddedBackend(tmp_path)  # another process's handle: upserts in place, deletes, commits
    changed = [{**doc, "title": "zebra zebra", "embedding": list(np.roll(doc["embedding"], 7))} for doc in docs[:50]]
    assert not other.bulk_upsert("c-v0001", changed).failed
    other.bulk_delete("c-v0001", [d["id"] for d in docs[50:60]])
    other.refresh("c-v0001")
    other.close()

    assert np.array_equal(held.vectors._matrix, matrix)
    assert np.array_equal(held._impacts._committed["all_text"].rows, rows)
    assert [held.lexical(LexicalQuery(text=q, fields=DEFAULT_LEXICAL_FIELDS, size=10)) for q in QUERIES] == \
        [before[i] for i in range(0, len(before), 4)]
    fresh = EmbeddedBackend(tmp_path)
    hits = fresh.lexical_search("c-v0001", LexicalQuery(text="zebra", fields=DEFAULT_LEXICAL_FIELDS, size=100))
    assert {h.id for h in hits.hits} == {d["id"] for d in docs[:50]}
    assert fresh._resolve("c-v0001").vectors.row_of(docs[55]["id"]) is None
    assert len([p for p in (tmp_path / "c-v0001").glob("vectors.*") if p.is_dir()]) == 1  # old sets removed
    fresh.close()
    reader.close()


def test_writes_after_a_load_copy_the_mapped_arrays_first(tmp_path):
    store = VectorStore(4)
    for i in range(3):
        store.put(store.row_for(f"d{i}"), np.eye(4, dtype=np.float32)[i])
    store.save(tmp_path)
    loaded = VectorStore.load(tmp_path, 4, 200_000)
    mapped = loaded._matrix
    loaded.put(loaded.row_of("d1"), np.array([0, 0, 0, 1], dtype=np.float32))
    loaded.delete("d0")
    assert not isinstance(loaded._matrix, np.memmap)
    assert np.array_equal(mapped, np.eye(4, dtype=np.float32)[:3])  # the file's pages are untouched
    assert [row for row, _ in loaded.search(np.array([0, 0, 0, 1.0]), 1)] == [1]
    loaded.save(tmp_path)
    again = VectorStore.load(tmp_path, 4, 200_000)
    assert again.row_of("d0") is None and again.vector("d1").tolist() == [0, 0, 0, 1]


def test_an_array_set_is_replaced_whole(tmp_path):
    write_arrays(tmp_path, "x", {"a": np.arange(3), "s": pack_strings(["p", "q"], "\x1f")})
    first = read_arrays(tmp_path, "x")
    write_arrays(tmp_path, "x", {"a": np.arange(5)})
    assert first["a"].tolist() == [0, 1, 2]  # still readable after its files were unlinked
    assert list(read_arrays(tmp_path, "x")) == ["a"] and read_arrays(tmp_path, "x")["a"].tolist() == list(range(5))
    assert read_arrays(tmp_path, "y") is None


def test_a_facet_the_version_does_not_map_has_no_buckets(tmp_path, docs):
    backend = _built(tmp_path, docs[:50])
    facets = backend.facet_counts("c-v0001", ["genres", "added_later"], size=3)
    assert facets["added_later"] == [] and facets["genres"]
    ids = [d["id"] for d in docs[:10]]
    assert backend.facet_counts("c-v0001", ["added_later", "kind"], ids=ids, size=3)["added_later"] == []
    assert backend.facet_counts("c-v0001", ["added_later"], size=3) == {"added_later": []}
    with pytest.raises(BackendError, match="not a keyword or integer field"):
        backend.facet_counts("c-v0001", ["body"], size=3)
    backend.close()
