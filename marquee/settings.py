"""One frozen settings object, built once from ``MARQUEE_*`` env vars and an optional TOML file.

Only the CLI ``main()`` and ``create_app()`` call :func:`load_settings`; everything else receives the
object, so no module reads the environment behind the caller's back and tests can build settings
explicitly.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

ENV_PREFIX = "MARQUEE_"


class SettingsError(ValueError):
    """A setting has a value we cannot use; the message names the setting."""


@dataclass(frozen=True)
class Settings:
    home: Path = Path("var")
    backend: str = "embedded"
    opensearch_url: str = ""
    opensearch_hybrid: str = "client"
    embedder: str = "minilm"
    embedder_model: str = ""  # a fine-tuned sentence-transformers folder (marquee train-encoder); "" = the packaged one
    query_encoder: str = "auto"  # auto: int8 ONNX of the packaged MiniLM for queries (same vector space); same
    fusion: str = ""  # the "fusion" JSON object tune-fusion prints; "" = DEFAULT_FUSION (tuned for packaged weights)
    dense_floor: str = "auto"  # cosine a dense-only answer needs: auto (calibrated per packaged embedder), none, 0.5
    ltr_model: str = ""  # an LTR model file to serve; "" = <home>/models/ltr/model.txt when it exists
    alias: str = "catalog"
    keep_versions: int = 3
    hnsw_threshold: int = 200_000
    max_text_chars: int = 20_000
    batch_size: int = 64
    catalog: Path = Path("data/netflix_titles.csv.gz")
    catalog_format: str = "netflix"
    catalog_dirs: tuple[str, ...] = ()  # folders POST /admin/reindex may read; () = the catalog's and <home>/catalogs
    api_keys: tuple[str, ...] = ()
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 2
    threads: int = 4
    log_level: str = "info"
    trending_half_life_s: int = 3600  # "Trending now": half-life of the decayed play count (baseline: 24x longer)
    profile_half_life_s: int = 30 * 86_400  # a viewer's affinities and centroid halve in weight every 30 days
    search_log_days: int = 30  # how long the search log behind /analytics keeps a search
    # Exploration (search/exploration.py): the share of /search first pages whose slots below the top
    # ``exploration_keep`` show a replayable random draw from ranks keep+1..``exploration_depth``; 0 = off
    exploration_rate: float = 0.0
    exploration_keep: int = 5
    exploration_depth: int = 30
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def indices_dir(self) -> Path:
        return self.home / "indices"

    @property
    def db_path(self) -> Path:
        return self.home / "marquee.sqlite3"

    @property
    def models_dir(self) -> Path:
        return self.home / "models"

    @property
    def allowed_catalog_dirs(self) -> tuple[Path, ...]:
        """Where a re-index requested over HTTP may read catalogs from (resolved): never any server path."""
        dirs = [Path(d) for d in self.catalog_dirs] or [self.catalog.parent, self.home / "catalogs"]
        return tuple(d.resolve() for d in dirs)

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)


_CHOICES = {
    "backend": ("embedded", "opensearch"),
    "embedder": ("minilm", "minilm-onnx", "hashing"),
    "query_encoder": ("auto", "same"),
    "opensearch_hybrid": ("client", "pipeline"),
    "catalog_format": ("netflix", "tmdb", "beir", "jsonl"),
}


def _coerce(name: str, default: Any, raw: Any) -> Any:
    """Convert a raw env/TOML value to the type of the setting's default."""
    try:
        if isinstance(default, Path):
            return Path(raw)
        if isinstance(default, bool):
            return str(raw).lower() in ("1", "true", "yes", "on")
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, float):
            return float(raw)
        if isinstance(default, tuple):
            if isinstance(raw, str):
                return tuple(part.strip() for part in raw.split(",") if part.strip())
            return tuple(str(part) for part in raw)
        if isinstance(default, str):
            return str(raw)
        return raw
    except (TypeError, ValueError) as exc:
        raise SettingsError(f"setting {name!r}: cannot use {raw!r} ({exc})") from exc


def load_settings(
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Build settings: defaults < TOML file (``MARQUEE_CONFIG``) < env vars < explicit overrides."""
    env = os.environ if env is None else env
    defaults = Settings()
    hints = {f.name: getattr(defaults, f.name) for f in fields(Settings)}
    values: dict[str, Any] = {}
    config_file = env.get(f"{ENV_PREFIX}CONFIG")
    if config_file:
        try:
            with open(config_file, "rb") as fh:
                values.update(tomllib.load(fh))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise SettingsError(f"cannot read settings file {config_file}: {exc}") from exc
    for name in hints:
        key = f"{ENV_PREFIX}{name.upper()}"
        if key in env:
            values[name] = env[key]
    if "OPENSEARCH_URL" in env and "opensearch_url" not in values:
        values["opensearch_url"] = env["OPENSEARCH_URL"]
    values.update(overrides or {})
    unknown = sorted(set(values) - set(hints))
    if unknown:
        raise SettingsError(f"unknown settings {unknown}; valid: {sorted(hints)}")
    typed = {name: _coerce(name, hints[name], raw) for name, raw in values.items()}
    for name, choices in _CHOICES.items():
        if name in typed and typed[name] not in choices:
            raise SettingsError(f"setting {name!r} must be one of {list(choices)}, got {typed[name]!r}")
    return Settings(**typed)
