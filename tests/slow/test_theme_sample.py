"""The theme tagger with the packaged MiniLM on the held-out split of the hand-labelled sample."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "theme_tagging.py"


def test_precision_on_the_held_out_split_is_at_least_085():
    spec = importlib.util.spec_from_file_location("theme_tagging", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    result = module.run("minilm", do_tune=False)
    assert result["test"] >= 150 and result["sample"] >= 200
    assert result["test_figures"]["precision"] >= 0.85
    assert result["test_figures"]["recall"] >= 0.4
