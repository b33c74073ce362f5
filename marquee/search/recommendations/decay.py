"""Exponential time decay, the one rule every decayed quantity here follows.

A decayed sum ``S(t) = sum_i w_i * 2 ** (-(t - t_i) / h)`` is kept as a pair (value at ``at``, ``at``): adding an
event decays the stored value to now and adds the weight; reading decays to the reader's now. Because decay is
exponential the pair is exact (no window, no buckets), an event's contribution can be subtracted exactly later
(erasing a user), and the order of two sums never changes as time passes, so ``rank_key`` (``log2(S) + at / h``)
orders rows in SQL without computing powers there.
"""

from __future__ import annotations

import math

LN2 = math.log(2.0)


def factor(elapsed: float, half_life: float) -> float:
    """How much of a weight is left after ``elapsed`` seconds (a negative elapsed, a clock skew, counts as 0)."""
    if half_life <= 0:
        raise ValueError(f"half-life must be positive, got {half_life}")
    return 2.0 ** (-max(0.0, elapsed) / half_life)


def decayed(value: float, at: float, now: float, half_life: float) -> float:
    """The stored ``value`` (as of ``at``) as of ``now``."""
    return value * factor(now - at, half_life)


def add(value: float, at: float, weight: float, now: float, half_life: float) -> tuple[float, float]:
    """(value, at) after an event of ``weight`` at ``now``; a late event (``now < at``) is decayed to ``at``."""
    if now >= at:
        return value * factor(now - at, half_life) + weight, now
    return value + weight * factor(at - now, half_life), at


def rank_key(value: float, at: float, half_life: float) -> float:
    """A key whose order is the order of the decayed values at any common time (``-inf`` for nothing)."""
    return math.log2(value) + at / half_life if value > 0 else -math.inf


def rate(value: float, half_life: float) -> float:
    """Events per second a decayed sum stands for: a steady rate ``r`` settles at ``S = r * h / ln 2``."""
    return value * LN2 / half_life
