"""Every SQL statement the dashboard runs, against the current published snapshot (read-only).

Each function takes the snapshot's path first, so Streamlit's cache keys on it: when the pipeline
publishes a new snapshot, ``CURRENT`` names a new file and every query runs again on it. Functions return
Polars frames; filters arrive as plain values and are bound as parameters, never pasted into SQL.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import streamlit as st

from flows.warehouse import current_snapshot

SEGMENT_DIMENSIONS = ("industry", "client_type", "shipment_type", "region", "channel", "language")  # filterable
# a client's name is shown for businesses only: a private client's name is personal data
CLIENT_NAME = "CASE WHEN cl.client_type = 'B2B' THEN cl.name END"
MAP_POINTS = 4_000


def snapshot(published_dir: Path) -> str:
    """The path of the snapshot readers should use now (re-read on every rerun: it is one small file)."""
    return str(current_snapshot(published_dir))


@st.cache_resource(max_entries=4)
def _connection(path: str) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(path, read_only=True)


def _sql(path: str, sql: str, params: list | None = None) -> pl.DataFrame:
    return _connection(path).cursor().execute(sql, params or []).pl()


def _segment_filter(dimension: str | None, value: str | None, alias: str = "c") -> tuple[str, list]:
    if not dimension or not value:
        return "", []
    if dimension not in SEGMENT_DIMENSIONS:
        raise ValueError(f"'{dimension}' is not a segment column of complaints")
    return f" AND coalesce(CAST({alias}.{dimension} AS VARCHAR), '(unknown)') = ?", [value]


# --- overview -------------------------------------------------------------------------------------

@st.cache_data(show_spinner=False, max_entries=64)
def data_days(path: str) -> tuple[date, date]:
    row = _sql(path, "SELECT min(received_at)::DATE AS lo, max(received_at)::DATE AS hi FROM complaints")
    return row["lo"][0], row["hi"][0]


@st.cache_data(show_spinner=False, max_entries=64)
def segment_values(path: str, dimension: str) -> list[str]:
    if dimension not in SEGMENT_DIMENSIONS:
        return []
    frame = _sql(path, f"SELECT DISTINCT coalesce(CAST({dimension} AS VARCHAR), '(unknown)') AS v FROM complaints "
                       "ORDER BY v")
    return frame["v"].to_list()


@st.cache_data(show_spinner=False, max_entries=64)
def kpi_tiles(path: str, start: date, end: date, previous_start: date, dimension: str | None,
              value: str | None) -> pl.DataFrame:
    """One row per KPI: value over [start, end], over the previous period of the same length, target, owner.
    Ratios are re-aggregated from numerators and denominators; medians and p90s are the median of the days."""
    dim, val = (dimension, value) if dimension and value else ("all", "all")
    return _sql(path, """
        WITH k AS (SELECT k.*, d.aggregation, d.scale FROM kpi_daily k JOIN kpi_definitions d USING (kpi)
                   WHERE k.dimension = ? AND k.segment_value = ?),
             agg AS (SELECT kpi, day >= ? AS current,
                        CASE any_value(aggregation) WHEN 'ratio'
                             THEN any_value(scale) * sum(numerator) / nullif(sum(denominator), 0)
                             WHEN 'per_day' THEN sum(value) ELSE median(value) END AS value,
                        sum(numerator) AS numerator
                     FROM k WHERE day BETWEEN ? AND ? GROUP BY kpi, current)
        SELECT d.kpi, d.name, d.unit, d.direction, d.target, d.owner, d.definition,
               cur.value AS value, prev.value AS previous, cur.numerator AS measured
        FROM kpi_definitions d
        LEFT JOIN agg cur ON cur.kpi = d.kpi AND cur.current
        LEFT JOIN agg prev ON prev.kpi = d.kpi AND NOT prev.current
        ORDER BY d.kpi""", [dim, val, start, previous_start, end])


@st.cache_data(show_spinner=False, max_entries=64)
def kpi_trend(path: str, kpi: str, start: date, end: date, dimension: str | None, value: str | None) -> pl.DataFrame:
    dim, val = (dimension, value) if dimension and value else ("all", "all")
    return _sql(path, "SELECT day, value, target FROM kpi_daily WHERE kpi = ? AND dimension = ? AND segment_value = ? "
                      "AND day BETWEEN ? AND ? ORDER BY day", [kpi, dim, val, start, end])


@st.cache_data(show_spinner=False, max_entries=64)
def top_causes(path: str, start: date, end: date, previous_start: date, dimension: str | None,
               value: str | None) -> pl.DataFrame:
    """Root causes in the period: complaints, compensation paid, growth vs the previous period, type, owner."""
    where, params = _segment_filter(dimension, value)
    return _sql(path, f"""
        SELECT r.root_cause_id, r.label, r.cause_type, r.owner_department,
               count(*) FILTER (WHERE c.received_at::DATE >= ?) AS complaints,
               coalesce(sum(c.compensation_uah) FILTER (WHERE c.received_at::DATE >= ?), 0) AS cost_uah,
               count(*) FILTER (WHERE c.received_at::DATE < ?) AS previous
        FROM complaints c JOIN complaint_root_cause a USING (complaint_id)
        JOIN root_causes r ON r.root_cause_id = a.root_cause_id
        WHERE c.received_at::DATE BETWEEN ? AND ? {where}
        GROUP BY ALL ORDER BY cost_uah DESC""", [start, start, start, previous_start, end, *params])


@st.cache_data(show_spinner=False, max_entries=64)
def period_complaints(path: str, start: date, end: date, dimension: str | None, value: str | None,
                      root_cause_id: str | None = None, limit: int = 500) -> pl.DataFrame:
    """The complaints behind the overview's figures: those received in the period (and segment, and cause)."""
    where, params = _segment_filter(dimension, value)
    if root_cause_id:
        where += " AND a.root_cause_id = ?"
        params.append(root_cause_id)
    return _sql(path, f"""
        SELECT c.complaint_id, c.received_at, c.channel, c.client_id, c.industry, c.region, a.root_cause_id,
               c.status, c.response_type, c.compensation_uah, c.reaction, c.text_masked
        FROM complaints c LEFT JOIN complaint_root_cause a USING (complaint_id)
        WHERE c.received_at::DATE BETWEEN ? AND ? {where}
        ORDER BY c.received_at DESC LIMIT {int(limit)}""", [start, end, *params])


@st.cache_data(show_spinner=False, max_entries=64)
def alerts(path: str, active_only: bool) -> pl.DataFrame:
    where = "WHERE active" if active_only else ""
    return _sql(path, f"SELECT a.*, r.label FROM alerts a LEFT JOIN root_causes r ON r.root_cause_id = a.key "
                      f"{where} ORDER BY a.end_day DESC, a.ratio DESC")


# --- root causes ----------------------------------------------------------------------------------

@st.cache_data(show_spinner=False, max_entries=64)
def causes(path: str, level: str) -> pl.DataFrame:
    """Causes of one level with size, type, owner, fix status and the last 30 days vs the 30 before."""
    return _sql(path, """
        WITH last AS (SELECT max(day) AS d FROM root_cause_daily),
             trend AS (SELECT root_cause_id,
                              sum(complaints) FILTER (WHERE day > (SELECT d FROM last) - 30) AS last_30,
                              sum(complaints) FILTER (WHERE day <= (SELECT d FROM last) - 30
                                                     AND day > (SELECT d FROM last) - 60) AS prior_30
                       FROM root_cause_daily GROUP BY root_cause_id),
             fix AS (SELECT root_cause_id, arg_max(fix_status, recorded_at) AS fix_status FROM cause_fixes
                     GROUP BY root_cause_id)
        SELECT r.root_cause_id, r.label, r.size, r.cause_type, r.owner_department, r.status, r.parent_id,
               coalesce(t.last_30, 0) AS last_30, coalesce(t.prior_30, 0) AS prior_30,
               coalesce(f.fix_status, 'none') AS fix_status
        FROM root_causes r LEFT JOIN trend t USING (root_cause_id) LEFT JOIN fix f USING (root_cause_id)
        WHERE r.level = ? ORDER BY r.size DESC""", [level])


@st.cache_data(show_spinner=False, max_entries=64)
def heatmap(path: str, dimension: str) -> pl.DataFrame:
    return _sql(path, "SELECT s.root_cause_id, s.segment_value, s.complaints, s.lift, s.concentrated FROM "
                      "root_cause_segments s JOIN root_causes r USING (root_cause_id) WHERE r.level = 'root' "
                      "AND s.dimension = ?", [dimension])


@st.cache_data(show_spinner=False, max_entries=64)
def cause_map(path: str) -> pl.DataFrame:
    """Up to MAP_POINTS complaints placed around their sub-cause's position on the centroid map: the farther
    from it, the less similar the complaint is to its sub-cause."""
    return _sql(path, f"""
        SELECT a.complaint_id, a.root_cause_id, a.sub_cause_id,
               m.x + (1 - a.similarity) * cos((hash(a.complaint_id) % 628) / 100.0) AS x,
               m.y + (1 - a.similarity) * sin((hash(a.complaint_id) % 628) / 100.0) AS y
        FROM complaint_root_cause a JOIN root_cause_map m USING (fit_sub_cause_id)
        WHERE a.root_cause_id IS NOT NULL
        ORDER BY hash(a.complaint_id) LIMIT {MAP_POINTS}""")


@st.cache_data(show_spinner=False, max_entries=64)
def cause_detail(path: str, cause_id: str) -> dict:
    cause = _sql(path, "SELECT * FROM root_causes WHERE root_cause_id = ?", [cause_id])
    reps = cause["representative_complaint_ids"][0].to_list() if cause.height else []
    column = "root_cause_id" if cause.height and cause["level"][0] == "root" else "sub_cause_id"
    return {
        "cause": cause,
        "representatives": _sql(path, "SELECT complaint_id, channel, language, text_masked FROM complaints "
                                      "WHERE list_contains(?, complaint_id)", [reps]),
        "daily": _sql(path, "SELECT day, complaints FROM root_cause_daily WHERE root_cause_id = ? ORDER BY day",
                      [cause_id]),
        "segments": _sql(path, "SELECT dimension, segment_value, complaints, share, lift, concentrated FROM "
                               "root_cause_segments WHERE root_cause_id = ? ORDER BY lift DESC", [cause_id]),
        "clients": _sql(path, f"""
            SELECT c.client_id, any_value({CLIENT_NAME}) AS name, any_value(s.tier) AS tier, count(*) AS complaints
            FROM complaint_root_cause a JOIN complaints c USING (complaint_id)
            LEFT JOIN clients cl USING (client_id) LEFT JOIN client_scores s USING (client_id)
            WHERE a.{column} = ? AND c.client_id IS NOT NULL GROUP BY c.client_id ORDER BY complaints DESC
            LIMIT 200""", [cause_id]),
        "group_fix": _sql(path, f"SELECT g.dimension, g.segment_value, g.lift, g.client_id, {CLIENT_NAME} AS name, "
                                "g.tier, g.revenue_uah FROM group_fix_candidates g LEFT JOIN clients cl "
                                "USING (client_id) WHERE g.root_cause_id = ? ORDER BY g.revenue_uah DESC", [cause_id]),
    }


@st.cache_data(show_spinner=False, max_entries=64)
def cause_complaints(path: str, cause_id: str, level: str, dimension: str | None, value: str | None,
                     limit: int = 500) -> pl.DataFrame:
    """The complaints behind a cause (optionally in one segment): the drill-down under every number."""
    column = "root_cause_id" if level == "root" else "sub_cause_id"
    where, params = _segment_filter(dimension, value)
    return _sql(path, f"""
        SELECT c.complaint_id, c.received_at, c.channel, c.language, c.client_id, c.industry, c.region,
               c.status, c.response_type, c.text_masked
        FROM complaint_root_cause a JOIN complaints c USING (complaint_id)
        WHERE a.{column} = ? {where} ORDER BY c.received_at DESC LIMIT {int(limit)}""", [cause_id, *params])


# --- CX desk -----------------------------------------------------------------------------------------

@st.cache_data(show_spinner=False, max_entries=64)
def queue(path: str, response: str | None, tier: str | None, only_undecided: bool) -> pl.DataFrame:
    where, params = ["TRUE"], []
    if response:
        where.append("r.recommended_response = ?")
        params.append(response)
    if tier:
        where.append("s.tier = ?")
        params.append(tier)
    if only_undecided:  # a decision in the snapshot, even one the responses table has not caught up with
        where.append("r.decided_response IS NULL AND NOT EXISTS (SELECT 1 FROM response_decisions d "
                     "WHERE d.complaint_id = r.complaint_id AND d.kind = 'decision')")
    return _sql(path, f"""
        SELECT r.complaint_id, c.received_at, c.channel, r.client_id, s.tier, s.usage_group,
               r.recommended_response, r.alternatives, r.reason, r.cost_uah, r.expected_positive_rate,
               r.internal_action, r.significance, r.message, r.decided_response, r.decided_by, r.reaction,
               c.text_masked
        FROM responses r JOIN complaints c USING (complaint_id) LEFT JOIN client_scores s ON s.client_id = r.client_id
        WHERE {' AND '.join(where)}
        ORDER BY r.significance IS NULL, s.tier NULLS LAST, c.received_at LIMIT 500""", params)


@st.cache_data(show_spinner=False, max_entries=64)
def has_table(path: str, table: str) -> bool:
    return _sql(path, "SELECT count(*) AS n FROM information_schema.tables WHERE table_name = ?", [table])["n"][0] > 0


@st.cache_data(show_spinner=False, max_entries=64)
def client_history(path: str, client_id: str) -> pl.DataFrame:
    return _sql(path, "SELECT received_at, channel, status, response_type, compensation_uah, reaction, text_masked "
                      "FROM complaints WHERE client_id = ? ORDER BY received_at DESC LIMIT 50", [client_id])


@st.cache_data(show_spinner=False, max_entries=64)
def budget(path: str) -> dict:
    """The budget meter of the last analysis (``pipeline_runs.summary``)."""
    frame = _sql(path, "SELECT summary FROM pipeline_runs WHERE flow = 'analyze' AND status = 'completed' "
                       "ORDER BY finished_at DESC LIMIT 1")
    if frame.height == 0:
        return {}
    return json.loads(frame["summary"][0]).get("budget", {})


# --- clients -------------------------------------------------------------------------------------------

@st.cache_data(show_spinner=False, max_entries=64)
def tiers(path: str) -> pl.DataFrame:
    return _sql(path, "SELECT tier, usage_group, count(*) AS clients FROM client_scores GROUP BY ALL ORDER BY ALL")


@st.cache_data(show_spinner=False, max_entries=64)
def flagged_clients(path: str, only_flagged: bool) -> pl.DataFrame:
    where = "WHERE s.value_destroyer" if only_flagged else ""
    return _sql(path, f"""
        SELECT s.client_id, {CLIENT_NAME} AS name, cl.industry, s.tier, s.usage_group, s.value_destroyer, s.confidence,
               s.complaints, s.complaints_per_1k_shipments, s.compensation_uah, s.our_side_share, cl.revenue_uah,
               s.evidence
        FROM client_scores s JOIN clients cl USING (client_id) {where}
        ORDER BY s.value_destroyer DESC, s.confidence DESC NULLS LAST, s.complaints DESC LIMIT 500""")


# --- data quality & runs ------------------------------------------------------------------------------

@st.cache_data(show_spinner=False, max_entries=64)
def loads(path: str) -> pl.DataFrame:
    return _sql(path, "SELECT source, ingested_at::DATE AS day, count(*) AS files, sum(rows_in) AS rows_in, "
                      "sum(rows_loaded) AS loaded, sum(rows_quarantined) AS quarantined, "
                      "count(*) FILTER (WHERE status = 'rejected') AS rejected_files FROM ingested_files "
                      "GROUP BY ALL ORDER BY day DESC, source")


@st.cache_data(show_spinner=False, max_entries=64)
def validation(path: str) -> pl.DataFrame:
    return _sql(path, "SELECT source, suite, expectation, column_name, count(*) AS checks, "
                      "count(*) FILTER (WHERE NOT success) AS failed, sum(unexpected_count) AS unexpected "
                      "FROM validation_results GROUP BY ALL ORDER BY failed DESC, source")


@st.cache_data(show_spinner=False, max_entries=64)
def quarantine(path: str, source: str | None, kind: str | None) -> pl.DataFrame:
    where, params = ["TRUE"], []
    if source:
        where.append("source = ?")
        params.append(source)
    if kind:
        where.append("kind = ?")
        params.append(kind)
    return _sql(path, f"SELECT source, file_name, row_number, column_name, kind, reason, raw_row_masked, "
                      f"quarantined_at FROM quarantine WHERE {' AND '.join(where)} "
                      f"ORDER BY quarantined_at DESC, file_name, row_number LIMIT 500", params)


@st.cache_data(show_spinner=False, max_entries=64)
def runs(path: str) -> pl.DataFrame:
    return _sql(path, "SELECT run_id, flow, started_at, finished_at, status, summary FROM pipeline_runs "
                      "ORDER BY started_at DESC LIMIT 50")
