"""prefect.yaml points at real flows, and the flows run on a real (ephemeral) Prefect server."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
import yaml

from tests.conftest import REPO_ROOT


def test_every_deployment_entrypoint_imports_to_a_flow() -> None:
    config = yaml.safe_load((REPO_ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    assert config["deployments"], "prefect.yaml declares no deployment"
    from prefect.flows import load_flow_from_entrypoint

    for deployment in config["deployments"]:
        path, _, name = deployment["entrypoint"].partition(":")
        flow = load_flow_from_entrypoint(f"{REPO_ROOT / path}:{name}")  # what `prefect deploy` does
        assert flow.__class__.__name__ == "Flow", deployment["name"]
        assert set(deployment.get("parameters", {})) <= set(flow.parameters.properties)


def test_schedules_are_valid_and_social_runs_name_real_sources() -> None:
    from prefect.client.schemas.schedules import CronSchedule

    from flows.settings import load_sources

    config = yaml.safe_load((REPO_ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    by_name = {d["name"]: d for d in config["deployments"]}
    assert {"daily-run", "hourly-social", "weekly-refit"} <= set(by_name)
    for deployment in config["deployments"]:
        for schedule in deployment.get("schedules", []):
            CronSchedule(cron=schedule["cron"], timezone=schedule.get("timezone"))  # raises when invalid
    assert set(by_name["hourly-social"]["parameters"]["sources"]) <= set(load_sources(None))
    assert by_name["weekly-refit"]["parameters"] == {"refit": True}


@pytest.mark.slow
def test_prefect_deploy_all_against_a_local_server(tmp_path: Path) -> None:
    """What the README tells an operator to do: `prefect server start`, a process work pool, `prefect deploy
    --all`; every deployment of prefect.yaml must then exist on the server with its schedules."""
    import os
    import subprocess
    import sys

    from flows.prefect_server import local_prefect_server

    prefect = str(Path(sys.executable).with_name("prefect"))
    with local_prefect_server(tmp_path) as server_env:
        env = {**os.environ, **server_env, "COLUMNS": "250"}
        run = lambda *args: subprocess.run([prefect, *args], env=env, cwd=REPO_ROOT, capture_output=True,  # noqa: E731
                                           text=True, timeout=300)
        assert run("work-pool", "create", "causeway-local", "--type", "process").returncode == 0
        deployed = run("--no-prompt", "deploy", "--all")
        assert deployed.returncode == 0, deployed.stdout[-3000:] + deployed.stderr[-3000:]
        listed = run("deployment", "ls")
        assert listed.returncode == 0, listed.stderr[-2000:]
        config = yaml.safe_load((REPO_ROOT / "prefect.yaml").read_text(encoding="utf-8"))
        for deployment in config["deployments"]:
            assert deployment["name"] in listed.stdout, deployment["name"]


@pytest.mark.slow
def test_reference_load_flow_publishes(small_case: Path, tmp_path: Path) -> None:
    from prefect.testing.utilities import prefect_test_harness

    from flows.reference_load import reference_load_flow

    with prefect_test_harness(server_startup_timeout=120):
        loaded = reference_load_flow(str(small_case / "reference"), home=str(tmp_path))
    assert loaded["clients"] >= 1_000
    snapshot = (tmp_path / "published" / "CURRENT").read_text().strip()
    reader = duckdb.connect(str(tmp_path / "published" / snapshot), read_only=True)
    assert reader.execute("SELECT count(*) FROM employees").fetchone()[0] == loaded["employees"]
    reader.close()
