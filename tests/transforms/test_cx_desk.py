"""The CX desk's inputs: open complaints, the period's spend (each complaint once), reactions; amounts."""

from __future__ import annotations

from datetime import datetime

import polars as pl
import pytest

from transforms.amounts import largest_uah, parse_uah
from transforms.cx_desk import budget_used, month_of, open_complaints, reactions

COMPLAINTS = pl.DataFrame({
    "complaint_id": ["PAID", "PAID_OLD", "DECIDED", "OVERRIDDEN", "PAID_THEN_DECIDED", "SOCIAL_NEW", "SOCIAL_OLD"],
    "status": ["closed", "closed", "open", "open", "closed", None, None],
    "received_at": [datetime(2026, 10, 2), datetime(2026, 9, 1), datetime(2026, 10, 3), datetime(2026, 10, 4),
                    datetime(2026, 10, 5), datetime(2026, 10, 30), datetime(2026, 9, 30)],
    "resolved_at": [datetime(2026, 10, 3), datetime(2026, 9, 30, 23), None, None, datetime(2026, 10, 6), None, None],
    "compensation_uah": [500.0, 900.0, None, None, 300.0, None, None],
    "response_type": ["standard_compensation", "gift_box", None, None, "standard_compensation", None, None],
    "reaction": ["positive", "negative", None, None, None, None, None],
    "shipment_type": ["parcel"] * 7, "amount_uah": [None] * 7, "industry": ["florist"] * 7,
}, schema_overrides={"amount_uah": pl.Float64})
DECISIONS = pl.DataFrame({
    "complaint_id": ["DECIDED", "OVERRIDDEN", "PAID_THEN_DECIDED", "PAID_OLD"],
    "decided_response": ["promo_code", "gift_box", "gift_box", None],
    "decided_at": [datetime(2026, 10, 10), datetime(2026, 10, 11), datetime(2026, 10, 12), None],
    "decided_cost_uah": [85.0, None, 750.0, None],
    "reaction": [None, "positive", None, "positive"],
})


def test_month_of_and_its_end() -> None:
    assert month_of(datetime(2026, 12, 31, 23)).end == datetime(2027, 1, 1)
    assert month_of(datetime(2026, 10, 5)).name == "2026-10"


def test_open_complaints_are_open_tickets_and_recent_mentions() -> None:
    got = open_complaints(COMPLAINTS, datetime(2026, 10, 31), open_social_days=14)["complaint_id"].to_list()
    assert got == ["DECIDED", "OVERRIDDEN", "SOCIAL_NEW"]


def test_budget_counts_each_complaint_once_and_prices_overrides() -> None:
    priced = []

    def price(row: dict) -> float:
        priced.append(row["complaint_id"])
        return 750.0 if row["decided_response"] == "gift_box" else 0.0

    used = budget_used(COMPLAINTS, DECISIONS, month_of(datetime(2026, 10, 31)), price)
    # paid in October: PAID 500 + PAID_THEN_DECIDED 300 (its later decision is not counted again);
    # decided: DECIDED 85 (its recorded cost) + OVERRIDDEN priced 750; PAID_OLD was paid in September
    assert used == {"paid_uah": 800.0, "decided_uah": 835.0, "used_uah": 1635.0}
    assert priced == ["OVERRIDDEN"]


def test_recorded_reactions_replace_the_source_systems() -> None:
    got = reactions(COMPLAINTS, DECISIONS, ("industry",)).sort("complaint_id")
    assert got.select("complaint_id", "response", "reaction").rows() == [
        ("OVERRIDDEN", "gift_box", "positive"), ("PAID", "standard_compensation", "positive"),
        ("PAID_OLD", "gift_box", "positive")]


@pytest.mark.parametrize(("text", "uah"), [
    ("1 200 грн", 1200.0), ("1,200.50 UAH", 1200.5), ("₴350", 350.0), ("5200 гривень", 5200.0),
    ("12,5 грн", 12.5), ("1.200 грн", 1200.0), ("$120", None), ("80 USD", None), ("грн", None), (None, None),
])
def test_amounts_are_read_as_hryvnias_only(text: str | None, uah: float | None) -> None:
    assert parse_uah(text) == uah


def test_largest_amount_per_complaint() -> None:
    texts = pl.Series([["150 грн", "1 500 грн", "$9000"], [], None, ["$5"]], dtype=pl.List(pl.String))
    assert largest_uah(texts).to_list() == [1500.0, None, None, None]
