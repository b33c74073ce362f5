"""Locate ../shared/data beside the repo; skip when absent, except in CI where absence is a failure."""

import os
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SHARED_DATA = SHARED / "data"


def shared_dir(name: str) -> Path:
    path = SHARED / name
    if not path.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{path} is missing; CI must have ../shared beside the repo")
        pytest.skip(f"{path} not found: clone the project beside its shared/ folder to run this test")
    return path


def shared_data_dir(name: str) -> Path:
    return shared_dir(f"data/{name}")
