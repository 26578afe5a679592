"""Decisions recorded in the dashboard: one file each, loaded into the warehouse once, none lost."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from flows import decision_inbox, warehouse


def test_many_people_at_once_nothing_lost_nothing_twice(tmp_path: Path) -> None:
    def decide(i: int) -> dict:
        return decision_inbox.submit(tmp_path, "decision", f"agent{i % 3}", complaint_id=f"C{i}",
                                     response="promo_code", recommended="gift_box")

    with ThreadPoolExecutor(8) as pool:
        records = list(pool.map(decide, range(40)))
    decision_inbox.submit(tmp_path, "reaction", "agent0", complaint_id="C1", reaction="positive")
    decision_inbox.submit(tmp_path, "fix", "lead", cause_id="RC-0001", fix_status="in_progress")
    decision_inbox.submit(tmp_path, "edit", "analyst", cause_id="RC-0002", action="rename", new_label="Vases")
    assert len(decision_inbox.pending(tmp_path)) == 43
    con = warehouse.open_warehouse(tmp_path / "warehouse.duckdb")
    try:
        ids = decision_inbox.collect(con, tmp_path)
        assert len(ids) == 43
        assert len(decision_inbox.collect(con, tmp_path)) == 43  # still pending (not published): not loaded twice
        decisions = con.execute("SELECT count(*), count(DISTINCT decision_id) FROM response_decisions "
                                "WHERE kind = 'decision'").fetchone()
        assert decisions == (40, 40)
        assert {r[0] for r in con.execute("SELECT decision_id FROM response_decisions").fetchall()} >= {
            r["id"] for r in records}
        assert con.execute("SELECT fix_status FROM cause_fixes").fetchall() == [("in_progress",)]
        assert decision_inbox.archive(tmp_path, ids) == 43 and decision_inbox.collect(con, tmp_path) == []
        assert con.execute("SELECT action, new_label, author FROM root_cause_edits").fetchall() == [
            ("rename", "Vases", "analyst")]
    finally:
        con.close()
    assert not list((tmp_path / "decisions" / "inbox").iterdir())
    assert len(list((tmp_path / "decisions" / "loaded").glob("*.json"))) == 43


def test_records_stay_pending_until_published_and_unreadable_files_are_set_aside(tmp_path: Path) -> None:
    record = decision_inbox.submit(tmp_path, "fix", "a", cause_id="RC-1", fix_status="done")
    (decision_inbox.inbox(tmp_path) / "broken.json").write_text("{not json", encoding="utf-8")
    con = warehouse.open_warehouse(tmp_path / "warehouse.duckdb")
    try:
        assert decision_inbox.collect(con, tmp_path) == [record["id"]]  # e.g. the analysis then crashes
        assert [r["id"] for r in decision_inbox.pending(tmp_path)] == [record["id"]]
        decision_inbox.collect(con, tmp_path)  # the next run
        assert con.execute("SELECT count(*) FROM cause_fixes").fetchone() == (1,)
    finally:
        con.close()
    rejected = tmp_path / "decisions" / "rejected"
    assert (rejected / "broken.json").exists() and "JSONDecodeError" in (rejected / "broken.reason.txt").read_text()


@pytest.mark.parametrize(("kind", "fields", "message"), [
    ("decision", {"complaint_id": "C1", "response": "free_car"}, "response 'free_car'"),
    ("reaction", {"complaint_id": "C1", "reaction": "meh"}, "reaction 'meh'"),
    ("fix", {"cause_id": "RC-1", "fix_status": "maybe"}, "fix status 'maybe'"),
    ("edit", {"cause_id": "RC-1", "action": "delete"}, "edit action 'delete'"),
    ("decision", {"response": "promo_code"}, "needs the complaint"),
    ("vote", {}, "unknown record kind"),
])
def test_bad_records_are_refused_before_anything_is_written(tmp_path: Path, kind: str, fields: dict,
                                                           message: str) -> None:
    with pytest.raises(ValueError, match=message):
        decision_inbox.submit(tmp_path, kind, "a", **fields)
    assert decision_inbox.pending(tmp_path) == []
