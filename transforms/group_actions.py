"""Actions for a whole group of clients: "fix it for the whole group" lists and product-gap questions.

- ``group_fix_candidates`` — one row per process cause × concentrated segment × client: the clients who share
  the segment's trait (industry, main shipment type) but have not complained about the
  cause yet, biggest first. PRODUCT.md §2: fix the process for the whole group before the others complain.
- ``product_gaps`` — one row per product-gap cause, PRODUCT.md §3's four questions in numbers: how many
  clients ask and how large a group they represent, which tiers, the revenue at stake, and the growth.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import polars as pl

# segment dimension of root_cause_segments -> the clients column that holds the same trait. Region and
# client type are segments too, but not a trait a process fix is made for (PRODUCT.md §2: "same industry,
# same type of shipment").
CLIENT_TRAIT = {"industry": "industry", "shipment_type": "main_shipment_type"}


def group_fix_candidates(causes: pl.DataFrame, segments: pl.DataFrame, members: pl.DataFrame,
                         clients: pl.DataFrame, scores: pl.DataFrame, max_per_segment: int) -> pl.DataFrame:
    """Clients of each process root cause's concentrated segments who have not complained about it.

    ``causes``: root_cause_id, level, cause_type; ``segments``: root_cause_segments; ``members``: one row
    per complaint with root_cause_id and client_id; ``scores``: client_id, tier."""
    process = causes.filter((pl.col("level") == "root") & (pl.col("cause_type") == "process"))["root_cause_id"]
    hot = segments.filter(pl.col("root_cause_id").is_in(process.to_list()) & pl.col("concentrated")
                          & pl.col("dimension").is_in(list(CLIENT_TRAIT)))
    complained = members.filter(pl.col("client_id").is_not_null()).select("root_cause_id", "client_id").unique()
    base = clients.join(scores.select("client_id", "tier"), on="client_id", how="left")
    frames = []
    for dim in hot["dimension"].unique().sort().to_list():
        trait = CLIENT_TRAIT[dim]
        wanted = hot.filter(pl.col("dimension") == dim).select("root_cause_id", "dimension", "segment_value", "lift")
        frames.append(wanted.join(base.with_columns(pl.col(trait).cast(pl.String).alias("segment_value")),
                                  on="segment_value", how="inner"))
    if not frames:
        return pl.DataFrame(schema=GROUP_FIX_SCHEMA)
    found = (pl.concat(frames, how="diagonal_relaxed")
             .join(complained, on=["root_cause_id", "client_id"], how="anti")
             .sort(["root_cause_id", "dimension", "segment_value", "revenue_uah", "client_id"],
                   descending=[False, False, False, True, False])
             .group_by("root_cause_id", "dimension", "segment_value", maintain_order=True).head(max_per_segment))
    return found.select([pl.col(c).cast(t) for c, t in GROUP_FIX_SCHEMA.items()])


GROUP_FIX_SCHEMA = {"root_cause_id": pl.String, "dimension": pl.String, "segment_value": pl.String,
                    "lift": pl.Float64, "client_id": pl.String, "tier": pl.String, "revenue_uah": pl.Float64,
                    "shipments_per_year": pl.Int32}


def product_gaps(causes: pl.DataFrame, segments: pl.DataFrame, members: pl.DataFrame, clients: pl.DataFrame,
                 scores: pl.DataFrame, as_of: datetime) -> pl.DataFrame:
    """One row per product-gap cause (either level): clients asking, group, tiers, revenue at stake, growth.

    ``members``: one row per complaint with root_cause_id, sub_cause_id, client_id, received_at."""
    gaps = causes.filter(pl.col("cause_type") == "product_gap")
    rows = []
    recent, before = as_of - timedelta(days=90), as_of - timedelta(days=180)
    for cause, level in gaps.select("root_cause_id", "level").iter_rows():
        column = "root_cause_id" if level == "root" else "sub_cause_id"
        theirs = members.filter(pl.col(column) == cause)
        asking = theirs["client_id"].drop_nulls().unique()
        who = clients.filter(pl.col("client_id").is_in(asking.to_list())).join(
            scores.select("client_id", "tier"), on="client_id", how="left")
        top = (segments.filter((pl.col("root_cause_id") == cause) & pl.col("dimension").is_in(list(CLIENT_TRAIT)))
               .sort("lift", descending=True).head(1))
        segment, group = None, None
        if top.height:
            dim, value = top["dimension"][0], top["segment_value"][0]
            segment = f"{dim}={value}"
            group = clients.filter(pl.col(CLIENT_TRAIT[dim]).cast(pl.String) == value).height
        last = theirs.filter(pl.col("received_at") > recent).height
        prior = theirs.filter(pl.col("received_at").is_between(before, recent, closed="right")).height
        rows.append({
            "root_cause_id": cause, "complaints": theirs.height, "clients": asking.len(), "segment": segment,
            "segment_clients": group, "tiers": json.dumps(dict(who.group_by("tier").len().sort("tier").iter_rows())),
            "revenue_at_stake_uah": float(who["revenue_uah"].sum()),
            "growth": round(last / prior, 2) if prior else None,
            "effort_note": "effort is not in the data: the product owner estimates it",
        })
    return pl.DataFrame(rows, schema=GAP_SCHEMA)


GAP_SCHEMA = {"root_cause_id": pl.String, "complaints": pl.Int32, "clients": pl.Int32, "segment": pl.String,
              "segment_clients": pl.Int32, "tiers": pl.String, "revenue_at_stake_uah": pl.Float64,
              "growth": pl.Float64, "effort_note": pl.String}
