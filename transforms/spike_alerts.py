"""Spikes of daily complaint counts against each series' own history (pure Polars).

Input grain (``spike_alerts``): one row per day x series, a series being (``series_kind``, ``dimension``,
``key``), e.g. ('root_cause', 'root_cause_id', 'RC-12') or ('segment', 'region', 'Lviv'), with its ``count``.
Days a series lacks between the first and the last day of the whole input count as zero.

A day of a series is an *alert day* when, against the baseline of the ``baseline_days`` days ending
``gap_days`` before it (at least ``min_history_days`` of them, so no alert before enough history):

- ``count >= min_count``;
- ``count >= min_ratio * max(expected, 1)``, ``expected`` being the median of the baseline;
- ``score >= min_score``, ``score = (count - expected) / sqrt(max(expected, spread^2, 1))`` where ``spread`` is
  (median - first quartile) / 0.6745 of the baseline: a Poisson bound, widened when the series is
  over-dispersed. Only the lower half of the baseline sets the spread, so a spike inside the baseline does
  not widen it; with the median and the gap, a two-week spike stays one alert instead of fading.
Alert days at most ``merge_gap_days`` quiet days apart form one alert (output grain: one row per alert).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

SERIES = ["series_kind", "dimension", "key"]
SCORE_SCHEMA = {"series_kind": pl.String, "dimension": pl.String, "key": pl.String, "day": pl.Date,
                "count": pl.Float64, "expected": pl.Float64, "score": pl.Float64, "alert_day": pl.Boolean}
ALERT_SCHEMA = {"alert_id": pl.String, "series_kind": pl.String, "dimension": pl.String, "key": pl.String,
                "start_day": pl.Date, "end_day": pl.Date, "peak_day": pl.Date, "days": pl.Int32,
                "observed": pl.Float64, "expected": pl.Float64, "ratio": pl.Float64, "score": pl.Float64,
                "active": pl.Boolean}


@dataclass(frozen=True)
class SpikeParams:
    """Thresholds of the detector (``alerts:`` in config/kpis.yaml)."""

    baseline_days: int
    gap_days: int
    min_history_days: int
    min_count: int
    min_ratio: float
    min_score: float
    merge_gap_days: int


def spike_scores(daily: pl.DataFrame, params: SpikeParams) -> pl.DataFrame:
    """One row per series x calendar day: ``count`` (0 filled), ``expected``, ``score`` and ``alert_day``.

    ``expected`` and ``score`` are NULL while the series has fewer than ``min_history_days`` of baseline.
    """
    return _scored(daily, params).drop("_sid")


def _scored(daily: pl.DataFrame, params: SpikeParams) -> pl.DataFrame:
    missing = [c for c in [*SERIES, "day", "count"] if c not in daily.columns]
    if missing:
        raise ValueError(f"spike_alerts input lacks column(s) {', '.join(missing)}: pass one row per day x series.")
    if daily.height == 0:
        return pl.DataFrame(schema={"_sid": pl.UInt32, **SCORE_SCHEMA})
    grid = _complete_grid(daily)
    history = pl.col("count").shift(params.gap_days + 1)
    window = {"window_size": params.baseline_days, "min_samples": params.min_history_days}
    scored = grid.with_columns(
        history.rolling_median(**window).over("_sid").alias("expected"),
        history.rolling_quantile(0.25, **window).over("_sid").alias("_q1"))
    spread = (pl.col("expected") - pl.col("_q1")) / 0.6745
    variance = pl.max_horizontal(pl.col("expected"), spread**2, pl.lit(1.0))
    scored = scored.with_columns(((pl.col("count") - pl.col("expected")) / variance.sqrt()).alias("score"))
    alert_day = (pl.col("expected").is_not_null() & (pl.col("count") >= params.min_count)
                 & (pl.col("count") >= params.min_ratio * pl.max_horizontal(pl.col("expected"), pl.lit(1.0)))
                 & (pl.col("score") >= params.min_score))
    return scored.with_columns(alert_day.fill_null(False).alias("alert_day")).select(["_sid", *SCORE_SCHEMA])


def spike_alerts(daily: pl.DataFrame, params: SpikeParams) -> pl.DataFrame:
    """One row per alert: a run of alert days of one series (see the module docstring).

    ``observed`` / ``expected``: complaints over the run (quiet days inside it included) / the baselines' sum;
    ``ratio``: observed / expected with expected floored at 1 complaint a day; ``score``: the run's highest
    daily score, on ``peak_day``; ``active``: the run reaches the last day of the input. ``alert_id`` is
    stable: a hash of series_kind, dimension, key and start_day.
    """
    scored = _scored(daily, params)
    flagged = scored.filter(pl.col("alert_day")).sort("_sid", "day")
    if flagged.height == 0:
        return pl.DataFrame(schema=ALERT_SCHEMA)
    last_day = scored["day"].max()
    gap = (pl.col("day") - pl.col("day").shift(1).over("_sid")).dt.total_days()
    runs = (flagged.with_columns((gap.is_null() | (gap > params.merge_gap_days + 1)).cum_sum().alias("_run"))
            .group_by("_sid", "_run").agg(pl.col("day").min().alias("start_day"), pl.col("day").max().alias("end_day"))
            .sort("start_day"))
    in_run = (scored.sort("day")
              .join_asof(runs, left_on="day", right_on="start_day", by="_sid", strategy="backward",
                         check_sortedness=False)
              .filter(pl.col("day") <= pl.col("end_day")))
    alerts = (in_run.group_by("_sid", "_run")
              .agg(*[pl.col(c).first() for c in SERIES], pl.col("start_day").first(), pl.col("end_day").first(),
                   pl.col("day").sort_by("score", descending=True).first().alias("peak_day"),
                   pl.len().cast(pl.Int32).alias("days"), pl.col("count").sum().alias("observed"),
                   pl.col("expected").sum(), pl.col("expected").clip(lower_bound=1.0).sum().alias("_floored"),
                   pl.col("score").max())
              .with_columns((pl.col("observed") / pl.col("_floored")).alias("ratio"),
                            (pl.col("end_day") == last_day).alias("active")))
    ids = [_alert_id(kind, dimension, key, start) for kind, dimension, key, start in
           alerts.select(*SERIES, "start_day").iter_rows()]
    return (alerts.with_columns(pl.Series("alert_id", ids, dtype=pl.String))
            .select(list(ALERT_SCHEMA)).cast(ALERT_SCHEMA).sort("start_day", *SERIES))


def complaint_series(complaints: pl.DataFrame, cause_column: str, segment_dimensions: Sequence[str]) -> pl.DataFrame:
    """One row per day x series with at least one complaint: the spike_alerts input.

    Series: one per cause (series_kind 'root_cause', dimension ``cause_column``, key the cause) and one per
    value of each segment dimension (series_kind 'segment'). Complaints lacking the value are left out.
    Needs ``received_at`` (datetime), ``cause_column`` and the segment columns.
    """
    day = pl.col("received_at").dt.date().alias("day")
    frames = []
    for kind, column in [("root_cause", cause_column), *(("segment", d) for d in segment_dimensions)]:
        frames.append(complaints.filter(pl.col(column).is_not_null())
                      .group_by(day, pl.col(column).cast(pl.String).alias("key")).len("count")
                      .with_columns(series_kind=pl.lit(kind), dimension=pl.lit(column)))
    columns = [*SERIES, "day", "count"]
    return pl.concat([f.select(columns) for f in frames]).with_columns(pl.col("count").cast(pl.Int64)).sort(columns)


def _complete_grid(daily: pl.DataFrame) -> pl.DataFrame:
    """Every series x every day between the input's first and last day, sorted by series then day."""
    counts = (daily.group_by(*SERIES, "day").agg(pl.col("count").sum().cast(pl.Float64)))
    series = counts.select(SERIES).unique().sort(SERIES).with_row_index("_sid")
    calendar = pl.DataFrame({"day": pl.date_range(counts["day"].min(), counts["day"].max(), "1d", eager=True)})
    return (series.join(calendar, how="cross")
            .join(counts, on=[*SERIES, "day"], how="left", nulls_equal=True)
            .with_columns(pl.col("count").fill_null(0.0))
            .sort("_sid", "day"))


def _alert_id(kind: str, dimension: str, key: str, start) -> str:
    return hashlib.sha1(f"{kind}|{dimension}|{key}|{start.isoformat()}".encode()).hexdigest()[:16]
