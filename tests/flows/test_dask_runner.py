"""The cluster flow's heavy task on Prefect's Dask task runner (a local Dask cluster of 2 worker processes)
gives exactly the local run's terms and root causes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from flows.cluster import cluster_flow
from flows.ingest import ingest_flow
from flows.reference_load import load_reference_folder
from flows.settings import load_settings
from tests.conftest import query_warehouse

pytestmark = pytest.mark.usefixtures("prefect_harness")


def test_normalizing_on_dask_matches_the_local_run(small_case: Path, tmp_path: Path, monkeypatch) -> None:
    local, on_dask = tmp_path / "local", tmp_path / "dask"
    load_reference_folder(load_settings(home=local, env={}).warehouse_path, small_case / "reference")
    ingest_flow(inbox=str(small_case / "inbox"), home=str(local), publish=False)
    shutil.copytree(local, on_dask)

    cluster_flow(home=str(local), publish=False)
    monkeypatch.setenv("CAUSEWAY__RUNNER__KIND", "dask")
    monkeypatch.setenv("CAUSEWAY__RUNNER__DASK_WORKERS", "2")
    cluster_flow(home=str(on_dask), publish=False)

    terms = "SELECT complaint_id, text_hash, lemmas, entities FROM complaint_terms ORDER BY complaint_id"
    assert query_warehouse(on_dask, terms) == query_warehouse(local, terms)
    assert len(query_warehouse(local, terms)) > 900
    causes = "SELECT complaint_id, fit_sub_cause_id FROM complaint_root_cause ORDER BY complaint_id"
    assert query_warehouse(on_dask, causes) == query_warehouse(local, causes)
