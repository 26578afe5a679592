"""The cluster flow on a real DuckDB warehouse and a real (temporary) Prefect server.

Fit on part of a generated case, then the rest arrives: only the new complaints are normalized, embedded
and assigned; edits survive a refit; the published snapshot holds every root-cause table.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from flows import warehouse
from flows.cluster import cluster_flow
from flows.ingest import ingest_flow
from flows.reference_load import load_reference_folder
from flows.settings import load_settings
from tests.conftest import query_warehouse as _rows

pytestmark = pytest.mark.usefixtures("prefect_harness")


@pytest.fixture(scope="module")
def clustered(small_case: Path, tmp_path_factory) -> dict:
    """A home where two thirds of the case were ingested and fitted, then the rest ingested and assigned."""
    home = tmp_path_factory.mktemp("cluster_home")
    settings = load_settings(home=home, env={})
    load_reference_folder(settings.warehouse_path, small_case / "reference")
    first, later = home / "inbox_first", home / "inbox_later"
    for path in sorted((small_case / "inbox").rglob("*")):
        if path.is_file() and path.suffix != ".md":
            month = path.stem.rsplit("_", 1)[-1]
            target = (later if month >= "2026-07" else first) / path.relative_to(small_case / "inbox")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, target)
    ingest_flow(inbox=str(first), home=str(home))
    with pytest.MonkeyPatch.context() as env:  # the first backlog is normalized by two worker processes
        env.setenv("CAUSEWAY__TOPICS__NORMALIZE_WORKERS", "2")
        env.setenv("CAUSEWAY__TOPICS__NORMALIZE_PARALLEL_FROM", "100")
        fitted = cluster_flow(home=str(home))
    before = _rows(home, "SELECT complaint_id, root_cause_id, sub_cause_id FROM complaint_root_cause ORDER BY 1")
    ingest_flow(inbox=str(later), home=str(home))
    assigned = cluster_flow(home=str(home))
    return {"home": home, "fitted": fitted, "assigned": assigned, "before": before}


def _published(home: Path, sql: str) -> list[tuple]:
    con = warehouse.open_published(home / "published")
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_the_first_run_fits_and_every_complaint_gets_one_row(clustered: dict) -> None:
    fitted = clustered["fitted"]
    assert fitted["mode"] == "fit" and fitted["complaints"] == fitted["normalized"] > 300
    assert fitted["unassigned"] == 0
    complaints, rows, distinct = _rows(clustered["home"], "SELECT (SELECT count(*) FROM complaints), count(*), "
                                       "count(DISTINCT complaint_id) FROM complaint_root_cause")[0]
    assert complaints == rows == distinct


def test_new_complaints_are_assigned_without_refit_and_old_ones_untouched(clustered: dict) -> None:
    fitted, assigned = clustered["fitted"], clustered["assigned"]
    new = assigned["complaints"] - fitted["complaints"]
    assert assigned["mode"] == "assign" and assigned["model_version"] == fitted["model_version"]
    assert new > 100 and assigned["normalized"] == new and assigned["assigned"] == new
    assert assigned["embedded"] <= new
    before = dict((cid, (root, sub)) for cid, root, sub in clustered["before"])
    after = _rows(clustered["home"], "SELECT complaint_id, root_cause_id, sub_cause_id FROM complaint_root_cause")
    assert all(before[cid] == (root, sub) for cid, root, sub in after if cid in before)
    assert assigned["unassigned"] <= 0.1 * assigned["complaints"]


def test_a_run_with_nothing_new_does_no_work(clustered: dict) -> None:
    again = cluster_flow(home=str(clustered["home"]))
    assert (again["normalized"], again["embedded"], again["assigned"]) == (0, 0, 0)


def test_the_model_in_use_is_the_one_the_warehouse_was_assigned_with(clustered: dict) -> None:
    """A fit that saved its model but crashed before committing its assignments changes nothing."""
    home = clustered["home"]
    version = clustered["assigned"]["model_version"]
    import joblib

    from flows import topic_store

    crashed = joblib.load(home / "models" / "topics" / version / "model.joblib")
    crashed.version = "29990101T000000.000000Z-crash"
    topic_store.save_model(home / "models", crashed)  # saved and made CURRENT, never committed
    assert cluster_flow(home=str(home))["model_version"] == version


def test_published_tables_describe_every_cause(clustered: dict) -> None:
    home = clustered["home"]
    causes = _published(home, "SELECT level, count(*), sum(size), max(size) FROM root_causes "
                              "WHERE status <> 'emerging' GROUP BY level")
    sizes = {level: (n, total, biggest) for level, n, total, biggest in causes}
    total = _published(home, "SELECT count(*) FROM complaint_root_cause WHERE root_cause_id IS NOT NULL")[0][0]
    assert sizes["root"][1] == sizes["sub"][1] == total
    assert sizes["root"][2] <= 0.25 * total  # no collapse into one giant cause
    bad = _published(home, "SELECT count(*) FROM root_causes WHERE len(keywords) = 0 OR label = '' "
                           "OR len(representative_complaint_ids) = 0 OR first_seen IS NULL")[0][0]
    assert bad == 0
    orphans = _published(home, "SELECT count(*) FROM root_causes s LEFT JOIN root_causes r "
                               "ON s.parent_id = r.root_cause_id WHERE s.level = 'sub' AND r.root_cause_id IS NULL")
    assert orphans[0][0] == 0
    dims = {d for (d,) in _published(home, "SELECT DISTINCT dimension FROM root_cause_segments")}
    assert dims == set(load_settings(env={}).segments.dimensions)
    daily = _published(home, "SELECT sum(complaints) FROM root_cause_daily WHERE level = 'root'")[0][0]
    assert daily == total


def test_complaints_that_fit_no_cause_are_watched(clustered: dict, monkeypatch) -> None:
    home = clustered["home"]
    unassigned = _rows(home, "SELECT count(*) FROM complaint_root_cause WHERE root_cause_id IS NULL")[0][0]
    assert 0 < unassigned <= 0.1 * clustered["assigned"]["complaints"]
    monkeypatch.setenv("CAUSEWAY__TOPICS__EMERGING_MIN_COMPLAINTS", "1")
    summary = cluster_flow(home=str(home))
    assert summary["emerging"] == unassigned
    size, status, keywords, latest = _published(home, "SELECT size, status, keywords, representative_complaint_ids "
                                                      "FROM root_causes WHERE root_cause_id = 'RC-WATCH'")[0]
    assert (size, status) == (unassigned, "emerging") and latest
    monkeypatch.delenv("CAUSEWAY__TOPICS__EMERGING_MIN_COMPLAINTS")
    assert cluster_flow(home=str(home))["emerging"] == 0


def test_edits_are_applied_and_survive_a_refit(clustered: dict) -> None:
    from flows import cause_tables

    home = clustered["home"]
    (first, _), (second, _) = _rows(home, "SELECT root_cause_id, size FROM root_causes WHERE level = 'root' "
                                          "ORDER BY size DESC LIMIT 2")
    con = warehouse.open_warehouse(home / "warehouse.duckdb")
    try:
        for edit in ({"edit_id": "e1", "action": "rename", "cause_id": first, "new_label": "Parcels arrive broken"},
                     {"edit_id": "e2", "action": "merge", "cause_id": second, "into_id": first}):
            cause_tables.record_edit(con, {"into_id": None, "new_label": None, "parts": None, "author": "test", **edit})
    finally:
        con.close()
    for refit in (False, True):
        summary = cluster_flow(home=str(home), refit=refit)
        assert summary["edits"] == {"e1": "applied", "e2": "applied"}
        label = _published(home, f"SELECT label FROM root_causes WHERE root_cause_id = '{first}'")
        assert label == [("Parcels arrive broken",)]
        left = _published(home, f"SELECT count(*) FROM complaint_root_cause WHERE root_cause_id = '{second}'")
        assert left == [(0,)]
    assert summary["mode"] == "refit"


def test_every_cause_has_a_type_with_its_evidence_and_an_owner(clustered: dict) -> None:
    import json

    rows = _published(clustered["home"], "SELECT cause_type, cause_type_evidence, owner_department FROM root_causes "
                                         "WHERE status <> 'emerging'")
    assert rows
    types = {"process", "human_factor", "client_driven", "external", "product_gap"}
    for cause_type, evidence, owner in rows:
        assert cause_type in types and owner
        assert json.loads(evidence)["complaints"] > 0
