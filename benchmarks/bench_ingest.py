"""Ingest throughput: rows/s through reading, staging, masking, validation (GX), loading and incidents.

    .venv/bin/python benchmarks/bench_ingest.py                    # 10k, 100k and 1M generated complaints
    .venv/bin/python benchmarks/bench_ingest.py --sizes 10000 100000
    .venv/bin/python benchmarks/bench_ingest.py --sizes 1000000 --cpus 1 2   # how time scales with cores

For each size: generate the courier case (not timed), load its reference tables, then run the real
Prefect ingest flow in a fresh process. Prints the flow's own time (excluding the temporary Prefect
server's start and Python imports, shown separately), rows/s, and peak RSS.

``--cpus``: run the flow once per count, pinned to that many CPUs (with the Prefect server it starts).
Two counts or more also print Amdahl's split of the flow's time into a part that runs on one core only
and a part that spreads over the cores, and what that predicts for more cores.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = """
import json, resource, sys, time
started = time.perf_counter()
from pathlib import Path
from flows import warehouse
from flows.reference_load import load_reference_folder
from flows.settings import load_settings
from flows.ingest import ingest_flow
import transforms.validation as validation
validation._batch_definition()  # Great Expectations' import and context: a fixed cost per process
imports = time.perf_counter() - started
case, home = Path(sys.argv[1]), Path(sys.argv[2])
load_reference_folder(load_settings(home=home).warehouse_path, case / "reference")
t = time.perf_counter()
summary = ingest_flow(inbox=str(case / "inbox"), home=str(home))
total = time.perf_counter() - t
runs = warehouse.open_warehouse(load_settings(home=home).warehouse_path)
flow_seconds = runs.execute("SELECT epoch(max(finished_at) - max(started_at)) FROM pipeline_runs").fetchone()[0]
runs.close()
rows = sum(t["rows_in"] for t in summary["sources"].values())
print(json.dumps({"rows": rows, "flow_seconds": flow_seconds, "call_seconds": total, "imports": imports,
                  "loaded": sum(t["loaded"] for t in summary["sources"].values()),
                  "quarantined": sum(t["quarantined"] for t in summary["sources"].values()),
                  "incidents": summary["incidents"], "stages": summary.get("seconds", {}),
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--cpus", type=int, nargs="+", default=[0], help="CPUs to pin the flow to (0: all)")
    args = parser.parse_args()
    available = sorted(os.sched_getaffinity(0))
    if any(c < 0 or c > len(available) for c in args.cpus):
        sys.exit(f"--cpus: between 1 and {len(available)} here (0 for all)")
    env = {**os.environ, "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120", "DO_NOT_TRACK": "1",
           "GX_ANALYTICS_ENABLED": "false", "PREFECT_LOGGING_LEVEL": "WARNING"}
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, python {platform.python_version()}")
    print(f"{'complaints':>10} {'cpus':>4} {'rows in':>9} {'flow s':>7} {'rows/s':>8} {'server+call s':>13} "
          f"{'imports s':>9} {'peak RSS MB':>11}  loaded / quarantined / incidents")
    previous = None
    for n in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            case = Path(tmp) / "case"
            subprocess.run([sys.executable, "-m", "flows.cli", "generate", "--out", str(case), "--complaints",
                            str(n), "--seed", "42"], check=True, capture_output=True, env=env)
            timings = {}
            for cpus in args.cpus:
                chosen = available[:cpus] if cpus else available
                result = subprocess.run([sys.executable, "-c", CHILD, str(case), str(Path(tmp) / f"home{cpus}")],
                                        capture_output=True, text=True, env=env,
                                        preexec_fn=lambda chosen=chosen: os.sched_setaffinity(0, chosen))
                if result.returncode != 0:
                    sys.exit(result.stdout[-3000:] + result.stderr[-3000:])
                f = json.loads(result.stdout.strip().splitlines()[-1])
                timings[len(chosen)] = f["flow_seconds"]
                rate = f["rows"] / f["flow_seconds"]
                growth = (f"  x{f['flow_seconds'] / previous[1]:.1f} time for x{n / previous[0]:.0f} rows"
                          if previous and cpus == args.cpus[0] else "")
                print(f"{n:>10,} {len(chosen):>4} {f['rows']:>9,} {f['flow_seconds']:>7.1f} {rate:>8,.0f} "
                      f"{f['call_seconds']:>13.1f} {f['imports']:>9.1f} {f['rss_mb']:>11,.0f}  {f['loaded']:,} / "
                      f"{f['quarantined']:,} / {f['incidents']:,}{growth}")
                print(f"{'':>10} stages (s): {', '.join(f'{k} {v:.1f}' for k, v in f['stages'].items())}")
                if cpus == args.cpus[0]:
                    previous = (n, f["flow_seconds"])
            if len(timings) >= 2:
                print(f"{'':>10} {amdahl(timings, f['rows'])}")


def amdahl(timings: dict[int, float], rows: int) -> str:
    """Flow time = serial + parallel / cores, fitted to the fewest and the most cores measured."""
    few, many = min(timings), max(timings)
    parallel = (timings[few] - timings[many]) / (1 / few - 1 / many)
    serial = timings[few] - parallel / few
    predicted = ", ".join(f"{k} cores {serial + parallel / k:.1f} s ({rows / (serial + parallel / k):,.0f} rows/s)"
                          for k in (2, 4, 8, 16))
    return (f"Amdahl: {serial:.1f} s on one core only + {parallel:.1f} core-seconds spread over the cores "
            f"({parallel / (serial + parallel):.0%} parallel); predicts {predicted}; "
            f"{rows / max(serial, 1e-9):,.0f} rows/s at most")

if __name__ == "__main__":
    main()
