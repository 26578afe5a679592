"""Figures about root causes, from the assignment of complaints (pure Polars).

Input grain everywhere: one row per complaint with ``root_cause_id`` and ``sub_cause_id`` (NULL when
unassigned), ``received_at`` and the segment columns. Each function states its output grain.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

SEGMENT_SCHEMA = {"root_cause_id": pl.String, "dimension": pl.String, "segment_value": pl.String,
                  "complaints": pl.Int32, "share": pl.Float64, "lift": pl.Float64, "concentrated": pl.Boolean}


def _by_level(assigned: pl.DataFrame) -> pl.DataFrame:
    """Each complaint twice: once under its root cause, once under its sub-cause (unassigned dropped)."""
    roots = assigned.filter(pl.col("root_cause_id").is_not_null()).with_columns(level=pl.lit("root"))
    subs = (assigned.filter(pl.col("sub_cause_id").is_not_null())
            .with_columns(pl.col("sub_cause_id").alias("root_cause_id"), level=pl.lit("sub")))
    return pl.concat([roots, subs], how="vertical_relaxed")


UNKNOWN = "(unknown)"


def cause_segments(assigned: pl.DataFrame, dimensions: Sequence[str], min_lift: float,
                   min_complaints: int) -> pl.DataFrame:
    """One row per cause (both levels) x segment dimension x value: count, share of the cause, lift.

    lift = (share of the cause's complaints in the segment) / (share of all assigned complaints in it);
    ``concentrated`` marks lift >= ``min_lift`` on at least ``min_complaints`` complaints. A missing
    segment value counts as ``(unknown)``, which is never concentrated: it is no segment anyone can act on.
    """
    base = assigned.filter(pl.col("root_cause_id").is_not_null())
    if base.height == 0:
        return pl.DataFrame(schema=SEGMENT_SCHEMA)
    stacked = _by_level(base)
    frames = []
    for dimension in dimensions:
        value = pl.col(dimension).cast(pl.String).fill_null(UNKNOWN).alias("segment_value")
        overall = (base.group_by(value).len("n_segment")
                   .with_columns((pl.col("n_segment") / base.height).alias("segment_share")))
        per = (stacked.group_by("root_cause_id", value).len("complaints")
               .with_columns((pl.col("complaints") / pl.col("complaints").sum().over("root_cause_id")).alias("share"))
               .join(overall, on="segment_value")
               .with_columns((pl.col("share") / pl.col("segment_share")).alias("lift"), dimension=pl.lit(dimension)))
        frames.append(per)
    out = pl.concat(frames).with_columns(
        ((pl.col("lift") >= min_lift) & (pl.col("complaints") >= min_complaints)
         & (pl.col("segment_value") != UNKNOWN)).alias("concentrated"))
    return out.select(list(SEGMENT_SCHEMA)).cast(SEGMENT_SCHEMA).sort("root_cause_id", "dimension", "segment_value")


def cause_daily(assigned: pl.DataFrame) -> pl.DataFrame:
    """One row per day x cause (both levels): complaints and share of that day's assigned complaints."""
    stacked = _by_level(assigned).with_columns(pl.col("received_at").dt.date().alias("day"))
    if stacked.height == 0:
        return pl.DataFrame(schema={"day": pl.Date, "root_cause_id": pl.String, "level": pl.String,
                                    "complaints": pl.Int32, "share": pl.Float64})
    per_day = (assigned.filter(pl.col("root_cause_id").is_not_null())
               .group_by(pl.col("received_at").dt.date().alias("day")).len("day_total"))
    return (stacked.group_by("day", "root_cause_id", "level").len("complaints")
            .join(per_day, on="day")
            .with_columns((pl.col("complaints") / pl.col("day_total")).alias("share"))
            .select("day", "root_cause_id", "level", pl.col("complaints").cast(pl.Int32), "share")
            .sort("day", "root_cause_id"))


def cause_spans(assigned: pl.DataFrame) -> pl.DataFrame:
    """One row per cause (both levels): size, first and last complaint received."""
    return (_by_level(assigned).group_by("root_cause_id")
            .agg(pl.len().cast(pl.Int32).alias("size"), pl.col("received_at").min().alias("first_seen"),
                 pl.col("received_at").max().alias("last_seen")))
