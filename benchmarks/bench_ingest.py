"""Ingest throughput: rows/s through reading, staging, masking, validation (GX), loading and incidents.

    .venv/bin/python benchmarks/bench_ingest.py                    # 10k, 100k and 1M generated complaints
    .venv/bin/python benchmarks/bench_ingest.py --sizes 10000 100000

For each size: generate the courier case (not timed), load its reference tables, then run the real
Prefect ingest flow in a fresh process. Prints the flow's own time (excluding the temporary Prefect
server's start and Python imports, shown separately), rows/s, and peak RSS.
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
    args = parser.parse_args()
    env = {**os.environ, "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120", "DO_NOT_TRACK": "1",
           "GX_ANALYTICS_ENABLED": "false", "PREFECT_LOGGING_LEVEL": "WARNING"}
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, python {platform.python_version()}")
    print(f"{'complaints':>10} {'rows in':>9} {'flow s':>7} {'rows/s':>8} {'server+call s':>13} {'imports s':>9} "
          f"{'peak RSS MB':>11}  loaded / quarantined / incidents")
    previous = None
    for n in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            case, home = Path(tmp) / "case", Path(tmp) / "home"
            subprocess.run([sys.executable, "-m", "flows.cli", "generate", "--out", str(case), "--complaints",
                            str(n), "--seed", "42"], check=True, capture_output=True, env=env)
            result = subprocess.run([sys.executable, "-c", CHILD, str(case), str(home)], capture_output=True,
                                    text=True, env=env)
            if result.returncode != 0:
                sys.exit(result.stdout[-3000:] + result.stderr[-3000:])
            f = json.loads(result.stdout.strip().splitlines()[-1])
        rate = f["rows"] / f["flow_seconds"]
        growth = f"  x{f['flow_seconds'] / previous[1]:.1f} time for x{n / previous[0]:.0f} rows" if previous else ""
        print(f"{n:>10,} {f['rows']:>9,} {f['flow_seconds']:>7.1f} {rate:>8,.0f} {f['call_seconds']:>13.1f} "
              f"{f['imports']:>9.1f} {f['rss_mb']:>11,.0f}  {f['loaded']:,} / {f['quarantined']:,} / "
              f"{f['incidents']:,}{growth}")
        print(f"{'':>10} stages (s): {', '.join(f'{k} {v:.1f}' for k, v in f['stages'].items())}")
        previous = (n, f["flow_seconds"])


if __name__ == "__main__":
    main()
