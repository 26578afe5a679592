"""Settings: defaults, files, environment overrides, and one clear sentence per mistake."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from flows.settings import DEFAULT_CONFIG_DIR, REPO_ROOT, SettingsError, load_settings


@pytest.fixture()
def config_dir(tmp_path: Path) -> Path:
    target = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, target)
    return target


def test_repository_config_loads_with_defaults() -> None:
    settings = load_settings(env={})
    assert settings.home == (REPO_ROOT / "data").resolve()
    assert settings.warehouse_path.name == "warehouse.duckdb"
    assert "industry" in settings.segments.dimensions


def test_home_from_environment_then_from_argument(tmp_path: Path) -> None:
    assert load_settings(env={"CAUSEWAY_HOME": str(tmp_path / "a")}).home == tmp_path / "a"
    assert load_settings(env={"CAUSEWAY_HOME": str(tmp_path / "a")}, home=tmp_path / "b").home == tmp_path / "b"


def test_nested_environment_override_is_typed() -> None:
    settings = load_settings(env={"CAUSEWAY__DEMO__COMPLAINTS": "5000", "CAUSEWAY__SEGMENTS__DIMENSIONS": "[region]"})
    assert settings.demo.complaints == 5000
    assert settings.segments.dimensions == ("region",)


def test_invalid_value_names_file_and_key(config_dir: Path) -> None:
    (config_dir / "causeway.yaml").write_text("demo:\n  complaints: lots\n", encoding="utf-8")
    with pytest.raises(SettingsError) as error:
        load_settings(config_dir, env={})
    message = str(error.value)
    assert str(config_dir / "causeway.yaml") in message
    assert "'demo.complaints'" in message and "'lots'" in message
    assert "\n" not in message


def test_unknown_key_in_a_section_file(config_dir: Path) -> None:
    (config_dir / "segments.yaml").write_text("dimensions: [region]\ndimension: [oops]\n", encoding="utf-8")
    with pytest.raises(SettingsError, match=r"segments\.yaml: key 'segments\.dimension' is not a known setting"):
        load_settings(config_dir, env={})


def test_unparseable_file_is_named(config_dir: Path) -> None:
    (config_dir / "causeway.yaml").write_text("demo: [unclosed\n", encoding="utf-8")
    with pytest.raises(SettingsError, match=r"causeway\.yaml: cannot be parsed"):
        load_settings(config_dir, env={})


def test_bad_environment_override_names_the_variable(config_dir: Path) -> None:
    with pytest.raises(SettingsError, match=r"environment variable CAUSEWAY__WAREHOUSE__KEEP_SNAPSHOTS: key "
                                            r"'warehouse\.keep_snapshots'"):
        load_settings(config_dir, env={"CAUSEWAY__WAREHOUSE__KEEP_SNAPSHOTS": "0"})


def test_toml_files_are_read(config_dir: Path) -> None:
    (config_dir / "segments.yaml").unlink()
    (config_dir / "segments.toml").write_text('dimensions = ["channel", "region"]\n', encoding="utf-8")
    assert load_settings(config_dir, env={}).segments.dimensions == ("channel", "region")


def test_missing_config_folder(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="does not exist"):
        load_settings(tmp_path / "nope", env={})
