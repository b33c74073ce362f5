"""Drift figures pinned on hand-built versions: every number below is worked out by hand in the comments."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from marquee.indexing.drift import DocumentCounts, DriftRow, compare, cosine, embedding_drift, ks_distance, vectors_of

R2 = math.sqrt(2)


def row(doc_id: str, vector: list[float] | None, entities: tuple[tuple[str, str, str], ...] = (),
        themes: tuple[str, ...] = (), model: str = "m1") -> DriftRow:
    return DriftRow(doc_id, model, None if vector is None else np.array(vector, dtype=np.float32), entities, themes)


ANN, BOB = ("PERSON", "catalog:cast", "Ann"), ("PERSON", "catalog:cast", "Bob")
SERVED = [
    row("a", [1, 0], (ANN, ("GPE", "ner", "Paris")), ("heist",)),
    row("b", [0, 1], (BOB,)),
    row("d", None, (), ("heist", "family")),  # removed; no vector
]
NEW = [
    row("a", [1, 0], (ANN, ("PERSON", "ner", "Ann")), ("heist",)),  # same vector: cosine 1
    row("b", [1, 0], (BOB, ("ORG", "ner", "Acme")), ("family",)),  # [0,1] -> [1,0]: cosine 0
    row("c", [1, 1], (("GPE", "catalog:country", "Paris"),)),  # added
]


def test_documents_added_removed_kept_by_id():
    assert DocumentCounts.of(["a", "b", "d"], ["a", "b", "c", "e"]) == DocumentCounts(3, 4, 2, 1, 2)


def test_embedding_figures_by_hand():
    drift = embedding_drift(SERVED, NEW)
    # served centroid [1/2, 1/2]; new centroid ([1,0] + [1,0] + [1,1]) / 3 = [1, 1/3]
    assert (drift.served_models, drift.new_models, drift.model_changed, drift.comparable) == (("m1",), ("m1",),
                                                                                             False, True)
    assert (drift.served_vectors, drift.new_vectors) == (2, 3)
    assert drift.centroid_cosine == pytest.approx(2 / math.sqrt(5))  # (1/2 + 1/6) / (sqrt(1/2) * sqrt(10)/3)
    assert drift.centroid_shift_l2 == pytest.approx(math.sqrt(10) / 6)  # |[1/2, -1/6]|
    assert (drift.max_shift_dimension, drift.max_dimension_shift) == (0, pytest.approx(0.5))
    assert drift.served_mean_norm == pytest.approx(1.0)
    assert drift.new_mean_norm == pytest.approx((2 + R2) / 3)
    assert drift.mean_norm_change == pytest.approx((R2 - 1) / 3)
    assert drift.served_spread == pytest.approx(1 / R2)  # both unit vectors at 45 degrees from [1, 1]
    assert drift.new_spread == pytest.approx((2 * 3 / math.sqrt(10) + 2 / math.sqrt(5)) / 3)
    # kept with vectors: a (cosine 1) and b (cosine 0); p05 of [0, 1] by linear interpolation is 0.05
    assert (drift.matched, drift.changed, drift.changed_below) == (2, 1, 0.98)
    assert drift.matched_mean_cosine == pytest.approx(0.5)
    assert drift.matched_p05_cosine == pytest.approx(0.05)
    # cosine to the served centroid: served [1/sqrt2, 1/sqrt2], new [1/sqrt2, 1/sqrt2, 1]: ECDFs 1 vs 2/3 at 1/sqrt2
    assert drift.projection_ks == pytest.approx(1 / 3)
    assert drift.note is None


def test_a_changed_model_is_said_and_vector_comparisons_are_left_out():
    drift = embedding_drift(SERVED, [r._replace(embedding_model="m2") for r in NEW])
    assert (drift.model_changed, drift.comparable) == (True, False)
    assert (drift.centroid_cosine, drift.matched, drift.changed, drift.projection_ks) == (None, 0, None, None)
    assert drift.note.startswith("embedding model changed (m1 -> m2): the biggest drift there is")
    assert drift.new_mean_norm == pytest.approx((2 + R2) / 3)  # per-side figures stay


def test_one_stray_dimension_and_zero_vectors_do_not_break_the_report():
    vectors = vectors_of([row("a", [1, 0, 0]), row("b", [0, 1]), row("c", [0, 0, 1]), row("d", None)])
    assert vectors.ids == ("a", "c") and vectors.matrix.shape == (2, 3)
    assert cosine(np.zeros(2), np.ones(2)) == 0.0
    drift = embedding_drift([row("a", [0, 0])], [row("a", [1, 0])])
    assert (drift.matched, drift.changed, drift.matched_mean_cosine) == (1, 1, 0.0)


def test_ks_distance():
    assert ks_distance(np.array([1.0, 2, 3]), np.array([2.0, 3, 4])) == pytest.approx(1 / 3)
    assert ks_distance(np.array([1.0, 2]), np.array([3.0, 4])) == 1.0
    assert ks_distance(np.array([0.5, 0.5]), np.array([0.5])) == 0.0
    with pytest.raises(ValueError, match="at least one value"):
        ks_distance(np.array([]), np.array([1.0]))


def test_entity_and_theme_coverage_by_hand():
    report = compare("catalog-v0001", SERVED, "catalog-v0002", NEW)
    out = report.as_dict()
    third = round(1 / 3, 6)
    assert out["documents"] == {"served": 3, "new": 3, "added": 1, "removed": 1, "kept": 2}
    assert out["entities"] == {
        "GPE": {"served": third, "new": third, "delta": 0.0, "distinct": {"served": 1, "new": 1}},
        "ORG": {"served": 0.0, "new": third, "delta": third, "distinct": {"served": 0, "new": 1}},
        # Ann found by the catalog and by NER is one PERSON
        "PERSON": {"served": round(2 / 3, 6), "new": round(2 / 3, 6), "delta": 0.0,
                   "distinct": {"served": 2, "new": 2}},
    }
    assert out["entity_sources"]["ner"] == {"served": third, "new": round(2 / 3, 6), "delta": third,
                                            "distinct": {"served": 1, "new": 2}}
    assert out["entity_sources"]["catalog:country"]["distinct"] == {"served": 0, "new": 1}
    assert out["themes"] == {
        "served": round(2 / 3, 6), "new": round(2 / 3, 6), "delta": 0.0, "distinct": {"served": 2, "new": 2},
        "largest_moves": [{"theme": "heist", "served": round(2 / 3, 6), "new": third, "delta": -third,
                           "distinct": {"served": 1, "new": 1}}],
    }
    assert (out["served"], out["new"]) == ("catalog-v0001", "catalog-v0002")
    assert out["embeddings"]["kept"] == {"matched": 2, "mean_cosine": 0.5, "p05_cosine": 0.05, "changed": 1,
                                         "changed_below": 0.98}
    assert json.loads(json.dumps(out)) == out  # what the admin job stores


def test_summary_lines_for_people():
    lines = compare("catalog-v0001", SERVED, "catalog-v0002", NEW).summary_lines()
    assert lines[:3] == ["drift catalog-v0001 (served) -> catalog-v0002:",
                         "  documents: 3 served, 3 new: 1 added, 1 removed, 2 kept",
                         "  embeddings: model m1 on both sides, 2 -> 3 vectors"]
    assert "  kept with vectors: 2, cosine mean 0.5000, p05 0.0500; 1 changed (cosine < 0.98)" in lines
    assert "    ORG       0.0% ->  33.3% (+33.3 pt); 0 -> 1" in lines
    assert lines[-1] == "  themes (documents with >= 1): 66.7% -> 66.7% (+0.0 pt); largest moves: heist -33.3 pt"
