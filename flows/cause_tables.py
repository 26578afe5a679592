"""DuckDB reads and writes of the root-cause stage (tables created by migration 004).

Kept beside :mod:`flows.warehouse` (whose helpers it uses) so that module stays about files, ingestion
and publishing; nothing else in the project touches these tables.
"""

from __future__ import annotations

import duckdb
import polars as pl

from flows.warehouse import insert_rows, transaction, utcnow

SEGMENT_COLUMNS = ("industry", "client_type", "shipment_type", "region", "channel")


def complaints_to_normalize(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Complaints the normalizer has not seen yet: complaint_id, language, text_masked."""
    return con.sql("SELECT c.complaint_id, c.language, c.text_masked FROM complaints c "
                   "ANTI JOIN complaint_terms t USING (complaint_id) ORDER BY c.complaint_id").pl()


def store_terms(con: duckdb.DuckDBPyConnection, terms: pl.DataFrame) -> int:
    return insert_rows(con, "complaint_terms", terms.select("complaint_id", "text_hash", "lemmas", "entities"))


def terms(con: duckdb.DuckDBPyConnection, only_unassigned: bool = False) -> pl.DataFrame:
    """complaint_id, text_hash, lemmas, text_masked (of every complaint, or only the unassigned ones)."""
    where = "ANTI JOIN complaint_root_cause a USING (complaint_id)" if only_unassigned else ""
    return con.sql("SELECT t.complaint_id, t.text_hash, t.lemmas, c.text_masked FROM complaint_terms t "
                   f"JOIN complaints c USING (complaint_id) {where} ORDER BY t.complaint_id").pl()


def unassigned_terms(con: duckdb.DuckDBPyConnection, background: int = 5_000) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Lemmas of the complaints that fit no cause, and of a fixed sample of assigned ones to compare with."""
    unassigned = con.sql("SELECT t.complaint_id, t.lemmas, c.received_at FROM complaint_root_cause a "
                         "JOIN complaint_terms t USING (complaint_id) JOIN complaints c USING (complaint_id) "
                         "WHERE a.root_cause_id IS NULL").pl()
    sample = con.sql("SELECT t.lemmas FROM complaint_root_cause a JOIN complaint_terms t USING (complaint_id) "
                     f"WHERE a.root_cause_id IS NOT NULL ORDER BY hash(a.complaint_id) LIMIT {int(background)}").pl()
    return unassigned, sample


def city_names(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [row[0] for row in con.execute("SELECT DISTINCT city FROM branches").fetchall()]


def assignments(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return con.sql("SELECT complaint_id, fit_sub_cause_id, sub_cause_id, root_cause_id FROM complaint_root_cause").pl()


def model_in_use(con: duckdb.DuckDBPyConnection) -> str | None:
    """The model version the stored assignments were made with (None before the first fit)."""
    return con.execute("SELECT max(model_version) FROM complaint_root_cause").fetchone()[0]


def edits(con: duckdb.DuckDBPyConnection) -> list[dict]:
    return con.sql("SELECT * FROM root_cause_edits ORDER BY created_at, edit_id").pl().to_dicts()


def record_edit(con: duckdb.DuckDBPyConnection, edit: dict) -> None:
    insert_rows(con, "root_cause_edits", pl.DataFrame([{**edit, "created_at": utcnow(), "last_outcome": None}],
                                                       schema_overrides={"parts": pl.Int32}))


def assigned_complaints(con: duckdb.DuckDBPyConnection, dimensions: tuple[str, ...]) -> pl.DataFrame:
    """One row per complaint: its causes, received_at, the segment columns and what cause typing looks at
    (employee, branch, client, region, lemmas)."""
    wanted = dict.fromkeys([*dimensions, "employee_id", "branch_id", "client_id", "region"])
    columns = ", ".join(f"c.{d}" for d in wanted)
    return con.sql(f"SELECT c.complaint_id, a.root_cause_id, a.sub_cause_id, c.received_at, {columns}, t.lemmas "
                   "FROM complaints c LEFT JOIN complaint_root_cause a USING (complaint_id) "
                   "LEFT JOIN complaint_terms t USING (complaint_id)").pl()


def write_assignment(con: duckdb.DuckDBPyConnection, assignment: pl.DataFrame, replace: bool,
                     mapping: pl.DataFrame) -> None:
    """New assignments (or a whole new set after a fit), then every row re-pointed through the edits."""
    with transaction(con):
        if replace:
            con.execute("DELETE FROM complaint_root_cause")
        insert_rows(con, "complaint_root_cause", assignment)
        _remap(con, mapping)


def write_causes(con: duckdb.DuckDBPyConnection, *, causes: pl.DataFrame, segments: pl.DataFrame,
                 daily: pl.DataFrame, cause_map: pl.DataFrame, edit_outcomes: dict[str, str]) -> None:
    """The stage's derived tables in one transaction: a crash leaves the previous state whole."""
    with transaction(con):
        for table, frame in (("root_causes", causes), ("root_cause_segments", segments),
                             ("root_cause_daily", daily), ("root_cause_map", cause_map)):
            con.execute(f"DELETE FROM {table}")
            insert_rows(con, table, frame)
        for edit_id, outcome in edit_outcomes.items():
            con.execute("UPDATE root_cause_edits SET last_outcome = ? WHERE edit_id = ?", [outcome, edit_id])


def _remap(con: duckdb.DuckDBPyConnection, mapping: pl.DataFrame) -> None:
    """Point every stored assignment at the edited causes: fit_sub_cause_id -> sub_cause_id, root_cause_id."""
    con.register("_map", mapping.to_arrow())
    try:
        con.execute("UPDATE complaint_root_cause SET sub_cause_id = m.sub_cause_id, root_cause_id = m.root_cause_id "
                    "FROM _map m WHERE complaint_root_cause.fit_sub_cause_id = m.fit_sub_cause_id "
                    "AND (complaint_root_cause.sub_cause_id IS DISTINCT FROM m.sub_cause_id "
                    "OR complaint_root_cause.root_cause_id IS DISTINCT FROM m.root_cause_id)")
    finally:
        con.unregister("_map")
