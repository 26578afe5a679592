"""Heavy tasks on Dask: Prefect's Dask task runner (prefect-dask) when ``runner.kind`` is ``dask``.

A subflow runs with a ``DaskTaskRunner``: on the existing cluster at ``runner.dask_address``, or on a local
cluster of ``runner.dask_workers`` processes. Each chunk of complaints is one task; each Dask worker builds
its normalizer once. The terms are the same as a local run's (tested).
"""

from __future__ import annotations

import polars as pl
from prefect import flow, task, unmapped
from prefect.cache_policies import NO_CACHE

from flows.settings import Settings
from nlp.normalize import normalize_chunk


@task(cache_policy=NO_CACHE, task_run_name="normalize a chunk")
def normalize_chunk_task(frame: pl.DataFrame, options: dict) -> pl.DataFrame:
    return normalize_chunk(frame, options)


@flow(name="normalize-on-dask")
def _normalize_chunks(chunks: list[pl.DataFrame], options: dict) -> list[pl.DataFrame]:
    futures = normalize_chunk_task.map(chunks, options=unmapped(options))
    return [future.result() for future in futures]


def normalize_on_dask(settings: Settings, chunks: list[pl.DataFrame], options: dict) -> list[pl.DataFrame]:
    """The chunks, normalized on Dask, in their order."""
    from prefect_dask import DaskTaskRunner

    r = settings.runner
    runner = (DaskTaskRunner(address=r.dask_address) if r.dask_address else
              DaskTaskRunner(cluster_kwargs={"n_workers": r.dask_workers, "threads_per_worker": 1,
                                             "processes": True, "dashboard_address": None}))
    return _normalize_chunks.with_options(task_runner=runner)(chunks, options)
