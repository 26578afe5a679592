"""The warehouse on a real DuckDB file: migrations, writes, and atomic publication."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pytest

from flows import warehouse


@pytest.fixture()
def con(tmp_path: Path):
    connection = warehouse.open_warehouse(tmp_path / "wh.duckdb")
    yield connection
    connection.close()


def _branches(n: int) -> pl.DataFrame:
    return pl.DataFrame({"branch_id": [f"BR{i:04d}" for i in range(n)], "number": list(range(n)),
                         "region": ["Kyiv"] * n, "city": ["Kyiv"] * n, "kind": ["branch"] * n})


def test_every_published_table_exists_after_migration(con) -> None:
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert set(warehouse.PUBLISHED_TABLES) | set(warehouse.REFERENCE_TABLES) <= tables


def test_migrations_apply_once(tmp_path: Path) -> None:
    path = tmp_path / "wh.duckdb"
    warehouse.open_warehouse(path).close()
    again = duckdb.connect(str(path))
    assert warehouse.migrate(again) == []
    assert again.execute("SELECT count(*) FROM _schema_migrations").fetchone()[0] >= 1
    again.close()


def test_replace_rows_replaces_and_checks_columns(con) -> None:
    warehouse.replace_rows(con, "branches", _branches(5))
    warehouse.replace_rows(con, "branches", _branches(3))
    assert warehouse.read_table(con, "branches").height == 3
    with pytest.raises(ValueError, match="lacks column"):
        warehouse.replace_rows(con, "branches", _branches(2).drop("kind"))
    assert warehouse.read_table(con, "branches").height == 3


def test_readers_see_the_published_snapshot_not_work_in_progress(con, tmp_path: Path) -> None:
    published = tmp_path / "published"
    with pytest.raises(warehouse.NothingPublishedError, match="nothing has been published"):
        warehouse.open_published(published)
    warehouse.replace_rows(con, "branches", _branches(4))
    first = warehouse.publish(con, published)
    assert first.row_counts["branches"] == 4
    warehouse.replace_rows(con, "branches", _branches(9))  # work in progress, not published
    reader = warehouse.open_published(published)
    assert reader.execute("SELECT count(*) FROM branches").fetchone()[0] == 4
    assert reader.execute("SELECT run_id FROM _publication").fetchone()[0] == first.run_id
    reader.close()


def test_a_crash_mid_publish_leaves_the_previous_state_readable(con, tmp_path: Path) -> None:
    published = tmp_path / "published"
    warehouse.replace_rows(con, "branches", _branches(4))
    good = warehouse.publish(con, published)
    warehouse.replace_rows(con, "branches", _branches(7))
    with pytest.raises(duckdb.CatalogException):
        warehouse.publish(con, published, tables=("branches", "no_such_table"))
    assert warehouse.current_snapshot(published) == good.path
    reader = warehouse.open_published(published)
    assert reader.execute("SELECT count(*) FROM branches").fetchone()[0] == 4
    reader.close()
    after = warehouse.publish(con, published)  # the next run publishes normally and cleans up
    assert warehouse.current_snapshot(published) == after.path
    assert not list(published.glob(".*.tmp"))


def test_old_snapshots_are_pruned(con, tmp_path: Path) -> None:
    published = tmp_path / "published"
    runs = [warehouse.publish(con, published, keep=2) for _ in range(4)]
    remaining = sorted(p.name for p in published.glob("*.duckdb"))
    assert remaining == sorted(r.path.name for r in runs[-2:])


def _add_complaints(con, ids: list[str]) -> None:
    con.executemany(
        "INSERT INTO complaints (complaint_id, source, source_record_id, channel, received_at, text_masked, "
        "file_name, incident_id) VALUES (?, 's', ?, 'phone', TIMESTAMP '2026-01-05 10:00', 'late', 'f.csv', ?)",
        [[i, i, f"INC:{i}"] for i in ids])


def _differences(con, snapshot: Path, table: str) -> int:
    con.execute(f"ATTACH '{snapshot}' AS _check (READ_ONLY)")
    try:
        return con.execute(f"SELECT (SELECT count(*) FROM (FROM main.{table} EXCEPT ALL FROM _check.{table})) + "
                           f"(SELECT count(*) FROM (FROM _check.{table} EXCEPT ALL FROM main.{table}))").fetchone()[0]
    finally:
        con.execute("DETACH _check")


def test_a_snapshot_carries_the_complaints_forward_exactly(con, tmp_path: Path) -> None:
    """The next snapshot starts from the current one and takes only the complaints added, re-pointed to
    another incident and removed; it then holds exactly the working rows, and a changed table is copied."""
    published = tmp_path / "published"
    _add_complaints(con, [f"c{i}" for i in range(50)])
    first = warehouse.publish(con, published)
    _add_complaints(con, ["c50", "c51"])
    con.execute("UPDATE complaints SET incident_id = 'INC:c0' WHERE complaint_id IN ('c1', 'c2')")
    con.execute("DELETE FROM complaints WHERE complaint_id = 'c3'")
    second = warehouse.publish(con, published)
    assert second.row_counts["complaints"] == 51
    assert _differences(con, second.path, "complaints") == 0
    assert _differences(con, first.path, "complaints") == 2 + 2 * 2 + 1  # the first snapshot is untouched
    con.execute("ALTER TABLE complaints ADD COLUMN priority INTEGER DEFAULT 1")  # as a migration would
    third = warehouse.publish(con, published)
    assert _differences(con, third.path, "complaints") == 0


def test_the_flows_change_only_the_complaint_columns_a_snapshot_carries_forward() -> None:
    """A snapshot updates an earlier complaint's carried-forward columns only: any other column the code
    updates would go stale there."""
    import re

    key, changing = warehouse.CARRIED_FORWARD["complaints"]
    source = "\n".join(p.read_text(encoding="utf-8") for p in Path(warehouse.__file__).parent.glob("*.py"))
    updates = re.findall(r"UPDATE\s+complaints\s+SET\s+(.+?)\s+(?:FROM|WHERE)", source)
    assert updates, "no UPDATE of complaints found: the pattern is out of date"
    for assignments in updates:
        columns = {part.split("=")[0].strip() for part in assignments.split(",")}
        assert columns <= set(changing), f"UPDATE complaints SET {assignments}: add the column to CARRIED_FORWARD"
