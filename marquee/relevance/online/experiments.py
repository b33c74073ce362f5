"""Experiment use cases, one function per operation, called alike by ``marquee experiments`` and the admin API
(``/admin/experiments``): create (validated, with its power analysis), list, show, stop, report."""

from __future__ import annotations

import re
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from marquee.relevance.online.power import power_analysis
from marquee.relevance.online.reports import report
from marquee.search.experiments import Arm, Experiment, ExperimentError, Ranker, validate_arms
from marquee.storage.experiments import ExperimentStore

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


@dataclass(frozen=True)
class ExperimentSpec:
    """What a creator states: ``baseline_ctr`` and ``mde`` feed the power analysis (defaults when None)."""

    kind: str
    arms: Sequence[Arm]
    id: str | None = None
    description: str = ""
    baseline_ctr: float | None = None
    mde: float | None = None
    alpha: float = 0.05
    power: float = 0.8


def create_experiment(store: ExperimentStore, spec: ExperimentSpec,
                      rerankers: Collection[str] | None = None) -> Experiment:
    """Validate, compute the fixed horizon, store as running. ``rerankers``: the rerankers the server has loaded
    (an arm asking for one it lacks would fail every search it serves); None: not checked (the CLI, offline)."""
    experiment_id = spec.id or f"exp-{uuid.uuid4().hex[:12]}"
    if not ID_PATTERN.match(experiment_id):
        raise ExperimentError("invalid_id", "id", "1 to 64 of a-z, 0-9, - and _, starting with a letter or digit")
    arms = validate_arms(spec.kind, spec.arms)
    if rerankers is not None:
        for i, arm in enumerate(arms):
            wanted = arm.ranker.get("rerank")
            if isinstance(wanted, str) and wanted != "none" and wanted not in rerankers:
                raise ExperimentError("unavailable_reranker", f"arms[{i}].ranker.rerank",
                                      f"no {wanted} model is served")
    analysis = power_analysis(spec.kind, len(arms), spec.baseline_ctr, spec.mde, spec.alpha, spec.power)
    return store.create(Experiment(experiment_id, spec.kind, arms, power=analysis, description=spec.description))


def list_experiments(store: ExperimentStore) -> list[Experiment]:
    return store.all()


def show_experiment(store: ExperimentStore, experiment_id: str) -> dict[str, object]:
    """The definition, its power analysis and its history of changes."""
    return {**store.get(experiment_id).to_dict(), "history": store.history(experiment_id)}


def stop_experiment(store: ExperimentStore, experiment_id: str, comment: str = "") -> Experiment:
    return store.stop(experiment_id, comment)


def experiment_report(store: ExperimentStore, experiment_id: str, seed: int = 0) -> dict[str, object]:
    experiment = store.get(experiment_id)
    return report(experiment, store.outcomes(experiment_id), store.excluded(experiment_id),
                  store.unattributed(experiment_id), seed)


def arm_from(name: str, ranker: Ranker, share: float | None, count: int) -> Arm:
    """An arm as a creator writes it; an omitted share is an equal split."""
    return Arm(name, dict(ranker), 1.0 / count if share is None else share)
