"""The relevance gate: a candidate (index version or model) against what is served, on a judgement list, before
anything is swapped. It refuses when nDCG@10 drops by more than ``max_drop``, or when the paired randomisation
test says the candidate is worse at ``alpha``; the comparison is kept with the job and the version."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass

from marquee.relevance.evaluation import Run
from marquee.relevance.experiments.compare import compare_runs

GATE_METRIC = "ndcg@10"
DEFAULT_MAX_DROP = 0.01
DEFAULT_ALPHA = 0.05


@dataclass(frozen=True)
class GateResult:
    judgments: str
    metric: str
    queries: int
    served: float
    candidate: float
    delta: float
    p_randomisation: float
    wins_ties_losses: tuple[int, int, int]
    max_drop: float
    alpha: float
    passed: bool
    reason: str

    def to_dict(self) -> dict[str, object]:
        return {**asdict(self), "wins_ties_losses": list(self.wins_ties_losses)}


def relevance_gate(
    served: Run,
    candidate: Run,
    qrels: Mapping[str, Mapping[str, float]],
    judgments: str,
    *,
    max_drop: float = DEFAULT_MAX_DROP,
    alpha: float = DEFAULT_ALPHA,
) -> GateResult:
    """Compare ``candidate`` with ``served`` on ``qrels``; ``passed`` says whether the swap may go ahead."""
    if max_drop < 0:
        raise ValueError(f"max_drop must be >= 0, got {max_drop}")
    graded = {q: {d: int(g) for d, g in docs.items()} for q, docs in qrels.items()}
    row = compare_runs(graded, served, candidate, metrics=(GATE_METRIC,)).metric(GATE_METRIC)
    delta = row.mean_b - row.mean_a
    if delta < -max_drop:
        passed, reason = False, f"{GATE_METRIC} drops by {-delta:.4f}, more than the {max_drop} allowed"
    elif delta < 0 and row.randomisation_p < alpha:
        passed, reason = False, f"{GATE_METRIC} is worse (p = {row.randomisation_p:.4f} < {alpha})"
    else:
        passed, reason = True, f"{GATE_METRIC} {row.mean_a:.4f} -> {row.mean_b:.4f} ({delta:+.4f})"
    return GateResult(judgments, GATE_METRIC, row.wins + row.ties + row.losses, round(row.mean_a, 4),
                      round(row.mean_b, 4), round(delta, 4), round(row.randomisation_p, 4),
                      (row.wins, row.ties, row.losses), max_drop, alpha, passed, reason)
