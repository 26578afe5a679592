"""The cluster flow's heavy tasks on local processes vs Prefect's Dask task runner (a local Dask cluster):
normalization of the backlog, and embedding + assignment of the complaints outside the fit sample.

    .venv/bin/python benchmarks/bench_dask_normalize.py                  # 100k complaints
    .venv/bin/python benchmarks/bench_dask_normalize.py --sizes 20000 100000

For each size: generate and ingest the case (not timed), copy the home, then run the first ``cluster`` flow
on each copy — one with ``runner.kind: local`` (topics.normalize_workers processes), one with
``runner.kind: dask`` (``runner.dask_workers`` workers) — and print the normalize stage's seconds and
complaints/s, the embed + fit stage's seconds (the fit on its sample runs here; the rest is embedded and
assigned locally or on Dask), and whether the terms and the assignments are identical.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.bench_topics_scale import INGEST, _cluster, _generate, _run  # noqa: E402


def _rows(home: Path, query: str) -> list[tuple]:
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(query).fetchall()
    finally:
        con.close()


TERMS = "SELECT complaint_id, lemmas FROM complaint_terms ORDER BY complaint_id"
CAUSES = "SELECT complaint_id, fit_sub_cause_id FROM complaint_root_cause ORDER BY complaint_id"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, python {platform.python_version()}")
    for n in args.sizes:
        work = Path(tempfile.mkdtemp(prefix=f"causeway-dask-{n}-"))
        try:
            case, local, on_dask = work / "case", work / "local", work / "dask"
            _generate(case, n, seed=42)
            _run(INGEST, str(case), str(local), "reference")
            shutil.copytree(local, on_dask)
            os.environ["CAUSEWAY__TOPICS__NORMALIZE_WORKERS"] = str(args.workers)
            first = _cluster(local)
            os.environ.update(CAUSEWAY__RUNNER__KIND="dask", CAUSEWAY__RUNNER__DASK_WORKERS=str(args.workers))
            second = _cluster(on_dask)
            for key in ("CAUSEWAY__RUNNER__KIND", "CAUSEWAY__RUNNER__DASK_WORKERS"):
                os.environ.pop(key)
            same = _rows(local, TERMS) == _rows(on_dask, TERMS)
            same_causes = _rows(local, CAUSES) == _rows(on_dask, CAUSES)
            print(f"\n== {first['complaints']:,} complaints, {args.workers} workers")
            for name, summary in (("local processes", first), ("Dask task runner", second)):
                seconds = summary["seconds"]["normalize"]
                print(f"  {name:<17} normalize {seconds:6.1f} s ({summary['normalized'] / seconds:,.0f} complaints/s);"
                      f" embed + fit {summary['seconds']['embed + fit']:.1f} s; whole run "
                      f"{summary['call_seconds']:.1f} s")
            print(f"  terms identical: {same}; assignments identical: {same_causes}")
        finally:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
