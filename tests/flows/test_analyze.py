"""The analyze and pipeline flows on a real DuckDB warehouse and a real (temporary) Prefect server.

`causeway run` publishes once, after every stage; the analysis alone re-runs on a policy change and the
recommendations change with it; decisions and reactions recorded by people survive every re-run; a failing
analysis leaves the published state as it was.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest
import yaml

from flows import decision_tables, warehouse
from flows.analyze import analyze_flow
from flows.pipeline import pipeline_flow
from flows.reference_load import load_reference_folder
from flows.settings import load_settings
from tests.conftest import REPO_ROOT
from tests.conftest import query_warehouse as _rows

pytestmark = pytest.mark.usefixtures("prefect_harness")


@pytest.fixture(scope="module")
def analyzed(small_case: Path, tmp_path_factory) -> dict:
    home = tmp_path_factory.mktemp("analyze_home")
    config = tmp_path_factory.mktemp("analyze_config") / "config"
    shutil.copytree(REPO_ROOT / "config", config)
    settings = load_settings(config_dir=config, home=home, env={})
    load_reference_folder(settings.warehouse_path, small_case / "reference")
    summary = pipeline_flow(inbox=str(small_case / "inbox"), home=str(home), config_dir=str(config))
    return {"home": home, "config": config, "summary": summary, "settings": settings}


def _published(home: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = warehouse.open_published(home / "published")
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def test_the_pipeline_publishes_once_after_every_stage(analyzed: dict) -> None:
    s = analyzed["summary"]
    assert "published" not in s["ingest"] and "published" not in s["cluster"] and "published" not in s["analyze"]
    snapshots = list((analyzed["home"] / "published").glob("*.duckdb"))
    assert len(snapshots) == 1 and Path(s["published"]) == snapshots[0]
    flows = [r[0] for r in _rows(analyzed["home"], "SELECT flow FROM pipeline_runs WHERE status = 'completed' "
                                                   "ORDER BY started_at")]
    assert flows == ["ingest", "cluster", "analyze"]


def test_every_client_scored_once_and_every_open_complaint_has_one_recommendation(analyzed: dict) -> None:
    home = analyzed["home"]
    clients, scored, distinct = _published(home, "SELECT (SELECT count(*) FROM clients), count(*), "
                                                 "count(DISTINCT client_id) FROM client_scores")[0]
    assert clients == scored == distinct
    opened, recommended, distinct = _published(home, """
        SELECT (SELECT count(*) FROM complaints WHERE status = 'open'), count(*) FILTER (WHERE c.status = 'open'),
               count(DISTINCT r.complaint_id) FROM responses r JOIN complaints c USING (complaint_id)""")[0]
    assert opened == recommended > 0 and distinct == recommended + _published(
        home, "SELECT count(*) FROM responses r JOIN complaints c USING (complaint_id) WHERE c.status IS NULL")[0][0]
    bad = _published(home, "SELECT count(*) FROM responses WHERE reason = '' OR cost_uah < 0 OR policy_rule IS NULL")
    assert bad == [(0,)]


def test_kpis_definitions_alerts_and_hotspots_are_published(analyzed: dict) -> None:
    home = analyzed["home"]
    kpis = dict(_published(home, "SELECT kpi, count(*) FROM kpi_daily WHERE dimension = 'all' GROUP BY kpi"))
    defined = {r[0] for r in _published(home, "SELECT kpi FROM kpi_definitions WHERE definition <> ''")}
    assert {"complaints_per_10k_shipments", "intact_share", "positive_reaction_rate"} <= set(kpis) <= defined
    assert _published(home, "SELECT count(*) FROM kpi_daily WHERE value < 0") == [(0,)]
    assert _published(home, "SELECT count(*) FROM response_outcomes WHERE dimension = 'all'")[0][0] >= 4
    tables = {r[0] for r in _published(home, "SELECT table_name FROM information_schema.tables")}
    assert {"alerts", "hotspots", "group_fix_candidates", "product_gaps", "tariffs"} <= tables


def test_a_policy_change_and_only_the_analysis_changes_the_recommendations(analyzed: dict) -> None:
    home, config = analyzed["home"], analyzed["config"]
    before = dict(_published(home, "SELECT complaint_id, recommended_response FROM responses"))
    assignments = _rows(home, "SELECT * FROM complaint_root_cause ORDER BY complaint_id")
    policy_path = config / "policy.yaml"
    original = policy_path.read_text(encoding="utf-8")
    policy = yaml.safe_load(original)
    policy["rules"] = [{"name": "refuse everything", "choices": ["polite_refusal"], "reason": "test policy"}]
    policy_path.write_text(yaml.safe_dump(policy, allow_unicode=True), encoding="utf-8")
    try:
        analyze_flow(home=str(home), config_dir=str(config))
        after = dict(_published(home, "SELECT complaint_id, recommended_response FROM responses"))
        assert set(after) == set(before) and set(after.values()) == {"polite_refusal"} != set(before.values())
        assert _rows(home, "SELECT * FROM complaint_root_cause ORDER BY complaint_id") == assignments
    finally:
        policy_path.write_text(original, encoding="utf-8")
    analyze_flow(home=str(home), config_dir=str(config))
    assert dict(_published(home, "SELECT complaint_id, recommended_response FROM responses")) == before


def test_recorded_decisions_and_reactions_survive_re_runs(analyzed: dict) -> None:
    home, config = analyzed["home"], analyzed["config"]
    complaint, recommended = _published(home, "SELECT complaint_id, recommended_response FROM responses "
                                              "ORDER BY complaint_id LIMIT 1")[0]
    other = next(r for r in ("promo_code", "gift_box") if r != recommended)
    con = warehouse.open_warehouse(home / "warehouse.duckdb")
    try:
        decision_tables.record_decision(con, complaint, "bob", response=recommended)  # accepted, then overridden
        decision_tables.record_decision(con, complaint, "anna", response=other, note="client is a regular")
        decision_tables.record_decision(con, complaint, "anna", reaction="positive")
        with pytest.raises(ValueError, match="does not exist"):
            decision_tables.record_decision(con, "no-such-complaint", "anna", response="promo_code")
    finally:
        con.close()
    analyze_flow(home=str(home), config_dir=str(config))
    row = _published(home, "SELECT recommended_response, decided_response, decided_by, reaction FROM responses "
                           "WHERE complaint_id = ?", [complaint])
    assert row == [(recommended, other, "anna", "positive")]
    assert _published(home, "SELECT count(*) FROM response_decisions WHERE complaint_id = ?", [complaint]) == [(3,)]
    latest = decision_tables.latest_decisions(duckdb.connect(str(home / "warehouse.duckdb"), read_only=True))
    assert latest.filter(pl.col("complaint_id") == complaint)["decided_cost_uah"].to_list() == [None]  # override


def test_a_failing_analysis_leaves_the_published_state(analyzed: dict, tmp_path: Path) -> None:
    home = analyzed["home"]
    broken = tmp_path / "config"
    shutil.copytree(analyzed["config"], broken)
    (broken / "kpis.yaml").write_text("kpis: [not, a, mapping]\n", encoding="utf-8")
    pointer = (home / "published" / "CURRENT").read_text()
    scores = _rows(home, "SELECT count(*), max(scored_at) FROM client_scores")
    runs = _rows(home, "SELECT count(*) FROM pipeline_runs")
    with pytest.raises(ValueError, match="kpis.yaml"):  # found at start-up, before any work
        analyze_flow(home=str(home), config_dir=str(broken))
    assert (home / "published" / "CURRENT").read_text() == pointer
    assert _rows(home, "SELECT count(*), max(scored_at) FROM client_scores") == scores
    assert _rows(home, "SELECT count(*) FROM pipeline_runs") == runs


def test_an_analysis_with_nothing_ingested_fails_clearly_and_is_recorded(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no complaints to analyze"):
        analyze_flow(home=str(tmp_path))
    assert _rows(tmp_path, "SELECT flow, status FROM pipeline_runs") == [("analyze", "failed")]
    assert not (tmp_path / "published" / "CURRENT").exists()


def test_a_crash_while_writing_leaves_the_previous_tables_and_snapshot(analyzed: dict, tmp_path: Path) -> None:
    """The analysis fails on its last table (dropped here): every table it had already replaced is rolled
    back, nothing is published, and the run is recorded as failed."""
    home = tmp_path / "home"
    shutil.copytree(analyzed["home"], home)
    con = duckdb.connect(str(home / "warehouse.duckdb"))
    con.execute("DROP TABLE alerts")
    con.close()
    pointer = (home / "published" / "CURRENT").read_text()
    before = _rows(home, "SELECT count(*), max(scored_at) FROM client_scores")
    with pytest.raises(duckdb.CatalogException, match="alerts"):
        analyze_flow(home=str(home), config_dir=str(analyzed["config"]))
    assert _rows(home, "SELECT count(*), max(scored_at) FROM client_scores") == before
    assert (home / "published" / "CURRENT").read_text() == pointer
    assert _rows(home, "SELECT flow, status FROM pipeline_runs ORDER BY started_at DESC LIMIT 1") == [
        ("analyze", "failed")]
