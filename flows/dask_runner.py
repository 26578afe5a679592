"""Heavy tasks on Dask: Prefect's Dask task runner (prefect-dask) when ``runner.kind`` is ``dask``.

A subflow runs with a ``DaskTaskRunner``: on the existing cluster at ``runner.dask_address``, or on a local
cluster of ``runner.dask_workers`` processes. Each chunk of complaints is one task:
- normalization (each Dask worker builds its normalizer once);
- embedding and assignment to the fitted root causes (the model, with its fitted embedding backend, goes
  to the workers; each chunk comes back as its vectors, for the embedding cache, and its assignment).
Terms and assignments are the same as a local run's (tested).
"""

from __future__ import annotations

import numpy as np
import polars as pl
from prefect import task, unmapped
from prefect.cache_policies import NO_CACHE

from flows.settings import Settings
from nlp.normalize import normalize_chunk
from nlp.topics import TopicModel

ASSIGN_CHUNK = 20_000  # complaints per embedding + assignment task


@task(cache_policy=NO_CACHE, task_run_name="normalize a chunk")
def normalize_chunk_task(frame: pl.DataFrame, options: dict) -> pl.DataFrame:
    return normalize_chunk(frame, options)


@task(cache_policy=NO_CACHE, task_run_name="embed and assign a chunk")
def embed_assign_chunk_task(model: TopicModel, ids: list[str], inputs: list[str]) -> tuple[np.ndarray, pl.DataFrame]:
    vectors = model.backend.encode(inputs)
    return vectors, model.assign(ids, vectors)


def normalize_on_dask(settings: Settings, chunks: list[pl.DataFrame], options: dict) -> list[pl.DataFrame]:
    """The chunks, normalized on Dask, in their order."""
    return _map_on_dask(settings, normalize_chunk_task, {"frame": chunks, "options": unmapped(options)})


def embed_and_assign_on_dask(settings: Settings, model: TopicModel, frame: pl.DataFrame,
                             input_column: str) -> tuple[np.ndarray, pl.DataFrame]:
    """``frame``'s vectors (in its order) and its assignment to ``model``'s causes, computed on Dask."""
    ids, inputs = frame["complaint_id"].to_list(), frame[input_column].to_list()
    starts = range(0, len(ids), ASSIGN_CHUNK)
    results = _map_on_dask(settings, embed_assign_chunk_task, {
        "model": unmapped(model), "ids": [ids[i:i + ASSIGN_CHUNK] for i in starts],
        "inputs": [inputs[i:i + ASSIGN_CHUNK] for i in starts]})
    return np.vstack([vectors for vectors, _ in results]), pl.concat([assigned for _, assigned in results])


def _map_on_dask(settings: Settings, task_, parameters: dict) -> list:
    """``task_`` mapped over ``parameters`` on a Dask task runner started for the call, results in order.

    The runner is used directly from the calling flow rather than through a subflow: a subflow's
    arguments are recorded as its run's parameters, and Prefect's attempt to serialize a fitted model or
    a list of frames for that record cost minutes at 100k complaints."""
    with _runner(settings) as runner:
        futures = runner.map(task_, parameters)
        return [future.result() for future in futures]


def _runner(settings: Settings):
    from prefect_dask import DaskTaskRunner

    r = settings.runner
    return (DaskTaskRunner(address=r.dask_address) if r.dask_address else
            DaskTaskRunner(cluster_kwargs={"n_workers": r.dask_workers, "threads_per_worker": 1,
                                           "processes": True, "dashboard_address": None}))
