"""End to end: the whole pipeline (`causeway run`) on the generated case, then the daily incremental run.

    .venv/bin/python benchmarks/bench_pipeline.py                          # 10k, 100k and 1M complaints
    .venv/bin/python benchmarks/bench_pipeline.py --sizes 10000 --new 2000

For each size: generate the case (not timed) and hold back its newest exports (about ``--new`` complaints,
whole files); load the reference tables; then, each in a fresh process:
1. the first run: ingest every export, fit the root causes, analyze, publish once;
2. the daily run: the held-back exports arrive in the inbox; ingest them, assign them to the existing
   causes (nothing re-embedded, no refit), analyze, publish.
Prints seconds per stage, complaints/s, peak RSS, how time grows with size, and the daily run against its
target (≤ 60 s on 2 cores at 1M). Seconds exclude Python imports (shown apart). Each run starts Prefect's
temporary server (~10 s, once per process) unless ``--prefect-server`` starts one `prefect server start`
for the benchmark first and points the runs at it, as the scheduled deployments run (README, "Production
runs").
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

from bench_topics_scale import hold_back  # same folder

REPO = Path(__file__).resolve().parents[1]

RUN = """
import json, resource, sys, time
started = time.perf_counter()
from flows.pipeline import pipeline_flow
from flows.reference_load import load_reference_folder
from flows.settings import load_settings
from pathlib import Path
import bertopic, spacy, sklearn, great_expectations  # a fixed cost per process, reported apart
imports = time.perf_counter() - started
inbox, home, reference = sys.argv[1], sys.argv[2], sys.argv[3]
if reference != "-":
    load_reference_folder(load_settings(home=home).warehouse_path, Path(reference))
t = time.perf_counter()
summary = pipeline_flow(inbox=inbox, home=home)
call = time.perf_counter() - t
ingest = summary["ingest"]["sources"]
print("RESULT " + json.dumps({
    "call_seconds": call, "imports": imports, "seconds": summary["seconds"],
    "ingest_seconds": summary["ingest"].get("seconds", {}), "cluster_seconds": summary["cluster"].get("seconds", {}),
    "analyze_seconds": summary["analyze"].get("seconds", {}),
    "rows_in": sum(s["rows_in"] for s in ingest.values()), "loaded": sum(s["loaded"] for s in ingest.values()),
    "mode": summary["cluster"].get("mode"), "assigned": summary["cluster"].get("assigned"),
    "complaints": summary["cluster"].get("complaints"),
    "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "children_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}, default=str))
"""


SERVER_ENV: dict[str, str] = {}  # PREFECT_API_URL / PREFECT_HOME of the server --prefect-server started


@contextmanager
def prefect_server(enabled: bool):
    """A local `prefect server start` (its own PREFECT_HOME) for the runs, stopped at the end."""
    if not enabled:
        yield
        return
    from flows.prefect_server import local_prefect_server

    home = Path(tempfile.mkdtemp(prefix="causeway-prefect-"))
    try:
        with local_prefect_server(home) as env:
            SERVER_ENV.update(env)
            yield
    finally:
        SERVER_ENV.clear()
        shutil.rmtree(home, ignore_errors=True)


def _run(*args: str) -> dict:
    env = {**os.environ, "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120", "DO_NOT_TRACK": "1",
           "GX_ANALYTICS_ENABLED": "false", "PREFECT_LOGGING_LEVEL": "WARNING", "HF_HUB_OFFLINE": "1",
           **SERVER_ENV}
    done = subprocess.run([sys.executable, "-c", RUN, *args], cwd=REPO, env=env, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"child failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT "))
    return json.loads(line[len("RESULT "):])


def _stages(result: dict) -> str:
    return ", ".join(f"{k} {v:.1f}" for k, v in result["seconds"].items())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--new", type=int, default=10_000, help="complaints arriving for the daily run (about)")
    parser.add_argument("--keep", action="store_true", help="keep each size's case and home (printed) for a look")
    parser.add_argument("--prefect-server", action="store_true",
                        help="run against one local `prefect server start`, as deployments do, instead of a "
                             "temporary server started by each run")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, python {platform.python_version()}")
    print("Prefect: " + ("a running local server (`prefect server start`)" if args.prefect_server else
                         "a temporary server per run (its start is in each run's seconds)"))
    with prefect_server(args.prefect_server):
        _bench(args)


def _bench(args: argparse.Namespace) -> None:
    previous = None
    for n in args.sizes:
        work = Path(tempfile.mkdtemp(prefix=f"causeway-pipeline-{n}-"))
        try:
            case, later, home = work / "case", work / "later", work / "home"
            subprocess.run([sys.executable, "-m", "flows.cli", "generate", "--out", str(case), "--complaints", str(n),
                            "--seed", "42"], cwd=REPO, check=True, capture_output=True)
            held = hold_back(case, later, min(args.new, n // 5))
            first = _run(str(case / "inbox"), str(home), str(case / "reference"))
            daily = _run(str(later / "inbox"), str(home), "-")
            rate = first["rows_in"] / first["call_seconds"]
            growth = (f"; x{first['call_seconds'] / previous[1]:.1f} time for x{n / previous[0]:.0f} complaints"
                      if previous else "")
            print(f"\n== {n:,} complaints generated, {held:,} held back for the daily run")
            print(f"  first run: {first['rows_in']:,} rows in, {first['call_seconds']:.1f} s ({rate:,.0f} rows/s) "
                  f"+ imports {first['imports']:.1f} s; peak RSS {first['rss_mb']:,.0f} MB "
                  f"(worker processes {first['children_rss_mb']:,.0f} MB){growth}")
            print(f"    stages (s): {_stages(first)}")
            print(f"    ingest (s): {', '.join(f'{k} {v:.1f}' for k, v in first['ingest_seconds'].items())}")
            print(f"    root causes (s): {', '.join(f'{k} {v:.1f}' for k, v in first['cluster_seconds'].items())}")
            verdict = "within" if daily["call_seconds"] <= 60 else "OVER"
            print(f"  daily run: {daily['rows_in']:,} new rows onto {first['loaded']:,} "
                  f"({daily['mode']}, {daily['assigned']:,} assigned): {daily['call_seconds']:.1f} s, {verdict} the "
                  f"60 s target; peak RSS {daily['rss_mb']:,.0f} MB")
            print(f"    stages (s): {_stages(daily)}")
            print(f"    ingest (s): {', '.join(f'{k} {v:.1f}' for k, v in daily['ingest_seconds'].items())}")
            print(f"    root causes (s): {', '.join(f'{k} {v:.1f}' for k, v in daily['cluster_seconds'].items())}")
            print(f"    analyze (s): {', '.join(f'{k} {v:.1f}' for k, v in daily['analyze_seconds'].items())}")
            previous = (n, first["call_seconds"])
        finally:
            if args.keep:
                print(f"  kept: {work}")
            else:
                shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
