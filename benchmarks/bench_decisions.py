"""Decisions on the generated courier case, against its planted truth, and what the analysis costs.

    .venv/bin/python benchmarks/bench_decisions.py                      # 20k complaints, seed 11
    .venv/bin/python benchmarks/bench_decisions.py --sizes 20000 100000 # the analysis at several sizes

For each size: generate the case, load and ingest it, find root causes (not timed), then time the
``analyze`` flow in a fresh process (seconds, complaints/s, peak RSS). For the first size, the tables the
issue asks for:
1. each planted cause -> the type its complaints got, two ways: the type of the sub-cause they fell in
   (cluster statistics alone), and the decision-level type (a hot-spot employee named -> human factor, an
   external event's region and window -> external, else the sub-cause's type); the share of its complaints
   carrying a hot spot / event; and the most concentrated segment of the root cause holding most of them,
   beside the planted focus;
2. value destroyers: precision and recall over all clients, the decoys (many complaints, all our fault)
   that were flagged, and the unusual-with-potential group (pharmacies asking for night delivery);
3. spike alerts vs the planted spikes: detected, delay, and the alerts that overlap no planted spike.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

import duckdb
import polars as pl

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.bench_topics_scale import _generate, _run  # noqa: E402  (one way to run a stage in a child)

PREPARE = """
import sys
from pathlib import Path
from flows.reference_load import load_reference_folder
from flows.settings import load_settings
from flows.ingest import ingest_flow
from flows.cluster import cluster_flow
case, home = Path(sys.argv[1]), Path(sys.argv[2])
load_reference_folder(load_settings(home=home).warehouse_path, case / "reference")
ingest_flow(inbox=str(case / "inbox"), home=str(home), publish=False)
cluster_flow(home=str(home), publish=False)
"""

ANALYZE = """
import json, resource, sys, time
started = time.perf_counter()
from flows.analyze import analyze_flow
imports = time.perf_counter() - started
t = time.perf_counter()
summary = analyze_flow(home=sys.argv[1])
summary["call_seconds"] = time.perf_counter() - t
summary["imports"] = imports
summary["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print("RESULT " + json.dumps(summary, default=str))
"""


def _published(home: Path, sql: str) -> pl.DataFrame:
    pointer = (home / "published" / "CURRENT").read_text(encoding="utf-8").strip()
    con = duckdb.connect(str(home / "published" / pointer), read_only=True)
    try:
        return con.sql(sql).pl()
    finally:
        con.close()


def planted_types(home: Path, case: Path) -> pl.DataFrame:
    """Table 1: planted cause -> detected type (cluster / decision level), hot-spot share, segment."""
    got = _published(home, """
        SELECT c.source_record_id AS record_id, c.employee_id, c.branch_id, c.region, c.received_at,
               a.root_cause_id, s.cause_type AS sub_type
        FROM complaints c JOIN complaint_root_cause a USING (complaint_id)
        LEFT JOIN root_causes s ON s.root_cause_id = a.sub_cause_id""")
    hot = _published(home, "SELECT * FROM hotspots")
    people = hot.filter(pl.col("kind") == "human_factor")["subject"].to_list()
    event = pl.lit(False)
    for r in hot.filter(pl.col("kind") == "external").to_dicts():
        event = event | ((pl.col("region") == r["subject"])
                         & pl.col("received_at").dt.date().is_between(r["start_day"], r["end_day"]))
    got = got.with_columns(person=(pl.col("employee_id").is_in(people) | pl.col("branch_id").is_in(people))
                           .fill_null(False), event=event.fill_null(False))
    got = got.with_columns(decision_type=pl.when(pl.col("event")).then(pl.lit("external"))
                           .when(pl.col("person")).then(pl.lit("human_factor")).otherwise(pl.col("sub_type")))
    truth = pl.read_csv(case / "ground_truth" / "complaints.csv", infer_schema_length=0).select(
        "record_id", "cause", "cause_type")
    focus = dict(pl.read_csv(case / "ground_truth" / "causes.csv", infer_schema_length=0)
                 .select("cause", "focus").iter_rows())
    segments = _published(home, "SELECT root_cause_id, dimension, segment_value, lift FROM root_cause_segments "
                                "WHERE concentrated ORDER BY lift DESC")
    joined = truth.join(got, on="record_id", how="inner")
    rows = []
    for (cause, planted), members in joined.group_by("cause", "cause_type"):
        cluster_kind, cluster_share = _majority(members["sub_type"])
        decision_kind, decision_share = _majority(members["decision_type"])
        root = members["root_cause_id"].fill_null("-").value_counts(sort=True).row(0)[0]
        top = segments.filter(pl.col("root_cause_id") == root).head(1)
        focus_found = _focus_found(members, segments, json.loads(focus.get(cause) or "{}"))
        rows.append({
            "planted cause": cause, "planted type": planted, "complaints": members.height,
            "cluster type": f"{cluster_kind} {cluster_share:.0%}",
            "decision type": f"{decision_kind} {decision_share:.0%}",
            "right (decision)": round(float((members["decision_type"] == planted).mean()), 2),
            "hot spot / event": round(float((members["person"] | members["event"]).mean()), 2),
            "top segment of its main root cause": (f"{top['dimension'][0]}={top['segment_value'][0]} "
                                                   f"(lift {top['lift'][0]:.1f})" if top.height else "-"),
            "planted focus found": focus_found,
        })
    return pl.DataFrame(rows).sort("complaints", descending=True)


FOCUS_DIMENSIONS = ("industry", "shipment_type", "region")


def _focus_found(members: pl.DataFrame, segments: pl.DataFrame, focus: dict) -> str:
    """Whether the root causes holding ≥ 10% of a planted cause's complaints are flagged concentrated in
    the planted focus (industry, shipment type, region): the best such segment, its lift and the share of
    the planted complaints in those root causes."""
    wanted = [(dim, str(focus[dim])) for dim in FOCUS_DIMENSIONS if dim in focus]
    if not wanted:
        return "(no focus planted)"
    shares = members["root_cause_id"].drop_nulls().value_counts().with_columns(
        (pl.col("count") / members.height).alias("share")).filter(pl.col("share") >= 0.1)
    found = []
    for dim, value in wanted:
        hits = segments.filter(pl.col("root_cause_id").is_in(shares["root_cause_id"].to_list())
                               & (pl.col("dimension") == dim) & (pl.col("segment_value") == value))
        if hits.height:
            covered = shares.filter(pl.col("root_cause_id").is_in(hits["root_cause_id"].to_list()))["share"].sum()
            found.append(f"{dim}={value} lift {hits['lift'].max():.1f} ({covered:.0%} of it)")
        else:
            found.append(f"{dim}={value} not found")
    return "; ".join(found)


def _majority(values: pl.Series) -> tuple[str, float]:
    kind, n = values.fill_null("-").value_counts(sort=True).row(0)
    return kind, n / len(values)


def client_quality(home: Path, case: Path) -> dict:
    """Table 2: value-destroyer precision / recall, decoys flagged, unusual-with-potential P / R."""
    scores = _published(home, "SELECT client_id, value_destroyer, usage_group, tier FROM client_scores")
    truth = pl.read_csv(case / "ground_truth" / "clients.csv").rename(
        {"value_destroyer": "vd_truth", "usage_group": "group_truth"})
    j = scores.join(truth, on="client_id", how="inner")

    def pr(pred: pl.Expr, real: pl.Expr) -> tuple[int, int, int]:
        tp = j.filter(pred & real).height
        return tp, j.filter(pred & ~real).height, j.filter(~pred & real).height

    tp, fp, fn = pr(pl.col("value_destroyer"), pl.col("vd_truth"))
    utp, ufp, ufn = pr(pl.col("usage_group") == "unusual_potential", pl.col("group_truth") == "unusual_potential")
    return {"clients": j.height, "vd": (tp, fp, fn), "decoys_flagged": j.filter(pl.col("decoy_our_fault")
                                                                               & pl.col("value_destroyer")).height,
            "decoys": j.filter(pl.col("decoy_our_fault")).height, "unusual": (utp, ufp, ufn),
            "tiers": dict(scores.group_by("tier").len().sort("tier").iter_rows())}


def spike_quality(home: Path, case: Path) -> tuple[pl.DataFrame, dict]:
    """Table 3: each planted spike -> detected (root-cause and segment alerts), delay; false alarms."""
    alerts = _published(home, "SELECT * FROM alerts")
    causes = pl.read_csv(case / "ground_truth" / "causes.csv", infer_schema_length=0).filter(
        pl.col("spike_start") != "")
    windows = [(r["cause"], date.fromisoformat(r["spike_start"]), date.fromisoformat(r["spike_end"]))
               for r in causes.to_dicts()]
    rows = []
    explained = pl.lit(False)
    for cause, start, end in windows:
        near = alerts.filter((pl.col("start_day") <= end) & (pl.col("end_day") >= start - timedelta(days=2)))
        first = near["start_day"].min()
        rows.append({"planted spike": cause, "window": f"{start}..{end}",
                     "root-cause alerts": near.filter(pl.col("series_kind") == "root_cause").height,
                     "segment alerts": near.filter(pl.col("series_kind") == "segment").height,
                     "delay (days)": (first - start).days if first else None})
        explained = explained | ((pl.col("start_day") <= end) & (pl.col("end_day") >= start - timedelta(days=2)))
    false = alerts.filter(~explained)
    series = _published(home, "SELECT (SELECT count(DISTINCT root_cause_id) FROM root_cause_daily WHERE level = "
                              "'root') + (SELECT count(*) FROM (SELECT DISTINCT dimension, segment_value FROM "
                              "root_cause_segments)) AS n").item()
    days = 365
    return pl.DataFrame(rows), {"alerts": alerts.height, "false": false.height, "series": series,
                                "false_per_series_month": false.height / max(series, 1) / (days / 30),
                                "false_list": false.select("dimension", "key", "start_day", "observed",
                                                           "expected").rows()[:8]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[20_000])
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, python {platform.python_version()}")
    for i, n in enumerate(args.sizes):
        work = Path(tempfile.mkdtemp(prefix=f"causeway-decisions-{n}-"))
        try:
            case, home = work / "case", work / "home"
            _generate(case, n, args.seed)
            _run(PREPARE, str(case), str(home))
            line = next(x for x in _run(ANALYZE, str(home)).splitlines() if x.startswith("RESULT "))
            result = json.loads(line[len("RESULT "):])
            complaints = result["complaints"]
            print(f"\n== {n:,} generated, {complaints:,} ingested (seed {args.seed}): analyze "
                  f"{result['call_seconds']:.1f} s ({complaints / result['call_seconds']:,.0f} complaints/s) + "
                  f"imports {result['imports']:.1f} s; peak RSS {result['rss_mb']:,.0f} MB")
            print("   rows: " + ", ".join(f"{k} {v:,}" for k, v in result["rows"].items()))
            if i:
                continue
            with pl.Config(tbl_rows=40, tbl_cols=20, tbl_hide_dataframe_shape=True, tbl_width_chars=250,
                           fmt_str_lengths=70):
                print(planted_types(home, case))
                q = client_quality(home, case)
                tp, fp, fn = q["vd"]
                print(f"value destroyers over {q['clients']:,} clients: {tp} found, {fp} false, {fn} missed -> "
                      f"precision {tp / max(tp + fp, 1):.2f}, recall {tp / max(tp + fn, 1):.2f}; decoys flagged "
                      f"{q['decoys_flagged']} of {q['decoys']}")
                tp, fp, fn = q["unusual"]
                print(f"unusual with potential: {tp} found, {fp} false, {fn} missed -> precision "
                      f"{tp / max(tp + fp, 1):.2f}, recall {tp / max(tp + fn, 1):.2f}; tiers {q['tiers']}")
                table, f = spike_quality(home, case)
                print(table)
                print(f"alerts {f['alerts']}, overlapping no planted spike: {f['false']} over {f['series']} series "
                      f"-> {f['false_per_series_month']:.4f} false alerts per series per 30 days; e.g. "
                      f"{f['false_list']}")
        finally:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
