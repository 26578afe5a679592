"""The ``causeway`` command line. Heavy libraries are imported inside commands, so ``--help`` is instant."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import click

from flows.settings import Settings, SettingsError, load_settings

OFFLINE_DEFAULTS = {
    "DO_NOT_TRACK": "1",
    "GX_ANALYTICS_ENABLED": "false",
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    "TOKENIZERS_PARALLELISM": "false",
    # the console shows one line per file from the flows; each task's "Finished in state" is for the UI
    "PREFECT_LOGGING_LOGGERS_PREFECT_TASK_RUNS_LEVEL": "WARNING",
    # the temporary server the CLI starts for a run records task-run events for a UI nobody sees, and races
    # its own shutdown doing so (tracebacks after a successful run); a real `prefect server` keeps it
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_ENABLED": "false",
}


class UserError(click.ClickException):
    """A problem the user can fix; printed as one line, exit code 2."""

    exit_code = 2


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--home", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder of the warehouse, inbox, rejected files, published snapshots and model artifacts "
                   "[env CAUSEWAY_HOME; default: the repository's data/].")
@click.option("--config", "config_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Configuration folder [default: the repository's config/].")
@click.pass_context
def cli(ctx: click.Context, home: Path | None, config_dir: Path | None) -> None:
    """Causeway: from customer complaints to root causes and decisions.

    Start with `causeway demo`: it generates a sample courier case, runs the pipeline on it and tells
    you what to look at.
    """
    for key, value in OFFLINE_DEFAULTS.items():
        os.environ.setdefault(key, value)
    try:
        ctx.obj = load_settings(config_dir=config_dir, home=home)
    except SettingsError as exc:
        raise UserError(str(exc)) from None


@cli.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder to write the case into (created; existing files are overwritten).")
@click.option("--complaints", type=click.IntRange(1_000, 1_000_000), default=20_000, show_default=True,
              help="Number of complaints (twins on a second channel included).")
@click.option("--seed", type=int, default=42, show_default=True, help="Same seed, same bytes.")
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="Processes rendering months in parallel [default: one per core].")
def generate(out_dir: Path, complaints: int, seed: int, workers: int | None) -> None:
    """Generate the courier case: a national parcel carrier's year of complaints.

    Writes contact-center exports (cp1251 CSV with Ukrainian headers, XLSX with English headers),
    social mentions (X/Twitter v2 NDJSON, Telegram export JSON), reference tables (clients, daily
    shipment volumes, branches, employees, social handles, tariffs) and a ground_truth/ folder with the
    planted root causes, value-destroying clients and incidents.
    """
    summary = _generate(out_dir, complaints, seed, workers)
    click.echo(f"Wrote {summary.complaints:,} complaints of {summary.clients:,} clients into {out_dir} "
               f"({len(summary.files)} export files); planted truths in {out_dir / 'ground_truth'}.")


@cli.command()
@click.option("--complaints", type=click.IntRange(1_000, 1_000_000), default=None,
              help="Size of the sample case [default: demo.complaints in config/causeway.yaml].")
@click.option("--seed", type=int, default=None, help="Seed of the sample case [default: demo.seed].")
@click.option("--fresh", is_flag=True, help="Regenerate the sample case even if it exists.")
@click.pass_obj
def demo(settings: Settings, complaints: int | None, seed: int | None, fresh: bool) -> None:
    """Run everything on the sample courier case, from nothing, and say what was produced.

    Generates the case under <home>/sample if it is absent (or of another size/seed; the demo's warehouse
    then starts empty), loads its reference tables, ingests its exports through the Prefect ingest flow,
    publishes a snapshot for readers, and prints counts and where to look.
    """
    from flows.demo import DemoHomeInUse, run_demo

    started = time.perf_counter()
    try:
        report = run_demo(settings, complaints or settings.demo.complaints,
                          settings.demo.seed if seed is None else seed, fresh=fresh, say=_say)
    except DemoHomeInUse as exc:
        raise UserError(str(exc)) from None
    click.echo(report.render(time.perf_counter() - started))


@cli.command()
@click.option("--inbox", type=click.Path(file_okay=False, exists=True, path_type=Path), default=None,
              help="Folder of exports to load [default: <home>/inbox]. Sub-folders are searched too.")
@click.option("--reference", type=click.Path(file_okay=False, exists=True, path_type=Path), default=None,
              help="Load reference tables (clients.csv, branches.csv, ...) from this folder first.")
@click.option("--source", "sources", multiple=True,
              help="Only these source adapters (repeatable); other files wait for their run.")
@click.pass_obj
def ingest(settings: Settings, inbox: Path | None, reference: Path | None, sources: tuple[str, ...]) -> None:
    """Load new contact-center exports and social mentions into the warehouse.

    Each file is matched to a source adapter in config/sources/*.yaml, read, validated (Great
    Expectations), masked and deduplicated; bad rows go to quarantine with file, row, column and reason;
    unreadable files are moved to <home>/rejected/. Files already loaded (same content) are skipped, so
    re-running never duplicates. Ends by publishing a snapshot.
    """
    from flows.ingest import ingest_flow

    if reference is not None:
        from flows.reference_load import load_reference_folder

        load_reference_folder(settings.warehouse_path, reference)
    try:
        summary = ingest_flow(inbox=str(inbox) if inbox else None, home=str(settings.home),
                              config_dir=str(settings.config_dir), show_progress=True, sources=list(sources) or None)
    except ValueError as exc:  # an unknown source name
        raise UserError(str(exc)) from None
    click.echo(render_ingest_summary(summary))


@cli.command()
@click.option("--refit", is_flag=True, help="Refit the topics now (ids of matching old causes are kept).")
@click.pass_obj
def cluster(settings: Settings, refit: bool) -> None:
    """Find root causes: normalize, embed and cluster complaints, then publish.

    The first run fits the model (BERTopic); later runs only assign new complaints to existing causes,
    until the model is older than topics.refit_every_days (config/topics.yaml) or --refit is given.
    Human edits (`causeway causes ...`) are re-applied every run.
    """
    from flows.cluster import cluster_flow

    summary = cluster_flow(home=str(settings.home), config_dir=str(settings.config_dir), refit=refit)
    click.echo(render_cluster_summary(summary))


def render_cluster_summary(summary: dict) -> str:
    share = summary["unassigned"] / summary["complaints"] if summary["complaints"] else 0.0
    lines = [f"{summary['mode']}: model {summary['model_version']}: {summary['root_causes']} root causes, "
             f"{summary['sub_causes']} sub-causes; {summary['complaints']:,} complaints, "
             f"{summary['unassigned']:,} unassigned ({share:.1%})",
             f"this run: {summary['normalized']:,} normalized, {summary['embedded']:,} embedded, "
             f"{summary['assigned']:,} assigned"]
    if summary.get("emerging"):
        lines.append(f"watch: {summary['emerging']:,} complaints fit no cause (row RC-WATCH in root_causes, "
                     "with their distinctive keywords); a refit will place them")
    if summary["new_causes"]:
        lines.append(f"new root causes since the last fit: {', '.join(summary['new_causes'])}")
    for edit_id, outcome in summary["edits"].items():
        lines.append(f"edit {edit_id}: {outcome}")
    return "\n".join(lines)


@cli.group()
def causes() -> None:
    """Look at root causes and record human edits (applied at the next `causeway cluster`)."""


@causes.command("list")
@click.option("--level", type=click.Choice(["root", "sub"]), default="root", show_default=True)
@click.pass_obj
def causes_list(settings: Settings, level: str) -> None:
    """The published root causes, largest first."""
    from flows.warehouse import NothingPublishedError, open_published

    try:
        con = open_published(settings.published_path)
    except NothingPublishedError:
        raise UserError("nothing is published yet: run `causeway demo` or `causeway cluster` first") from None
    rows = con.execute("SELECT root_cause_id, size, label, parent_id FROM root_causes WHERE level = ? "
                       "ORDER BY size DESC", [level]).fetchall()
    for cause_id, size, label, parent in rows:
        click.echo(f"{cause_id:<10} {size:>8,}  {label}" + (f"  (in {parent})" if parent else ""))


def _edit(settings: Settings, **edit) -> None:
    from flows import cause_tables, warehouse

    con = warehouse.open_warehouse(settings.warehouse_path)
    try:
        known = {r[0] for r in con.execute("SELECT root_cause_id FROM root_causes").fetchall()}
        for key in ("cause_id", "into_id"):
            if edit.get(key) and edit[key] not in known:
                raise UserError(f"{edit[key]} is not a current root cause or sub-cause (see `causeway causes list`)")
        edit_id = warehouse.new_run_id()
        cause_tables.record_edit(con, {"edit_id": edit_id, "into_id": None, "new_label": None, "parts": None,
                                       "author": os.environ.get("USER", "unknown"), **edit})
    finally:
        con.close()
    click.echo(f"recorded edit {edit_id}; it applies from the next `causeway cluster` run")


@causes.command("rename")
@click.argument("cause_id")
@click.argument("label")
@click.pass_obj
def causes_rename(settings: Settings, cause_id: str, label: str) -> None:
    """Give CAUSE_ID a human label that survives refits."""
    _edit(settings, action="rename", cause_id=cause_id, new_label=label)


@causes.command("merge")
@click.argument("cause_id")
@click.argument("into_id")
@click.pass_obj
def causes_merge(settings: Settings, cause_id: str, into_id: str) -> None:
    """Merge CAUSE_ID into INTO_ID (a sub-cause into a root cause moves it there)."""
    _edit(settings, action="merge", cause_id=cause_id, into_id=into_id)


@causes.command("split")
@click.argument("cause_id")
@click.option("--parts", type=click.IntRange(2, 10), default=2, show_default=True)
@click.pass_obj
def causes_split(settings: Settings, cause_id: str, parts: int) -> None:
    """Split root cause CAUSE_ID into PARTS root causes by grouping its sub-causes."""
    _edit(settings, action="split", cause_id=cause_id, parts=parts)


def render_ingest_summary(summary: dict) -> str:
    lines = [f"{'source':<14} {'files':>5} {'skipped':>7} {'rejected':>8} {'rows in':>9} {'loaded':>9} "
             f"{'quarantined':>11}"]
    for source, t in sorted(summary["sources"].items()):
        lines.append(f"{source:<14} {t['files']:>5} {t['skipped']:>7} {t['rejected']:>8} {t['rows_in']:>9,} "
                     f"{t['loaded']:>9,} {t['quarantined']:>11,}")
    lines.append(f"incidents: {summary['incidents']:,}")
    for f in summary["files"]:
        if f["status"] == "rejected":
            lines.append(f"REJECTED {f['message']}")
    for path in summary["unmatched"]:
        lines.append(f"not loaded (no source adapter matches): {path}")
    return "\n".join(lines)


def _generate(out_dir: Path, complaints: int, seed: int, workers: int | None):
    from data.courier_case import generate_case

    started = time.perf_counter()
    summary = generate_case(out_dir, complaints=complaints, seed=seed, workers=workers, progress=_say)
    _say(f"generated in {time.perf_counter() - started:.1f} s")
    return summary


def _say(message: str) -> None:
    click.echo(click.style(f"  · {message}", dim=True), err=True)


def _register_decision_commands() -> None:
    from flows import cli_dashboard, cli_decisions

    cli.add_command(cli_decisions.analyze)
    cli.add_command(cli_decisions.run)
    cli.add_command(cli_decisions.respond)
    cli.add_command(cli_decisions.clients)
    causes.add_command(cli_decisions.causes_fix)
    cli.add_command(cli_dashboard.dashboard)


_register_decision_commands()


def main() -> None:
    try:
        cli.main(prog_name="causeway", standalone_mode=True)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)


if __name__ == "__main__":
    main()
