"""Spike detector against the generated courier case's planted spikes, and its speed at scale.

    .venv/bin/python benchmarks/bench_spike_alerts.py --case /tmp/kpi_case      # a case made by `causeway generate`
    .venv/bin/python benchmarks/bench_spike_alerts.py                           # generates 50k complaints, seed 7

Quality: daily series from the ground truth (one per planted cause, key = cause; one per region, channel and
industry value), run with the `alerts:` parameters of config/kpis.yaml. For each planted spike (causes.csv,
profile 'spike'): detected (a root-cause alert on that cause overlapping its window) and the delay in days
from the spike's first day to the first alert day. A *false alarm* is an alert overlapping no planted spike
window (for root-cause series: no window of its own cause; a segment alert inside a spike window is counted
as explained by it). Rates: false alerts per series per 30 days, and false alert-days / all series-days.

Scale: Poisson series (means 0.2-200 a day, a few with planted bursts) of --series x --days; rows/s and peak RSS.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from transforms.kpis import load_kpi_config  # noqa: E402
from transforms.spike_alerts import SpikeParams, complaint_series, spike_alerts, spike_scores  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
SEGMENTS = ["region", "channel", "industry"]


def load_ground_truth(case: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Complaints (with the client's industry) and the planted spikes of a generated case."""
    truth = case / "ground_truth"
    complaints = pl.read_csv(truth / "complaints.csv", infer_schema_length=0).with_columns(
        pl.col("received_at").str.to_datetime("%Y-%m-%dT%H:%M:%S%.f"))
    clients = pl.read_csv(case / "reference" / "clients.csv", infer_schema_length=0).select("client_id", "industry")
    complaints = complaints.join(clients, on="client_id", how="left")
    spikes = (pl.read_csv(truth / "causes.csv", infer_schema_length=0).filter(pl.col("profile") == "spike")
              .select("cause", pl.col("spike_start").str.to_date(), pl.col("spike_end").str.to_date()))
    return complaints, spikes


def judge(alerts: pl.DataFrame, spikes: pl.DataFrame) -> pl.DataFrame:
    """Each alert with ``explained``: it overlaps a planted spike window (of its own cause for root causes)."""
    pairs = alerts.join(spikes, how="cross").with_columns(
        ((pl.col("start_day") <= pl.col("spike_end")) & (pl.col("end_day") >= pl.col("spike_start"))
         & ((pl.col("series_kind") != "root_cause") | (pl.col("key") == pl.col("cause")))).alias("hit"))
    return pairs.group_by("alert_id").agg(pl.col("hit").any().alias("explained")).join(alerts, on="alert_id")


def quality(case: Path, params: SpikeParams, verbose: bool) -> None:
    complaints, spikes = load_ground_truth(case)
    daily = complaint_series(complaints, "cause", SEGMENTS)
    started = time.perf_counter()
    alerts = spike_alerts(daily, params)
    seconds = time.perf_counter() - started
    scored = spike_scores(daily, params)
    n_series, n_days = scored.select("series_kind", "dimension", "key").n_unique(), scored["day"].n_unique()
    print(f"case {case}: {complaints.height:,} complaints, {n_series} series x {n_days} days, "
          f"{alerts.height} alerts in {seconds:.2f} s; params {params}")
    for cause, start, end in spikes.iter_rows():
        own = alerts.filter((pl.col("key") == cause) & (pl.col("series_kind") == "root_cause")
                            & (pl.col("start_day") <= end) & (pl.col("end_day") >= start)).sort("start_day")
        if own.height:
            first = own.row(0, named=True)
            delay = (first["start_day"] - start).days
            print(f"  planted {cause} {start}..{end}: DETECTED, delay {delay} d, alert {first['start_day']}.."
                  f"{first['end_day']}, observed {first['observed']:.0f} vs expected {first['expected']:.0f}")
        else:
            print(f"  planted {cause} {start}..{end}: MISSED")
    judged = judge(alerts, spikes) if alerts.height else alerts.with_columns(explained=pl.lit(True))
    false = judged.filter(~pl.col("explained"))
    segment_hits = judged.filter(pl.col("explained") & (pl.col("series_kind") == "segment"))
    print(f"  segment alerts inside a planted window: {segment_hits.height} "
          f"({', '.join(sorted(set(segment_hits['key'].to_list()))) or '-'})")
    per_30 = false.height / n_series / (n_days / 30)
    print(f"  false alarms: {false.height} alerts, {int(false['days'].sum() or 0)} alert-days; "
          f"{per_30:.4f} false alerts per series per 30 days; "
          f"{(false['days'].sum() or 0) / (n_series * n_days):.5f} false alert-days / series-days")
    if verbose:
        with pl.Config(tbl_rows=50, tbl_cols=12):
            print(false.select("series_kind", "dimension", "key", "start_day", "end_day", "observed", "expected",
                               "ratio", "score").sort("start_day"))


def synthetic_series(n_series: int, n_days: int, seed: int = 1) -> tuple[pl.DataFrame, np.ndarray]:
    """Poisson daily counts, means log-uniform in 0.2..200; every 50th series gets a 5x burst of 7 days.

    Returns the spike_alerts input and the daily mean of each series."""
    rng = np.random.default_rng(seed)
    means = np.exp(rng.uniform(np.log(0.2), np.log(200), n_series))
    rates = np.repeat(means[:, None], n_days, axis=1)
    rates[::50, n_days // 2: n_days // 2 + 7] *= 5
    counts = rng.poisson(rates).ravel()
    start = date(2025, 11, 1)
    frame = (pl.DataFrame({"series": np.repeat(np.arange(n_series), n_days),
                           "offset": np.tile(np.arange(n_days), n_series), "count": counts})
            .filter(pl.col("count") > 0)  # missing days are zero: the detector fills them
            .select(pl.lit("segment").alias("series_kind"), pl.lit("synthetic").alias("dimension"),
                    pl.col("series").cast(pl.String).alias("key"),
                    (pl.lit(start) + pl.duration(days=pl.col("offset"))).alias("day"), "count"))
    return frame, means


def scale(n_series: int, n_days: int, params: SpikeParams) -> None:
    daily, means = synthetic_series(n_series, n_days)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    alerts = spike_alerts(daily, params)
    seconds = time.perf_counter() - started
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    grid = n_series * n_days
    burst_start = date(2025, 11, 1) + timedelta(days=n_days // 2)
    in_burst = alerts.filter((pl.col("key").cast(pl.Int64) % 50 == 0) & (pl.col("end_day") >= burst_start)
                             & (pl.col("start_day") <= burst_start + timedelta(days=6))
                             )["key"].cast(pl.Int64).unique().to_list()
    detectable = [i for i in range(0, n_series, 50) if 5 * means[i] >= params.min_count]
    false = alerts.filter(~pl.col("key").cast(pl.Int64).is_in(in_burst)).height
    print(f"scale: {n_series:,} series x {n_days} days = {grid:,} series-days ({daily.height:,} input rows): "
          f"{seconds:.2f} s, {grid / seconds:,.0f} series-days/s; peak RSS {rss:,.0f} MB "
          f"(before the run {rss_before:,.0f} MB); {alerts.height} alerts, "
          f"bursts found: {len(in_burst)} of {len(range(0, n_series, 50))} planted 5x bursts "
          f"({len(set(in_burst) & set(detectable))} of the {len(detectable)} with 5 x mean >= min_count); "
          f"{false} alerts elsewhere ({false / n_series / (n_days / 30):.4f} per series per 30 days)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--case", type=Path, help="a generated case folder (default: generate 50k, seed 7)")
    parser.add_argument("--config", type=Path, default=REPO / "config" / "kpis.yaml")
    parser.add_argument("--series", type=int, default=2000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--set", nargs="*", default=[], metavar="NAME=VALUE", help="override an alert parameter")
    parser.add_argument("--verbose", action="store_true", help="list the false alarms")
    args = parser.parse_args()
    params = load_kpi_config(args.config).alerts
    for item in args.set:
        name, value = item.split("=", 1)
        params = replace(params, **{name: type(getattr(params, name))(float(value))})
    if args.case is not None:
        quality(args.case, params, args.verbose)
    else:
        from data.courier_case import generate_case

        with tempfile.TemporaryDirectory(prefix="bench_spikes_") as folder:
            print(f"generating 50,000 complaints (seed 7) into {folder} ...")
            generate_case(Path(folder), complaints=50_000, seed=7)
            quality(Path(folder), params, args.verbose)
    scale(args.series, args.days, params)

if __name__ == "__main__":
    main()
