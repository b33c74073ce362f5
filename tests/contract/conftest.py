"""One strict copy of the OpenSearch API spec per test session (loading it takes about a second)."""

from __future__ import annotations

import pytest

from tests.contract.spec import Spec, spec_dir


@pytest.fixture(scope="session")
def spec() -> Spec:
    return Spec(spec_dir())
