"""Reference tables (clients, daily shipment volumes, branches, employees) typed into their warehouse shape.

Input grain = output grain: one row per client / per day x region x segment / per branch / per employee.
"""

from __future__ import annotations

import polars as pl

from transforms.identity import normalize_phone

CLIENTS_SCHEMA = {
    "client_id": pl.String, "name": pl.String, "client_type": pl.String, "industry": pl.String,
    "shipment_types": pl.String, "main_shipment_type": pl.String, "region": pl.String,
    "revenue_uah": pl.Float64, "shipments_per_year": pl.Int32, "contract_start": pl.Date,
    "language": pl.String,
}


def _typed(name: str, dtype: pl.DataType) -> pl.Expr:
    """Text column to its type; dates are ISO (YYYY-MM-DD)."""
    return pl.col(name).str.to_date("%Y-%m-%d") if dtype == pl.Date else pl.col(name).cast(dtype)


def stg_clients(raw: pl.DataFrame) -> pl.DataFrame:
    """Clients as the warehouse holds them: shipment types as a list, one row per client id."""
    missing = [c for c in CLIENTS_SCHEMA if c not in raw.columns]
    if missing:
        raise ValueError(f"clients: missing column(s) {', '.join(missing)}")
    overdue = pl.col("overdue_uah") if "overdue_uah" in raw.columns else pl.lit(None)  # optional: unpaid invoices
    return (
        raw.select(*[_typed(c, t) for c, t in CLIENTS_SCHEMA.items()], overdue.cast(pl.Float64).alias("overdue_uah"))
        .with_columns(pl.col("shipment_types").str.split(";"))
        .unique("client_id", keep="first", maintain_order=True)
    )


def stg_shipments_daily(raw: pl.DataFrame) -> pl.DataFrame:
    return raw.select(
        _typed("day", pl.Date), "region", "client_type", "industry", "shipment_type",
        pl.col("shipments").cast(pl.Int64), pl.col("damaged").cast(pl.Int64), pl.col("revenue_uah").cast(pl.Float64),
    )


def stg_tariffs(raw: pl.DataFrame) -> pl.DataFrame:
    """One row per response x shipment type: its fixed cost (empty when it depends on the item) and the rule."""
    return raw.select("response", "shipment_type", pl.col("cost_uah").cast(pl.Float64), "rule").unique(
        ["response", "shipment_type"], keep="first", maintain_order=True)


def stg_branches(raw: pl.DataFrame) -> pl.DataFrame:
    return raw.select("branch_id", pl.col("number").cast(pl.Int32), "region", "city", "kind")


def stg_employees(raw: pl.DataFrame) -> pl.DataFrame:
    return raw.select("employee_id", "role", "region", "branch_id", _typed("hired_on", pl.Date))


def stg_social_handles(raw: pl.DataFrame) -> pl.DataFrame:
    """One row per (platform, handle): the client behind a known social account."""
    return raw.select("platform", "handle", "client_id").drop_nulls().unique(["platform", "handle"], keep="first",
                                                                            maintain_order=True)


def stg_client_contacts(raw_clients: pl.DataFrame) -> pl.DataFrame:
    """One row per client with its phone (last nine digits) and e-mail (lower case), for identity resolution."""
    phone = pl.col("phone") if "phone" in raw_clients.columns else pl.lit(None, pl.String)
    email = pl.col("email").str.to_lowercase() if "email" in raw_clients.columns else pl.lit(None, pl.String)
    return raw_clients.select("client_id", normalize_phone(phone).alias("phone_norm"), email.alias("email_norm"))
