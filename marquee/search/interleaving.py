"""Team-draft interleaving (Radlinski, Kurup, Joachims 2008): merge two rankers' lists so clicks say which is better.

Pure and deterministic per ``seed`` (the query_id in serving), so a test can pin the exact merge and the server
can re-derive it. Serving imports it; attribution of clicks to teams lives in relevance/online.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass

TEAM_A, TEAM_B = "A", "B"


@dataclass(frozen=True)
class Interleaved:
    ids: tuple[str, ...]
    teams: tuple[str, ...]
    """``teams[i]`` is the ranker (``A`` or ``B``) that contributed ``ids[i]``."""


def team_draft(a: Sequence[str], b: Sequence[str], size: int, seed: str) -> Interleaved:
    """Each round the team with fewer picks (a coin flip on a tie) adds its highest not-yet-shown document."""
    rng = random.Random(hashlib.sha256(seed.encode("utf-8")).digest())
    ids: list[str] = []
    teams: list[str] = []
    seen: set[str] = set()
    picks = {TEAM_A: 0, TEAM_B: 0}
    lists = {TEAM_A: list(a), TEAM_B: list(b)}
    cursor = {TEAM_A: 0, TEAM_B: 0}
    total = len(set(a) | set(b))
    while len(ids) < min(size, total):
        if picks[TEAM_A] < picks[TEAM_B]:
            team = TEAM_A
        elif picks[TEAM_B] < picks[TEAM_A]:
            team = TEAM_B
        else:
            team = TEAM_A if rng.random() < 0.5 else TEAM_B
        ranked = lists[team]
        while cursor[team] < len(ranked) and ranked[cursor[team]] in seen:
            cursor[team] += 1
        if cursor[team] >= len(ranked):  # this team is exhausted: the other one fills the page
            picks[team] = 1 << 30
            continue
        doc = ranked[cursor[team]]
        ids.append(doc)
        teams.append(team)
        seen.add(doc)
        picks[team] += 1
    return Interleaved(tuple(ids), tuple(teams))


def credit(teams: Sequence[str], clicked_positions: Sequence[int]) -> tuple[int, int]:
    """Clicks per team (A, B) for clicked 1-based positions on an interleaved page."""
    a = sum(1 for p in set(clicked_positions) if 1 <= p <= len(teams) and teams[p - 1] == TEAM_A)
    b = sum(1 for p in set(clicked_positions) if 1 <= p <= len(teams) and teams[p - 1] == TEAM_B)
    return a, b
