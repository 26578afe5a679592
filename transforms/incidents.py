"""Incidents: complaints about the same client + shipment, or the same author with near-identical text,
within a time window, collapse into one incident.

Input grain: one row per complaint (complaint_id, client_id, author_handle, tracking_numbers,
text_masked, channel, received_at). Output: ``assignments`` (one row per complaint: its incident_id)
and ``incidents`` (one row per incident). An incident's id is ``INC:`` + its earliest complaint's id, so
it stays the same when later complaints join it.
"""

from __future__ import annotations

import polars as pl


def text_fingerprint(expr: pl.Expr) -> pl.Expr:
    """Masked text reduced to its letters: near-identical posts (other numbers, emoji, case) collide."""
    return (expr.fill_null("").str.to_lowercase().str.replace_all(r"<[a-z]+>|https?://\S+|@\w+", " ")
            .str.replace_all(r"[^\p{L}]+", " ").str.strip_chars().str.slice(0, 80))


def incident_author() -> pl.Expr:
    """Who a complaint is from, as incidents group it: the client id, else "@" + the author's handle (null
    when neither is known: such a complaint is an incident of its own). Every grouping key starts with it,
    so two complaints can share an incident only when they share this value."""
    return pl.coalesce(pl.col("client_id"), pl.lit("@") + pl.col("author_handle"))


def incident_reach(new: pl.DataFrame) -> tuple[pl.DataFrame, pl.Series]:
    """Which earlier complaints can share an incident with ``new`` ones: those with the same author and
    first tracking number (``shipments``: author, tracking), and those of the ``text_authors`` without a
    tracking number (a complaint without one is grouped by author + text)."""
    keyed = new.select(incident_author().alias("author"), pl.col("tracking_numbers").list.first().alias("tracking")
                       ).filter(pl.col("author").is_not_null())
    shipments = keyed.filter(pl.col("tracking").is_not_null()).unique()
    return shipments, keyed.filter(pl.col("tracking").is_null())["author"].unique()


def build_incidents(complaints: pl.DataFrame, window_hours: float = 72.0) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``complaints`` must hold every complaint of each grouping key it holds (their incidents are rebuilt
    whole): all complaints, or the new ones with the earlier ones :func:`incident_reach` names."""
    who = incident_author()
    first_tracking = pl.col("tracking_numbers").list.first()
    keyed = complaints.with_columns(
        pl.when(who.is_not_null() & first_tracking.is_not_null())
        .then(pl.lit("s|") + who + pl.lit("|") + first_tracking)
        .when(who.is_not_null() & (text_fingerprint(pl.col("text_masked")).str.len_chars() >= 20))
        .then(pl.lit("t|") + who + pl.lit("|") + text_fingerprint(pl.col("text_masked")))
        .otherwise(pl.lit("c|") + pl.col("complaint_id"))
        .alias("_key"),
        first_tracking.alias("_tracking"),
    ).sort("_key", "received_at", "complaint_id")
    # sorted by key and time: an incident starts where the key changes or the gap exceeds the window;
    # shifts and a forward fill instead of per-group windows (a million tiny groups would be slow)
    starts = ((pl.col("_key") != pl.col("_key").shift(1)).fill_null(True)
              | ((pl.col("received_at") - pl.col("received_at").shift(1)) > pl.duration(hours=window_hours)))
    sessions = keyed.with_columns(
        (pl.lit("INC:") + pl.when(starts).then(pl.col("complaint_id")).otherwise(None).forward_fill())
        .alias("incident_id")
    )
    incidents = sessions.group_by("incident_id").agg(
        pl.col("client_id").drop_nulls().first(),
        pl.col("_tracking").drop_nulls().first().alias("tracking_number"),
        pl.col("received_at").min().alias("first_received_at"),
        pl.col("received_at").max().alias("last_received_at"),
        pl.col("complaint_id").alias("complaint_ids"),
        pl.col("channel").unique(maintain_order=True).alias("channels"),
        pl.len().cast(pl.Int32).alias("n_complaints"),
    ).sort("first_received_at", "incident_id")
    return sessions.select("complaint_id", "incident_id"), incidents
