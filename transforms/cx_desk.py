"""The CX desk's inputs: which complaints are open, what the period has spent, what reactions taught us.

Input grains: ``complaints`` one row per complaint (status, received_at, resolved_at, response_type,
compensation_uah, reaction, shipment_type, amount_uah and the segment columns); ``decisions`` one row per
complaint with its latest recorded decision and reaction (``decided_response``, ``decided_at``,
``decided_cost_uah``, ``reaction``). Pure functions; the analyze flow wires them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import polars as pl


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime                       # exclusive

    @property
    def name(self) -> str:
        return self.start.strftime("%Y-%m")


def month_of(moment: datetime) -> Period:
    start = moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(month=start.month + 1)
    return Period(start, end)


def open_complaints(complaints: pl.DataFrame, as_of: datetime, open_social_days: int) -> pl.DataFrame:
    """Complaints waiting for an answer: status ``open``, and mentions without a status (social posts) from
    the last ``open_social_days`` days."""
    recent = pl.col("received_at") >= as_of - pl.duration(days=open_social_days)
    return complaints.filter((pl.col("status") == "open") | (pl.col("status").is_null() & recent))


def budget_used(complaints: pl.DataFrame, decisions: pl.DataFrame, period: Period,
                price: Callable[[dict], float]) -> dict[str, float]:
    """What the period has spent: payouts of complaints resolved in it, plus recorded decisions made in it
    for complaints not already paid in it (each complaint counted once). A decision recorded without a
    cost (an override of the recommendation) is priced by ``price`` (a row with decided_response,
    shipment_type, amount_uah)."""
    in_period = pl.col("resolved_at").is_between(period.start, period.end, closed="left")
    paid = complaints.filter(in_period & (pl.col("compensation_uah").fill_null(0) > 0))
    decided = (decisions.filter(pl.col("decided_response").is_not_null()
                                & pl.col("decided_at").is_between(period.start, period.end, closed="left"))
               .join(paid.select("complaint_id"), on="complaint_id", how="anti")
               .join(complaints.select("complaint_id", "shipment_type", "amount_uah"), on="complaint_id", how="left"))
    decided_uah = sum(row["decided_cost_uah"] if row["decided_cost_uah"] is not None else price(row)
                      for row in decided.to_dicts())
    paid_uah = float(paid["compensation_uah"].sum())
    return {"paid_uah": round(paid_uah, 2), "decided_uah": round(float(decided_uah), 2),
            "used_uah": round(paid_uah + float(decided_uah), 2)}


def typical_item_costs(complaints: pl.DataFrame) -> pl.DataFrame:
    """response, shipment_type, typical_uah: the median past payout, for items the text does not price."""
    return (complaints.filter(pl.col("compensation_uah") > 0)
            .group_by(pl.col("response_type").alias("response"), "shipment_type")
            .agg(typical_uah=pl.col("compensation_uah").median()))


def reactions(complaints: pl.DataFrame, decisions: pl.DataFrame, dimensions: tuple[str, ...]) -> pl.DataFrame:
    """One row per complaint with a response and a reaction: the source system's, replaced by what people
    recorded (the recorded response, else the source's, with the recorded reaction)."""
    past = complaints.select("complaint_id", *dimensions, pl.col("response_type").alias("response"), "reaction")
    recorded = (decisions.filter(pl.col("reaction").is_not_null())
                .join(complaints.select("complaint_id", "response_type", *dimensions), on="complaint_id")
                .select("complaint_id", *dimensions,
                        pl.coalesce("decided_response", "response_type").alias("response"), "reaction"))
    return pl.concat([past.join(recorded.select("complaint_id"), on="complaint_id", how="anti"), recorded],
                     how="diagonal_relaxed").filter(pl.col("response").is_not_null() & pl.col("reaction").is_not_null())
