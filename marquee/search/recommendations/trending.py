"""Trending titles and spike detection from two decayed play counts per title.

Each title keeps a *short* decayed count (half-life ``h``, the ``trending_half_life_s`` setting) and a *long* one
(half-life ``BASELINE_FACTOR * h``): the rolling baseline. Converted to rates (:func:`decay.rate`) they agree for
a title watched at a steady pace; when plays jump (a live event, a premiere) the short rate leaps ahead at once,
the baseline follows slowly. A title *spikes* when its short rate is at least ``SPIKE_RATIO`` times its baseline
rate and its short count is at least ``MIN_SPIKE_WEIGHT`` (one play of an obscure title is not a spike).

"Trending now" lists spiking titles first (by short count), then the rest by short count: decayed popularity.
"""

from __future__ import annotations

from dataclasses import dataclass

from marquee.search.recommendations import decay

BASELINE_FACTOR = 24.0  # the baseline remembers 24 times longer: an hour's half-life against a day's
SPIKE_RATIO = 3.0
MIN_SPIKE_WEIGHT = 3.0
MIN_TRENDING_WEIGHT = 0.5  # below this a title is not "now" any more


@dataclass(frozen=True)
class Counter:
    """One title's stored counts (as of ``at``)."""

    doc_id: str
    short: float
    long: float
    at: float


@dataclass(frozen=True)
class Trend:
    doc_id: str
    popularity: float  # the short count as of now
    baseline: float  # the long count as of now
    ratio: float  # short rate / baseline rate
    spike: bool


def observe(counter: Counter | None, doc_id: str, weight: float, now: float, half_life: float) -> Counter:
    """The counter after an event of ``weight`` at ``now``."""
    short, long_, at = (counter.short, counter.long, counter.at) if counter else (0.0, 0.0, now)
    new_short, new_at = decay.add(short, at, weight, now, half_life)
    new_long, _ = decay.add(long_, at, weight, now, half_life * BASELINE_FACTOR)
    return Counter(doc_id, new_short, new_long, new_at)


def forget(counter: Counter, weight: float, event_at: float, half_life: float) -> Counter:
    """The counter without one earlier event (``weight`` at ``event_at``): exact, as decay is exponential."""
    short = counter.short - weight * decay.factor(counter.at - event_at, half_life)
    long_ = counter.long - weight * decay.factor(counter.at - event_at, half_life * BASELINE_FACTOR)
    return Counter(counter.doc_id, max(0.0, short), max(0.0, long_), counter.at)


def trend(counter: Counter, now: float, half_life: float) -> Trend:
    short = decay.decayed(counter.short, counter.at, now, half_life)
    long_ = decay.decayed(counter.long, counter.at, now, half_life * BASELINE_FACTOR)
    baseline_rate = decay.rate(long_, half_life * BASELINE_FACTOR)
    ratio = decay.rate(short, half_life) / baseline_rate if baseline_rate > 0 else 0.0
    return Trend(counter.doc_id, short, long_, ratio, short >= MIN_SPIKE_WEIGHT and ratio >= SPIKE_RATIO)


def rank(counters: list[Counter], now: float, half_life: float) -> list[Trend]:
    """Spikes first, then decayed popularity; titles below ``MIN_TRENDING_WEIGHT`` are left out."""
    trends = [t for t in (trend(c, now, half_life) for c in counters) if t.popularity >= MIN_TRENDING_WEIGHT]
    return sorted(trends, key=lambda t: (not t.spike, -t.popularity, t.doc_id))
