"""The Prefect ``pipeline`` flow behind ``causeway run``: ingest -> assign / refit -> analyze -> publish.

Each stage commits its own tables to the working warehouse; nothing is published until the last stage is
done, and then once. Readers (the dashboard, a BI tool) keep the previous complete snapshot until the new
one is ready; a crash in any stage publishes nothing and the next run resumes from what was committed
(files already loaded are skipped, complaints already assigned are not touched again).
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow

from flows import decision_inbox, warehouse
from flows.analyze import analyze_flow
from flows.cluster import cluster_flow
from flows.ingest import ingest_flow
from flows.settings import load_settings
from flows.timing import Stopwatch


@flow(name="pipeline", log_prints=True)
def pipeline_flow(inbox: str | None = None, home: str | None = None, config_dir: str | None = None,
                  refit: bool = False, show_progress: bool = False, sources: list[str] | None = None) -> dict:
    """Run every stage on the inbox, then publish one snapshot; returns each stage's summary."""
    settings = load_settings(config_dir=Path(config_dir) if config_dir else None, home=Path(home) if home else None)
    common = {"home": str(settings.home), "config_dir": str(settings.config_dir), "publish": False}
    clock = Stopwatch()
    summary = {"ingest": ingest_flow(inbox=inbox, show_progress=show_progress, sources=sources, **common)}
    clock.lap("ingest")
    summary["cluster"] = cluster_flow(refit=refit, **common)
    clock.lap("root causes")
    summary["analyze"] = analyze_flow(**common)
    clock.lap("analyze")
    con = warehouse.open_warehouse(settings.warehouse_path)
    try:
        summary["published"] = decision_inbox.publish_with_records(
            con, settings.published_path, settings.warehouse.keep_snapshots, settings.home,
            summary["cluster"]["collected_ids"] + summary["analyze"]["collected_ids"])
    finally:
        con.close()
    clock.lap("publish")
    summary["seconds"] = clock.laps
    return summary


# What the schedules run (prefect.yaml): a failed run is tried again after five minutes, twice. The usual
# cause is passing (another run holding the warehouse's single-writer lock, a network share not mounted
# yet), and a re-run is safe: files already loaded are skipped, every stage rebuilds its tables whole.
scheduled_pipeline_flow = pipeline_flow.with_options(name="scheduled-pipeline", retries=2, retry_delay_seconds=300)
