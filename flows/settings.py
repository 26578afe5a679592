"""Typed settings: ``config/*.yaml|toml`` plus environment overrides, validated once at start-up.

Layout of the config folder: ``causeway.yaml`` holds the root keys (``home``, ``warehouse``, ``demo``);
every other top-level file is one section named after its stem (``segments.yaml`` -> ``settings.segments``).
Sub-folders (``sources/``) belong to their own loaders.

Environment overrides: ``CAUSEWAY_HOME`` sets ``home``; ``CAUSEWAY__SECTION__KEY=value`` sets any key
(value parsed as YAML, so ``7`` is a number and ``[a, b]`` a list).

Every user error ends in :class:`SettingsError`, one sentence naming the file (or variable) and the key.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

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


class DemoSettings(_Strict):
    complaints: int = Field(20_000, ge=1_000, le=1_000_000)
    seed: int = 42
    sample_dir: str = Field("sample", description="where the demo's generated case lives, relative to home")


class SegmentSettings(_Strict):
    dimensions: tuple[str, ...] = Field(
        ("industry", "client_type", "shipment_type", "region", "channel"),
        min_length=1,
        description="columns of a complaint that define a customer segment",
    )


class Settings(_Strict):
    home: Path = Field(default_factory=lambda: REPO_ROOT / "data")
    warehouse: WarehouseSettings = WarehouseSettings()
    demo: DemoSettings = DemoSettings()
    segments: SegmentSettings = SegmentSettings()

    @property
    def warehouse_path(self) -> Path:
        return self.home / self.warehouse.file

    @property
    def published_path(self) -> Path:
        return self.home / self.warehouse.published_dir

    @property
    def inbox_path(self) -> Path:
        return self.home / "inbox"

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
    return settings.model_copy(update={"home": settings.home.expanduser().resolve()})


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
        problem = f"is invalid: {error['msg'].rstrip('.').lower()} (got {error.get('input')!r})"
    more = f" ({exc.error_count() - 1} more problem(s) after this one)" if exc.error_count() > 1 else ""
    return f"{source}: key '{key}' {problem}{more}."
