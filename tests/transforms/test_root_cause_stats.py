"""Segment breakdown and daily counts of root causes: given a tiny assignment, expect exact figures."""

from __future__ import annotations

from datetime import datetime

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from transforms.root_cause_stats import cause_daily, cause_segments, cause_spans


def assigned() -> pl.DataFrame:
    day1, day2 = datetime(2026, 1, 5, 10), datetime(2026, 1, 6, 9)
    return pl.DataFrame({
        "complaint_id": ["a", "b", "c", "d", "e"],
        "root_cause_id": ["RC-1", "RC-1", "RC-2", "RC-2", None],
        "sub_cause_id": ["SC-1", "SC-1", "SC-2", "SC-3", None],
        "received_at": [day1, day1, day1, day2, day2],
        "industry": ["florist", "florist", "retail", "florist", "retail"],
    })


def test_lift_is_the_cause_share_over_the_segment_share() -> None:
    seg = cause_segments(assigned(), ["industry"], min_lift=1.2, min_complaints=2)
    row = seg.filter((pl.col("root_cause_id") == "RC-1") & (pl.col("segment_value") == "florist")).row(0, named=True)
    # RC-1: 2 of 2 complaints are florists; florists are 3 of the 4 assigned complaints
    assert row["complaints"] == 2 and row["share"] == 1.0 and abs(row["lift"] - 4 / 3) < 1e-9
    assert row["concentrated"] is True
    sub = seg.filter(pl.col("root_cause_id") == "SC-3")
    assert sub["segment_value"].to_list() == ["florist"] and sub["concentrated"].to_list() == [False]


def test_an_unknown_segment_value_is_counted_but_never_concentrated() -> None:
    frame = assigned().with_columns(industry=pl.when(pl.col("root_cause_id") == "RC-1").then(None)
                                    .otherwise(pl.col("industry")))
    row = cause_segments(frame, ["industry"], min_lift=1.2, min_complaints=2).filter(
        pl.col("root_cause_id") == "RC-1").row(0, named=True)
    assert (row["segment_value"], row["complaints"], row["lift"], row["concentrated"]) == ("(unknown)", 2, 2.0, False)


def test_daily_counts_and_spans_ignore_unassigned_complaints() -> None:
    daily = cause_daily(assigned()).filter(pl.col("level") == "root")
    assert daily.select("root_cause_id", "complaints", "share").rows() == [
        ("RC-1", 2, 2 / 3), ("RC-2", 1, 1 / 3), ("RC-2", 1, 1.0)]
    spans = cause_spans(assigned()).sort("root_cause_id")
    assert spans.filter(pl.col("root_cause_id") == "RC-2")["size"][0] == 2


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["RC-1", "RC-2", "RC-3", None]), st.sampled_from(["a", "b", None])),
                min_size=1, max_size=40))
def test_shares_sum_to_one_per_cause_and_dimension(rows) -> None:
    frame = pl.DataFrame({"complaint_id": [str(i) for i in range(len(rows))],
                          "root_cause_id": [r for r, _ in rows], "sub_cause_id": [r for r, _ in rows],
                          "received_at": [datetime(2026, 1, 1)] * len(rows), "region": [s for _, s in rows]},
                         schema_overrides={"root_cause_id": pl.String, "sub_cause_id": pl.String,
                                           "region": pl.String})
    seg = cause_segments(frame, ["region"], 1.5, 1)
    sums = seg.group_by("root_cause_id").agg(pl.col("share").sum())
    assert all(abs(s - 1) < 1e-9 for s in sums["share"])
    assert seg["complaints"].sum() == 2 * frame["root_cause_id"].drop_nulls().len()
