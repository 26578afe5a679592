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


@pytest.mark.parametrize(("rule", "message"), [
    ("{name: r, when: {tier: A1}, choices: [promo_code], reason: x}", r"when\.tier is 'A1'; expected a list"),
    ("{name: r, when: {severity: [high]}, choices: [promo_code], reason: x}", r"expected high or normal"),
    ("{name: r, when: {hotspot: 'yes'}, choices: [promo_code], reason: x}", r"expected true or false"),
    ("{name: r, when: {weather: [rain]}, choices: [promo_code], reason: x}", r"unknown condition\(s\) weather"),
    ("{name: r, choices: [free_car], reason: x}", r"unknown response\(s\) free_car"),
])
def test_policy_rules_are_checked_and_named(config_dir: Path, rule: str, message: str) -> None:
    (config_dir / "policy.yaml").write_text(f"rules:\n  - {rule}\n  - {{name: all, choices: [promo_code], "
                                            "reason: y}\n", encoding="utf-8")
    with pytest.raises(SettingsError, match=message) as error:
        load_settings(config_dir=config_dir, env={})
    assert "policy.yaml" in str(error.value) and "\n" not in str(error.value)


def test_policy_must_end_with_a_rule_for_everything(config_dir: Path) -> None:
    (config_dir / "policy.yaml").write_text("rules:\n  - {name: r, when: {tier: [A1]}, choices: [gift_box], "
                                            "reason: x}\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="the last rule must have no `when`"):
        load_settings(config_dir=config_dir, env={})


def test_reaction_ranking_segment_must_be_one_the_analysis_publishes(config_dir: Path) -> None:
    (config_dir / "policy.yaml").write_text("reaction_ranking: {segment: region}\nrules:\n"
                                            "  - {name: all, choices: [promo_code], reason: y}\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="reaction_ranking.segment"):
        load_settings(config_dir=config_dir, env={})
