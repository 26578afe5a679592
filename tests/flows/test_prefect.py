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
