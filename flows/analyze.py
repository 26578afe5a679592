"""The Prefect ``analyze`` flow: root causes + reference data -> decisions, KPIs and alerts, published.

It reads what ingest and cluster left in the working warehouse and rebuilds the decision marts whole:
hot spots (human factor), client scores (tier, usage group, value destroyer — our side first), the
"fix it for the whole group" lists, product-gap questions, reaction outcomes, a recommendation per open
complaint (``config/policy.yaml``), daily KPIs with their definitions, and spike alerts. Recorded
decisions, reactions and fix statuses are inputs, never rewritten. One transaction writes the marts, so a
crash leaves the previous state; a snapshot is published at the end unless a caller (``causeway run``)
publishes once for the whole pipeline.

The analysis clock (``as_of``) is the latest complaint's time, so a replayed history reads as it did then.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows import decision_inbox, decision_tables, warehouse
from flows.settings import Settings, load_settings
from flows.timing import Stopwatch
from transforms.amounts import largest_uah
from transforms.client_scores import client_scores, complaint_signals
from transforms.cx_desk import budget_used, month_of, open_complaints, reactions, typical_item_costs
from transforms.group_actions import group_fix_candidates, product_gaps
from transforms.hotspots import complaint_event, complaint_hotspot, external_hotspots, person_hotspots
from transforms.kpis import kpi_daily, kpi_definitions, load_kpi_config
from transforms.responses import reaction_outcomes, recommend, response_cost
from transforms.spike_alerts import spike_alerts

REACTION_DIMENSIONS = ("industry", "client_type", "channel", "tier")


@task(cache_policy=NO_CACHE, task_run_name="score clients")
def score_clients(settings: Settings, complaints: pl.DataFrame, clients: pl.DataFrame, as_of) -> pl.DataFrame:
    """Client scores, from the per-complaint signals (cues, refusals, our side)."""
    with_client = complaints.filter(pl.col("client_id").is_not_null())
    breadth = with_client.filter(pl.col("sub_cause_id").is_not_null()).group_by("sub_cause_id").agg(
        cause_clients=pl.col("client_id").n_unique(), cause_size=pl.len())
    mine = with_client.group_by("client_id", "sub_cause_id").agg(mine=pl.len())
    enriched = (with_client.join(breadth, on="sub_cause_id", how="left")
                .join(mine, on=["client_id", "sub_cause_id"], how="left")
                .with_columns(client_cause_share=pl.col("mine") / pl.col("cause_size"),
                              names_hotspot=pl.col("hotspot").is_not_null() | pl.col("event").is_not_null()))
    rules = settings.clients.rules(settings.cause_types.request_cues)
    signals = complaint_signals(enriched, rules)
    return client_scores(clients, signals, rules, as_of.date())


@task(cache_policy=NO_CACHE, task_run_name="recommend responses")
def recommend_responses(settings: Settings, complaints: pl.DataFrame, scores: pl.DataFrame, tariffs: pl.DataFrame,
                        decisions: pl.DataFrame, as_of) -> tuple[pl.DataFrame, pl.DataFrame, dict]:
    """Reaction outcomes, then one recommendation per open complaint within the period's budget."""
    policy = settings.policy.policy()
    scored = complaints.join(scores.select("client_id", "tier", "usage_group", "value_destroyer"),
                             on="client_id", how="left")
    outcomes = reaction_outcomes(reactions(scored, decisions, REACTION_DIMENSIONS), REACTION_DIMENSIONS)
    item_costs = typical_item_costs(complaints)
    period = month_of(as_of)
    used = budget_used(complaints, decisions, period,
                       lambda row: response_cost(row["decided_response"], row, tariffs, item_costs, policy))
    decided = frozenset(decisions.filter(pl.col("decided_response").is_not_null())["complaint_id"])
    recs = recommend(open_complaints(scored, as_of, settings.policy.open_social_days), outcomes, tariffs,
                     item_costs, policy, used["used_uah"], period.name, decided=decided)
    waiting = recs.filter(~pl.col("complaint_id").is_in(list(decided)))
    budget = {"period": period.name, "budget_uah": policy.budget_uah, **used,
              "recommended_uah": round(float(waiting["cost_uah"].sum()), 2)}
    return outcomes, recs, budget


@flow(name="analyze", log_prints=True)
def analyze_flow(home: str | None = None, config_dir: str | None = None, publish: bool = True) -> dict:
    """Rebuild the decision marts (scores, responses, KPIs, alerts) and publish them."""
    settings = load_settings(config_dir=Path(config_dir) if config_dir else None, home=Path(home) if home else None)
    kpi_config = load_kpi_config(settings.config_dir / "kpis.yaml")  # a bad file fails before any work
    logger = get_run_logger()
    clock = Stopwatch()
    con = warehouse.open_warehouse(settings.warehouse_path)
    try:
        with warehouse.recorded_run(con, "analyze") as run_id:
            collected = decision_inbox.collect(con, settings.home)  # what people recorded in the dashboard
            complaints = decision_tables.analysis_complaints(con)
            if complaints.height == 0:
                raise ValueError("there are no complaints to analyze: run `causeway ingest` (or the demo) first")
            complaints = complaints.with_columns(amount_uah=largest_uah(complaints["amount_texts"])).drop(
                "amount_texts")
            ref = decision_tables.reference(con)
            causes = decision_tables.causes(con)
            segments = decision_tables.segments(con)
            decisions = decision_tables.latest_decisions(con)
            as_of = complaints["received_at"].max()
            owners = settings.cause_types.owners
            clock.lap("read")

            alerts = spike_alerts(_alert_series(complaints, decision_tables.cause_daily(con), settings),
                                  kpi_config.alerts)
            rules = settings.cause_types.hotspots.rules(owners)
            events = pl.DataFrame([e.model_dump() for e in settings.cause_types.events],
                                  schema={"name": pl.String, "start": pl.Date, "end": pl.Date, "region": pl.String})
            hot = pl.concat([person_hotspots(complaints, ref["employees"], ref["branches"], rules),
                             external_hotspots(alerts, complaints, events, rules)])
            complaints = complaints.with_columns(hotspot=complaint_hotspot(complaints, hot),
                                                 event=complaint_event(complaints, hot))
            clock.lap("alerts + hot spots")
            scores = score_clients(settings, complaints, ref["clients"], as_of)
            clock.lap("client scores")
            outcomes, recs, budget = recommend_responses(settings, complaints, scores, ref["tariffs"], decisions, as_of)
            responses = (recs.join(decisions.drop("decided_cost_uah"), on="complaint_id", how="left")
                         .with_columns(recommended_at=pl.lit(warehouse.utcnow())))
            clock.lap("responses")
            members = complaints.select("complaint_id", "root_cause_id", "sub_cause_id", "client_id", "received_at")
            fixes = group_fix_candidates(causes, segments, members, ref["clients"], scores,
                                         settings.clients.group_fix_per_segment)
            gaps = product_gaps(causes, segments, members, ref["clients"], scores, as_of)
            clock.lap("group fixes + product gaps")

            flagged = scores.filter(pl.col("value_destroyer"))["client_id"].to_list()
            kpi_input = complaints.with_columns(cause_type=pl.col("root_cause_type"),
                                                value_destroyer=pl.col("client_id").is_in(flagged).fill_null(False))
            kpis = kpi_daily(kpi_input, ref["shipments_daily"], decision_tables.incidents(con),
                             decision_tables.latest_fixes(con), kpi_config)
            clock.lap("kpis")
            counts = decision_tables.write_marts(con, {
                "hotspots": hot, "client_scores": scores.with_columns(scored_at=pl.lit(warehouse.utcnow())),
                "responses": responses, "response_outcomes": outcomes, "group_fix_candidates": fixes,
                "product_gaps": gaps, "kpi_daily": kpis, "kpi_definitions": kpi_definitions(kpi_config),
                "alerts": alerts})
            clock.lap("write")
            summary = {
                "as_of": as_of.isoformat(), "complaints": complaints.height, "rows": counts, "budget": budget,
                "records_collected": len(collected), "collected_ids": collected,
                "value_destroyers": len(flagged),
                "tiers": dict(scores.group_by("tier").len().sort("tier").iter_rows()),
                "usage_groups": dict(scores.group_by("usage_group").len().sort("usage_group").iter_rows()),
                "recommendations": dict(recs.group_by("recommended_response").len().sort("recommended_response")
                                        .iter_rows()),
                "hotspots": hot.filter(pl.col("kind") == "human_factor")["subject"].to_list(),
                "events": [f"{r['subject']} {r['start_day']}..{r['end_day']}" for r in
                           hot.filter(pl.col("kind") == "external").to_dicts()],
                "active_alerts": int(alerts.filter(pl.col("active")).height),
                "seconds": clock.laps,
            }
            logger.info("analyze: %d clients scored (%d flagged), %d open complaints with a recommendation, "
                        "%d KPI rows, %d alerts", scores.height, len(flagged), recs.height, kpis.height,
                        alerts.height)
            warehouse.finish_run(con, run_id, "completed", summary)
            if publish:
                summary["published"] = decision_inbox.publish_with_records(
                    con, settings.published_path, settings.warehouse.keep_snapshots, settings.home, collected)
                clock.lap("publish")
    finally:
        con.close()
    return summary


def _alert_series(complaints: pl.DataFrame, cause_daily: pl.DataFrame, settings: Settings) -> pl.DataFrame:
    """Daily counts per root cause and per segment value: series_kind, dimension, key, day, count."""
    causes = (cause_daily.filter(pl.col("level") == "root")
              .select(pl.lit("root_cause").alias("series_kind"), pl.lit("root_cause").alias("dimension"),
                      pl.col("root_cause_id").alias("key"), "day", pl.col("complaints").alias("count")))
    frames = [causes]
    for dim in settings.segments.dimensions:
        frames.append(complaints.filter(pl.col(dim).is_not_null())
                      .group_by(pl.col(dim).cast(pl.String).alias("key"), pl.col("received_at").dt.date().alias("day"))
                      .agg(count=pl.len())
                      .with_columns(series_kind=pl.lit("segment"), dimension=pl.lit(dim)))
    return pl.concat(frames, how="diagonal_relaxed").select(
        "series_kind", "dimension", "key", "day", pl.col("count").cast(pl.Int64))
