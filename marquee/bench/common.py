"""Helpers shared by the benchmarks: isolated child processes (for clean peak RSS) and timing."""

from __future__ import annotations

import multiprocessing
import resource
import time
from collections.abc import Callable
from typing import Any


def _child(target: Callable[..., dict[str, Any]], args: tuple, queue: Any) -> None:
    started = time.perf_counter()
    result = target(*args)
    result.setdefault("seconds", round(time.perf_counter() - started, 3))
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    queue.put(result)


def in_child(target: Callable[..., dict[str, Any]], *args: Any) -> dict[str, Any]:
    """Run one measurement in a fresh process (spawn) so peak memory and warm caches are its own."""
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(target, args, queue))
    proc.start()
    result = queue.get()
    proc.join()
    return result


def rate(count: int, seconds: float) -> float:
    return round(count / seconds, 1) if seconds > 0 else float("inf")
