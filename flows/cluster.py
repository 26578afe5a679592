"""The Prefect ``cluster`` flow: complaints -> normalized terms -> embeddings -> root causes, published.

Each run does only the new work: complaints not normalized yet are normalized (``complaint_terms``);
texts not embedded yet by the backend are embedded (the cache under ``<home>/cache``). Then either
- **assign** (the usual run): complaints without a cause go to the nearest existing sub-cause, no refit;
- **fit / refit** (no model yet, ``refit=True``, or the model older than ``topics.refit_every_days``):
  BERTopic on up to ``topics.fit_sample`` complaints, the rest assigned; topics keep the ids of the old
  ones they share members with.
Human edits (``root_cause_edits``) are re-applied to every run's model; the segment and daily tables
are rebuilt; one transaction writes them and a snapshot is published.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import numpy as np
import polars as pl
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows import cause_tables, decision_inbox, topic_store, warehouse
from flows.settings import Settings, load_settings
from flows.timing import Stopwatch
from nlp.cause_model import apply_edits, build_model, cause_rows, edited_mapping
from nlp.embeddings import make_backend, text_hash
from nlp.emerging import emerging_keywords
from nlp.normalize import Normalizer, normalize_chunk
from nlp.topics import FitParams, TopicModel, centroid_map, fit_topics, label_from_keywords
from transforms.cause_types import cause_types
from transforms.root_cause_stats import cause_daily, cause_segments, cause_spans

BATCH = 20_000
EMERGING_ID = "RC-WATCH"  # the complaints that fit no cause, published as one watched row


@task(cache_policy=NO_CACHE, task_run_name="normalize new complaints")
def normalize_new(con, settings: Settings) -> int:
    """Normalize the complaints not seen yet and store their terms, a batch per transaction.

    Large backlogs (a first run, a big import) are spread over ``topics.normalize_workers`` processes, or
    over Dask when ``runner.kind`` is ``dask``; each worker builds its own normalizer, and the result is
    identical to a single process's."""
    pending, options = _pending(con, settings)
    if pending.height == 0:
        return 0
    t = settings.topics
    workers = min(t.normalize_workers or os.cpu_count() or 1, pending.height // t.normalize_parallel_from + 1)
    batch_rows = BATCH * workers
    with _normalizer_pool(workers, options) as normalize:
        for start in range(0, pending.height, batch_rows):
            _store_terms(con, normalize(pending.slice(start, batch_rows)))
    return pending.height


def normalize_new_on_dask(con, settings: Settings) -> int:
    """``normalize_new`` with the chunks on Prefect's Dask task runner (called from the flow, not from a
    task: what a Dask task carries must not hold the database connection)."""
    from flows.dask_runner import normalize_on_dask

    pending, options = _pending(con, settings)
    workers = settings.runner.dask_workers
    rounds = -(-pending.height // (BATCH * workers))  # equal chunks, a whole number of rounds per worker
    size = max(1, -(-pending.height // max(1, rounds * workers)))
    chunks = [pending.slice(start, size) for start in range(0, pending.height, size)]
    for batch in normalize_on_dask(settings, chunks, options) if chunks else []:
        _store_terms(con, batch)
    return pending.height


def _pending(con, settings: Settings) -> tuple[pl.DataFrame, dict]:
    options = {"cities": tuple(cause_tables.city_names(con)), "extra_stopwords": dict(settings.topics.stopwords),
               "tracking_pattern": settings.ingest.tracking_number_pattern}
    return cause_tables.complaints_to_normalize(con), options


def _store_terms(con, batch: pl.DataFrame) -> None:
    batch = batch.with_columns(pl.col("text_masked").map_elements(text_hash, return_dtype=pl.String)
                               .alias("text_hash"))
    with warehouse.transaction(con):
        cause_tables.store_terms(con, batch)


@contextmanager
def _normalizer_pool(workers: int, options: dict):
    """A function frame -> normalized frame: in this process, or split over worker processes (spawned:
    forking a process that holds a database and Prefect's threads is not safe)."""
    if workers <= 1:
        normalizer = Normalizer(**options)
        yield normalizer.normalize
        return
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        def normalize(frame: pl.DataFrame) -> pl.DataFrame:
            size = -(-frame.height // workers)
            parts = [frame.slice(i * size, size) for i in range(workers)]
            return pl.concat(list(pool.map(normalize_chunk, parts, [options] * len(parts))))

        yield normalize


@task(cache_policy=NO_CACHE, task_run_name="embed {what}")
def embed(backend, frame: pl.DataFrame, cache_dir: Path, what: str) -> tuple[np.ndarray, int]:
    """Vectors for ``frame`` (text_hash + the backend's input column), cached by (backend, text hash)."""
    hashes = frame["text_hash"].to_list()
    known = topic_store.cached_vectors(cache_dir, backend.cache_key, sorted(set(hashes)))
    missing = frame.filter(~pl.col("text_hash").is_in(list(known))).unique("text_hash", keep="first")
    for start in range(0, missing.height, BATCH):
        chunk = missing.slice(start, BATCH)
        vectors = backend.encode(chunk[backend.input_column].to_list())
        topic_store.store_vectors(cache_dir, backend.cache_key, chunk["text_hash"].to_list(), vectors)
        known.update(zip(chunk["text_hash"].to_list(), vectors, strict=False))
    if not hashes:
        return np.zeros((0, 1), dtype=np.float32), 0
    return np.vstack([known[h] for h in hashes]).astype(np.float32), missing.height


@task(cache_policy=NO_CACHE, task_run_name="fit root causes")
def fit(con, settings: Settings, previous_model: TopicModel | None,
        cache_dir: Path) -> tuple[TopicModel, pl.DataFrame, set[str], int, pl.DataFrame]:
    """Fit on a sample; returns the model, the sample's assignment, new ids, how many texts were embedded,
    and the rest of the complaints (terms) for :func:`assign_to_model`."""
    t = settings.topics
    corpus = cause_tables.terms(con)
    sample = corpus if corpus.height <= t.fit_sample else corpus.sample(t.fit_sample, seed=t.seed).sort("complaint_id")
    backend = make_backend(t.embedding.backend, dim=t.embedding.dim, min_df=t.embedding.min_df,
                           max_df=t.embedding.max_df, model=t.embedding.model, device=t.embedding.device)
    if backend.needs_fit:
        backend.fit(sample["lemmas"].to_list(), seed=t.seed)
    vectors, embedded = embed.fn(backend, sample, cache_dir, "fit sample")
    params = FitParams(n_topics=t.n_topics, n_roots=t.n_roots, max_topics=t.max_topics, keywords=t.keywords,
                       representatives=t.representatives, outlier_quantile=t.outlier_quantile,
                       max_root_share=t.max_root_share, seed=t.seed)
    result = fit_topics(sample["complaint_id"].to_list(), sample["lemmas"].to_list(), vectors, params)
    previous = _previous_fit(con, previous_model)
    taken = set(previous["sub_cause_id"].drop_nulls()) | set(previous["root_cause_id"].drop_nulls())
    version = warehouse.new_run_id()
    model, assignment, new_ids = build_model(result, sample["complaint_id"].to_list(), previous, taken, backend,
                                             version, warehouse.utcnow(), t.min_overlap)
    rest = corpus.join(sample.select("complaint_id"), on="complaint_id", how="anti")
    return model, assignment, new_ids, embedded, rest


def assign_to_model(settings: Settings, model: TopicModel, frame: pl.DataFrame, cache_dir: Path,
                    what: str) -> tuple[pl.DataFrame, int]:
    """``frame``'s complaints (terms) embedded and assigned to ``model``'s causes: here, with the embedding
    cache, or on Prefect's Dask task runner (``runner.kind: dask``; the vectors come back to the cache).
    Called from the flow, like :func:`normalize_new_on_dask`."""
    if frame.height == 0:
        return model.assign([], np.zeros((0, 1), dtype=np.float32)), 0
    if settings.runner.kind == "dask":
        from flows.dask_runner import embed_and_assign_on_dask

        vectors, assignment = embed_and_assign_on_dask(settings, model, frame, model.backend.input_column)
        key = model.backend.cache_key
        first = frame.with_row_index("_i").unique("text_hash", keep="first", maintain_order=True)
        known = topic_store.cached_vectors(cache_dir, key, first["text_hash"].to_list())
        new = first.filter(~pl.col("text_hash").is_in(list(known)))
        topic_store.store_vectors(cache_dir, key, new["text_hash"].to_list(), vectors[new["_i"].to_numpy()])
        return assignment, frame.height
    vectors, embedded = embed(model.backend, frame, cache_dir, what)
    return model.assign(frame["complaint_id"].to_list(), vectors), embedded


def _previous_fit(con, model: TopicModel | None) -> pl.DataFrame:
    """The last fit's assignment before edits: complaint_id, sub_cause_id, root_cause_id."""
    stored = cause_tables.assignments(con)
    if model is None or stored.height == 0:
        return pl.DataFrame(schema={c: pl.String for c in ("complaint_id", "sub_cause_id", "root_cause_id")})
    fitted = pl.col("fit_sub_cause_id")
    return stored.select("complaint_id", fitted.alias("sub_cause_id"),
                         fitted.replace_strict(model.parent_of, default=None).alias("root_cause_id"))


@flow(name="cluster", log_prints=True)
def cluster_flow(home: str | None = None, config_dir: str | None = None, refit: bool = False,
                 publish: bool = True) -> dict:
    """Assign new complaints to root causes (or fit / refit), re-apply edits, rebuild figures, publish."""
    settings = load_settings(config_dir=Path(config_dir) if config_dir else None, home=Path(home) if home else None)
    logger = get_run_logger()
    cache_dir = settings.home / "cache" / "embeddings"
    con = warehouse.open_warehouse(settings.warehouse_path)
    clock = Stopwatch()
    try:
        with warehouse.recorded_run(con, "cluster") as run_id:
            collected = decision_inbox.collect(con, settings.home)  # cause edits made in the dashboard
            normalized = (normalize_new_on_dask if settings.runner.kind == "dask" else normalize_new)(con, settings)
            clock.lap("normalize")
            logger.info("normalized %d new complaint(s)", normalized)
            model = topic_store.load_model(settings.models_path, cause_tables.model_in_use(con))
            age = warehouse.utcnow() - model.fitted_at if model is not None else timedelta(0)
            due = age > timedelta(days=settings.topics.refit_every_days)
            if model is None or refit or due:
                mode = "fit" if model is None else "refit"
                model, assignment, new_ids, embedded, rest = fit(con, settings, model, cache_dir)
                more, embedded_more = assign_to_model(settings, model, rest, cache_dir, "the rest")
                assignment, embedded = pl.concat([assignment, more]), embedded + embedded_more
                topic_store.save_model(settings.models_path, model)
                replace = True
                logger.info("%s: model %s, %d sub-causes learnt from %d complaints", mode, model.version,
                            len(model.sub_ids), model.n_fit)
            else:
                mode, new_ids, replace = "assign", set(), False
                pending = cause_tables.terms(con, only_unassigned=True)
                assignment, embedded = assign_to_model(settings, model, pending, cache_dir, "new complaints")
                logger.info("assign: %d new complaint(s) to model %s", assignment.height, model.version)
            clock.lap("embed + " + ("assign" if mode == "assign" else "fit"))
            edited, outcomes = apply_edits(model, cause_tables.edits(con), seed=settings.topics.seed)
            now = warehouse.utcnow()
            mapping = edited_mapping(edited)
            stored = (assignment.join(mapping, on="fit_sub_cause_id", how="left")  # edits applied before storing
                      .with_columns(model_version=pl.lit(model.version), assigned_at=pl.lit(now)))
            cause_tables.write_assignment(con, stored, replace, mapping)
            clock.lap("store assignment")
            summary = _rebuild_figures(con, settings, edited, new_ids, outcomes)
            clock.lap("segments + daily")
            summary.update(mode=mode, normalized=normalized, embedded=embedded, assigned=assignment.height,
                           seconds=clock.laps, collected_ids=collected)
            warehouse.finish_run(con, run_id, "completed", summary)
            if publish:
                summary["published"] = decision_inbox.publish_with_records(
                    con, settings.published_path, settings.warehouse.keep_snapshots, settings.home, collected)
                clock.lap("publish")
    finally:
        con.close()
    return summary


def _emerging_row(con, t, version: str) -> pl.DataFrame | None:
    """One ``emerging`` row in root_causes for the complaints that fit no cause, when there are enough."""
    unassigned, background = cause_tables.unassigned_terms(con)
    if unassigned.height < t.emerging_min_complaints:
        return None
    words = emerging_keywords(unassigned["lemmas"].to_list(), background["lemmas"].to_list(), t.keywords)
    latest = unassigned.sort("received_at", descending=True)["complaint_id"].head(t.representatives).to_list()
    return pl.DataFrame({
        "root_cause_id": [EMERGING_ID], "level": ["root"], "parent_id": [None],
        "label": ["Watch: " + label_from_keywords(words)], "label_source": ["keywords"], "keywords": [words],
        "representative_complaint_ids": [latest], "size": [unassigned.height],
        "first_seen": [unassigned["received_at"].min()], "last_seen": [unassigned["received_at"].max()],
        "status": ["emerging"], "model_version": [version]},
        schema_overrides={"parent_id": pl.String, "size": pl.Int32})


def _rebuild_figures(con, settings: Settings, model: TopicModel, new_ids: set[str], outcomes: dict[str, str]) -> dict:
    dims = settings.segments.dimensions
    assigned = cause_tables.assigned_complaints(con, dims)
    t = settings.topics
    segments = cause_segments(assigned, dims, t.min_lift, t.min_segment_complaints)
    types = cause_types(assigned.filter(pl.col("root_cause_id").is_not_null()), settings.cause_types.rules())
    causes = (cause_rows(model).join(cause_spans(assigned), on="root_cause_id", how="left")
              .join(types, on="root_cause_id", how="left")
              .with_columns(pl.col("size").fill_null(0),
                            pl.when(pl.col("root_cause_id").is_in(list(new_ids))).then(pl.lit("new"))
                            .otherwise(pl.lit("active")).alias("status"),
                            pl.lit(model.version).alias("model_version")))
    watch = _emerging_row(con, t, model.version)
    if watch is not None:
        causes = pl.concat([causes, watch], how="diagonal_relaxed")
    ids, xy = centroid_map(model)
    cause_map = pl.DataFrame({"fit_sub_cause_id": ids, "x": xy[:, 0].tolist(), "y": xy[:, 1].tolist()},
                             schema={"fit_sub_cause_id": pl.String, "x": pl.Float64, "y": pl.Float64})
    cause_tables.write_causes(con, causes=causes, segments=segments, daily=cause_daily(assigned),
                              cause_map=cause_map, edit_outcomes=outcomes)
    unassigned = assigned.filter(pl.col("root_cause_id").is_null()).height
    return {"model_version": model.version, "complaints": assigned.height, "unassigned": unassigned,
            "root_causes": causes.filter((pl.col("level") == "root") & (pl.col("status") != "emerging")).height,
            "emerging": 0 if watch is None else int(watch["size"][0]),
            "sub_causes": causes.filter(pl.col("level") == "sub").height,
            "new_causes": sorted(i for i in new_ids if i.startswith("RC")), "edits": outcomes}
