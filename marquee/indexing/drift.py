"""Drift: how a new version's embeddings and entity coverage differ from the served version's.

Where the served side comes from, and why not a stored profile: the figures a relevance engineer reads first need
the served version per document id -- added / removed / kept ids, and the cosine of each kept document's old and
new vector -- which no fixed-size profile (centroid, coverage shares) kept beside a version can give. A re-index
reads exactly that already: before writing, the indexer scans every served document's vector, model id and entities
(``SearchBackend.scan``, which both backends implement) to reuse unchanged embeddings; with ``themes`` added to that
scan, the served side of the drift costs no extra read on any backend, only the numpy and counting below (about
0.5 s for the 8,807 Netflix titles, against 17-20 s for the re-index itself with hashing vectors). It is also the
served version as it is now, documents written through the document API since its build included, where a profile
stored at build time would be stale.

Everything here is a pure function of two lists of :class:`DriftRow`; :func:`compare` returns a frozen
:class:`DriftReport` whose ``as_dict()`` ``marquee reindex`` prints and the ``POST /admin/reindex`` job keeps.

Conventions (exact, so tests can pin them):

* cosine of a zero vector is 0; a side's vectors are those of the most common dimension (a stray vector of another
  size cannot make the report fail after a swap);
* vector figures that compare the two sides (centroid cosine and shift, kept-document cosines, the projection
  distance) are ``None`` when the sides do not share one model id and one dimension: vectors of two models live in
  different spaces, and a changed model id is the biggest drift there is (``model_changed`` and ``note`` say so);
* p05 is numpy's default (linear) 5th percentile;
* a share is documents with at least one entity of a kind over the side's documents (0 for an empty side).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any, NamedTuple

import numpy as np

from marquee.enrichment.pipeline import EnrichedDocument, Previous

CHANGED_BELOW = 0.98
"""A kept document's vector counts as changed when the cosine of its old and new vector is below this. Re-encoding
the same text with the same model gives >= 0.9999 (reused vectors give exactly 1); with all-MiniLM-L6-v2 a typo or
punctuation fix to a description stays above it, a rewritten description falls well below it."""
THEME_MOVES = 5
"""How many themes with the largest share change the report lists."""
_DECIMALS = 6
_TIE_DECIMALS = 9  # projections are rounded before the KS distance so equal vectors on both sides tie exactly


class DriftRow(NamedTuple):
    """What drift needs of one document of one version: entities as ``(label, source, text)``."""

    id: str
    embedding_model: str
    embedding: np.ndarray | None
    entities: tuple[tuple[str, str, str], ...]
    themes: tuple[str, ...]

    @classmethod
    def of_enriched(cls, enriched: EnrichedDocument) -> DriftRow:
        doc = enriched.document
        return cls(doc.id, enriched.embedding_model, enriched.embedding,
                   tuple((e.label, e.source, e.text) for e in doc.entities), tuple(doc.themes))

    @classmethod
    def of_previous(cls, doc_id: str, previous: Previous) -> DriftRow:
        return cls(doc_id, previous.embedding_model, previous.embedding, previous.entities, previous.themes)


# -- vectors -------------------------------------------------------------------------------------------------------


class Vectors(NamedTuple):
    """One side's vectors: the ids that have one, their rows (float64), and the distinct model ids of the side."""

    ids: tuple[str, ...]
    matrix: np.ndarray
    models: tuple[str, ...]


def vectors_of(rows: Sequence[DriftRow]) -> Vectors:
    """Stack a side's vectors (rows without one left out; only the most common dimension kept)."""
    found = [(r.id, np.asarray(r.embedding, dtype=np.float32).ravel()) for r in rows if r.embedding is not None]
    models = tuple(sorted({r.embedding_model for r in rows if r.embedding is not None and r.embedding_model}))
    if not found:
        return Vectors((), np.zeros((0, 0)), models)
    dim = Counter(v.size for _, v in found).most_common(1)[0][0]
    kept = [(i, v) for i, v in found if v.size == dim]
    return Vectors(tuple(i for i, _ in kept), np.stack([v for _, v in kept]).astype(np.float64), models)


def unit_rows(matrix: np.ndarray) -> np.ndarray:
    """Each row scaled to norm 1; zero rows stay zero (so their cosine with anything is 0)."""
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.divide(matrix, norms, out=np.zeros_like(matrix, dtype=np.float64), where=norms > 0)


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine of two vectors, 0 when either is zero."""
    na, nb = float(np.linalg.norm(a)), float(np.linalg.norm(b))
    return 0.0 if na == 0 or nb == 0 else float(np.dot(a, b) / (na * nb))


def cosine_to(matrix: np.ndarray, vector: np.ndarray, unit: bool = False) -> np.ndarray:
    """Cosine of every row with ``vector`` (``unit``: the rows are unit or zero already)."""
    norm = float(np.linalg.norm(vector))
    if norm == 0:
        return np.zeros(matrix.shape[0])
    return (matrix if unit else unit_rows(matrix)) @ (np.asarray(vector, dtype=np.float64) / norm)


def ks_distance(x: np.ndarray, y: np.ndarray) -> float:
    """Two-sample Kolmogorov-Smirnov statistic: the largest gap between the two empirical CDFs (0: the same
    distribution, 1: disjoint ranges). Exact over every sample point, O(n log n)."""
    xs, ys = np.sort(np.asarray(x, dtype=np.float64)), np.sort(np.asarray(y, dtype=np.float64))
    if xs.size == 0 or ys.size == 0:
        raise ValueError("ks_distance needs at least one value on each side")
    grid = np.concatenate([xs, ys])
    gap = np.searchsorted(xs, grid, side="right") / xs.size - np.searchsorted(ys, grid, side="right") / ys.size
    return float(np.max(np.abs(gap)))


@dataclass(frozen=True)
class EmbeddingDrift:
    """Per side: model ids, documents with a vector, mean norm, spread (mean cosine to the side's own centroid: how
    concentrated the cloud is; 1 = every vector points the same way). Across sides (``None`` unless comparable):

    * ``centroid_cosine``: cosine of the two mean vectors; ``centroid_shift_l2``: L2 norm of their difference (the
      per-dimension mean shifts in one number), ``max_dimension_shift`` at ``max_shift_dimension``;
    * kept documents with a vector on both sides: mean and p05 of their old/new cosines, and how many fall below
      ``changed_below``;
    * ``projection_ks``: the distribution-level measure that needs no matching ids. Each side's vectors are
      projected on the served centroid's direction (cosine to it: how typical a document is of the served catalog)
      and the two 1-D distributions compared by their KS distance. It moves when documents of another kind are added
      or texts change throughout, however ids are assigned; a rotation orthogonal to the served centroid escapes it,
      which is what the centroid figures catch.
    """

    served_models: tuple[str, ...]
    new_models: tuple[str, ...]
    model_changed: bool
    comparable: bool
    served_vectors: int
    new_vectors: int
    served_mean_norm: float | None
    new_mean_norm: float | None
    served_spread: float | None
    new_spread: float | None
    centroid_cosine: float | None = None
    centroid_shift_l2: float | None = None
    max_dimension_shift: float | None = None
    max_shift_dimension: int | None = None
    matched: int = 0
    matched_mean_cosine: float | None = None
    matched_p05_cosine: float | None = None
    changed: int | None = None
    changed_below: float = CHANGED_BELOW
    projection_ks: float | None = None

    @property
    def mean_norm_change(self) -> float | None:
        if self.served_mean_norm is None or self.new_mean_norm is None:
            return None
        return self.new_mean_norm - self.served_mean_norm

    @property
    def note(self) -> str | None:
        if self.model_changed:
            return (f"embedding model changed ({', '.join(self.served_models) or 'none'} -> "
                    f"{', '.join(self.new_models) or 'none'}): the biggest drift there is; every vector is in "
                    "another space, so vector comparisons across versions are left out")
        if not self.comparable and self.served_vectors and self.new_vectors:
            return "the versions' vectors differ in dimension or mix models: vector comparisons are left out"
        return None

    def as_dict(self) -> dict[str, Any]:
        return {
            "model": {"served": list(self.served_models), "new": list(self.new_models)},
            "model_changed": self.model_changed, "comparable": self.comparable, "note": self.note,
            "vectors": {"served": self.served_vectors, "new": self.new_vectors},
            "mean_norm": {"served": _round(self.served_mean_norm), "new": _round(self.new_mean_norm),
                          "change": _round(self.mean_norm_change)},
            "spread": {"served": _round(self.served_spread), "new": _round(self.new_spread)},
            "centroid_cosine": _round(self.centroid_cosine), "centroid_shift_l2": _round(self.centroid_shift_l2),
            "max_dimension_shift": _round(self.max_dimension_shift), "max_shift_dimension": self.max_shift_dimension,
            "kept": {"matched": self.matched, "mean_cosine": _round(self.matched_mean_cosine),
                     "p05_cosine": _round(self.matched_p05_cosine), "changed": self.changed,
                     "changed_below": self.changed_below},
            "projection_ks": _round(self.projection_ks),
        }


def _side_figures(vectors: Vectors) -> tuple[float | None, float | None, np.ndarray | None, np.ndarray]:
    """Mean norm, spread, centroid (``None`` without vectors) and unit rows of one side."""
    unit = unit_rows(vectors.matrix)
    if vectors.matrix.shape[0] == 0:
        return None, None, None, unit
    centroid = vectors.matrix.mean(axis=0)
    return (float(np.linalg.norm(vectors.matrix, axis=1).mean()),
            float(cosine_to(unit, centroid, unit=True).mean()), centroid, unit)


def embedding_drift(served: Sequence[DriftRow], new: Sequence[DriftRow],
                    changed_below: float = CHANGED_BELOW) -> EmbeddingDrift:
    old_v, new_v = vectors_of(served), vectors_of(new)
    old_norm, old_spread, old_centroid, old_unit = _side_figures(old_v)
    new_norm, new_spread, new_centroid, new_unit = _side_figures(new_v)
    model_changed = bool(old_v.models and new_v.models and old_v.models != new_v.models)
    comparable = (old_centroid is not None and new_centroid is not None and len(old_v.models) <= 1
                  and old_v.models == new_v.models and old_centroid.size == new_centroid.size)
    base = EmbeddingDrift(old_v.models, new_v.models, model_changed, comparable, len(old_v.ids), len(new_v.ids),
                          old_norm, new_norm, old_spread, new_spread, changed_below=changed_below)
    if not comparable or old_centroid is None or new_centroid is None:
        return base
    shift = new_centroid - old_centroid
    at = int(np.argmax(np.abs(shift)))
    rows = {doc_id: i for i, doc_id in enumerate(old_v.ids)}
    pairs = [(rows[doc_id], j) for j, doc_id in enumerate(new_v.ids) if doc_id in rows]
    mean_cos: float | None = None
    p05_cos: float | None = None
    changed = 0
    if pairs:
        old_at, new_at = (np.array(side) for side in zip(*pairs, strict=True))
        cosines = np.einsum("ij,ij->i", old_unit[old_at], new_unit[new_at])
        mean_cos, p05_cos = float(cosines.mean()), float(np.quantile(cosines, 0.05))
        changed = int(np.count_nonzero(cosines < changed_below))
    projection = ks_distance(np.round(cosine_to(old_unit, old_centroid, unit=True), _TIE_DECIMALS),
                             np.round(cosine_to(new_unit, old_centroid, unit=True), _TIE_DECIMALS))
    return replace(base, centroid_cosine=cosine(old_centroid, new_centroid),
                   centroid_shift_l2=float(np.linalg.norm(shift)), max_dimension_shift=float(shift[at]),
                   max_shift_dimension=at, projection_ks=projection, matched=len(pairs),
                   matched_mean_cosine=mean_cos, matched_p05_cosine=p05_cos, changed=changed)


# -- entities and themes ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Coverage:
    """One kind of entity (or themes) on both sides: share of documents with at least one, distinct values."""

    served_share: float
    new_share: float
    served_distinct: int
    new_distinct: int

    @property
    def delta(self) -> float:
        return self.new_share - self.served_share

    def as_dict(self) -> dict[str, Any]:
        return {"served": _round(self.served_share), "new": _round(self.new_share), "delta": _round(self.delta),
                "distinct": {"served": self.served_distinct, "new": self.new_distinct}}


class Tally(NamedTuple):
    """One side's coverage of some kinds (entity labels, sources, themes): documents, documents holding each kind,
    distinct values of each kind."""

    documents: int
    holding: Counter[str]
    distinct: Counter[str]


def coverage(served: Tally, new: Tally) -> dict[str, Coverage]:
    """Per kind present on either side, sorted by kind."""
    kinds = sorted(set(served.holding) | set(new.holding))
    return {kind: Coverage(_share(served.holding[kind], served.documents), _share(new.holding[kind], new.documents),
                           served.distinct[kind], new.distinct[kind]) for kind in kinds}


# Each tally is a few comprehensions over a side's entities, C-level loops with no call per entity: a side of the
# Netflix catalog holds about 236,000 of them, and a re-index must not wait on its report.


def by_label(rows: Sequence[DriftRow]) -> Tally:
    """Per entity label (PERSON, GPE, ORG, GENRE...: NER and catalog together); distinct: (label, text) pairs."""
    holding = Counter(label for r in rows for label in {e[0] for e in r.entities})
    distinct = Counter(label for label, _ in {(e[0], e[2]) for r in rows for e in r.entities})
    return Tally(len(rows), holding, distinct)


def by_source(rows: Sequence[DriftRow]) -> Tally:
    """Per entity source (``ner``, ``catalog:cast``...): shows NER switched off, which labels alone may hide;
    distinct: (label, source, text) entities."""
    holding = Counter(source for r in rows for source in {e[1] for e in r.entities})
    distinct = Counter(e[1] for e in {e for r in rows for e in r.entities})
    return Tally(len(rows), holding, distinct)


def themes_of(rows: Sequence[DriftRow]) -> Tally:
    """Per theme, plus ``any`` (at least one theme; its distinct values: the distinct themes)."""
    holding = Counter(theme for r in rows for theme in set(r.themes))
    holding["any"] = sum(1 for r in rows if r.themes)
    distinct = Counter(dict.fromkeys(holding, 1))
    distinct["any"] = len(holding) - 1
    return Tally(len(rows), +holding, +distinct)


def _share(count: int, total: int) -> float:
    return count / total if total else 0.0


# -- the report -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentCounts:
    served: int
    new: int
    added: int
    removed: int
    kept: int

    @classmethod
    def of(cls, served_ids: Iterable[str], new_ids: Iterable[str]) -> DocumentCounts:
        old, new = set(served_ids), set(new_ids)
        return cls(len(old), len(new), len(new - old), len(old - new), len(old & new))


@dataclass(frozen=True)
class DriftReport:
    served_index: str
    new_index: str
    documents: DocumentCounts
    embeddings: EmbeddingDrift
    entities: Mapping[str, Coverage] = field(default_factory=dict)
    entity_sources: Mapping[str, Coverage] = field(default_factory=dict)
    themes: Mapping[str, Coverage] = field(default_factory=dict)

    def theme_moves(self, top: int = THEME_MOVES) -> list[tuple[str, Coverage]]:
        """The themes whose share moved most (ties by name), ``any`` left out."""
        moved = [(k, c) for k, c in self.themes.items() if k != "any" and c.delta != 0]
        return sorted(moved, key=lambda kc: (-abs(kc[1].delta), kc[0]))[:top]

    def as_dict(self) -> dict[str, Any]:
        # the ``any`` kind's distinct values are every theme some document has: the distinct theme counts
        any_theme = self.themes.get("any", Coverage(0.0, 0.0, 0, 0))
        themes = {**any_theme.as_dict(), "largest_moves": [{"theme": k, **c.as_dict()} for k, c in self.theme_moves()]}
        return {
            "served": self.served_index, "new": self.new_index,
            "documents": asdict(self.documents),
            "embeddings": self.embeddings.as_dict(),
            "entities": {k: c.as_dict() for k, c in self.entities.items()},
            "entity_sources": {k: c.as_dict() for k, c in self.entity_sources.items()},
            "themes": themes,
        }

    def summary_lines(self) -> list[str]:
        """For people (``marquee reindex`` on stderr); ``as_dict`` is the complete record."""
        d, e = self.documents, self.embeddings
        lines = [f"drift {self.served_index} (served) -> {self.new_index}:",
                 f"  documents: {d.served} served, {d.new} new: {d.added} added, {d.removed} removed, {d.kept} kept"]
        models = "/".join(e.served_models) or "none"
        if e.note:
            lines.append(f"  embeddings: {e.note}")
        else:
            lines.append(f"  embeddings: model {models} on both sides, {e.served_vectors} -> {e.new_vectors} vectors")
        if e.comparable:
            lines.append(f"  centroid cosine {e.centroid_cosine:.4f}, shift L2 {e.centroid_shift_l2:.4f} (largest: "
                         f"dimension {e.max_shift_dimension}, {e.max_dimension_shift:+.4f}); mean norm "
                         f"{e.served_mean_norm:.4f} -> {e.new_mean_norm:.4f}; spread {e.served_spread:.4f} -> "
                         f"{e.new_spread:.4f}; projection KS {e.projection_ks:.4f}")
            if e.matched:
                lines.append(f"  kept with vectors: {e.matched}, cosine mean {e.matched_mean_cosine:.4f}, p05 "
                             f"{e.matched_p05_cosine:.4f}; {e.changed} changed (cosine < {e.changed_below})")
        for title, table in (("entities by label", self.entities), ("entities by source", self.entity_sources)):
            if table:
                lines.append(f"  {title} (documents with >= 1, served -> new; distinct values):")
                width = max(len(k) for k in table)
                lines.extend(f"    {k:<{width}}  {c.served_share:6.1%} -> {c.new_share:6.1%} "
                             f"({c.delta * 100:+.1f} pt); {c.served_distinct} -> {c.new_distinct}"
                             for k, c in table.items())
        any_theme = self.themes.get("any")
        if any_theme is not None:
            moves = ", ".join(f"{k} {c.delta * 100:+.1f} pt" for k, c in self.theme_moves())
            lines.append(f"  themes (documents with >= 1): {any_theme.served_share:.1%} -> {any_theme.new_share:.1%} "
                         f"({any_theme.delta * 100:+.1f} pt)" + (f"; largest moves: {moves}" if moves else ""))
        return lines


def compare(served_index: str, served: Sequence[DriftRow], new_index: str, new: Sequence[DriftRow],
            changed_below: float = CHANGED_BELOW) -> DriftReport:
    """The drift from the served version's documents to the new version's."""
    return DriftReport(
        served_index, new_index, DocumentCounts.of((r.id for r in served), (r.id for r in new)),
        embedding_drift(served, new, changed_below), coverage(by_label(served), by_label(new)),
        coverage(by_source(served), by_source(new)), coverage(themes_of(served), themes_of(new)),
    )


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, _DECIMALS)
