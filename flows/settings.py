"""Typed settings: ``config/*.yaml|toml`` plus environment overrides, validated once at start-up.

Layout of the config folder: ``causeway.yaml`` holds the root keys (``home``, ``warehouse``, ``demo``);
every other top-level file is one section named after its stem (``segments.yaml`` -> ``settings.segments``,
``ingest.yaml``, ``pii.yaml``, ``topics.yaml``, ``cause_types.yaml``). ``sources/*.yaml`` are the source
adapters (:func:`load_sources`).

Environment overrides: ``CAUSEWAY_HOME`` sets ``home``; ``CAUSEWAY__SECTION__KEY=value`` sets any key
(value parsed as YAML, so ``7`` is a number and ``[a, b]`` a list).

Every user error ends in :class:`SettingsError`, one sentence naming the file (or variable) and the key.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from flows.decision_settings import CauseTypeSettings, ClientSettings, PolicySettings, default_policy
from transforms.source_spec import SourceSpec

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG_DIR = REPO_ROOT / "config"
ROOT_FILE_STEM = "causeway"
ENV_HOME = "CAUSEWAY_HOME"
ENV_PREFIX = "CAUSEWAY__"


class SettingsError(ValueError):
    """A configuration problem a user can fix; the message is one sentence naming file and key."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WarehouseSettings(_Strict):
    file: str = Field("warehouse.duckdb", description="working DuckDB file, relative to home")
    published_dir: str = Field("published", description="folder of published snapshots, relative to home")
    keep_snapshots: int = Field(3, ge=1, description="published snapshots kept for readers")
    raw_dir: str = Field("raw", description="the raw layer: a Parquet file per loaded export, by source "
                         "(relative to home, or absolute)")


class DemoSettings(_Strict):
    complaints: int = Field(20_000, ge=1_000, le=1_000_000)
    seed: int = 42
    sample_dir: str = Field("sample", description="where the demo's generated case lives, relative to home")


class RunnerSettings(_Strict):
    kind: Literal["local", "dask"] = Field("local", description="where the heavy tasks run")
    dask_address: str | None = Field(None, description="an existing Dask scheduler (tcp://host:8786); "
                                                       "None with kind dask: a local cluster")
    dask_workers: int = Field(2, ge=1, description="workers of the local Dask cluster")


class SegmentSettings(_Strict):
    dimensions: tuple[str, ...] = Field(
        ("industry", "client_type", "shipment_type", "region", "channel"),
        min_length=1,
        description="columns of a complaint that define a customer segment",
    )


class IngestSettings(_Strict):
    inbox_dir: str = Field("inbox", description="where exports are dropped, relative to home")
    rejected_dir: str = Field("rejected", description="where unreadable files are moved, relative to home")
    max_text_chars: int = Field(50_000, ge=100, description="longer complaint texts are quarantined")
    incident_window_hours: float = Field(72.0, gt=0)
    stage_threads: int | None = Field(None, ge=1, description="files staged at once, in threads; empty: one per core")
    tracking_number_pattern: str = r"(?-u:\b)(?:20|59)\d{12}(?-u:\b)"


    @field_validator("tracking_number_pattern")
    @classmethod
    def _compiles(cls, pattern: str) -> str:
        import polars as pl

        try:
            pl.Series([""]).str.contains(pattern)
        except Exception as exc:  # polars reports the regex engine's own message
            raise ValueError(f"not a valid regular expression ({str(exc).splitlines()[0]})") from None
        return pattern


class PiiSettings(_Strict):
    placeholders: dict[str, str] = Field(default_factory=lambda: {
        "email": "<EMAIL>", "card": "<CARD>", "phone": "<PHONE>", "address": "<ADDRESS>", "name": "<NAME>"})
    name_cues: tuple[str, ...] = ()
    first_names: dict[str, tuple[str, ...]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _all_placeholders(self) -> PiiSettings:
        missing = {"email", "card", "phone", "address", "name"} - set(self.placeholders)
        if missing:
            raise ValueError(f"placeholders lack {sorted(missing)}")
        return self


class EmbeddingSettings(_Strict):
    backend: Literal["lsa", "sentence-transformer", "use"] = "lsa"
    dim: int = Field(100, ge=2, le=1024, description="lsa: vector size")
    min_df: int = Field(2, ge=1, description="lsa: a term must appear in this many complaints")
    max_df: float = Field(0.5, gt=0, le=1, description="lsa: terms in a larger share of complaints are dropped")
    model: str = Field("", description="sentence-transformer: a local model folder (empty: the packaged MiniLM)")
    device: str = Field("auto", description="sentence-transformer: auto | cpu | cuda")


class TopicSettings(_Strict):
    embedding: EmbeddingSettings = EmbeddingSettings()
    n_topics: int | None = Field(None, ge=2, description="sub-causes per fit; empty: 0.9 x sqrt(complaints)")
    n_roots: int | None = Field(None, ge=2, description="root causes per fit; empty: a quarter of the sub-causes")
    max_topics: int = Field(120, ge=2)
    max_root_share: float = Field(0.2, gt=0, le=1, description="no root cause may hold more of the complaints")
    outlier_quantile: float = Field(0.02, ge=0, lt=0.5)
    fit_sample: int = Field(50_000, ge=100, description="complaints a fit learns from; the rest are assigned")
    normalize_workers: int | None = Field(None, ge=1, description="processes for large backlogs; empty: one per core")
    normalize_parallel_from: int = Field(40_000, ge=1, description="pending complaints per extra worker process")
    keywords: int = Field(10, ge=3)
    representatives: int = Field(5, ge=1)
    seed: int = 0
    refit_every_days: int = Field(7, ge=1, description="a run refits when the model is older than this")
    min_overlap: float = Field(0.3, gt=0, le=1, description="shared members for a refit topic to keep an old id")
    stopwords: dict[str, tuple[str, ...]] = Field(default_factory=dict, description="extra stop words per language")
    min_lift: float = Field(1.5, gt=1, description="a segment where a cause is concentrated has at least this lift")
    min_segment_complaints: int = Field(10, ge=1)
    emerging_min_complaints: int = Field(20, ge=1, description="unassigned complaints before a watch row is published")


DASHBOARD_PAGES = ("overview", "root_causes", "cx_desk", "clients", "data_quality")


class DashboardSettings(_Strict):
    roles: dict[str, tuple[Literal[DASHBOARD_PAGES], ...]] = Field(default_factory=lambda: {  # type: ignore[valid-type]
        "admin": DASHBOARD_PAGES})
    token_hours: float = Field(12.0, gt=0)
    port: int = Field(8501, ge=1024, le=65535)


class Settings(_Strict):
    home: Path = Field(default_factory=lambda: REPO_ROOT / "data")
    config_dir: Path = Field(DEFAULT_CONFIG_DIR, description="set by load_settings: the folder read")
    warehouse: WarehouseSettings = WarehouseSettings()
    demo: DemoSettings = DemoSettings()
    runner: RunnerSettings = RunnerSettings()
    segments: SegmentSettings = SegmentSettings()
    ingest: IngestSettings = IngestSettings()
    pii: PiiSettings = PiiSettings()
    topics: TopicSettings = TopicSettings()
    cause_types: CauseTypeSettings = CauseTypeSettings()
    clients: ClientSettings = ClientSettings()
    policy: PolicySettings = Field(default_factory=default_policy)
    dashboard: DashboardSettings = DashboardSettings()

    @property
    def warehouse_path(self) -> Path:
        return self.home / self.warehouse.file

    @property
    def published_path(self) -> Path:
        return self.home / self.warehouse.published_dir

    @property
    def raw_path(self) -> Path:
        return self.home / self.warehouse.raw_dir

    @property
    def inbox_path(self) -> Path:
        return self.home / self.ingest.inbox_dir

    @property
    def rejected_path(self) -> Path:
        return self.home / self.ingest.rejected_dir

    @property
    def quarantine_path(self) -> Path:
        return self.home / "quarantine"

    @property
    def models_path(self) -> Path:
        return self.home / "models"

    @property
    def sample_path(self) -> Path:
        return self.home / self.demo.sample_dir


def load_settings(
    config_dir: Path | None = None,
    env: Mapping[str, str] | None = None,
    home: Path | None = None,
) -> Settings:
    """Read the config folder, apply environment overrides and an explicit ``home``, validate."""
    config_dir = Path(config_dir) if config_dir else DEFAULT_CONFIG_DIR
    env = os.environ if env is None else env
    raw, origin = _read_config_dir(config_dir)
    _apply_env(raw, origin, env)
    if home is not None:
        raw["home"] = str(home)
        origin["home"] = "--home"
    try:
        settings = Settings.model_validate(raw)
    except ValidationError as exc:
        raise SettingsError(_one_sentence(exc, origin)) from None
    return settings.model_copy(update={"home": settings.home.expanduser().resolve(),
                                       "config_dir": config_dir.resolve()})


def _read_config_dir(config_dir: Path) -> tuple[dict[str, Any], dict[str, str]]:
    """Merge the folder's files into one dict; ``origin`` maps each top-level key to where it came from."""
    if not config_dir.is_dir():
        raise SettingsError(f"{config_dir}: the configuration folder does not exist.")
    raw: dict[str, Any] = {}
    origin: dict[str, str] = {}
    files = sorted(p for p in config_dir.iterdir() if p.suffix in {".yaml", ".yml", ".toml"})
    for path in files:
        content = _parse_file(path)
        if path.stem == ROOT_FILE_STEM:
            for key, value in content.items():
                raw[key] = value
                origin[key] = str(path)
        elif path.stem in Settings.model_fields and path.stem != "home":
            raw[path.stem] = content
            origin[path.stem] = str(path)
        # other files (policy.yaml, kpis.yaml, ...) are owned by the capability that reads them
    return raw, origin


def _parse_file(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
        content = tomllib.loads(text) if path.suffix == ".toml" else yaml.safe_load(text)
    except (yaml.YAMLError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        reason = str(exc).splitlines()[0]
        raise SettingsError(f"{path}: cannot be parsed ({reason}).") from None
    if content is None:
        return {}
    if not isinstance(content, dict):
        raise SettingsError(f"{path}: the top level must be a mapping of keys, not {type(content).__name__}.")
    return content


def _apply_env(raw: dict[str, Any], origin: dict[str, str], env: Mapping[str, str]) -> None:
    if env.get(ENV_HOME):
        raw["home"] = env[ENV_HOME]
        origin["home"] = f"environment variable {ENV_HOME}"
    for name in sorted(env):
        if not name.startswith(ENV_PREFIX):
            continue
        path = [part.lower() for part in name[len(ENV_PREFIX):].split("__") if part]
        if not path:
            continue
        try:
            value = yaml.safe_load(env[name])
        except yaml.YAMLError:
            value = env[name]
        node = raw
        for part in path[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        node[path[-1]] = value
        origin[".".join(path)] = f"environment variable {name}"
        origin.setdefault(path[0], f"environment variable {name}")


def _one_sentence(exc: ValidationError, origin: dict[str, str]) -> str:
    error = exc.errors()[0]
    key = ".".join(str(part) for part in error["loc"])
    source = origin.get(key) or origin.get(str(error["loc"][0])) or "default settings"
    if error["type"] == "extra_forbidden":
        problem = "is not a known setting"
    else:
        message = error["msg"].rstrip(".")
        problem = f"is invalid: {message[:1].lower() + message[1:]} (got {error.get('input')!r})"
    more = f" ({exc.error_count() - 1} more problem(s) after this one)" if exc.error_count() > 1 else ""
    return f"{source}: key '{key}' {problem}{more}."


def load_sources(config_dir: Path | None = None) -> dict[str, SourceSpec]:
    """Every source adapter in ``config/sources/*.yaml``, validated; keyed by source name."""
    folder = (Path(config_dir) if config_dir else DEFAULT_CONFIG_DIR) / "sources"
    specs: dict[str, SourceSpec] = {}
    for path in sorted(folder.glob("*.y*ml")):
        raw = _parse_file(path)
        try:
            spec = SourceSpec.model_validate(raw)
        except ValidationError as exc:
            error = exc.errors()[0]
            key = ".".join(str(part) for part in error["loc"]) or "(file)"
            raise SettingsError(f"{path}: key '{key}' is invalid: {error['msg'].rstrip('.')}.") from None
        if spec.name in specs:
            raise SettingsError(f"{path}: source name '{spec.name}' is already used by another file.")
        specs[spec.name] = spec
    return specs
