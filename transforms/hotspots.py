"""Hot spots: people, branches and region-periods far above their peers or their own history.

- ``human_factor`` — employees and branches named in far more complaints than their peers (input: one row
  per complaint with ``employee_id``, ``branch_id``, ``root_cause_id``; ``employees`` with their ``role``;
  ``branches``);
- ``external`` — a regional burst (a spike alert of one region whose share of all complaints in the window is
  far above its usual share: not a company-wide spike) or an event of the calendar in config.

Output grain: one row per hot spot (``hotspots``), with the causes its complaints fall in. Neither depends on
how well the complaints cluster: a courier named in 30 times the complaints of the median courier is a
training case whichever root causes the complaints went to, and a storm week in one region is force majeure
for every complaint it caused.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import polars as pl

HOTSPOT_SCHEMA = {"hotspot_id": pl.String, "kind": pl.String, "subject_type": pl.String, "subject": pl.String,
                  "complaints": pl.Int32, "expected": pl.Float64, "ratio": pl.Float64, "start_day": pl.Date,
                  "end_day": pl.Date, "top_causes": pl.String, "owner_department": pl.String}


@dataclass(frozen=True)
class HotspotRules:
    min_complaints: int = 20        # a person / branch named in fewer is never a hot spot
    min_ratio: float = 5.0          # named complaints / the median of the peers named at all
    top_causes: int = 5
    owner: str | None = None
    event_min_complaints: int = 50  # a regional burst smaller than this is not an external event
    event_min_region_lift: float = 2.0  # the region's share of complaints in the window / its usual share
    event_owner: str | None = None


def person_hotspots(complaints: pl.DataFrame, employees: pl.DataFrame, branches: pl.DataFrame,
                    rules: HotspotRules) -> pl.DataFrame:
    """One row per employee or branch named in ≥ ``min_ratio`` × the median of its peers (same role; every
    branch) named at all — most people are never named, and a median of zero would make anyone a hot spot."""
    frames = []
    peers = {"employee": employees.select(pl.col("employee_id").alias("subject"), "role"),
             "branch": branches.select(pl.col("branch_id").alias("subject"), pl.lit("branch").alias("role"))}
    for subject_type, column in (("employee", "employee_id"), ("branch", "branch_id")):
        named = (complaints.filter(pl.col(column).is_not_null())
                 .group_by(pl.col(column).cast(pl.String).alias("subject")).agg(complaints=pl.len()))
        counts = (peers[subject_type].join(named, on="subject", how="full", coalesce=True)
                  .with_columns(pl.col("complaints").fill_null(0), pl.col("role").fill_null("unknown"))
                  .with_columns(expected=pl.col("complaints").filter(pl.col("complaints") > 0).median()
                                .over("role").cast(pl.Float64)))
        hot = counts.with_columns(ratio=(pl.col("complaints") / pl.col("expected").clip(lower_bound=1.0)).round(1)
                                  ).filter((pl.col("complaints") >= rules.min_complaints)
                                           & (pl.col("ratio") >= rules.min_ratio))
        frames.append(hot.with_columns(subject_type=pl.lit(subject_type)))
    hot = pl.concat(frames).sort("ratio", descending=True)
    rows = []
    for r in hot.to_dicts():
        column = "employee_id" if r["subject_type"] == "employee" else "branch_id"
        theirs = complaints.filter(pl.col(column) == r["subject"])
        causes = (theirs.filter(pl.col("root_cause_id").is_not_null()).group_by("root_cause_id").len()
                  .sort(["len", "root_cause_id"], descending=[True, False]).head(rules.top_causes))
        days = theirs["received_at"].dt.date()
        rows.append({"hotspot_id": f"HF-{r['subject']}", "kind": "human_factor", "subject_type": r["subject_type"],
                     "subject": r["subject"], "complaints": r["complaints"], "expected": r["expected"],
                     "ratio": r["ratio"], "start_day": days.min(), "end_day": days.max(),
                     "top_causes": json.dumps(dict(causes.iter_rows())), "owner_department": rules.owner})
    return pl.DataFrame(rows, schema=HOTSPOT_SCHEMA)


def complaint_hotspot(complaints: pl.DataFrame, hotspots: pl.DataFrame) -> pl.Series:
    """Per complaint: the hot-spot employee (else branch) it names, or null."""
    people = set(hotspots.filter(pl.col("subject_type") == "employee")["subject"].to_list())
    places = set(hotspots.filter(pl.col("subject_type") == "branch")["subject"].to_list())
    return (complaints.select(
        pl.when(pl.col("employee_id").is_in(list(people))).then(pl.col("employee_id"))
        .when(pl.col("branch_id").is_in(list(places))).then(pl.col("branch_id"))
        .otherwise(None).alias("hotspot"))["hotspot"])


def external_hotspots(alerts: pl.DataFrame, complaints: pl.DataFrame, events: pl.DataFrame,
                      rules: HotspotRules) -> pl.DataFrame:
    """One row per regional burst (from the region spike alerts) or calendar event (``events``: name, start,
    end, region). ``complaints``: received_at, region, root_cause_id."""
    days = complaints.with_columns(pl.col("received_at").dt.date().alias("day"))
    usual = days.filter(pl.col("region").is_not_null()).group_by("region").len()
    usual_share = dict(zip(usual["region"].to_list(), (usual["len"] / max(days.height, 1)).to_list(), strict=True))
    rows = []
    regional = alerts.filter((pl.col("series_kind") == "segment") & (pl.col("dimension") == "region"))
    candidates = [("burst", r["key"], r["start_day"], r["end_day"], r["expected"]) for r in regional.to_dicts()]
    candidates += [("event", r["region"], r["start"], r["end"], None) for r in events.to_dicts()]
    for source, region, start, end, expected in candidates:
        window = days.filter(pl.col("day").is_between(start, end))
        inside = window.filter(pl.col("region") == region) if region else window
        lift = (inside.height / max(window.height, 1)) / usual_share.get(region, 1.0) if region else None
        if source == "burst" and (inside.height < rules.event_min_complaints
                                  or (lift or 0) < rules.event_min_region_lift):
            continue
        causes = (inside.filter(pl.col("root_cause_id").is_not_null()).group_by("root_cause_id").len()
                  .sort(["len", "root_cause_id"], descending=[True, False]).head(rules.top_causes))
        base = float(expected) if expected is not None else float(inside.height)
        rows.append({"hotspot_id": f"EX-{region or 'all'}-{start.isoformat()}", "kind": "external",
                     "subject_type": "region", "subject": region or "all", "complaints": inside.height,
                     "expected": round(base, 1), "ratio": round(inside.height / max(base, 1.0), 1),
                     "start_day": start, "end_day": end, "top_causes": json.dumps(dict(causes.iter_rows())),
                     "owner_department": rules.event_owner})
    return pl.DataFrame(rows, schema=HOTSPOT_SCHEMA).unique("hotspot_id", keep="first", maintain_order=True)


def complaint_event(complaints: pl.DataFrame, hotspots: pl.DataFrame) -> pl.Series:
    """Per complaint: the external hot spot (region and window) it falls in, or null."""
    day = pl.col("received_at").dt.date()
    event = pl.lit(None, pl.String)
    for r in hotspots.filter(pl.col("kind") == "external").to_dicts():
        region_ok = pl.lit(True) if r["subject"] == "all" else (pl.col("region") == r["subject"])
        event = pl.when(region_ok & day.is_between(r["start_day"], r["end_day"])).then(
            pl.lit(r["hotspot_id"])).otherwise(event)
    return complaints.with_columns(event.alias("_event"))["_event"].alias("event")
