"""Render time of each dashboard page on the published snapshot of a generated case (target: ≤ 1 s).

    .venv/bin/python benchmarks/bench_dashboard.py                       # 100k and 1M complaints
    .venv/bin/python benchmarks/bench_dashboard.py --sizes 100000
    .venv/bin/python benchmarks/bench_dashboard.py --home data           # an existing home (e.g. the demo's)

For each size: generate the case, ingest it, find root causes and analyze it (not timed), then render every
page with Streamlit's AppTest (the same script runner a browser session uses, without the browser):
the first render (empty caches: every query runs) and the second (cached), in seconds.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.bench_decisions import ANALYZE, PREPARE, _generate, _run  # noqa: E402

PAGES = ("overview", "root_causes", "cx_desk", "clients", "data_quality")


def render_times(home: Path) -> list[tuple[str, float, float]]:
    os.environ["CAUSEWAY_HOME"] = str(home)
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from dashboards import auth

    logging.getLogger("streamlit").setLevel(logging.ERROR)
    _render(AppTest, auth, "clients")  # the process's first render imports altair, pyarrow...: not a page's cost
    st.cache_resource.clear()
    st.cache_data.clear()
    rows = []
    for page in PAGES:
        times = []
        for _ in range(2):
            times.append(_render(AppTest, auth, page))
        rows.append((page, times[0], times[1]))
    return rows


def _render(app_test, auth, page: str) -> float:
    at = app_test.from_file(str(REPO / "dashboards" / "app.py"), default_timeout=300)
    at.session_state["user"] = auth.User("bench", "admin")
    at.switch_page(f"views/{page}.py")
    started = time.perf_counter()
    at.run()
    if at.exception:
        sys.exit(f"{page}: {at.exception}")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--home", type=Path, default=None, help="time an existing home instead")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, python {platform.python_version()}")
    targets = [(args.home.resolve(), None)] if args.home else [(None, n) for n in args.sizes]
    for home, n in targets:
        work = None
        if home is None:
            work = Path(tempfile.mkdtemp(prefix=f"causeway-dashboard-{n}-"))
            case, home = work / "case", work / "home"
            _generate(case, n, args.seed)
            _run(PREPARE, str(case), str(home))
            _run(ANALYZE, str(home))
        try:
            print(f"\n== {home if n is None else f'{n:,} complaints'}: page render, first (cold) / second (cached)")
            for page, cold, warm in render_times(home):
                flag = "" if cold <= 1.0 else "  (over 1 s)"
                print(f"  {page:<14} {cold:6.2f} s / {warm:5.2f} s{flag}")
        finally:
            if work is not None:
                shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
