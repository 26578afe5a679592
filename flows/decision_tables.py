"""DuckDB reads and writes of the decision stage (tables created by migration 005).

The analysis reads complaints with their causes, the reference tables and what people recorded (decisions,
reactions, fix statuses); it writes its marts whole, in one transaction. Recorded decisions and fix statuses
are append-only and written by the CLI (and later the dashboard), never by the analysis.
"""

from __future__ import annotations

import uuid

import duckdb
import polars as pl

from flows import decision_inbox
from flows.warehouse import insert_rows, transaction, utcnow

REBUILT_TABLES = ("client_scores", "responses", "response_outcomes", "group_fix_candidates", "product_gaps",
                  "hotspots", "alerts", "kpi_daily", "kpi_definitions")


def analysis_complaints(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """One row per complaint with its root / sub-cause, both causes' types, lemmas and the amounts it names
    (``amount_texts``, as written; :func:`transforms.amounts.largest_uah` reads them)."""
    return con.sql("""
        SELECT c.complaint_id, c.received_at, c.channel, c.client_id, c.client_type, c.industry, c.shipment_type,
               c.region, c.status, c.first_response_at, c.resolved_at, c.response_type, c.compensation_uah,
               c.reaction, c.incident_id, c.employee_id, c.branch_id, c.language, c.text_masked,
               a.root_cause_id, a.sub_cause_id, s.cause_type, r.cause_type AS root_cause_type,
               coalesce(t.lemmas, '') AS lemmas,
               list_transform(list_filter(t.entities, e -> e.label = 'AMOUNT'), e -> e.text) AS amount_texts
        FROM complaints c
        LEFT JOIN complaint_root_cause a USING (complaint_id)
        LEFT JOIN root_causes s ON s.root_cause_id = a.sub_cause_id
        LEFT JOIN root_causes r ON r.root_cause_id = a.root_cause_id
        LEFT JOIN complaint_terms t USING (complaint_id)""").pl().sort("complaint_id")  # Polars sorts ~4x faster


def reference(con: duckdb.DuckDBPyConnection) -> dict[str, pl.DataFrame]:
    return {name: con.sql(f"SELECT * FROM {name}").pl()
            for name in ("clients", "employees", "branches", "tariffs", "shipments_daily")}


def causes(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return con.sql("SELECT root_cause_id, level, label, cause_type, owner_department, size FROM root_causes").pl()


def segments(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return con.sql("SELECT * FROM root_cause_segments").pl()


def cause_daily(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return con.sql("SELECT day, root_cause_id, level, complaints FROM root_cause_daily").pl()


def incidents(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return con.sql("SELECT incident_id, n_complaints, complaint_ids, first_received_at, last_received_at "
                   "FROM incidents").pl()


def latest_fixes(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """root_cause_id, fix_status: the last status recorded per cause."""
    return con.sql("SELECT root_cause_id, arg_max(fix_status, recorded_at) AS fix_status FROM cause_fixes "
                   "GROUP BY root_cause_id").pl()


def latest_decisions(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """One row per complaint with a recorded decision and / or reaction: the latest of each (all its fields
    from that one entry)."""
    return con.sql("""
        WITH d AS (SELECT * FROM response_decisions WHERE kind = 'decision'
                   QUALIFY row_number() OVER (PARTITION BY complaint_id ORDER BY recorded_at DESC, decision_id) = 1),
             r AS (SELECT * FROM response_decisions WHERE kind = 'reaction'
                   QUALIFY row_number() OVER (PARTITION BY complaint_id ORDER BY recorded_at DESC, decision_id) = 1)
        SELECT complaint_id, d.response AS decided_response, d.author AS decided_by, d.recorded_at AS decided_at,
               d.cost_uah AS decided_cost_uah, r.reaction, r.recorded_at AS reaction_at
        FROM d FULL JOIN r USING (complaint_id)""").pl()


def write_marts(con: duckdb.DuckDBPyConnection, marts: dict[str, pl.DataFrame]) -> dict[str, int]:
    """Replace every rebuilt table with its new content, all in one transaction."""
    with transaction(con):
        for table, frame in marts.items():
            if table not in REBUILT_TABLES:
                raise ValueError(f"{table} is not a table the analysis rebuilds")
            con.execute(f"DELETE FROM {table}")
            columns = [r[0] for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
                [table]).fetchall()]
            insert_rows(con, table, frame.select([c for c in columns if c in frame.columns]))
    return {table: frame.height for table, frame in marts.items()}


# --- what people record (CLI now, the dashboard later) ------------------------------------------------

def record_decision(con: duckdb.DuckDBPyConnection, complaint_id: str, author: str, *, response: str | None = None,
                    reaction: str | None = None, note: str | None = None) -> dict:
    """Append a decision (the response chosen) or a client's reaction for one open-or-closed complaint.

    Appends only, so two people recording at once never overwrite each other; the latest entry wins."""
    if (response is None) == (reaction is None):
        raise ValueError("record either a response or a reaction")
    decision_inbox.check_record({"kind": "decision" if response else "reaction", "complaint_id": complaint_id,
                                 "response": response, "reaction": reaction})
    found = con.execute("SELECT count(*) FROM complaints WHERE complaint_id = ?", [complaint_id]).fetchone()[0]
    if not found:
        raise ValueError(f"complaint {complaint_id} does not exist")
    recommended = con.execute("SELECT recommended_response, cost_uah FROM responses WHERE complaint_id = ?",
                              [complaint_id]).fetchone()
    if reaction is not None:
        answered = con.execute(
            "SELECT (SELECT count(*) FROM complaints WHERE complaint_id = ? AND response_type IS NOT NULL) + "
            "(SELECT count(*) FROM response_decisions WHERE complaint_id = ? AND kind = 'decision')",
            [complaint_id, complaint_id]).fetchone()[0]
        if not answered:
            raise ValueError(f"complaint {complaint_id} has no response yet: record the decision first "
                             "(`causeway respond decide`), then the client's reaction to it")
    cost = recommended[1] if recommended and response == recommended[0] else None
    row = {"decision_id": uuid.uuid4().hex, "complaint_id": complaint_id,
           "kind": "decision" if response else "reaction", "response": response, "reaction": reaction,
           "recommended": recommended[0] if recommended else None, "cost_uah": cost, "author": author,
           "note": note, "recorded_at": utcnow()}
    insert_rows(con, "response_decisions", pl.DataFrame([row], schema=DECISION_SCHEMA))
    return row


DECISION_SCHEMA = {"decision_id": pl.String, "complaint_id": pl.String, "kind": pl.String, "response": pl.String,
                   "reaction": pl.String, "recommended": pl.String, "cost_uah": pl.Float64, "author": pl.String,
                   "note": pl.String, "recorded_at": pl.Datetime("us")}


def record_fix(con: duckdb.DuckDBPyConnection, root_cause_id: str, status: str, author: str,
               note: str | None = None) -> None:
    decision_inbox.check_record({"kind": "fix", "cause_id": root_cause_id, "fix_status": status})
    found = con.execute("SELECT count(*) FROM root_causes WHERE root_cause_id = ?", [root_cause_id]).fetchone()[0]
    if not found:
        raise ValueError(f"root cause {root_cause_id} does not exist (see `causeway causes list`)")
    insert_rows(con, "cause_fixes", pl.DataFrame([{"root_cause_id": root_cause_id, "fix_status": status,
                                                  "note": note, "author": author, "recorded_at": utcnow()}]))
