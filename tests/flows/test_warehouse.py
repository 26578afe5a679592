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
