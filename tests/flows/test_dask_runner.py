"""The cluster flow's heavy tasks on Prefect's Dask task runner (a local Dask cluster of 2 worker processes)
give exactly the local run's terms and root causes: normalization, and embedding + assignment both after a
fit (the complaints outside the fit sample) and in a later assign-only run."""

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

TERMS = "SELECT complaint_id, text_hash, lemmas, entities FROM complaint_terms ORDER BY complaint_id"
CAUSES = "SELECT complaint_id, fit_sub_cause_id FROM complaint_root_cause ORDER BY complaint_id"
SIMILARITY = "SELECT complaint_id, similarity FROM complaint_root_cause ORDER BY complaint_id"


def same_causes(home: Path, reference: Path) -> None:
    """The same sub-cause for every complaint; similarities equal up to float rounding (the workers' BLAS
    runs one thread, this process's several: sums in another order)."""
    assert query_warehouse(home, CAUSES) == query_warehouse(reference, CAUSES)
    for (a_id, a), (b_id, b) in zip(query_warehouse(home, SIMILARITY), query_warehouse(reference, SIMILARITY),
                                    strict=True):
        assert a_id == b_id and a == pytest.approx(b, rel=1e-5, abs=1e-6)


def test_normalizing_embedding_and_assigning_on_dask_match_the_local_run(small_case: Path, tmp_path: Path,
                                                                         monkeypatch) -> None:
    first, later = tmp_path / "inbox_first", tmp_path / "inbox_later"
    shutil.copytree(small_case / "inbox", first)
    for path in sorted(first.rglob("*2026-10*")):  # the last month arrives after the fit
        target = later / path.relative_to(first)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(path, target)
    local, on_dask = tmp_path / "local", tmp_path / "dask"
    load_reference_folder(load_settings(home=local, env={}).warehouse_path, small_case / "reference")
    ingest_flow(inbox=str(first), home=str(local), publish=False)
    shutil.copytree(local, on_dask)
    monkeypatch.setenv("CAUSEWAY__TOPICS__FIT_SAMPLE", "400")  # the other complaints are assigned after the fit

    def cluster(home: Path, dask: bool) -> dict:
        if dask:
            monkeypatch.setenv("CAUSEWAY__RUNNER__KIND", "dask")
            monkeypatch.setenv("CAUSEWAY__RUNNER__DASK_WORKERS", "2")
        else:
            monkeypatch.delenv("CAUSEWAY__RUNNER__KIND", raising=False)
        return cluster_flow(home=str(home), publish=False)

    fitted = {"local": cluster(local, dask=False), "dask": cluster(on_dask, dask=True)}
    assert fitted["dask"]["mode"] == "fit" and fitted["dask"]["assigned"] > 400 + 300
    assert len(query_warehouse(local, TERMS)) > 800
    assert query_warehouse(on_dask, TERMS) == query_warehouse(local, TERMS)
    same_causes(on_dask, local)

    for home in (local, on_dask):
        ingest_flow(inbox=str(later), home=str(home), publish=False)
    assigned = {"local": cluster(local, dask=False), "dask": cluster(on_dask, dask=True)}
    assert assigned["dask"]["mode"] == "assign" and assigned["dask"]["assigned"] > 30
    assert assigned["dask"]["assigned"] == assigned["local"]["assigned"]
    assert query_warehouse(on_dask, TERMS) == query_warehouse(local, TERMS)
    same_causes(on_dask, local)
