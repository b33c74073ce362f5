"""Turn a fitted click model into a stored judgement list (``source=click_model``, parameters kept)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path

from marquee.relevance.clicks.models import CLICK_MODELS, fit_click_model
from marquee.relevance.clicks.models.base import ClickModelFit
from marquee.relevance.clicks.store import EventStore
from marquee.relevance.judgments.models import Judgment, WriteReport
from marquee.relevance.judgments.store import JudgmentStore
from marquee.storage import Database

CLICK_SCALE = (0.0, 3.0)


def store_click_judgments(
    store: JudgmentStore,
    list_name: str,
    fit: ClickModelFit,
    *,
    min_impressions: int = 1,
    known_doc_ids: Collection[str] | None = None,
    description: str | None = None,
    evidence: Mapping[str, object] | None = None,
) -> WriteReport:
    """Write the fit's 0..3 grades into ``list_name`` (created on the 0..3 scale if absent).

    The model name, its hyper-parameters and learned global parameters, the grade thresholds,
    ``min_impressions`` and the ``evidence`` read (event and session counts, time window) are stored as the
    write's provenance, so a list can always say where it came from. Nothing is written without a grade.
    """
    if min_impressions < 1:
        raise ValueError(f"min_impressions must be >= 1, got {min_impressions}")
    grades = fit.grades(min_impressions)
    if not any(grades.values()):
        raise ValueError(f"no (query, document) pair was shown {min_impressions} times or more: nothing to grade")
    judgments = [Judgment(query, doc, grade, rater=fit.model)
                 for query, docs in sorted(grades.items()) for doc, grade in sorted(docs.items())]
    params = {"model": fit.model, **fit.params, "thresholds": list(fit.thresholds), "min_impressions": min_impressions,
              "evidence": dict(evidence or {})}
    with store.transaction():  # the list and its grades together, or neither
        store.create_list(list_name, description if description is not None else f"{fit.model} click model",
                          CLICK_SCALE, exist_ok=True)
        return store.add_judgments(list_name, judgments, source="click_model", detail=fit.model, params=params,
                                   known_doc_ids=known_doc_ids, strict=True)


def judge_from_events(
    database: Database | Path,
    list_name: str,
    model: str,
    *,
    min_impressions: int = 1,
    since: str | None = None,
) -> tuple[WriteReport, dict[str, object]]:
    """The use case behind ``marquee judgments from-clicks`` and its admin job: read the event store (from
    ``since``, a time the server received events at), fit ``model``, write its grades into ``list_name``.

    Returns the write report and the evidence read. Raises ``ValueError`` (nothing written) for an unknown
    model, an empty store or window, or no pair shown ``min_impressions`` times."""
    if model not in CLICK_MODELS:
        raise ValueError(f"unknown click model {model!r}; valid: {', '.join(sorted(CLICK_MODELS))}")
    with EventStore(database) as events:
        sessions = events.sessions(since=since)
        evidence = events.window(since)
    if not sessions:
        window = f" received since {since}" if since else ""
        raise ValueError(f"the event store holds no searches with impressions{window}: nothing to learn from")
    fit = fit_click_model(model, sessions)
    evidence["pages"] = len(sessions)
    with JudgmentStore(database) as store:
        report = store_click_judgments(store, list_name, fit, min_impressions=min_impressions, evidence=evidence)
    return report, evidence
