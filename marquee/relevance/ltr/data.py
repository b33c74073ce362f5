"""Training data for the reranker: the hybrid top-k candidates of each query, featurised by the serving
feature registry (:mod:`marquee.search.features`) and labelled from qrels (unjudged = 0)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from marquee.relevance.ltr.personas import Persona, personal_grades, personas_for
from marquee.search.backends.base import Filters
from marquee.search.features import FEATURES, PROFILE_COLUMNS, FeatureExtractor, Preference, profile_features
from marquee.search.fusion import FusedHit, FusionSpec
from marquee.search.recommendations.profiles import Profile
from marquee.search.request import SearchRequest
from marquee.search.retrieval import Candidates, Retriever
from marquee.search.service import SearchService

DEFAULT_DEPTH = 100


@dataclass(frozen=True)
class RankingData:
    """Rows grouped by query, in ``qids`` order; ``groups[i]`` rows belong to ``qids[i]``. ``topics[i]``: the
    judged query group ``i`` is of (a simulated viewer's group of a query shares its topic with the query's own, so
    cross-validation never splits them); empty means each group is its own topic."""

    features: np.ndarray
    labels: np.ndarray
    groups: np.ndarray
    qids: tuple[str, ...]
    doc_ids: tuple[str, ...]
    feature_names: tuple[str, ...] = FEATURES
    topics: tuple[str, ...] = ()

    def topic_of_groups(self) -> tuple[str, ...]:
        return self.topics or self.qids

    def fingerprint(self) -> str:
        """sha256 of features, labels, groups and ids: which data a saved model was trained on."""
        digest = hashlib.sha256()
        digest.update("\x1f".join(self.feature_names).encode())
        digest.update(np.ascontiguousarray(self.features, dtype=np.float64).tobytes())
        digest.update(np.ascontiguousarray(self.labels, dtype=np.float64).tobytes())
        digest.update(np.ascontiguousarray(self.groups, dtype=np.int64).tobytes())
        digest.update("\x1f".join(self.qids).encode())
        digest.update("\x1f".join(self.doc_ids).encode())
        return digest.hexdigest()

    def query_slices(self) -> list[slice]:
        ends = np.cumsum(self.groups)
        return [slice(int(e - g), int(e)) for g, e in zip(self.groups, ends, strict=True)]


def build_ranking_data(
    retriever: Retriever,
    index: str,
    queries: Mapping[str, str],
    qrels: Mapping[str, Mapping[str, int]],
    depth: int = DEFAULT_DEPTH,
    fusion: FusionSpec | None = None,
    extractor: FeatureExtractor | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> RankingData:
    """One group per judged query with at least one candidate, in sorted query-id order (deterministic).

    Negative grades are clipped to 0: lambdarank needs non-negative integer labels."""
    extractor = extractor or FeatureExtractor(retriever.backend)
    rows = _Rows()
    judged = sorted(qid for qid in qrels if qid in queries)
    for done, qid in enumerate(judged, start=1):
        text = queries[qid]
        hits = retriever.retrieve(index, "hybrid", text, Filters(), depth, fusion).fused[:depth]
        if hits:
            vector = retriever.queries.encode(text)
            rows.add(qid, hits, extractor.compute(index, text, hits, vector, raw_query=text), qrels[qid])
        if progress is not None:
            progress(done, len(judged))
    return rows.data()


class _Rows:
    """Feature blocks, labels and groups, one query at a time, into :class:`RankingData`."""

    def __init__(self) -> None:
        self.blocks: list[np.ndarray] = []
        self.labels: list[int] = []
        self.groups: list[int] = []
        self.qids: list[str] = []
        self.doc_ids: list[str] = []
        self.topics: list[str] = []

    def add(self, qid: str, hits: Sequence[FusedHit], features: np.ndarray, grades: Mapping[str, float],
            topic: str | None = None) -> None:
        self.blocks.append(features)
        self.labels.extend(max(0, int(grades.get(h.id, 0))) for h in hits)  # lambdarank: labels >= 0
        self.groups.append(len(hits))
        self.qids.append(qid)
        self.topics.append(topic or qid)
        self.doc_ids.extend(h.id for h in hits)

    def data(self) -> RankingData:
        features = np.vstack(self.blocks) if self.blocks else np.zeros((0, len(FEATURES)))
        topics = tuple(self.topics) if self.topics != self.qids else ()
        return RankingData(features, np.asarray(self.labels, dtype=np.float64),
                           np.asarray(self.groups, dtype=np.int64), tuple(self.qids), tuple(self.doc_ids),
                           topics=topics)


class CandidateRecorder:
    """A reranker that reorders nothing and keeps what the served reranker would have been given: training on
    the served candidates (after query understanding, with its filters and preferences) is training == serving."""

    def __init__(self) -> None:
        self.seen: tuple[str, list[FusedHit], tuple[Preference, ...]] | None = None

    def rerank(self, request: SearchRequest, text: str, candidates: Candidates, index: str,
               preferences: Sequence[Preference] = (), profile: Profile | None = None) -> list[FusedHit]:
        self.seen = (text, list(candidates.fused), tuple(preferences))
        return list(candidates.fused)


def build_served_ranking_data(
    service: SearchService,
    queries: Mapping[str, str],
    qrels: Mapping[str, Mapping[str, float]],
    depth: int = DEFAULT_DEPTH,
    progress: Callable[[int, int], None] | None = None,
    judged_only: bool = False,
    personas: Sequence[Persona] = (),
    personas_per_query: int = 0,
    persona_seed: int = 0,
) -> RankingData:
    """Like :func:`build_ranking_data`, over what ``service`` serves: each judged query goes through the service
    (understanding, filters, retrieval, fusion) to the point where ``rerank=ltr`` would run, and the candidates and
    preferences it would rerank are featurised. Queries the service answers without reranking (a browse: every
    word was understood as a filter) are left out, as serving leaves them out. ``judged_only`` keeps only the
    candidates the list grades: for click judgements, whose silence about a document means it was not shown
    often enough, not that it is irrelevant.

    ``personas``: simulated viewers (:mod:`marquee.relevance.ltr.personas`); each query also gets a group per
    persona who issues it (``personas_per_query`` of them), ``qid~client``: the same candidates with that viewer's
    profile features and grades shifted by their taste, so the model learns what a profile is worth."""
    recorder = CandidateRecorder()
    recording = SearchService(service.backend, service.retriever, service.config, understander=service.understander,
                              rerankers={"ltr": recorder})
    index = service.served_index()
    extractor = FeatureExtractor(service.backend)
    rows = _Rows()
    judged = sorted(qid for qid in qrels if qid in queries)
    for done, qid in enumerate(judged, start=1):
        recorder.seen = None
        recording.search(SearchRequest(q=queries[qid], size=10, rerank="ltr", facets=False))
        text, fused, preferences = recorder.seen or ("", [], ())
        hits = [h for h in fused[:depth] if not judged_only or h.id in qrels[qid]]
        if hits:
            vector = service.retriever.queries.encode(text)
            features = extractor.compute(index, text, hits, vector, raw_query=queries[qid], preferences=preferences)
            rows.add(qid, hits, features, qrels[qid])
            issuing = personas_for(qid, personas, personas_per_query, persona_seed) if personas else []
            if issuing:
                ids = [h.id for h in hits]
                stored = service.backend.get_documents(index, ids, with_vectors=True)
                docs = [stored.get(i, {}) for i in ids]
                genres = {i: list(stored.get(i, {}).get("genres") or []) for i in ids}
            for persona in issuing:
                personal = features.copy()
                personal[:, PROFILE_COLUMNS] = profile_features(docs, persona.profile)
                rows.add(f"{qid}~{persona.taste.client_id}", hits, personal,
                         personal_grades(persona.taste, qrels[qid], genres, ids), topic=qid)
        if progress is not None:
            progress(done, len(judged))
    return rows.data()
