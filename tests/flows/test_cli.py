"""The ``causeway`` console script, run as a real subprocess."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from flows.settings import DEFAULT_CONFIG_DIR

CAUSEWAY = Path(sys.executable).with_name("causeway")


def run(*args: str, env: dict[str, str] | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    full_env = {**os.environ, **(env or {})}
    full_env.pop("CAUSEWAY_HOME", None) if env is None or "CAUSEWAY_HOME" not in env else None
    return subprocess.run([str(CAUSEWAY), *args], capture_output=True, text=True, env=full_env, timeout=timeout)


@pytest.mark.parametrize("command", [[], ["generate"], ["demo"]])
def test_every_command_has_help(command: list[str]) -> None:
    result = run(*command, "--help")
    assert result.returncode == 0, result.stderr
    assert "Usage: causeway" in result.stdout
    assert len(result.stdout.splitlines()) > 6


def test_generate_writes_a_case(tmp_path: Path) -> None:
    result = run("generate", "--out", str(tmp_path / "case"), "--complaints", "1000", "--seed", "3")
    assert result.returncode == 0, result.stderr
    assert "Wrote 1,000 complaints" in result.stdout
    manifest = json.loads((tmp_path / "case" / "manifest.json").read_text())
    assert manifest["seed"] == 3 and manifest["complaints"] == 1000
    assert (tmp_path / "case" / "ground_truth" / "complaints.csv").exists()


def test_generate_refuses_a_size_out_of_range(tmp_path: Path) -> None:
    result = run("generate", "--out", str(tmp_path), "--complaints", "10")
    assert result.returncode == 2
    assert "--complaints" in result.stderr and "1000<=x<=1000000" in result.stderr.replace(",", "")


def test_bad_config_is_one_line_naming_file_and_key(tmp_path: Path) -> None:
    config = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, config)
    (config / "causeway.yaml").write_text("warehouse:\n  keep_snapshots: none\n", encoding="utf-8")
    result = run("--config", str(config), "demo", "--complaints", "1000")
    assert result.returncode == 2
    error_lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(error_lines) == 1, result.stderr
    assert "causeway.yaml" in error_lines[0] and "'warehouse.keep_snapshots'" in error_lines[0]
    assert "Traceback" not in result.stderr


def test_demo_from_nothing_publishes_a_readable_warehouse(tmp_path: Path) -> None:
    home = tmp_path / "home"
    result = run("--home", str(home), "demo", "--complaints", "1000", "--seed", "5")
    assert result.returncode == 0, result.stderr
    assert "Causeway demo" in result.stdout and "Look at:" in result.stdout
    assert str(home / "warehouse.duckdb") in result.stdout
    snapshot = (home / "published" / "CURRENT").read_text().strip()
    reader = duckdb.connect(str(home / "published" / snapshot), read_only=True)
    assert reader.execute("SELECT count(*) FROM clients").fetchone()[0] >= 1_000
    assert reader.execute("SELECT count(*) FROM shipments_daily").fetchone()[0] > 50_000
    reader.close()
    again = run("demo", "--complaints", "1000", "--seed", "5", env={"CAUSEWAY_HOME": str(home)})
    assert again.returncode == 0, again.stderr
    assert "already there" in again.stdout
