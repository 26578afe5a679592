"""``causeway analyze``, ``causeway run``, ``causeway respond ...`` and ``causeway causes fix``.

Registered on the main group by :mod:`flows.cli`; heavy libraries are imported inside the commands.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from flows.decision_settings import FIX_STATUSES, REACTIONS, RESPONSE_NAMES
from flows.settings import Settings


def _user_error(message: str) -> click.ClickException:
    from flows.cli import UserError

    return UserError(message)


def _author(by: str | None) -> str:
    return by or os.environ.get("USER", "unknown")


@click.command()
@click.pass_obj
def analyze(settings: Settings) -> None:
    """Decide: client scores, a response per open complaint, KPIs and alerts, then publish.

    Reads what ingest and cluster left in the warehouse and config/policy.yaml, config/clients.yaml and
    config/kpis.yaml; change those files and re-run this alone to see the recommendations change.
    """
    from flows.analyze import analyze_flow

    try:
        summary = analyze_flow(home=str(settings.home), config_dir=str(settings.config_dir))
    except ValueError as exc:
        raise _user_error(str(exc)) from None
    click.echo(render_analyze_summary(summary))


def render_analyze_summary(summary: dict) -> str:
    b = summary["budget"]
    recs = ", ".join(f"{k} {v:,}" for k, v in summary["recommendations"].items())
    return "\n".join([
        f"analysis as of {summary['as_of']}:",
        f"  clients by tier: {', '.join(f'{k} {v:,}' for k, v in summary['tiers'].items())}",
        f"  usage groups: {', '.join(f'{k} {v:,}' for k, v in summary['usage_groups'].items())}",
        f"  value-destroyer candidates for a person to review: {summary['value_destroyers']}",
        f"  human-factor hot spots: {', '.join(summary['hotspots']) or 'none'}",
        f"  external events: {', '.join(summary['events']) or 'none'}",
        f"  open complaints with a recommendation: {recs}",
        f"  budget {b['period']}: {b['used_uah']:,.0f} used + {b['recommended_uah']:,.0f} recommended "
        f"of {b['budget_uah']:,.0f} UAH",
        f"  active spike alerts: {summary['active_alerts']}",
    ])


@click.command()
@click.option("--inbox", type=click.Path(file_okay=False, exists=True, path_type=Path), default=None,
              help="Folder of exports to load [default: <home>/inbox].")
@click.option("--refit", is_flag=True, help="Refit the root causes in this run.")
@click.option("--source", "sources", multiple=True,
              help="Only these source adapters (repeatable; e.g. --source x_mentions --source telegram).")
@click.pass_obj
def run(settings: Settings, inbox: Path | None, refit: bool, sources: tuple[str, ...]) -> None:
    """The whole pipeline: ingest -> assign / refit -> analyze, then publish once.

    Readers keep seeing the previous complete snapshot until this run's is ready.
    """
    from flows.cli import render_cluster_summary, render_ingest_summary
    from flows.pipeline import pipeline_flow

    try:
        summary = pipeline_flow(inbox=str(inbox) if inbox else None, home=str(settings.home),
                                config_dir=str(settings.config_dir), refit=refit, show_progress=True,
                                sources=list(sources) or None)
    except ValueError as exc:  # e.g. nothing ingested yet, a bad kpis.yaml
        raise _user_error(f"{exc} (nothing was published; readers keep the previous snapshot)") from None
    click.echo(render_ingest_summary(summary["ingest"]))
    click.echo(render_cluster_summary(summary["cluster"]))
    click.echo(render_analyze_summary(summary["analyze"]))
    click.echo(f"published: {summary['published']}")


@click.group()
def respond() -> None:
    """The CX desk from the command line: the queue, decisions and the client's reaction."""


@respond.command("queue")
@click.option("--limit", type=int, default=20, show_default=True)
@click.option("--response", type=click.Choice(RESPONSE_NAMES), default=None, help="Only this recommendation.")
@click.pass_obj
def respond_queue(settings: Settings, limit: int, response: str | None) -> None:
    """Open complaints without a decision, with the recommended response, its reason and cost."""
    from flows.warehouse import NothingPublishedError, open_published

    try:
        con = open_published(settings.published_path)
    except NothingPublishedError:
        raise _user_error("nothing is published yet: run `causeway demo` or `causeway run` first") from None
    where = "decided_response IS NULL" + (" AND recommended_response = ?" if response else "")
    rows = con.execute(
        f"SELECT r.complaint_id, r.recommended_response, r.cost_uah, r.reason, s.tier, s.usage_group "
        f"FROM responses r LEFT JOIN client_scores s USING (client_id) WHERE {where} "
        f"ORDER BY r.significance IS NULL, r.cost_uah DESC LIMIT {int(limit)}",
        [response] if response else []).fetchall()
    for cid, rec, cost, reason, tier, group in rows:
        click.echo(f"{cid}  {rec:<23} {cost:>8,.0f} UAH  tier {tier or '-':<3} {group or '-':<20} {reason}")
    con.close()


def _record(settings: Settings, complaint_id: str, by: str | None, **what) -> dict:
    from flows import decision_tables, warehouse

    con = warehouse.open_warehouse(settings.warehouse_path)
    try:
        return decision_tables.record_decision(con, complaint_id, _author(by), **what)
    except ValueError as exc:
        raise _user_error(str(exc)) from None
    finally:
        con.close()


@respond.command("decide")
@click.argument("complaint_id")
@click.option("--response", "response", type=click.Choice(RESPONSE_NAMES), required=True)
@click.option("--by", default=None, help="Who decided [default: $USER].")
@click.option("--note", default=None)
@click.pass_obj
def respond_decide(settings: Settings, complaint_id: str, response: str, by: str | None, note: str | None) -> None:
    """Record the response chosen for COMPLAINT_ID (accepting or overriding the recommendation)."""
    row = _record(settings, complaint_id, by, response=response, note=note)
    verdict = "accepted" if row["recommended"] == response else f"override of {row['recommended'] or 'none'}"
    click.echo(f"recorded {response} for {complaint_id} by {row['author']} ({verdict}); "
               "published at the next `causeway analyze` / `causeway run`")


@respond.command("reaction")
@click.argument("complaint_id")
@click.argument("reaction", type=click.Choice(REACTIONS))
@click.option("--by", default=None)
@click.pass_obj
def respond_reaction(settings: Settings, complaint_id: str, reaction: str, by: str | None) -> None:
    """Record the client's REACTION to the response given for COMPLAINT_ID."""
    _record(settings, complaint_id, by, reaction=reaction)
    click.echo(f"recorded reaction {reaction} for {complaint_id}; it counts in response_outcomes from the next "
               "analysis")


@click.command("fix")
@click.argument("cause_id")
@click.argument("status", type=click.Choice(FIX_STATUSES))
@click.option("--note", default=None)
@click.option("--by", default=None)
@click.pass_obj
def causes_fix(settings: Settings, cause_id: str, status: str, note: str | None, by: str | None) -> None:
    """Record the fix status of root cause CAUSE_ID (it feeds the fix-in-progress KPI)."""
    from flows import decision_tables, warehouse

    con = warehouse.open_warehouse(settings.warehouse_path)
    try:
        decision_tables.record_fix(con, cause_id, status, _author(by), note)
    except ValueError as exc:
        raise _user_error(str(exc)) from None
    finally:
        con.close()
    click.echo(f"recorded: {cause_id} fix {status}")


@click.command()
@click.option("--all", "show_all", is_flag=True, help="Every scored client, not only the flagged ones.")
@click.option("--limit", type=int, default=30, show_default=True)
@click.pass_obj
def clients(settings: Settings, show_all: bool, limit: int) -> None:
    """Value-destroyer candidates with their evidence, for a person to decide (or every client's score)."""
    from flows.warehouse import NothingPublishedError, open_published

    try:
        con = open_published(settings.published_path)
    except NothingPublishedError:
        raise _user_error("nothing is published yet: run `causeway demo` or `causeway run` first") from None
    where = "" if show_all else "WHERE value_destroyer"
    rows = con.execute(f"SELECT client_id, tier, usage_group, complaints, confidence, evidence FROM client_scores "
                       f"{where} ORDER BY value_destroyer DESC, confidence DESC NULLS LAST, complaints DESC "
                       f"LIMIT {int(limit)}").fetchall()
    con.close()
    for cid, tier, group, n, confidence, evidence in rows:
        conf = f"confidence {confidence:.2f}" if confidence is not None else ""
        click.echo(f"{cid}  {tier:<3} {group:<21} {n:>5} complaints  {conf:<16} {evidence_line(evidence)}")


def evidence_line(evidence: str) -> str:
    """One readable line from a client's evidence JSON (for listings)."""
    data = json.loads(evidence)
    fired = [k for k, s in data["signals"].items() if s["fires"]]
    return f"score {data['score']} ({', '.join(fired) or 'no signal'}); our side {data['our_side']['share']:.0%}"
