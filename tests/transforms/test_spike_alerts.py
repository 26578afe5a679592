"""Spike alerts: given hand-made daily series, expect the exact alerts; properties on random series."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from transforms.spike_alerts import ALERT_SCHEMA, SpikeParams, complaint_series, spike_alerts, spike_scores

PARAMS = SpikeParams(baseline_days=28, gap_days=3, min_history_days=14, min_count=8, min_ratio=2.5, min_score=6.0,
                     merge_gap_days=1)
START = date(2026, 1, 1)


def series(counts: list[int], key: str = "RC-1", kind: str = "root_cause", dimension: str = "root_cause_id",
           drop_zeros: bool = False) -> pl.DataFrame:
    rows = [(kind, dimension, key, START + timedelta(days=i), c) for i, c in enumerate(counts)
            if c or not drop_zeros]
    return pl.DataFrame(rows, schema={"series_kind": pl.String, "dimension": pl.String, "key": pl.String,
                                      "day": pl.Date, "count": pl.Int64}, orient="row")


def test_a_two_day_jump_on_a_flat_series_is_one_active_alert_with_exact_figures() -> None:
    daily = series([5] * 40 + [40, 40])
    alerts = spike_alerts(daily, PARAMS)
    assert alerts.height == 1
    alert = alerts.row(0, named=True)
    # baseline: median 5, first quartile 5 -> spread 0, variance max(5, 0, 1) = 5; score (40 - 5) / sqrt(5)
    assert (alert["start_day"], alert["end_day"]) == (START + timedelta(days=40), START + timedelta(days=41))
    assert alert["days"] == 2 and alert["observed"] == 80.0 and alert["expected"] == 10.0 and alert["ratio"] == 8.0
    assert abs(alert["score"] - 35 / 5 ** 0.5) < 1e-9
    assert alert["active"] is True and alert["peak_day"] == START + timedelta(days=40)
    assert list(alerts.schema) == list(ALERT_SCHEMA)


def test_a_rise_below_the_minimum_ratio_or_count_does_not_alert() -> None:
    assert spike_alerts(series([100] * 40 + [240]), PARAMS).height == 0  # score 14 but ratio 2.4 < 2.5
    assert spike_alerts(series([100] * 40 + [250]), PARAMS).height == 1  # ratio 2.5
    assert spike_alerts(series([0] * 40 + [7]), PARAMS).height == 0     # score 7, ratio 7, but 7 < min_count 8
    assert spike_alerts(series([0] * 40 + [8]), PARAMS).height == 1     # ... 8 is enough on a silent series


def test_missing_days_count_as_zero() -> None:
    counts = [0, 1, 0, 0, 2] * 8 + [12, 0, 1]
    dense, sparse = spike_alerts(series(counts), PARAMS), spike_alerts(series(counts, drop_zeros=True), PARAMS)
    assert dense.height == 1 and dense.equals(sparse)
    assert dense["active"].to_list() == [False]  # the alert ended two days before the last day


def test_no_alert_before_enough_history() -> None:
    # the first day that can alert has gap_days + min_history_days days before it
    first_possible = PARAMS.gap_days + PARAMS.min_history_days
    early = [0] * (first_possible - 1) + [50] + [0] * 30
    assert spike_alerts(series(early), PARAMS).height == 0
    just_enough = [0] * first_possible + [50] + [0] * 30
    assert spike_alerts(series(just_enough), PARAMS)["start_day"].to_list() == [START + timedelta(days=first_possible)]


def test_alert_days_one_quiet_day_apart_merge_and_further_apart_do_not() -> None:
    counts = [3] * 40 + [30, 3, 30, 3, 3, 30]
    merged = spike_alerts(series(counts), PARAMS)
    assert merged.select("start_day", "end_day", "days").rows() == [
        (START + timedelta(days=40), START + timedelta(days=42), 3), (START + timedelta(days=45),) * 2 + (1,)]
    assert merged["observed"].to_list() == [63.0, 30.0]   # the quiet day inside the first alert counts
    separate = spike_alerts(series(counts), SpikeParams(**{**PARAMS.__dict__, "merge_gap_days": 0}))
    assert separate.height == 3


def test_a_long_spike_stays_one_alert_because_the_baseline_ignores_it() -> None:
    alerts = spike_alerts(series([10] * 40 + [60] * 14 + [10] * 10), PARAMS)
    assert alerts.select("start_day", "end_day").rows() == [(START + timedelta(days=40), START + timedelta(days=53))]


def test_alert_ids_are_stable_and_differ_by_series() -> None:
    one = pl.concat([series([5] * 40 + [40], key="A"), series([5] * 40 + [40], key="B")])
    first, again = spike_alerts(one, PARAMS), spike_alerts(one.reverse(), PARAMS)
    assert first["alert_id"].to_list() == again["alert_id"].to_list()
    assert first["alert_id"].n_unique() == 2 and first["alert_id"].str.len_chars().to_list() == [16, 16]


def test_empty_input_and_a_missing_column() -> None:
    assert spike_alerts(series([]), PARAMS).height == 0
    try:
        spike_alerts(series([1, 2]).drop("count"), PARAMS)
    except ValueError as exc:
        assert "count" in str(exc)
    else:
        raise AssertionError("a missing column must fail")


def test_complaint_series_counts_per_day_cause_and_segment() -> None:
    complaints = pl.DataFrame({
        "received_at": [datetime(2026, 1, 5, 9), datetime(2026, 1, 5, 23), datetime(2026, 1, 6, 1)],
        "cause": ["late", "late", None], "region": ["Lviv", "Kyiv", "Lviv"]})
    out = complaint_series(complaints, "cause", ["region"])
    assert out.rows() == [("root_cause", "cause", "late", date(2026, 1, 5), 2),
                          ("segment", "region", "Kyiv", date(2026, 1, 5), 1),
                          ("segment", "region", "Lviv", date(2026, 1, 5), 1),
                          ("segment", "region", "Lviv", date(2026, 1, 6), 1)]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.integers(0, 60), min_size=1, max_size=90), min_size=1, max_size=3),
       st.integers(0, 3), st.integers(1, 10))
def test_alerts_respect_history_thresholds_and_never_overlap(all_counts, gap, history) -> None:
    params = SpikeParams(baseline_days=14, gap_days=gap, min_history_days=history, min_count=5, min_ratio=2.0,
                         min_score=3.0, merge_gap_days=1)
    daily = pl.concat([series(c, key=f"S{i}") for i, c in enumerate(all_counts)])
    alerts, scored = spike_alerts(daily, params), spike_scores(daily, params)
    first_allowed = START + timedelta(days=gap + history)
    assert (alerts["start_day"] >= first_allowed).all()
    assert ((alerts["start_day"] <= alerts["peak_day"]) & (alerts["peak_day"] <= alerts["end_day"])).all()
    assert (alerts["observed"] >= params.min_count).all()
    starts = alerts.select("key", "start_day").join(scored.rename({"day": "start_day"}), on=["key", "start_day"])
    assert starts.height == alerts.height and starts["alert_day"].all()
    assert (starts["count"] >= params.min_count).all()
    assert (starts["count"] >= params.min_ratio * starts["expected"]).all() and (starts["score"] >= 3.0).all()
    for _, one in alerts.sort("start_day").group_by("key"):
        ends, begins = one["end_day"].to_list()[:-1], one["start_day"].to_list()[1:]
        assert all((b - e).days > params.merge_gap_days + 1 for e, b in zip(ends, begins, strict=True))
    assert scored.height == sum(max(len(c) for c in all_counts) for _ in all_counts)
