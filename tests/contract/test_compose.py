"""docker-compose.yml, the Dockerfiles and .dockerignore, checked without a Docker engine.

The compose file is validated against the Compose Specification's JSON schema, vendored in
tests/contract/compose_spec/ (see SOURCE.md there: no installable package ships the current schema),
then checked for what marquee needs from it.
"""

from __future__ import annotations

import fnmatch
import json
import re
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft7Validator

from tests.contract.mutate import renamed

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((Path(__file__).parent / "compose_spec" / "compose-spec.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def _errors(document: dict) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in Draft7Validator(SCHEMA).iter_errors(document)
    ]


def test_compose_file_matches_the_compose_spec(compose):
    assert _errors(compose) == []


def test_compose_spec_catches_a_misspelled_service_key(compose):
    errors = _errors(renamed(compose, ("services", "marquee-api"), "depends_on", "depend_on"))
    assert any("'depend_on' does not match any of the regexes" in e for e in errors), errors


def test_services_and_their_wiring(compose):
    services = compose["services"]
    assert set(services) == {"opensearch", "indexer", "marquee-api", "dashboards"}
    search = services["opensearch"]
    assert search["environment"]["DISABLE_SECURITY_PLUGIN"] == "true"
    assert search["environment"]["discovery.type"] == "single-node"
    assert search["build"] == {
        "context": "docker",
        "dockerfile": "opensearch.Dockerfile",
        "args": {"OPENSEARCH_VERSION": "3.2.0"},
    }
    assert services["indexer"]["command"] == [
        "marquee",
        "reindex",
        "data/netflix_titles.csv.gz",
        "--format",
        "netflix",
        "--progress",
        "json",
    ]
    for name in ("indexer", "marquee-api"):
        env = services[name]["environment"]
        assert env["MARQUEE_BACKEND"] == "opensearch"
        assert env["OPENSEARCH_URL"] == "http://opensearch:9200"
        assert env["MARQUEE_OPENSEARCH_HYBRID"] in ("client", "pipeline")
    assert services["marquee-api"]["depends_on"]["indexer"] == {"condition": "service_completed_successfully"}
    assert services["dashboards"]["profiles"] == ["dashboards"]
    for service in services.values():  # every dependency and named volume exists
        assert set(service.get("depends_on", {})) <= set(services)
        for mount in service.get("volumes", []):
            source = mount.split(":")[0]
            assert source.startswith((".", "/")) or source in compose["volumes"]


def _instructions(path: Path) -> list[tuple[str, str]]:
    text = re.sub(r"\\\n", " ", path.read_text(encoding="utf-8"))
    rows = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    return [(row.split(None, 1)[0].upper(), row.split(None, 1)[1] if " " in row else "") for row in rows]


def test_api_dockerfile_is_slim_non_root_with_a_healthcheck():
    steps = _instructions(ROOT / "Dockerfile")
    assert steps[0] == ("FROM", "python:3.11-slim")
    assert ("RUN", "pip install .") in steps
    users = [arg for op, arg in steps if op == "USER"]
    assert users and users[-1] not in ("root", "0")
    health = [arg for op, arg in steps if op == "HEALTHCHECK"]
    assert len(health) == 1 and "/healthz" in health[0]
    assert json.loads(dict(steps)["CMD"]) == ["marquee", "serve"]  # gunicorn, through the serve command


def test_opensearch_dockerfile_builds_on_the_official_image():
    steps = _instructions(ROOT / "docker" / "opensearch.Dockerfile")
    assert ("FROM", "opensearchproject/opensearch:${OPENSEARCH_VERSION}") in steps
    assert any(op == "RUN" and "opensearch-ltr" in arg for op, arg in steps)


def _ignored(path: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatch(path, p) or fnmatch.fnmatch(path.split("/")[0], p) for p in patterns)


def test_dockerignore_keeps_what_the_image_copies_and_drops_local_state():
    patterns = [
        line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines() if line.strip() and line[0] != "#"
    ]
    copied = [arg.split()[:-1] for op, arg in _instructions(ROOT / "Dockerfile") if op == "COPY"]
    for sources in copied:
        for source in sources:
            assert (ROOT / source).exists(), source
            assert not _ignored(source, patterns), f"{source} is copied but .dockerignore drops it"
    for local in (".venv", "var", ".git", "tests"):
        assert _ignored(local, patterns), local
