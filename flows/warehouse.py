"""The only module that touches DuckDB files: open, migrate, write, publish, open what was published.

Two kinds of files live under the home folder:
- the **working warehouse** (``warehouse.duckdb``): the pipeline's own read-write database;
- **published snapshots** (``published/<run_id>.duckdb`` plus a ``CURRENT`` pointer): complete,
  read-only copies of the published tables. Readers (the dashboard, a BI tool) open the snapshot that
  ``CURRENT`` names, so they never wait on the pipeline's lock and never see a half-built state.

Publishing builds a new snapshot under a temporary name, then swaps ``CURRENT`` with an atomic rename:
a crash at any point leaves the previous snapshot and pointer untouched.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import duckdb
import polars as pl

PUBLISHED_TABLES: tuple[str, ...] = (
    "complaints",
    "quarantine",
    "incidents",
    "clients",
    "root_causes",
    "complaint_root_cause",
    "root_cause_segments",
    "client_scores",
    "responses",
    "kpi_daily",
)
REFERENCE_TABLES: tuple[str, ...] = ("shipments_daily", "branches", "employees")
POINTER_FILE = "CURRENT"
MIGRATIONS_TABLE = "_schema_migrations"


class NothingPublishedError(FileNotFoundError):
    """Readers asked for the published state before any run published one."""


@dataclass(frozen=True)
class Publication:
    run_id: str
    path: Path
    published_at: datetime
    row_counts: dict[str, int]


def open_warehouse(path: Path) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the working warehouse and bring its schema up to date."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    migrate(con)
    return con


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply the numbered SQL files in ``flows/migrations`` not applied yet; returns their names."""
    con.execute(
        f"CREATE TABLE IF NOT EXISTS {MIGRATIONS_TABLE} "
        "(version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)"
    )
    applied = {row[0] for row in con.execute(f"SELECT version FROM {MIGRATIONS_TABLE}").fetchall()}
    done = []
    for version, name, sql in _migrations():
        if version in applied:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(sql)
            con.execute(
                f"INSERT INTO {MIGRATIONS_TABLE} VALUES (?, ?, ?)", [version, name, _utcnow()]
            )
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        done.append(name)
    return done


def _migrations() -> list[tuple[int, str, str]]:
    folder = resources.files("flows") / "migrations"
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            version = int(entry.name.split("_", 1)[0])
            found.append((version, entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found)


def replace_rows(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> int:
    """Replace the whole content of ``table`` with ``frame`` (columns matched by name), in one transaction."""
    columns = _table_columns(con, table)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"table {table}: frame lacks column(s) {', '.join(missing)}")
    arrow = frame.select(columns).to_arrow()
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(f"DELETE FROM {table}")
        con.register("_incoming", arrow)
        con.execute(f"INSERT INTO {table} SELECT * FROM _incoming")
        con.unregister("_incoming")
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return frame.height


def read_table(con: duckdb.DuckDBPyConnection, table: str) -> pl.DataFrame:
    return con.sql(f"SELECT * FROM {table}").pl()


def row_counts(con: duckdb.DuckDBPyConnection, tables: Iterable[str]) -> dict[str, int]:
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}


def publish(
    con: duckdb.DuckDBPyConnection,
    published_dir: Path,
    keep: int = 3,
    tables: Iterable[str] = PUBLISHED_TABLES + REFERENCE_TABLES,
) -> Publication:
    """Copy ``tables`` from the working warehouse into a new snapshot and make it current, atomically."""
    tables = tuple(tables)
    published_dir.mkdir(parents=True, exist_ok=True)
    now = _utcnow()
    run_id = now.strftime("%Y%m%dT%H%M%S.%fZ") + "-" + uuid.uuid4().hex[:6]  # sorts by time
    final = published_dir / f"{run_id}.duckdb"
    staging = published_dir / f".{run_id}.duckdb.tmp"
    con.execute(f"ATTACH '{staging}' AS _snapshot")
    try:
        for table in tables:
            con.execute(f"CREATE TABLE _snapshot.{table} AS SELECT * FROM main.{table}")
        counts = {t: con.execute(f"SELECT count(*) FROM _snapshot.{t}").fetchone()[0] for t in tables}
        con.execute(
            "CREATE TABLE _snapshot._publication AS SELECT ? AS run_id, ? AS published_at, ? AS row_counts",
            [run_id, now, json.dumps(counts)],
        )
    finally:
        con.execute("DETACH _snapshot")
    _fsync(staging)
    os.replace(staging, final)
    _write_pointer(published_dir, final.name)
    _prune(published_dir, keep)
    return Publication(run_id=run_id, path=final, published_at=now, row_counts=counts)


def current_snapshot(published_dir: Path) -> Path:
    """The snapshot file readers should open; raises :class:`NothingPublishedError` when there is none."""
    pointer = published_dir / POINTER_FILE
    if not pointer.exists():
        raise NothingPublishedError(
            f"{published_dir}: nothing has been published yet; run `causeway demo` or `causeway run` first."
        )
    snapshot = published_dir / pointer.read_text(encoding="utf-8").strip()
    if not snapshot.exists():
        raise NothingPublishedError(f"{pointer} names {snapshot.name}, which does not exist.")
    return snapshot


def open_published(published_dir: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the current published snapshot."""
    return duckdb.connect(str(current_snapshot(published_dir)), read_only=True)


def _write_pointer(published_dir: Path, name: str) -> None:
    tmp = published_dir / f".{POINTER_FILE}.{uuid.uuid4().hex[:8]}.tmp"
    tmp.write_text(name + "\n", encoding="utf-8")
    _fsync(tmp)
    os.replace(tmp, published_dir / POINTER_FILE)


def _prune(published_dir: Path, keep: int) -> None:
    """Keep the newest ``keep`` snapshots (the current one always survives) and drop stale temporaries."""
    current = (published_dir / POINTER_FILE).read_text(encoding="utf-8").strip()
    snapshots = sorted(p for p in published_dir.glob("*.duckdb") if not p.name.startswith("."))
    for old in snapshots[:-keep]:
        if old.name != current:
            old.unlink(missing_ok=True)
    for stale in published_dir.glob(".*.tmp"):
        stale.unlink(missing_ok=True)


def _table_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
        [table],
    ).fetchall()
    if not rows:
        raise ValueError(f"table {table} does not exist in the warehouse")
    return [r[0] for r in rows]


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
