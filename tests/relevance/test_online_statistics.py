import pytest

from marquee.relevance.online.statistics import (
    ab_sample_size,
    bootstrap_mean,
    interleaving_outcomes,
    preference,
    sign_test,
    srm_p,
    two_proportion_p,
    wilson,
)


def test_wilson_interval():
    lo, hi = wilson(5, 10)
    assert lo == pytest.approx(0.236593, abs=1e-6) and hi == pytest.approx(0.763407, abs=1e-6)
    assert wilson(0, 0) == (0.0, 1.0)


def test_sign_test_exact():
    assert sign_test(9, 1) == pytest.approx(22 / 1024)
    assert sign_test(0, 0) == 1.0


def test_srm_chi_square():
    assert srm_p([50, 50], [0.5, 0.5]) == pytest.approx(1.0)
    assert srm_p([60, 40], [0.5, 0.5]) == pytest.approx(0.0455003, abs=1e-6)


def test_interleaving_wins_ties_losses_and_preference():
    credits = [(2, 0), (1, 1), (0, 1), (0, 0), (3, 1)]
    assert interleaving_outcomes(credits) == (2, 1, 1)
    assert preference(credits) == pytest.approx(0.25)


def test_two_proportions_and_power():
    assert two_proportion_p(50, 100, 50, 100) == pytest.approx(1.0)
    assert two_proportion_p(60, 100, 40, 100) == pytest.approx(0.004677735, abs=1e-8)
    assert ab_sample_size(0.1, 0.02) == 3841


def test_bootstrap_is_seeded_and_brackets_the_mean():
    values = [0.0, 1.0] * 50
    assert bootstrap_mean(values, seed=1) == bootstrap_mean(values, seed=1)
    lo, hi = bootstrap_mean(values, seed=1)
    assert lo < 0.5 < hi
    assert bootstrap_mean([2.0, 2.0]) == (2.0, 2.0)
