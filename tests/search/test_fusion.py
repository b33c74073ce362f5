"""Golden tests for OpenSearch-identical fusion (neural-search normalization- and score-ranker-processor).

Every expected value is worked out by hand from OpenSearch's formulas (see marquee/search/fusion.py for
the Java files they come from); the comments show the arithmetic. Java computes in float32, so values are
compared with a relative tolerance of 1e-6 unless a test is specifically about float32 rounding, where
the exact float is derived by hand (x * 2**24 rounded to an integer, for x in [0.5, 1)).
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from marquee.search import fusion
from marquee.search.fusion import FusedHit, FusionSpec, combine, fuse, normalize, rrf, rrf_score


def approx(value: float) -> object:
    return pytest.approx(value, rel=1e-6)


def approx_list(values: list[float]) -> object:
    return pytest.approx(values, rel=1e-6)


FLOOR = 0.001  # MIN_SCORE = 0.001f in MinMax/ZScore: a normalised 0 (or z <= 0) becomes 0.001

# The shared golden case: lexical (BM25-like) then vector scores, each in rank order.
# All vector scores are exact binary fractions, so the hand arithmetic below is exact.
LEXICAL = [("a", 4.0), ("b", 3.0), ("c", 2.0)]
VECTOR = [("b", 0.875), ("d", 0.625), ("a", 0.375)]
# c is only in the lexical list, d only in the vector list.


def by_id(hits: list[FusedHit]) -> dict[str, float]:
    return {hit.id: hit.score for hit in hits}


def order(hits: list[FusedHit]) -> list[str]:
    return [hit.id for hit in hits]


# -- normalisation -----------------------------------------------------------------------------------


class TestMinMax:
    def test_formula_and_floor(self):
        # min 2, max 4: (4-2)/2 = 1, (3-2)/2 = 0.5, (2-2)/2 = 0 -> floored to 0.001
        assert normalize([4.0, 3.0, 2.0], "min_max") == approx_list([1.0, 0.5, FLOOR])

    def test_single_hit_scores_one(self):
        # min == max == score: isSingleScore -> 1.0
        assert normalize([7.5], "min_max") == [1.0]

    def test_equal_scores_all_one(self):
        assert normalize([2.0, 2.0, 2.0], "min_max") == [1.0, 1.0, 1.0]

    def test_all_zero_scores_get_the_floor_not_one(self):
        # max starts at Float.MIN_VALUE (2**-149 > 0), so max != min: (0 - 0) / 2**-149 = 0 -> 0.001
        assert normalize([0.0, 0.0], "min_max") == approx_list([FLOOR, FLOOR])

    def test_negative_scores_use_float_min_value_as_max(self):
        # min -3, max = max(2**-149, -1) = 2**-149; -1 -> (-1+3)/(2**-149+3) = 2/3 in float; -3 -> 0 -> 0.001
        assert normalize([-1.0, -3.0], "min_max") == approx_list([2 / 3, FLOOR])

    def test_single_negative_score_is_floored_not_one(self):
        # min -5, max 2**-149 (not equal): (-5+5)/(5) = 0 -> 0.001
        assert normalize([-5.0], "min_max") == approx_list([FLOOR])

    def test_empty(self):
        assert normalize([], "min_max") == []

    def test_result_is_the_java_float(self):
        # (2 - 0) / (3 - 0) = 2/3; the nearest float32 is 11184811 / 2**24 (2/3 * 2**24 = 11184810.67)
        assert normalize([3.0, 2.0, 0.0], "min_max")[1] == 11184811 / 2**24
        # 0.001f: 0.001 * 2**33 = 8589934.592 -> 8589935 / 2**33
        assert normalize([3.0, 2.0, 0.0], "min_max")[2] == 8589935 / 2**33


class TestL2:
    def test_formula(self):
        # norm = sqrt(16 + 9 + 4) = sqrt(29)
        assert normalize([4.0, 3.0, 2.0], "l2") == approx_list(
            [4 / math.sqrt(29), 3 / math.sqrt(29), 2 / math.sqrt(29)]
        )

    def test_result_is_the_java_float(self):
        # norm 5: 3/5 = 0.6 -> 0.6 * 2**24 = 10066329.6 -> 10066330; 4/5 = 0.8 -> 13421772.8 -> 13421773
        assert normalize([3.0, 4.0], "l2") == [10066330 / 2**24, 13421773 / 2**24]

    def test_zero_norm_gives_zero(self):
        assert normalize([0.0, 0.0], "l2") == [0.0, 0.0]

    def test_single_hit(self):
        # 2.5 / sqrt(2.5**2) = 1
        assert normalize([2.5], "l2") == [1.0]

    def test_negative_scores_stay_negative(self):
        # norm sqrt(9 + 16) = 5: -3/5, 4/5
        assert normalize([-3.0, 4.0], "l2") == approx_list([-0.6, 0.8])

    def test_empty(self):
        assert normalize([], "l2") == []


class TestZScore:
    def test_sample_standard_deviation(self):
        # The case from OpenSearch's ZScoreNormalizationTechniqueTests: [2, 7, 8]
        # mean = 17/3; deviations -11/3, 4/3, 7/3; sample variance = (121 + 16 + 49)/9 / (3-1) = 31/3
        # z(7) = (4/3) / sqrt(31/3) = 4 / sqrt(93) = 0.41478; z(8) = 7 / sqrt(93) = 0.72587; z(2) < 0 -> 0.001
        # (with the population deviation z(7) would be 0.508: OpenSearch's test asserts 0.41478074)
        assert normalize([2.0, 7.0, 8.0], "z_score") == approx_list([FLOOR, 4 / math.sqrt(93), 7 / math.sqrt(93)])

    def test_score_equal_to_mean_returns_raw_max(self):
        # [1, 2, 3]: mean 2, sample std 1. 3 -> 1.0; 1 -> -1 -> 0.001; 2 equals the mean -> the raw max, 3.0
        assert normalize([1.0, 2.0, 3.0], "z_score") == approx_list([FLOOR, 3.0, 1.0])

    def test_single_hit_keeps_its_raw_score(self):
        # n = 1: mean = score -> returns max = the raw score itself
        assert normalize([5.0], "z_score") == [5.0]

    def test_equal_scores_keep_their_raw_score(self):
        # mean 2 equals every score -> max = 2.0
        assert normalize([2.0, 2.0], "z_score") == [2.0, 2.0]

    def test_zero_standard_deviation_returns_raw_min(self):
        # Only reachable when the float casts flush the statistics to zero: with d = 2**-149 (the smallest
        # float) and nine zeros, mean = d/10 and sample std = d * sqrt((0.81 + 9 * 0.01) / 9) = d * 0.316
        # are both below d/2, so both become 0.0f. The zeros equal the mean -> raw max d; the top hit is
        # not the mean and std == 0 -> raw min 0.0.
        d = 2.0**-149
        assert normalize([d] + [0.0] * 9, "z_score") == [0.0] + [d] * 9

    def test_empty(self):
        assert normalize([], "z_score") == []


def test_unknown_normalization_lists_choices():
    with pytest.raises(ValueError, match="min_max, l2, z_score"):
        normalize([1.0], "minmax")


def test_non_finite_scores_are_rejected():
    with pytest.raises(ValueError, match="finite"):
        normalize([1.0, float("nan")], "min_max")


# -- combination -------------------------------------------------------------------------------------


class TestCombine:
    def test_arithmetic_mean(self):
        # (0.3*0.8 + 0.7*0.4) / (0.3 + 0.7) = (0.24 + 0.28) / 1 = 0.52
        assert combine([0.8, 0.4], (0.3, 0.7), "arithmetic_mean") == approx(0.52)

    def test_arithmetic_mean_counts_a_missing_score_as_zero_with_its_weight(self):
        # (0.5*0.8 + 0.5*0) / (0.5 + 0.5) = 0.4
        assert combine([0.8, 0.0], (0.5, 0.5), "arithmetic_mean") == approx(0.4)

    def test_arithmetic_mean_skips_negative_scores_and_their_weight(self):
        # -0.5 is skipped: (0.5*0.8) / 0.5 = 0.8
        assert combine([-0.5, 0.8], (0.5, 0.5), "arithmetic_mean") == approx(0.8)

    def test_geometric_mean(self):
        # exp((0.5 ln 0.8 + 0.5 ln 0.2) / 1) = sqrt(0.16) = 0.4
        assert combine([0.8, 0.2], (0.5, 0.5), "geometric_mean") == approx(0.4)
        # 0.8**0.25 * 0.2**0.75 = (0.8 * 0.2**3) ** 0.25 = 0.0064 ** 0.25
        assert combine([0.8, 0.2], (0.25, 0.75), "geometric_mean") == approx(0.0064**0.25)

    def test_geometric_mean_skips_a_missing_score_and_its_weight(self):
        # only 0.8 is left: exp(0.5 ln 0.8 / 0.5) = 0.8
        assert combine([0.8, 0.0], (0.5, 0.5), "geometric_mean") == approx(0.8)

    def test_harmonic_mean(self):
        # (0.5 + 0.5) / (0.5/0.8 + 0.5/0.2) = 1 / (0.625 + 2.5) = 0.32
        assert combine([0.8, 0.2], (0.5, 0.5), "harmonic_mean") == approx(0.32)

    def test_harmonic_mean_skips_a_missing_score_and_its_weight(self):
        # 0.5 / (0.5/0.8) = 0.8
        assert combine([0.8, 0.0], (0.5, 0.5), "harmonic_mean") == approx(0.8)

    @pytest.mark.parametrize("technique", ["arithmetic_mean", "geometric_mean", "harmonic_mean"])
    def test_all_zero_scores_combine_to_zero(self, technique):
        assert combine([0.0, 0.0], (0.5, 0.5), technique) == 0.0

    def test_omitted_weights_mean_one_each(self):
        # (1*0.8 + 1*0.4) / 2 = 0.6
        assert combine([0.8, 0.4], (), "arithmetic_mean") == approx(0.6)

    def test_weights_are_not_renormalised(self):
        # sum 1.005 is accepted (within 0.01 of 1) and used as is: (0.5*1 + 0.505*0) / 1.005
        assert combine([1.0, 0.0], (0.5, 0.505), "arithmetic_mean") == approx(0.5 / 1.005)

    def test_weight_count_must_match_sub_queries(self):
        with pytest.raises(ValueError, match=r"number of weights \[2\] must match number of sub-queries \[3\]"):
            combine([0.5, 0.5, 0.5], (0.5, 0.5), "arithmetic_mean")

    def test_unknown_combination_lists_choices(self):
        with pytest.raises(ValueError, match="arithmetic_mean, geometric_mean, harmonic_mean"):
            combine([0.5], (), "mean")


# -- weights and spec validation ---------------------------------------------------------------------


class TestFusionSpec:
    def test_defaults_are_unchanged(self):
        spec = FusionSpec()
        assert (spec.method, spec.normalization, spec.combination, spec.weights, spec.rank_constant) == (
            "normalization",
            "min_max",
            "arithmetic_mean",
            (0.5, 0.5),
            60,
        )

    @pytest.mark.parametrize(
        ("field", "value", "choices"),
        [
            ("method", "linear", "normalization, rrf"),
            ("normalization", "minmax", "min_max, l2, z_score"),
            ("combination", "sum", "arithmetic_mean, geometric_mean, harmonic_mean"),
        ],
    )
    def test_unknown_names_list_the_choices(self, field, value, choices):
        with pytest.raises(ValueError, match=choices):
            FusionSpec(**{field: value})

    @pytest.mark.parametrize("combination", ["geometric_mean", "harmonic_mean"])
    def test_z_score_only_combines_with_arithmetic_mean(self, combination):
        # ScoreNormalizationFactory: z_score -> {arithmetic_mean}
        with pytest.raises(ValueError, match="valid choices: arithmetic_mean"):
            FusionSpec(normalization="z_score", combination=combination)

    def test_weights_must_sum_to_one_within_a_hundredth(self):
        with pytest.raises(ValueError, match="sum of weights"):
            FusionSpec(weights=(0.6, 0.6))  # 1.2
        with pytest.raises(ValueError, match="sum of weights"):
            FusionSpec(weights=(0.5, 0.48))  # 0.98: 0.02 away
        assert FusionSpec(weights=(0.5, 0.505)).weights == (0.5, 0.505)  # 1.005: accepted, kept as given

    def test_each_weight_must_be_between_zero_and_one(self):
        with pytest.raises(ValueError, match=r"range \[0.0 ... 1.0\]"):
            FusionSpec(weights=(1.2, -0.2))  # sums to 1 but out of range
        with pytest.raises(ValueError, match="range"):
            FusionSpec(weights=(float("nan"), 1.0))
        assert FusionSpec(weights=(1.0, 0.0)).weights == (1.0, 0.0)

    def test_weights_become_a_tuple_and_may_be_omitted(self):
        assert FusionSpec(weights=[0.3, 0.7]).weights == (0.3, 0.7)
        assert FusionSpec(weights=()).weights == ()

    @pytest.mark.parametrize("rank_constant", [0, 10_001, 1.5, True, -60])
    def test_rank_constant_range(self, rank_constant):
        with pytest.raises(ValueError, match="between 1 and 10000"):
            FusionSpec(method="rrf", rank_constant=rank_constant)

    def test_rank_constant_bounds_are_inclusive(self):
        assert FusionSpec(method="rrf", rank_constant=1).rank_constant == 1
        assert FusionSpec(method="rrf", rank_constant=10_000).rank_constant == 10_000


# -- fusion of whole lists: every normalisation x combination pair --------------------------------------

# Normalised values of the shared case:
# min_max lexical: a (4-2)/2 = 1, b (3-2)/2 = 0.5, c 0 -> 0.001
# min_max vector:  b (0.875-0.375)/0.5 = 1, d (0.625-0.375)/0.5 = 0.5, a 0 -> 0.001
# l2 lexical: x / sqrt(16 + 9 + 4) = x / sqrt(29)
# l2 vector:  x / sqrt(0.875**2 + 0.625**2 + 0.375**2) = x / sqrt(1.296875)
# z_score lexical [4, 3, 2]: mean 3, sample std 1 -> a 1.0, b (= mean) raw max 4.0, c -1 -> 0.001
# z_score vector [0.875, 0.625, 0.375]: mean 0.625, std sqrt((0.0625 + 0 + 0.0625)/2) = 0.25
#                 -> b 1.0, d (= mean) raw max 0.875, a -1 -> 0.001
L2_LEX = {"a": 4 / math.sqrt(29), "b": 3 / math.sqrt(29), "c": 2 / math.sqrt(29)}
L2_VEC = {"b": 0.875 / math.sqrt(1.296875), "d": 0.625 / math.sqrt(1.296875), "a": 0.375 / math.sqrt(1.296875)}

GOLDEN = {
    ("min_max", "arithmetic_mean"): {
        "a": (0.5 * 1.0 + 0.5 * 0.001) / 1.0,  # 0.5005
        "b": (0.5 * 0.5 + 0.5 * 1.0) / 1.0,  # 0.75
        "c": (0.5 * 0.001 + 0.5 * 0.0) / 1.0,  # missing vector counts as 0, weight kept: 0.0005
        "d": (0.5 * 0.0 + 0.5 * 0.5) / 1.0,  # 0.25
    },
    ("min_max", "geometric_mean"): {
        "a": math.sqrt(1.0 * 0.001),  # exp((0.5 ln 1 + 0.5 ln 0.001) / 1) = 0.0316
        "b": math.sqrt(0.5 * 1.0),  # 0.7071
        "c": 0.001,  # only the lexical score (and its weight) is left
        "d": 0.5,
    },
    ("min_max", "harmonic_mean"): {
        "a": 1.0 / (0.5 / 1.0 + 0.5 / 0.001),  # 1 / 500.5
        "b": 1.0 / (0.5 / 0.5 + 0.5 / 1.0),  # 1 / 1.5
        "c": 0.5 / (0.5 / 0.001),  # 0.001
        "d": 0.5 / (0.5 / 0.5),  # 0.5
    },
    ("l2", "arithmetic_mean"): {
        "a": 0.5 * L2_LEX["a"] + 0.5 * L2_VEC["a"],
        "b": 0.5 * L2_LEX["b"] + 0.5 * L2_VEC["b"],
        "c": 0.5 * L2_LEX["c"],
        "d": 0.5 * L2_VEC["d"],
    },
    ("l2", "geometric_mean"): {
        "a": math.sqrt(L2_LEX["a"] * L2_VEC["a"]),
        "b": math.sqrt(L2_LEX["b"] * L2_VEC["b"]),
        "c": L2_LEX["c"],
        "d": L2_VEC["d"],
    },
    ("l2", "harmonic_mean"): {
        "a": 2 * L2_LEX["a"] * L2_VEC["a"] / (L2_LEX["a"] + L2_VEC["a"]),  # 1 / (0.5/x + 0.5/y)
        "b": 2 * L2_LEX["b"] * L2_VEC["b"] / (L2_LEX["b"] + L2_VEC["b"]),
        "c": L2_LEX["c"],
        "d": L2_VEC["d"],
    },
    ("z_score", "arithmetic_mean"): {
        "a": (0.5 * 1.0 + 0.5 * 0.001) / 1.0,  # 0.5005
        "b": (0.5 * 4.0 + 0.5 * 1.0) / 1.0,  # 2.5: the lexical mean-quirk gives b its raw 4.0
        "c": (0.5 * 0.001) / 1.0,  # 0.0005
        "d": (0.5 * 0.875) / 1.0,  # 0.4375: the vector mean-quirk gives d its raw 0.875
    },
}

GOLDEN_ORDER = {
    ("min_max", "arithmetic_mean"): ["b", "a", "d", "c"],
    ("min_max", "geometric_mean"): ["b", "d", "a", "c"],
    ("min_max", "harmonic_mean"): ["b", "d", "a", "c"],
    ("l2", "arithmetic_mean"): ["b", "a", "d", "c"],  # b .6627, a .5360, d .2744, c .1857
    ("l2", "geometric_mean"): ["b", "d", "a", "c"],  # b .6542, d .5488, a .4946, c .3714
    ("l2", "harmonic_mean"): ["b", "d", "a", "c"],  # b .6459, d .5488, a .4563, c .3714
    ("z_score", "arithmetic_mean"): ["b", "a", "d", "c"],
}


@pytest.mark.parametrize(("normalization", "combination"), sorted(GOLDEN))
def test_golden_fusion(normalization, combination):
    spec = FusionSpec(normalization=normalization, combination=combination)
    fused = fuse([LEXICAL, VECTOR], spec)
    assert by_id(fused) == pytest.approx(GOLDEN[(normalization, combination)], rel=1e-6)
    assert order(fused) == GOLDEN_ORDER[(normalization, combination)]


def test_weights_change_the_fused_order():
    # min_max with weights 0.3 / 0.7: a 0.3*1 + 0.7*0.001 = 0.3007, b 0.3*0.5 + 0.7*1 = 0.85,
    # c 0.3*0.001 = 0.0003, d 0.7*0.5 = 0.35 -> d now beats a (it did not with 0.5 / 0.5)
    fused = fuse([LEXICAL, VECTOR], FusionSpec(weights=(0.3, 0.7)))
    assert by_id(fused) == pytest.approx({"a": 0.3007, "b": 0.85, "c": 0.0003, "d": 0.35}, rel=1e-6)
    assert order(fused) == ["b", "d", "a", "c"]


def test_omitted_weights_in_fusion():
    # weights () -> 1.0 each; arithmetic mean = plain mean: a (1 + 0.001)/2, b (0.5 + 1)/2, c 0.001/2, d 0.5/2
    fused = fuse([LEXICAL, VECTOR], FusionSpec(weights=()))
    assert by_id(fused) == pytest.approx({"a": 0.5005, "b": 0.75, "c": 0.0005, "d": 0.25}, rel=1e-6)


def test_explain_fields_show_each_sub_score():
    fused = {hit.id: hit for hit in fuse([LEXICAL, VECTOR], FusionSpec())}
    assert fused["a"].sub_scores == (4.0, 0.375)
    assert fused["a"].normalized == pytest.approx((1.0, 0.001), rel=1e-6)
    assert fused["a"].ranks == (1, 3)
    assert fused["c"].sub_scores == (2.0, None)  # absent from the vector list
    assert fused["c"].normalized[0] == approx(0.001)
    assert fused["c"].normalized[1] is None
    assert fused["c"].ranks == (3, None)
    assert fused["d"].sub_scores == (None, 0.625)
    assert fused["d"].ranks == (None, 2)
    assert FusedHit._fields == ("id", "score", "sub_scores", "normalized", "ranks")


# -- edge cases ----------------------------------------------------------------------------------------


def test_equal_scores_tie_break_by_id():
    # min_max on [2, 2] gives 1 and 1; with an empty vector list both fuse to (0.5*1 + 0.5*0)/1 = 0.5.
    # OpenSearch would order them by internal doc id; we order ties by id ascending: a before b.
    fused = fuse([[("b", 2.0), ("a", 2.0)], []], FusionSpec())
    assert [(hit.id, hit.score) for hit in fused] == [("a", 0.5), ("b", 0.5)]


def test_single_hit_lists():
    # min_max: a single hit normalises to 1.0 in each list -> a (0.5*1 + 0)/1 = 0.5, b the same
    fused = fuse([[("a", 3.7)], [("b", 0.42)]], FusionSpec())
    assert [(hit.id, hit.score) for hit in fused] == [("a", 0.5), ("b", 0.5)]
    # z_score keeps a single hit's raw score (mean == score -> max): a 0.5*3.7 = 1.85, b 0.5*0.42 = 0.21
    fused = fuse([[("a", 3.7)], [("b", 0.42)]], FusionSpec(normalization="z_score"))
    assert by_id(fused) == pytest.approx({"a": 1.85, "b": 0.21}, rel=1e-6)


def test_one_empty_list():
    # min_max a -> 1.0; arithmetic (0.5*1 + 0.5*0)/1 = 0.5; geometric and harmonic skip the 0: 1.0
    assert by_id(fuse([[("a", 1.0)], []], FusionSpec())) == {"a": 0.5}
    assert by_id(fuse([[("a", 1.0)], []], FusionSpec(combination="geometric_mean"))) == {"a": 1.0}
    assert by_id(fuse([[("a", 1.0)], []], FusionSpec(combination="harmonic_mean"))) == {"a": 1.0}


@pytest.mark.parametrize(
    "spec",
    [FusionSpec(), FusionSpec(normalization="l2", combination="harmonic_mean"), FusionSpec(method="rrf")],
)
def test_all_lists_empty(spec):
    assert fuse([[], []], spec) == []


def test_weight_count_must_match_the_lists():
    with pytest.raises(ValueError, match=r"number of weights \[2\] must match number of sub-queries \[3\]"):
        fuse([LEXICAL, VECTOR, VECTOR], FusionSpec())
    with pytest.raises(ValueError, match="number of weights"):
        fuse([LEXICAL, VECTOR], FusionSpec(method="rrf", weights=(0.2, 0.3, 0.5)))


def test_duplicate_id_in_one_list_is_rejected():
    with pytest.raises(ValueError, match="appears twice"):
        fuse([[("a", 2.0), ("a", 1.0)], []], FusionSpec())


def test_three_sub_queries():
    # weights () -> 1 each; min_max: list 1 [x 1, y 0.001], list 2 [y 1.0], list 3 [x 1.0, z 0.001]
    # x (1 + 0 + 1)/3, y (0.001 + 1 + 0)/3, z (0 + 0 + 0.001)/3
    fused = fuse([[("x", 5.0), ("y", 1.0)], [("y", 0.3)], [("x", 0.9), ("z", 0.1)]], FusionSpec(weights=()))
    assert by_id(fused) == pytest.approx({"x": 2 / 3, "y": 1.001 / 3, "z": 0.001 / 3}, rel=1e-6)


# -- RRF ------------------------------------------------------------------------------------------------


class TestRRF:
    def test_rank_starts_at_one(self):
        # 1 / (60 + 1), 1 / (60 + 2)
        assert rrf_score(1, 60) == approx(1 / 61)
        assert rrf_score(2, 60) == approx(1 / 62)
        assert rrf_score(1, 1) == 0.5

    def test_rounded_to_ten_decimals_half_up_before_float(self):
        # BigDecimal 1 / (60 + 60) = 0.0083333333|333... -> 0.0083333333 at 10 places, then floatValue.
        # Dropping 3.3e-11 (4e-9 relative) is enough to land on the float below the nearest float to 1/120.
        assert rrf_score(60, 60) == float(np.float32(0.0083333333))
        assert rrf_score(60, 60) != float(np.float32(1 / 120))
        # 1 / 61 = 0.0163934426|229... rounds down, 1 / 62 = 0.0161290322|58... rounds up
        assert rrf_score(1, 60) == float(np.float32(0.0163934426))
        assert rrf_score(2, 60) == float(np.float32(0.0161290323))

    def test_fused_scores_sum_across_lists(self):
        # weights () -> 1 each. a: 1/61 (lexical rank 1) + 1/63 (vector rank 3); b: 1/62 + 1/61;
        # c: 1/63 (lexical only); d: 1/62 (vector only)
        fused = rrf([LEXICAL, VECTOR], rank_constant=60)
        expected = {"a": 1 / 61 + 1 / 63, "b": 1 / 62 + 1 / 61, "c": 1 / 63, "d": 1 / 62}
        assert by_id(fused) == pytest.approx(expected, rel=1e-6)
        assert order(fused) == ["b", "a", "d", "c"]
        hit_c = next(hit for hit in fused if hit.id == "c")
        assert hit_c.ranks == (3, None)
        assert hit_c.normalized[0] == approx(1 / 63)
        assert hit_c.normalized[1] is None
        assert hit_c.sub_scores == (2.0, None)

    def test_small_rank_constant(self):
        # k = 1: a 1/2 + 1/4 = 0.75, b 1/3 + 1/2 = 0.8333, c 1/4, d 1/3
        fused = fuse([LEXICAL, VECTOR], FusionSpec(method="rrf", rank_constant=1, weights=()))
        assert by_id(fused) == pytest.approx({"a": 0.75, "b": 5 / 6, "c": 0.25, "d": 1 / 3}, rel=1e-6)

    def test_weights_multiply_each_list(self):
        # score-ranker-processor weights: the default (0.5, 0.5) halves every sum;
        # (0.2, 0.8) with k = 1: a 0.2/2 + 0.8/4 = 0.3, b 0.2/3 + 0.8/2 = 0.4667, c 0.2/4 = 0.05, d 0.8/3
        halved = fuse([LEXICAL, VECTOR], FusionSpec(method="rrf", rank_constant=1))
        assert by_id(halved) == pytest.approx({"a": 0.375, "b": 5 / 12, "c": 0.125, "d": 1 / 6}, rel=1e-6)
        weighted = fuse([LEXICAL, VECTOR], FusionSpec(method="rrf", rank_constant=1, weights=(0.2, 0.8)))
        assert by_id(weighted) == pytest.approx({"a": 0.3, "b": 0.2 / 3 + 0.4, "c": 0.05, "d": 0.8 / 3}, rel=1e-6)
        assert order(weighted) == ["b", "a", "d", "c"]

    def test_ignores_raw_scores(self):
        # same ranks, wildly different scores: same fused result
        a = rrf([[("x", 100.0), ("y", 1.0)], [("y", 0.9)]], rank_constant=60)
        b = rrf([[("x", 2.0), ("y", 1.9)], [("y", 0.1)]], rank_constant=60)
        assert [(hit.id, hit.score) for hit in a] == [(hit.id, hit.score) for hit in b]
        # y: 1/62 + 1/61 beats x: 1/61
        assert order(a) == ["y", "x"]

    def test_invalid_rank(self):
        with pytest.raises(ValueError, match="rank"):
            rrf_score(0, 60)
        with pytest.raises(ValueError, match="between 1 and 10000"):
            rrf_score(1, 0)


def test_fraction_to_float_rounds_once():
    # 1 + 2**-24 is halfway between the floats 1 and 1 + 2**-23. A fraction just above it must round up,
    # one just below must round down, although both round to that halfway double first.
    above = Fraction(1) + Fraction(1, 2**24) + Fraction(1, 2**60)
    below = Fraction(1) + Fraction(1, 2**24) - Fraction(1, 2**60)
    assert fusion._positive_fraction_to_f32(above.numerator, above.denominator) == 1 + 2**-23
    assert fusion._positive_fraction_to_f32(below.numerator, below.denominator) == 1.0


def test_vectorised_arithmetic_mean_gives_the_same_bits_as_the_scalar_one():
    """fuse() combines whole lists in numpy float32; combine() one document in Python: same bits, always."""
    import random

    from marquee.search.fusion import _arithmetic_mean, _arithmetic_mean_rows, _f32, _per_sub_query

    rng = random.Random(7)
    for lists in (1, 2, 3):
        weights = _per_sub_query([rng.random() for _ in range(lists)], lists)
        rows = [
            [_f32(rng.choice([0.0, 0.001, 1.0, rng.random(), rng.random() * 1e-6, -rng.random()]))
             for _ in range(lists)]
            for _ in range(5000)
        ]
        assert _arithmetic_mean_rows(rows, weights) == [_arithmetic_mean(row, weights) for row in rows]
