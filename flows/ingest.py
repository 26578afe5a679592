"""The Prefect ``ingest`` flow: inbox files -> raw, staging and ``complaints`` (or quarantine), with
their incidents, then a published snapshot.

A task per file reads it (retried on I/O errors); a file already loaded (same content hash) is skipped. One
task stages the new files of every source, several at once in threads, and writes each one's records as
received to the raw Parquet layer. Then, source by source, their clients are looked up (a source's tracking
numbers help the next) and a task runs the validation suites over the source's files at once, in the
background while the next source is identified. A file that cannot be read is moved to
``<home>/rejected/<source>/`` with one message naming it and why. One last task rebuilds the incidents the
new complaints can join and loads every new file of the run in one transaction, so no file is ever
half-loaded.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, replace
from itertools import repeat, zip_longest
from pathlib import Path

import duckdb
import polars as pl
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows import warehouse
from flows.settings import Settings, load_settings, load_sources
from flows.timing import Stopwatch
from transforms import validation
from transforms.incidents import build_incidents, incident_reach
from transforms.masking import MaskingRules
from transforms.prepare_complaints import (
    PreparedFile,
    ReferenceData,
    StagedFile,
    finish_file,
    identify_file,
    stage_export,
    validate_files,
)
from transforms.read_source import FileRejected
from transforms.source_spec import SourceSpec

EXPORT_SUFFIXES = {".csv", ".xlsx", ".json", ".ndjson", ".tsv", ".xls"}  # other files (READMEs) are not exports


@dataclass
class FileOutcome:
    file_name: str
    source: str | None
    status: str  # loaded | skipped | rejected
    rows_in: int = 0
    loaded: int = 0
    quarantined: int = 0
    message: str = ""
    file_hash: str = ""
    size_bytes: int = 0


def select_sources(specs: dict[str, SourceSpec], names: list[str] | None) -> dict[str, SourceSpec]:
    """The adapters a run reads: all of them, or the named ones (an unknown name is a clear error)."""
    if not names:
        return specs
    unknown = sorted(set(names) - set(specs))
    if unknown:
        raise ValueError(f"unknown source(s) {', '.join(unknown)}; config/sources/ defines {', '.join(sorted(specs))}")
    return {name: spec for name, spec in specs.items() if name in names}


def discover(inbox: Path, specs: dict[str, SourceSpec]) -> tuple[list[tuple[Path, SourceSpec]], list[Path]]:
    """Files of the inbox matched to their source (first matching adapter, by name), and unmatched ones."""
    matched: dict[Path, SourceSpec] = {}
    for spec in specs.values():
        for path in sorted(inbox.glob(spec.glob)):
            if path.is_file():
                matched.setdefault(path, spec)
    unmatched = sorted(p for p in inbox.rglob("*") if p.is_file() and p.suffix.lower() in EXPORT_SUFFIXES
                       and p not in matched)
    return sorted(matched.items(), key=lambda kv: str(kv[0])), unmatched


@task(retries=2, retry_delay_seconds=1, cache_policy=NO_CACHE)
def read_bytes(path: Path) -> bytes:
    return path.read_bytes()


@task(cache_policy=NO_CACHE, task_run_name="stage files")
def stage_files(exports: list[tuple[str, bytes, str, SourceSpec]], rules: MaskingRules, tracking_pattern: str,
                threads: int, raw: warehouse.RawLayer | None = None,
                done: Callable[[str], None] | None = None) -> list[StagedFile | FileRejected]:
    """Read and stage new files (name, bytes, content hash, source), ``threads`` at once, and write each
    staged file's records as received to the ``raw`` layer; an unreadable file comes back as its
    :class:`FileRejected`. Results keep the files' order and do not depend on ``threads``; ``done`` is
    told each file's name as it is staged.

    Threads, not processes: most of staging is Polars and numpy work, which runs outside the GIL, so two
    files staged at once keep two cores busy; a staged file is ~1.6 kB per record, which a worker process
    would have to ship back. The files of every source are staged together, sources alternating, so the
    JSON exports' parsing (Python, under the GIL) runs beside another source's column work."""
    def stage(export: tuple[str, bytes, str, SourceSpec]) -> StagedFile | FileRejected:
        name, data, file_hash, spec = export
        staged = stage_export(data, name, spec, rules, tracking_pattern)
        if raw is not None and isinstance(staged, StagedFile):
            raw.write(spec.name, name, file_hash, staged.raw)  # Parquet, outside the GIL: beside the others
        if done is not None:
            done(name)
        return staged

    if threads <= 1 or len(exports) <= 1:
        return [stage(export) for export in exports]
    with ThreadPoolExecutor(min(threads, len(exports))) as pool:
        return list(pool.map(stage, exports))


def alternating(groups: list[list]) -> list:
    """The groups' items, taking one from each group in turn: [[a1, a2], [b1]] -> [a1, b1, a2]."""
    return [item for row in zip_longest(*groups) for item in row if item is not None]


def _reject(con: duckdb.DuckDBPyConnection, path: Path, relative: str, spec: SourceSpec, file_hash: str, size: int,
            error: FileRejected, settings: Settings, run_id: str) -> FileOutcome:
    """A file that cannot be read: one message naming it and why, a ledger entry, and out of the inbox."""
    message = f"{error} {_move_to_rejected(path, settings.rejected_path / spec.name)}"
    warehouse.record_rejected_file(con, {"file_hash": file_hash, "source": spec.name, "file_name": relative,
                                         "size_bytes": size, "rows_in": 0, "rows_loaded": 0, "rows_quarantined": 0,
                                         "status": "rejected", "message": message}, run_id)
    get_run_logger().error("%s", message)
    return FileOutcome(relative, spec.name, "rejected", message=message, file_hash=file_hash)


def _move_to_rejected(path: Path, folder: Path) -> str:
    """Move an unreadable file out of the inbox (so the next run does not trip on it again)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / path.name
        shutil.move(str(path), target)
    except OSError as exc:  # a read-only inbox (a mounted share): leave the file, say so
        return f"It could not be moved to {folder} ({exc.strerror}); it stays where it is."
    return f"The file was moved to {target}."


@task(cache_policy=NO_CACHE, task_run_name="validate {spec.name}")
def validate_source(staged: list[StagedFile], spec: SourceSpec, check_clients: bool, max_text_chars: int):
    return validate_files(staged, spec, check_clients, warehouse.utcnow(), max_text_chars)


@flow(name="ingest", log_prints=True)
def ingest_flow(inbox: str | None = None, home: str | None = None, config_dir: str | None = None,
                show_progress: bool = False, publish: bool = True, sources: list[str] | None = None) -> dict:
    """Load every new export of the inbox; returns per-file outcomes and per-source totals.

    ``publish=False`` leaves publishing to a caller that runs more stages (``causeway run``); ``sources``
    limits the run to those adapters (the hourly social run), the other files wait for their run."""
    settings = load_settings(config_dir=Path(config_dir) if config_dir else None, home=Path(home) if home else None)
    specs = load_sources(Path(config_dir) if config_dir else None)
    chosen = select_sources(specs, sources)
    inbox_path = Path(inbox) if inbox else settings.inbox_path
    files, unmatched = discover(inbox_path, specs)
    files = [(path, spec) for path, spec in files if spec.name in chosen]
    rules = MaskingRules.build(settings.pii.placeholders, settings.pii.name_cues, settings.pii.first_names)
    if files:
        validation.warm_up()
    logger = get_run_logger()
    for path in unmatched:
        logger.warning("%s: no source adapter matches this file; add one under config/sources/", path)

    con = warehouse.open_warehouse(settings.warehouse_path)
    outcomes: list[FileOutcome] = []
    try:
        with warehouse.recorded_run(con, "ingest") as run_id:
            reference = warehouse.reference_data(con)
            already = warehouse.loaded_files(con)
            raw_layer = warehouse.RawLayer(settings.raw_path, run_id, warehouse.utcnow())
            staged_before: list[pl.DataFrame] = []
            by_source: dict[str, list[tuple[Path, SourceSpec]]] = {}
            for path, spec in files:
                by_source.setdefault(spec.name, []).append((path, spec))
            loads: list[tuple[FileOutcome, PreparedFile]] = []
            loaded_ids, checking = reference.loaded_ids, None
            clock = Stopwatch()
            threads = settings.ingest.stage_threads or os.cpu_count() or 1
            with _progress(show_progress, len(files)) as advance, ThreadPoolExecutor(threads) as pool:
                new_files: dict[str, list[tuple[Path, str, str, int]]] = {}  # source -> path, name, hash, size
                contents: dict[str, bytes] = {}
                for source, entries in by_source.items():
                    for path, spec in entries:
                        relative = str(path.relative_to(inbox_path))
                        data = read_bytes(path)
                        file_hash = hashlib.sha256(data).hexdigest()
                        if file_hash in already:
                            name, when = already[file_hash]
                            outcome = FileOutcome(relative, spec.name, "skipped", file_hash=file_hash,
                                                  message=f"same content as {name}, loaded {when:%Y-%m-%d %H:%M}")
                            logger.info("%s: skipped (%s)", relative, outcome.message)
                            outcomes.append(outcome)
                            advance(relative)
                            continue
                        already[file_hash] = (relative, warehouse.utcnow())
                        new_files.setdefault(source, []).append((path, relative, file_hash, len(data)))
                        contents[relative] = data
                clock.lap("read")
                batch = alternating([[(relative, contents.pop(relative), file_hash, specs[source])
                                      for _, relative, file_hash, _ in entries]
                                     for source, entries in new_files.items()])
                results = dict(zip([name for name, *_ in batch],
                                   stage_files(batch, rules, settings.ingest.tracking_number_pattern, threads,
                                               raw_layer, advance) if batch else [], strict=True))
                del batch
                clock.lap("stage")
                for source, entries in new_files.items():
                    spec = specs[source]
                    reference = _with_tracking(reference, staged_before)  # the previous source's tracking numbers
                    staged_files, staged_outcomes = [], []
                    for path, relative, file_hash, size in entries:
                        result = results.pop(relative)
                        if isinstance(result, FileRejected):
                            outcomes.append(_reject(con, path, relative, spec, file_hash, size, result,
                                                    settings, run_id))
                            continue
                        logger.info("%s: %d rows read and staged", relative, result.rows_in)
                        staged_files.append(result)
                        staged_outcomes.append(FileOutcome(relative, spec.name, "staged", file_hash=file_hash,
                                                           size_bytes=size))
                    staged_files = list(pool.map(identify_file, staged_files, repeat(spec), repeat(reference)))
                    clock.lap("identify")
                    # the previous source's validation ran while this one was identified; one at a time
                    loaded_ids = _finish_source(checking, loads, loaded_ids, rules)
                    checking = (validate_source.submit(staged_files, spec, reference.clients.height > 0,
                                                       settings.ingest.max_text_chars),
                                staged_files, staged_outcomes)
                    staged_before = [s.frame for s in staged_files]
                    clock.lap("validate and finish")
                _finish_source(checking, loads, loaded_ids, rules)
                clock.lap("validate and finish")
            for done in load_files(con, loads, raw_layer, settings.ingest.incident_window_hours) if loads else []:
                logger.info("%s: %d rows in, %d loaded, %d quarantined", done.file_name, done.rows_in,
                            done.loaded, done.quarantined)
                outcomes.append(done)
            incidents_count = warehouse.row_counts(con, ["incidents"])["incidents"]
            clock.lap("incidents and load")
            summary = summarize(outcomes, unmatched, incidents_count)
            # what the incidents now hold were built with: a later run with another window rebuilds them all
            summary["incident_window_hours"] = (settings.ingest.incident_window_hours if loads
                                                else warehouse.last_incident_window(con))
            warehouse.finish_run(con, run_id, "completed", summary)
            if publish:
                publication = warehouse.publish(con, settings.published_path,
                                                keep=settings.warehouse.keep_snapshots)
                summary["published"] = str(publication.path)
                clock.lap("publish")
            summary["seconds"] = clock.laps
    finally:
        con.close()
    return summary


@task(cache_policy=NO_CACHE, retries=1, retry_delay_seconds=2, task_run_name="load files")
def load_files(con: duckdb.DuckDBPyConnection, loads: list[tuple[FileOutcome, PreparedFile]],
               raw: warehouse.RawLayer, incident_window_hours: float) -> list[FileOutcome]:
    """Rebuild the incidents the run's new complaints can join (over the earlier complaints within their
    reach: every one when the incident window changed since the last run), then write the run's prepared
    files and those incidents in one transaction; returns the files' outcomes."""
    new = pl.concat([p.complaints.select(warehouse.INCIDENT_INPUT_COLUMNS) for _, p in loads])
    whole = warehouse.last_incident_window(con) != incident_window_hours
    earlier = warehouse.complaints_for_incidents(con, None if whole else incident_reach(new))
    incident_ids, incidents = build_incidents(pl.concat([earlier.drop("incident_id"), new]), incident_window_hours)
    replaced = None if whole else earlier["incident_id"].drop_nulls().unique()
    ledgers, done = [], []
    for staged, prepared in loads:
        loaded, quarantined = prepared.complaints.height, prepared.quarantine.height
        ledgers.append(({"file_hash": staged.file_hash, "source": staged.source, "file_name": staged.file_name,
                         "size_bytes": staged.size_bytes, "rows_in": prepared.rows_in, "rows_loaded": loaded,
                         "rows_quarantined": quarantined, "status": "loaded", "message": None}, prepared))
        done.append(replace(staged, status="loaded", rows_in=prepared.rows_in, loaded=loaded,
                            quarantined=quarantined))
    warehouse.record_file_loads(con, ledgers, raw.run_id, incident_ids, incidents, raw.folder, replaced,
                                now=raw.loaded_at)
    return done


def summarize(outcomes: list[FileOutcome], unmatched: list[Path], incidents: int) -> dict:
    per_source: dict[str, dict[str, int]] = {}
    for o in outcomes:
        totals = per_source.setdefault(o.source or "unknown", {"files": 0, "skipped": 0, "rejected": 0,
                                                               "rows_in": 0, "loaded": 0, "quarantined": 0})
        totals["files"] += 1
        totals["skipped"] += o.status == "skipped"
        totals["rejected"] += o.status == "rejected"
        totals["rows_in"] += o.rows_in
        totals["loaded"] += o.loaded
        totals["quarantined"] += o.quarantined
    return {"files": [asdict(o) for o in outcomes], "sources": per_source, "incidents": incidents,
            "unmatched": [str(p) for p in unmatched]}


def _with_tracking(reference: ReferenceData, staged: list[pl.DataFrame]) -> ReferenceData:
    """Later sources of the run can tie a tracking number to the client an earlier source named (a tweet
    about the parcel a call was about); extended once per source, not per file."""
    if not staged:
        return reference
    tracked = [frame.filter(pl.col("client_id").is_not_null())
               .select(pl.col("tracking_numbers").alias("tracking_number"), "client_id").explode("tracking_number")
               .drop_nulls() for frame in staged]
    known = pl.concat([reference.known_tracking, *tracked]).unique("tracking_number", keep="first")
    return replace(reference, known_tracking=known)


def _finish_source(checking: tuple | None, loads: list[tuple[FileOutcome, PreparedFile]], loaded_ids: pl.DataFrame,
                   rules: MaskingRules) -> pl.DataFrame:
    """Wait for a source's validation (``checking``: its future, staged files and outcomes, or None), then
    finish its files in order into ``loads``; returns the complaint ids loaded so far, this source's
    included: later files see them as already loaded (no duplicates across files)."""
    if checking is None:
        return loaded_ids
    future, staged_files, staged_outcomes = checking
    checked = future.result()
    for staged, outcome in zip(staged_files, staged_outcomes, strict=True):
        failures, results = checked[staged.file_name]
        prepared = finish_file(staged, failures, results, loaded_ids, rules)
        loaded_ids = pl.concat([loaded_ids, prepared.complaints.select("complaint_id")], rechunk=False)
        loads.append((outcome, prepared))
    return loaded_ids


class _progress:
    """A rich progress bar over files when asked for (the CLI), nothing otherwise."""

    def __init__(self, enabled: bool, total: int):
        self.enabled, self.total, self.bar = enabled, total, None

    def __enter__(self):
        if self.enabled:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self.bar = Progress(TextColumn("ingest"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                                TextColumn("{task.description}"), transient=True)
            self.bar.start()
            self.task = self.bar.add_task("", total=self.total)
        return self.advance

    def advance(self, label: str) -> None:
        if self.bar is not None:
            self.bar.update(self.task, advance=1, description=label)

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.stop()

