"""Hybrid score fusion with OpenSearch neural-search semantics, computed identically for every backend.

Why our own code: the embedded engine has no search pipelines, and even with OpenSearch we want one
implementation whose every sub-score ``explain`` can show. So this module reproduces, operation by
operation, what neural-search's ``normalization-processor`` and ``score-ranker-processor`` do, read from
``opensearch-project/neural-search`` at commit 936d3c4d7feba5a499dd9c67f7a8e4dccb818151 (2026-08-04),
``src/main/java/org/opensearch/neuralsearch/processor/``:

- ``normalization/MinMaxScoreNormalizationTechnique.java``: per sub-query ``(s - min) / (max - min)``.
  ``max`` starts at ``Float.MIN_VALUE`` (the smallest *positive* float, 2**-149), so a list of all-negative
  scores uses ``max = 2**-149``. A score equal to both min and max (single hit, or all hits tied) gets 1.0.
  A result of exactly 0.0 (the minimum of the list) becomes ``MIN_SCORE = 0.001f`` so the hit still counts;
  hence all-zero lists give 0.001 (not 1.0, since ``max`` was lifted to 2**-149). ``lower_bounds`` /
  ``upper_bounds`` parameters are not reproduced (their default is "disabled", which is what we do).
- ``normalization/L2ScoreNormalizationTechnique.java``: ``s / sqrt(sum of s**2)`` over that sub-query's
  returned hits only; the sum of squares is accumulated in float32 in rank order; a zero norm gives 0.0.
  Negative scores stay negative.
- ``normalization/ZScoreNormalizationTechnique.java``: mean and standard deviation from Apache
  commons-math3 3.6.1 ``DescriptiveStatistics`` (double precision, two-pass mean with correction,
  *sample* standard deviation with n - 1, 0.0 for a single value), each cast to float. Then, in this order:
  a score equal to the mean returns the sub-query's *raw maximum score* (so a single hit, or all-tied hits,
  keep their raw score, and with scores [1, 2, 3] the middle hit scores 3.0, above the top hit's 1.0 -- an
  OpenSearch quirk we reproduce, not fix); a zero standard deviation returns the raw minimum; otherwise
  ``(s - mean) / std``, and any result <= 0 becomes 0.001. OpenSearch only allows ``arithmetic_mean`` with
  ``z_score`` (``ScoreNormalizationFactory.isTechniquesCompatible``), and so does :class:`FusionSpec`.
- ``combination/ScoreCombiner.java``: a document missing from a sub-query's list has 0.0 there (a fresh
  ``float[]``), and what each combiner does with that 0.0 differs:
  ``ArithmeticMeanScoreCombinationTechnique`` keeps scores ``>= 0`` -- a missing document *counts* with
  score 0 and its weight stays in the denominator (only negative scores are skipped):
  ``sum(w_i * s_i) / sum(w_i)``. ``GeometricMeanScoreCombinationTechnique`` and
  ``HarmonicMeanScoreCombinationTechnique`` skip scores ``<= 0`` *and their weights*:
  ``exp(sum(w_i * ln s_i) / sum(w_i))`` and ``sum(w_i) / sum(w_i / s_i)`` over the present sub-queries
  only, so a document found by one sub-query keeps that sub-query's normalised score unchanged.
  All of them return 0.0 when nothing is left.
- ``combination/ScoreCombinationUtil.java``: weights are floats, each in [0.0, 1.0], and their float sum
  must equal 1.0 within 0.01 (else the pipeline is rejected); omitted weights mean 1.0 for every sub-query;
  a non-empty weight list whose length differs from the number of sub-queries is an error.
- ``normalization/RRFNormalizationTechnique.java`` + ``combination/RRFScoreCombinationTechnique.java``
  (``score-ranker-processor``): each hit gets ``1 / (rank_constant + rank)`` with rank starting at 1,
  computed as a ``BigDecimal`` rounded HALF_UP to 10 decimal places and then converted to float; the
  combination sums ``weight * score`` over sub-queries (weights from the same ``ScoreCombinationUtil``,
  default 1.0), missing documents contributing nothing. ``rank_constant`` must be in [1, 10000].

Arithmetic is done in float32 wherever Java uses ``float`` (and in double where Java widens, e.g.
``Math.log``/``Math.exp`` and the commons-math statistics), so our scores match OpenSearch's bit for bit
in the cases we cross-checked. We round after every single float operation; for +, -, *, / and sqrt a
double-then-float rounding equals a direct float32 operation, because double has more than 2*24+2 bits.

Where we deliberately differ from OpenSearch:

- Ordering: OpenSearch sorts the fused list by score only (``Float.compare`` descending, stable over a
  ``HashMap`` of Lucene doc ids, i.e. ties fall in internal doc-id order, which is not meaningful to
  users). We sort by score descending, then document id ascending, so results are deterministic.
- We return the whole union of the lists; OpenSearch trims it to the shard's total hit count, which
  is never smaller than that union for a single shard.
- A weight-count mismatch is raised at once; OpenSearch only notices while combining a document, so an
  empty result would not raise there.
- ``FusionSpec.weights = ()`` stands for "weights omitted" (1.0 each). OpenSearch rejects an explicit
  empty list (its sum is not 1.0), but omitting the parameter is the same as our ``()``.
- With ``method="rrf"`` the weights apply exactly as ``combination.parameters.weights`` of the
  score-ranker-processor: the default ``(0.5, 0.5)`` halves every RRF score compared with an unweighted
  score-ranker-processor (same ranking); pass ``weights=()`` for the unweighted sums.
- NaN or infinite raw scores and duplicate ids inside one list are rejected (Lucene never produces them).

Scores come in as the raw backend scores. For OpenSearch parity the vector list must carry OpenSearch's
k-NN score (for cosine similarity that is ``(1 + cos) / 2``), not the raw cosine: min_max and z_score are
unaffected by that affine change, l2 is not.
"""

from __future__ import annotations

import dataclasses
import json
import math
import struct
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from types import MappingProxyType
from typing import Any, NamedTuple

import numpy as np

METHODS = ("normalization", "rrf")
NORMALIZATIONS = ("min_max", "l2", "z_score")
COMBINATIONS = ("arithmetic_mean", "geometric_mean", "harmonic_mean")

# Constants as Java declares them (float literals rounded to float32 where Java uses `f`).
FLOAT_MIN_VALUE = 2.0**-149  # java.lang.Float.MIN_VALUE, the smallest positive float
FLOAT_MAX_VALUE = float(np.finfo(np.float32).max)
MIN_MAX_FLOOR = float(np.float32(0.001))  # MinMax/ZScore MIN_SCORE = 0.001f
SINGLE_RESULT_SCORE = 1.0
WEIGHT_SUM_TOLERANCE = float(np.float32(0.01))  # ScoreCombinationUtil.DELTA_FOR_WEIGHTS_ASSERTION = 0.01f
RANK_CONSTANT_RANGE = (1, 10_000)
RRF_DECIMALS = 10  # BigDecimal.divide(..., 10, RoundingMode.HALF_UP)
# Pairs OpenSearch accepts (ScoreNormalizationFactory.COMBINATION_TECHNIQUE_FOR_NORMALIZATION_METHODS).
COMPATIBLE_COMBINATIONS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {"min_max": COMBINATIONS, "l2": COMBINATIONS, "z_score": ("arithmetic_mean",)}
)


class FusedHit(NamedTuple):
    """One fused document with everything ``explain`` needs.

    ``sub_scores``, ``normalized`` and ``ranks`` follow the sub-query order (lexical first, vector
    second); ``None`` means the document was absent from that list (it counted as 0.0 when combining).
    For RRF ``normalized`` holds each list's ``1 / (rank_constant + rank)``.
    """

    id: str
    score: float
    sub_scores: tuple[float | None, ...]
    normalized: tuple[float | None, ...]
    ranks: tuple[int | None, ...]


def _choices(names: Sequence[str]) -> str:
    return ", ".join(names)


def _check_weights(weights: Sequence[float]) -> tuple[float, ...]:
    """ScoreCombinationUtil.validateWeights: each weight in [0, 1], float sum within 0.01 of 1.0.

    An empty tuple is allowed and means "weights omitted": 1.0 for every sub-query.
    """
    try:
        values = tuple(float(w) for w in weights)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"weights must be numbers, got {weights!r}") from exc
    if not values:
        return values
    as_float = [_f32(w) for w in values]  # List<Double> -> Double::floatValue
    if any(not 0.0 <= w <= 1.0 for w in as_float):  # NaN fails both comparisons, as in Range.contains
        raise ValueError(f"all weights must be in range [0.0 ... 1.0], submitted weights: {list(values)}")
    total = 0.0
    for w in as_float:  # stream().reduce(0.0f, Float::sum)
        total = _f32(total + w)
    if not abs(1.0 - total) <= WEIGHT_SUM_TOLERANCE:  # DoubleMath.fuzzyEquals(1.0f, sum, 0.01f)
        raise ValueError(f"sum of weights for combination must be equal to 1.0, submitted weights: {list(values)}")
    return values


@dataclass(frozen=True)
class FusionSpec:
    """How to fuse the lexical and vector lists.

    ``method`` is ``normalization`` (OpenSearch normalization-processor: ``normalization`` then
    ``combination`` with ``weights`` in sub-query order: lexical first, vector second) or ``rrf``
    (score-ranker-processor with ``rank_constant``, and the same ``weights``; ``()`` = unweighted).
    Invalid values raise ``ValueError`` at construction, as OpenSearch rejects the pipeline.
    """

    method: str = "normalization"
    normalization: str = "min_max"
    combination: str = "arithmetic_mean"
    weights: tuple[float, ...] = (0.5, 0.5)
    rank_constant: int = 60

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"unknown fusion method {self.method!r}; valid choices: {_choices(METHODS)}")
        if self.normalization not in NORMALIZATIONS:
            raise ValueError(f"unknown normalization {self.normalization!r}; valid choices: {_choices(NORMALIZATIONS)}")
        if self.combination not in COMBINATIONS:
            raise ValueError(f"unknown combination {self.combination!r}; valid choices: {_choices(COMBINATIONS)}")
        allowed = COMPATIBLE_COMBINATIONS[self.normalization]
        if self.method == "normalization" and self.combination not in allowed:
            raise ValueError(
                f"combination {self.combination!r} is not supported with normalization {self.normalization!r}"
                f" (as in OpenSearch); valid choices: {_choices(allowed)}"
            )
        object.__setattr__(self, "weights", _check_weights(self.weights))
        _check_rank_constant(self.rank_constant)


def fusion_from_json(text: str) -> FusionSpec:
    """A spec from the ``"fusion"`` object ``marquee tune-fusion`` and ``marquee evaluate --json`` print, so a
    setting found by tuning is deployed by pasting it (``MARQUEE_FUSION``). Missing keys keep their defaults."""
    try:
        values = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"fusion must be a JSON object such as tune-fusion prints: {exc}") from exc
    if not isinstance(values, dict):
        raise ValueError("fusion must be a JSON object such as tune-fusion prints")
    return fusion_from_dict(values)


def fusion_from_dict(values: Mapping[str, Any]) -> FusionSpec:
    """A spec from that object once parsed (an LTR model's metadata records it so); FusionSpec checks values."""
    unknown = sorted(set(values) - {f.name for f in dataclasses.fields(FusionSpec)})
    if unknown:
        raise ValueError(f"unknown fusion keys {unknown}")
    if "weights" in values and not isinstance(values["weights"], list | tuple):
        raise ValueError("fusion weights must be a list of numbers")  # a string would pass as its characters
    return FusionSpec(**values)


def _check_rank_constant(rank_constant: int) -> None:
    low, high = RANK_CONSTANT_RANGE
    if isinstance(rank_constant, bool) or not isinstance(rank_constant, int) or not low <= rank_constant <= high:
        raise ValueError(
            f"rank constant must be an integer in the interval between {low} and {high},"
            f" submitted rank constant: {rank_constant!r}"
        )


# -- float32 arithmetic --------------------------------------------------------------------------------


_FLOAT32 = struct.Struct("<f")
_PACK, _UNPACK = _FLOAT32.pack, _FLOAT32.unpack
_BITS = struct.Struct("<I")


def _f32(x: float) -> float:
    """Round a double to the nearest float32 (what a Java ``float`` assignment or cast does).

    ``struct`` does the C cast, round-to-nearest-even, three times faster than ``np.float32`` here.
    """
    try:
        return _UNPACK(_PACK(x))[0]
    except OverflowError:  # beyond float range: Java gives an infinity
        return math.copysign(math.inf, x)


def _java_float_equal(a: float, b: float) -> bool:
    """``Float.compare(a, b) == 0``: unlike ``==``, 0.0 and -0.0 differ (NaN never reaches here)."""
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)


def _positive_fraction_to_f32(numerator: int, denominator: int) -> float:
    """Correctly rounded float32 of a positive exact fraction, as Java's ``BigDecimal.floatValue``.

    Python's int division rounds to double correctly; rounding that double to float32 can only differ
    from direct rounding when the double lands exactly halfway between two floats, which we settle
    against the exact fraction.
    """
    d = numerator / denominator
    f = _f32(d)
    if f != d:
        bits = _BITS.unpack(_FLOAT32.pack(f))[0]
        neighbour = _FLOAT32.unpack(_BITS.pack(bits + 1 if f < d else bits - 1))[0]
        if (f + neighbour) / 2 == d and Fraction(numerator, denominator) != Fraction(d):
            above = Fraction(numerator, denominator) > Fraction(d)
            f = max(f, neighbour) if above else min(f, neighbour)
    return f


def _raw_floats(scores: Sequence[float]) -> list[float]:
    out = []
    for s in scores:
        value = float(s)
        if not math.isfinite(value):
            raise ValueError(f"scores must be finite numbers, got {s!r}")
        out.append(_f32(value))  # Lucene scores are floats
    return out


# -- normalisation: one sub-query's list at a time ------------------------------------------------------


def _min_max(scores: list[float]) -> list[float]:
    if not scores:
        return []
    low = min(FLOAT_MAX_VALUE, *scores)  # Arrays.fill(minScores, Float.MAX_VALUE); Math.min
    high = max(FLOAT_MIN_VALUE, *scores)  # Arrays.fill(maxScores, Float.MIN_VALUE); Math.max
    # isSingleScore (high == low == s) and calculateNormalizedScore's guard (high == low) both give 1.0;
    # with default bounds high == low means every score equals them.
    if _java_float_equal(high, low):
        return [SINGLE_RESULT_SCORE] * len(scores)
    spread = _f32(high - low)
    out = []
    for s in scores:
        value = _f32(_f32(s - low) / spread)
        out.append(MIN_MAX_FLOOR if value == 0.0 else value)
    return out


def _l2(scores: list[float]) -> list[float]:
    total = 0.0
    for s in scores:  # l2Norms[index] += score * score, in float
        total = _f32(total + _f32(s * s))
    norm = _f32(math.sqrt(total))  # (float) Math.sqrt(l2Norms[index])
    return [0.0 if norm == 0.0 else _f32(s / norm) for s in scores]


def _commons_math_mean(values: list[float]) -> float:
    """commons-math3 3.6.1 ``Mean.evaluate``: sum / n, then a second-pass correction."""
    n = float(len(values))
    total = 0.0
    for v in values:
        total += v
    xbar = total / n
    correction = 0.0
    for v in values:
        correction += v - xbar
    return xbar + correction / n


def _commons_math_std(values: list[float]) -> float:
    """commons-math3 3.6.1 ``DescriptiveStatistics.getStandardDeviation``: sample (n - 1), 0 for n == 1."""
    if len(values) == 1:
        return 0.0
    mean = _commons_math_mean(values)
    accum = 0.0
    accum2 = 0.0
    for v in values:
        dev = v - mean
        accum += dev * dev
        accum2 += dev
    n = float(len(values))
    return math.sqrt((accum - accum2 * accum2 / n) / (n - 1.0))


def _z_score(scores: list[float]) -> list[float]:
    if not scores:
        return []
    mean = _f32(_commons_math_mean(scores))
    std = _f32(_commons_math_std(scores))
    high, low = max(scores), min(scores)  # (float) stats.getMax() / getMin(): already floats
    out = []
    for s in scores:
        if _java_float_equal(mean, s):
            out.append(high)
        elif std == 0.0:
            out.append(low)
        else:
            value = _f32(_f32(s - mean) / std)
            out.append(MIN_MAX_FLOOR if value <= 0.0 else value)
    return out


NORMALIZERS: Mapping[str, Callable[[list[float]], list[float]]] = MappingProxyType(
    {"min_max": _min_max, "l2": _l2, "z_score": _z_score}
)


def normalize(scores: Sequence[float], technique: str) -> list[float]:
    """Normalise the raw scores of one sub-query's hits (as OpenSearch does per sub-query).

    Returns float32 values as Python floats, in the input order.
    """
    normalizer = NORMALIZERS.get(technique)
    if normalizer is None:
        raise ValueError(f"unknown normalization {technique!r}; valid choices: {_choices(NORMALIZATIONS)}")
    return normalizer(_raw_floats(scores))


# -- combination: one document's normalised scores at a time --------------------------------------------


def _per_sub_query(weights: Sequence[float], sub_queries: int) -> list[float]:
    """ScoreCombinationUtil.getWeightForSubQuery for every sub-query: the weight as a float, else 1.0."""
    return [_f32(weights[i]) if i < len(weights) else 1.0 for i in range(sub_queries)]


# The combiners below take float32 scores and one float32 weight per score (see _per_sub_query).


def _arithmetic_mean(scores: Sequence[float], weights: Sequence[float]) -> float:
    combined = 0.0
    weight_sum = 0.0
    for s, w in zip(scores, weights, strict=True):
        if s >= 0.0:  # a missing document's 0.0 counts, weight included
            combined = _f32(combined + _f32(s * w))
            weight_sum = _f32(weight_sum + w)
    return 0.0 if weight_sum == 0.0 else _f32(combined / weight_sum)


def _arithmetic_mean_rows(rows: Sequence[Sequence[float]], weights: Sequence[float]) -> list[float]:
    """:func:`_arithmetic_mean` for every document at once, in numpy float32: the same operations in the
    same order, each rounded to float32 once, so the same bits (a double computing a float32 sum, product or
    quotient and rounding it is exact for these operations: 53 >= 2 * 24 + 2), without ~2 us of Python per
    document. The golden tests pin both paths to the same values."""
    if not rows:
        return []
    matrix = np.asarray(rows, dtype=np.float32)
    combined = np.zeros(len(rows), dtype=np.float32)
    weight_sum = np.zeros(len(rows), dtype=np.float32)
    for column, weight in enumerate(weights):
        scores = matrix[:, column]
        counted = scores >= 0.0
        w = np.float32(weight)
        combined = np.where(counted, combined + scores * w, combined)
        weight_sum = np.where(counted, weight_sum + w, weight_sum)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(weight_sum == 0.0, np.float32(0.0), combined / weight_sum)
    return [float(v) for v in out.astype(np.float32)]


def _geometric_mean(scores: Sequence[float], weights: Sequence[float]) -> float:
    ln_sum = 0.0
    weight_sum = 0.0
    for s, w in zip(scores, weights, strict=True):
        if s <= 0.0:  # ln(0) undefined: the sub-query and its weight are skipped
            continue
        weight_sum = _f32(weight_sum + w)
        ln_sum = _f32(ln_sum + w * math.log(s))  # float += float * double: widened, then narrowed
    return 0.0 if weight_sum == 0.0 else _f32(math.exp(_f32(ln_sum / weight_sum)))


def _harmonic_mean(scores: Sequence[float], weights: Sequence[float]) -> float:
    weight_sum = 0.0
    harmonics = 0.0
    for s, w in zip(scores, weights, strict=True):
        if s <= 0.0:  # skipped, weight included
            continue
        weight_sum = _f32(weight_sum + w)
        harmonics = _f32(harmonics + _f32(w / s))
    return _f32(weight_sum / harmonics) if harmonics > 0.0 else 0.0


def _rrf_sum(scores: Sequence[float], weights: Sequence[float]) -> float:
    """RRFScoreCombinationTechnique: the weighted sum of the per-list ``1 / (k + rank)``."""
    total = 0.0
    weight_sum = 0.0
    for s, w in zip(scores, weights, strict=True):
        if s >= 0.0:
            total = _f32(total + _f32(s * w))
            weight_sum = _f32(weight_sum + w)
    return 0.0 if weight_sum == 0.0 else total


COMBINERS: Mapping[str, Callable[[Sequence[float], Sequence[float]], float]] = MappingProxyType(
    {"arithmetic_mean": _arithmetic_mean, "geometric_mean": _geometric_mean, "harmonic_mean": _harmonic_mean}
)


def _check_weight_count(weights: Sequence[float], sub_queries: int) -> None:
    """ScoreCombinationUtil.validateIfWeightsMatchScores (omitted weights always match)."""
    if weights and len(weights) != sub_queries:
        raise ValueError(
            f"number of weights [{len(weights)}] must match number of sub-queries [{sub_queries}] in hybrid query"
        )


def combine(scores: Sequence[float], weights: Sequence[float], technique: str) -> float:
    """Combine one document's normalised scores (0.0 where it is missing) into its fused score.

    ``weights`` follow the sub-query order; ``()`` means 1.0 each. Weights are validated as OpenSearch does.
    """
    combiner = COMBINERS.get(technique)
    if combiner is None:
        raise ValueError(f"unknown combination {technique!r}; valid choices: {_choices(COMBINATIONS)}")
    checked = _check_weights(weights)
    _check_weight_count(checked, len(scores))
    return combiner([_f32(float(s)) for s in scores], _per_sub_query(checked, len(scores)))


# -- fusion of whole lists ------------------------------------------------------------------------------


def _assemble(
    result_lists: Sequence[Sequence[tuple[str, float]]],
    normalized: list[list[float]],
    combiner: Callable[[Sequence[float], Sequence[float]], float],
    weights: Sequence[float],
) -> list[FusedHit]:
    """Join the lists on document id, combine each document, order by score desc then id asc."""
    lists = len(result_lists)
    positions: dict[str, list[int | None]] = {}
    for number, hits in enumerate(result_lists):
        for position, (doc_id, _score) in enumerate(hits):
            where = positions.get(doc_id)
            if where is None:
                where = positions[doc_id] = [None] * lists
            elif where[number] is not None:
                raise ValueError(f"document {doc_id!r} appears twice in result list {number}")
            where[number] = position
    per_query = _per_sub_query(weights, lists)
    raw = [[float(score) for _id, score in hits] for hits in result_lists]
    ids = sorted(positions)
    rows = []
    for doc_id in ids:
        where = positions[doc_id]
        subs = tuple([None if p is None else raw[i][p] for i, p in enumerate(where)])
        norms = tuple([None if p is None else normalized[i][p] for i, p in enumerate(where)])
        ranks = tuple([None if p is None else p + 1 for p in where])
        rows.append((subs, norms, ranks))
    inputs = [[0.0 if n is None else n for n in norms] for _subs, norms, _ranks in rows]  # missing = 0.0
    if combiner is _arithmetic_mean:
        scores = _arithmetic_mean_rows(inputs, per_query)
    else:
        scores = [combiner(values, per_query) for values in inputs]
    fused = [
        FusedHit(doc_id, score, subs, norms, ranks)
        for doc_id, score, (subs, norms, ranks) in zip(ids, scores, rows, strict=True)
    ]
    # Ids were sorted ascending and the sort is stable: equal scores stay in id order.
    fused.sort(key=lambda hit: -hit.score)
    return fused


def rrf_score(rank: int, rank_constant: int = 60) -> float:
    """``1 / (rank_constant + rank)`` for a 1-based rank, rounded as OpenSearch does.

    BigDecimal.ONE.divide(rank_constant + rank, 10, HALF_UP).floatValue().
    """
    if isinstance(rank, bool) or not isinstance(rank, int) or rank < 1:
        raise ValueError(f"rank is an integer starting at 1, got {rank!r}")
    _check_rank_constant(rank_constant)
    return _reciprocal(rank_constant + rank)


def _reciprocal(denominator: int) -> float:
    scale = 10**RRF_DECIMALS
    quotient = (2 * scale + denominator) // (2 * denominator)  # round half up of scale / denominator
    return _positive_fraction_to_f32(quotient, scale)


def rrf(
    result_lists: Sequence[Sequence[tuple[str, float]]], rank_constant: int = 60, weights: Sequence[float] = ()
) -> list[FusedHit]:
    """Reciprocal rank fusion as the score-ranker-processor: sum of ``weight * 1/(k + rank)``."""
    _check_rank_constant(rank_constant)
    checked = _check_weights(weights)
    _check_weight_count(checked, len(result_lists))
    normalized = [[_reciprocal(rank_constant + rank) for rank in range(1, len(hits) + 1)] for hits in result_lists]
    return _assemble(result_lists, normalized, _rrf_sum, checked)


def fuse(result_lists: Sequence[Sequence[tuple[str, float]]], spec: FusionSpec) -> list[FusedHit]:
    """Fuse the (doc id, raw score) lists of the sub-queries, in rank order, lexical first.

    Returns the union of the lists ordered by fused score descending, then id ascending.
    """
    if spec.method == "rrf":
        return rrf(result_lists, spec.rank_constant, spec.weights)
    _check_weight_count(spec.weights, len(result_lists))
    normalizer = NORMALIZERS[spec.normalization]
    normalized = [normalizer(_raw_floats([score for _id, score in hits])) for hits in result_lists]
    return _assemble(result_lists, normalized, COMBINERS[spec.combination], spec.weights)
