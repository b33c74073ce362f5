"""Turn a fitted click model into a stored judgement list (``source=click_model``, parameters kept)."""

from __future__ import annotations

from collections.abc import Collection

from marquee.relevance.clicks.models.base import ClickModelFit
from marquee.relevance.judgments.models import Judgment, WriteReport
from marquee.relevance.judgments.store import JudgmentStore

CLICK_SCALE = (0.0, 3.0)


def store_click_judgments(
    store: JudgmentStore,
    list_name: str,
    fit: ClickModelFit,
    *,
    min_impressions: int = 1,
    known_doc_ids: Collection[str] | None = None,
    description: str | None = None,
) -> WriteReport:
    """Write the fit's 0..3 grades into ``list_name`` (created on the 0..3 scale if absent).

    The model name, its hyper-parameters and learned global parameters, the grade thresholds and
    ``min_impressions`` are stored as the write's provenance, so a list can always say where it came from.
    """
    if min_impressions < 1:
        raise ValueError(f"min_impressions must be >= 1, got {min_impressions}")
    store.create_list(list_name, description if description is not None else f"{fit.model} click model",
                      CLICK_SCALE, exist_ok=True)
    grades = fit.grades(min_impressions)
    judgments = [Judgment(query, doc, grade, rater=fit.model)
                 for query, docs in sorted(grades.items()) for doc, grade in sorted(docs.items())]
    params = {"model": fit.model, **fit.params, "thresholds": list(fit.thresholds), "min_impressions": min_impressions}
    return store.add_judgments(list_name, judgments, source="click_model", detail=fit.model, params=params,
                               known_doc_ids=known_doc_ids, strict=True)
