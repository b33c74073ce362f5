"""Online experiments as serving sees them: arms, rankers, and which arm a viewer is in.

Why this lives in ``search/``: serving reads a running experiment on every search and must not import
``relevance/`` (DESIGN.md). So the experiment's shape, its validation and the assignment are here, as plain data
and pure functions; the SQLite store (``storage/experiments.py``) keeps them, and ``relevance/online`` reports.

A **ranker** is a served configuration written as ``/search`` parameters (``{"pipeline": "bm25",
"understand": false}``): only the parameters that change how a page is ranked, applied over the request a viewer
sent and validated by :class:`SearchRequest` itself, the same check every ``/search`` goes through, so an arm
can never name a configuration ``/search`` would refuse. An empty ranker is whatever ``/search`` serves by default.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from marquee.search.errors import SearchError
from marquee.search.fusion import FusionSpec, fusion_from_dict
from marquee.search.request import SearchRequest

AB, INTERLEAVING = "ab", "interleaving"
KINDS = (AB, INTERLEAVING)
RUNNING, STOPPED = "running", "stopped"
SHARE_TOLERANCE = 1e-6
MAX_ARMS = 8
# What a ranker may set: the request fields that decide the ranking, with the JSON type each takes.
RANKER_FIELDS: dict[str, type] = {"pipeline": str, "rerank": str, "understand": bool, "spellcheck": bool,
                                  "rules": str, "fusion": dict, "personalize": bool}
RankerValue = str | bool | int | float | Sequence[float] | Mapping[str, object]
Ranker = Mapping[str, RankerValue]


class ExperimentError(SearchError):
    """An experiment that cannot be created or changed as given; ``field`` names where (``arms[1].ranker.pipeline``)."""

    def __init__(self, code: str, field_path: str, message: str) -> None:
        super().__init__(code, f"{field_path}: {message}" if field_path else message)
        self.field = field_path


class ExperimentConflict(ExperimentError):
    """The change conflicts with the current state: another experiment runs on the same traffic, or this one
    is already stopped, or its id is taken."""


class ExperimentNotFound(ExperimentError):
    """No experiment has that id."""


@dataclass(frozen=True)
class Arm:
    name: str
    ranker: Ranker = field(default_factory=dict)
    share: float = 0.5

    def to_dict(self) -> dict[str, object]:
        return {"name": self.name, "ranker": dict(self.ranker), "share": self.share}


@dataclass(frozen=True)
class Experiment:
    """``power``: the fixed-horizon analysis made at creation (what sample the verdict waits for)."""

    id: str
    kind: str
    arms: tuple[Arm, ...]
    status: str = RUNNING
    created_at: str = ""
    stopped_at: str | None = None
    power: Mapping[str, object] = field(default_factory=dict)
    description: str = ""

    @property
    def running(self) -> bool:
        return self.status == RUNNING

    def arm(self, name: str) -> Arm:
        return next(a for a in self.arms if a.name == name)

    def to_dict(self) -> dict[str, object]:
        return {"id": self.id, "kind": self.kind, "status": self.status, "description": self.description,
                "arms": [a.to_dict() for a in self.arms], "created_at": self.created_at,
                "stopped_at": self.stopped_at, "power": dict(self.power)}


def apply_ranker(request: SearchRequest, ranker: Ranker, where: str = "ranker") -> SearchRequest:
    """``request`` with the ranker's parameters set, checked as any ``/search`` request is (``SearchRequest``)."""
    values: dict[str, object] = {}
    for name, value in ranker.items():
        path = f"{where}.{name}"
        kind = RANKER_FIELDS.get(name)
        if kind is None:
            raise ExperimentError("unknown_ranker_parameter", path,
                                  f"not a ranking parameter of /search; valid: {', '.join(RANKER_FIELDS)}")
        if kind is dict:
            values[name] = _fusion(value, path)
        elif not isinstance(value, kind) or (kind is str and isinstance(value, bool)):
            raise ExperimentError("invalid_ranker", path, f"must be a {'boolean' if kind is bool else 'string'}")
        else:
            values[name] = value
    try:
        return replace(request, **values)  # type: ignore[arg-type]  # names and types checked above
    except SearchError as exc:
        raise ExperimentError("invalid_ranker", where, exc.message) from None


def _fusion(value: object, path: str) -> FusionSpec:
    if not isinstance(value, Mapping):
        raise ExperimentError("invalid_ranker", path, "must be an object such as tune-fusion prints")
    try:
        return fusion_from_dict(dict(value))
    except (ValueError, TypeError) as exc:
        raise ExperimentError("invalid_ranker", path, str(exc)) from None


def validate_arms(kind: str, arms: Sequence[Arm]) -> tuple[Arm, ...]:
    """The arms as they will be stored, or the first problem with its field. Interleaving shows both rankers on
    every page, so its shares are 0.5 each whatever was given (the coin of team draft decides, not a split)."""
    if kind not in KINDS:
        raise ExperimentError("invalid_kind", "kind", f"unknown kind {kind!r}; valid: {', '.join(KINDS)}")
    if len(arms) < 2:
        raise ExperimentError("too_few_arms", "arms", f"an experiment compares at least 2 arms, got {len(arms)}")
    if kind == INTERLEAVING and len(arms) != 2:
        raise ExperimentError("invalid_arms", "arms", f"interleaving merges exactly 2 rankers, got {len(arms)}")
    if len(arms) > MAX_ARMS:
        raise ExperimentError("invalid_arms", "arms", f"at most {MAX_ARMS} arms")
    names = [a.name for a in arms]
    for i, arm in enumerate(arms):
        if not arm.name or len(arm.name) > 40 or not arm.name.replace("-", "").replace("_", "").isalnum():
            raise ExperimentError("invalid_arm_name", f"arms[{i}].name", "1 to 40 letters, digits, - or _")
        if arm.name in names[:i]:
            raise ExperimentError("duplicate_arm", f"arms[{i}].name", f"{arm.name!r} names two arms")
        apply_ranker(SearchRequest(), arm.ranker, f"arms[{i}].ranker")
        if kind == AB and not (math.isfinite(arm.share) and 0 < arm.share <= 1):
            raise ExperimentError("invalid_share", f"arms[{i}].share", f"must be in (0, 1], got {arm.share}")
    if kind == INTERLEAVING:
        return tuple(replace(a, share=0.5) for a in arms)
    total = sum(a.share for a in arms)
    if abs(total - 1.0) > SHARE_TOLERANCE:
        raise ExperimentError("invalid_shares", "arms", f"shares must sum to 1, they sum to {total:g}")
    return tuple(arms)


def bucket(salt: str, client_id: str) -> float:
    """A stable point in [0, 1) for ``client_id``, salted by the experiment id so two experiments split the same
    viewers independently (a viewer in arm B of one is not thereby in arm B of the next)."""
    digest = hashlib.sha256(f"{salt}\x00{client_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2 ** 64


def assign(experiment: Experiment, client_id: str | None) -> Arm | None:
    """The A/B arm of ``client_id``: the arm whose share interval holds its bucket. None without a client id
    (an anonymous request cannot be kept in one arm across its searches, so it is not in the experiment)."""
    if not client_id:
        return None
    point, edge = bucket(experiment.id, client_id), 0.0
    for arm in experiment.arms:
        edge += arm.share
        if point < edge:
            return arm
    return experiment.arms[-1]  # shares sum to 1 within SHARE_TOLERANCE: the rounding gap goes to the last arm
