"""Generator throughput: complaints/s, MB written and peak memory at several sizes.

    .venv/bin/python benchmarks/bench_generate.py                 # 10k, 100k, 1M
    .venv/bin/python benchmarks/bench_generate.py --sizes 10000 100000 --workers 2

Each size runs in a fresh subprocess so peak RSS is its own (parent + worker processes).
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
from pathlib import Path
from data.courier_case import generate_case
out, n, workers = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
t = time.perf_counter()
generate_case(out, complaints=n, seed=42, workers=workers)
seconds = time.perf_counter() - t
own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"seconds": seconds, "rss_self_mb": own / 1024, "rss_worker_mb": kids / 1024}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"python {platform.python_version()}, workers {args.workers}")
    print(f"{'complaints':>10} {'seconds':>8} {'rows/s':>9} {'MB out':>8} {'peak RSS MB (main / worker)':>28}")
    previous = None
    for n in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            result = subprocess.run([sys.executable, "-c", CHILD, tmp, str(n), str(args.workers)],
                                    capture_output=True, text=True, check=True)
            figures = json.loads(result.stdout.strip().splitlines()[-1])
            size_mb = sum(p.stat().st_size for p in Path(tmp).rglob("*") if p.is_file()) / 1e6
        s = figures["seconds"]
        growth = f"  x{s / previous[1]:.1f} time for x{n / previous[0]:.0f} rows" if previous else ""
        print(f"{n:>10,} {s:>8.1f} {n / s:>9,.0f} {size_mb:>8.0f} "
              f"{figures['rss_self_mb']:>14.0f} / {figures['rss_worker_mb']:<10.0f}{growth}")
        previous = (n, s)


if __name__ == "__main__":
    main()
