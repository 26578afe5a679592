"""Root causes at scale on the generated courier case: time, memory and quality of the cluster flow.

    .venv/bin/python benchmarks/bench_topics_scale.py                     # 20k, 100k and 1M complaints
    .venv/bin/python benchmarks/bench_topics_scale.py --sizes 20000       # one size

For each size: generate the case and ingest it (not timed), then, each in a fresh process:
1. the first ``cluster`` run (normalize every complaint, embed, fit BERTopic on a sample, assign the
   rest, segment and daily tables, publish) — seconds per stage, total, peak RSS;
2. the newest export files, held back from the first ingest (about ``--new`` complaints, whole files), are
   ingested, then a second ``cluster`` run assigns them to the existing causes without refitting — the
   incremental cost.
Then, against the planted truth: for each planted root cause, the best-matching root cause (the one
holding most of its complaints) with its precision and recall, and the same at the sub-cause level.
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
from pathlib import Path

import polars as pl

REPO = Path(__file__).resolve().parents[1]

INGEST = """
import sys
from pathlib import Path
from flows.reference_load import load_reference_folder
from flows.settings import load_settings
from flows.ingest import ingest_flow
case, home = Path(sys.argv[1]), Path(sys.argv[2])
if sys.argv[3] == "reference":
    load_reference_folder(load_settings(home=home).warehouse_path, case / "reference")
ingest_flow(inbox=str(case / "inbox"), home=str(home))
"""

CLUSTER = """
import json, resource, sys, time
started = time.perf_counter()
from flows.cluster import cluster_flow
import bertopic, spacy, sklearn  # imported up front: a fixed cost per process, reported apart
imports = time.perf_counter() - started
t = time.perf_counter()
summary = cluster_flow(home=sys.argv[1])
summary["call_seconds"] = time.perf_counter() - t
summary["imports"] = imports
summary["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print("RESULT " + json.dumps(summary, default=str))
"""


def _run(script: str, *args: str) -> str:
    env = {**os.environ, "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120", "DO_NOT_TRACK": "1",
           "GX_ANALYTICS_ENABLED": "false", "PREFECT_LOGGING_LEVEL": "WARNING", "HF_HUB_OFFLINE": "1"}
    done = subprocess.run([sys.executable, "-c", script, *args], cwd=REPO, env=env, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"child failed:\n{done.stderr[-3000:]}")
    return done.stdout


def _cluster(home: Path) -> dict:
    line = next(x for x in _run(CLUSTER, str(home)).splitlines() if x.startswith("RESULT "))
    return json.loads(line[len("RESULT "):])


def _generate(out: Path, n: int, seed: int) -> None:
    subprocess.run([sys.executable, "-m", "flows.cli", "generate", "--out", str(out), "--complaints", str(n),
                    "--seed", str(seed)], cwd=REPO, check=True, capture_output=True)


def planted_match(home: Path, case: Path) -> pl.DataFrame:
    """Per planted cause: the best-matching root cause and sub-cause with precision and recall."""
    import duckdb

    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    got = con.sql("SELECT c.source_record_id AS record_id, a.root_cause_id, a.sub_cause_id FROM complaints c "
                  "JOIN complaint_root_cause a USING (complaint_id)").pl()
    con.close()
    truth = pl.read_csv(case / "ground_truth" / "complaints.csv", infer_schema_length=0).select("record_id", "cause")
    joined = truth.join(got, on="record_id", how="inner")
    rows = []
    for cause, members in joined.group_by("cause"):
        row = {"planted cause": cause[0], "complaints": members.height}
        for level in ("root_cause_id", "sub_cause_id"):
            best, hits = members[level].fill_null("(none)").value_counts(sort=True).row(0)
            size = joined.filter(pl.col(level).fill_null("(none)") == best).height
            tag = "root" if level == "root_cause_id" else "sub"
            row |= {tag: best, f"{tag} P": round(hits / size, 2), f"{tag} R": round(hits / members.height, 2)}
        rows.append(row)
    return pl.DataFrame(rows).sort("complaints", descending=True)


def hold_back(case: Path, later: Path, wanted: int) -> int:
    """Move the newest export files (smallest first within a month) out of the inbox until ``wanted`` rows."""
    files = json.loads((case / "manifest.json").read_text(encoding="utf-8"))["files"]
    exports = [f for f in files if f["path"].startswith("inbox/")]
    exports.sort(key=lambda f: (-int(Path(f["path"]).stem.rsplit("_", 1)[-1].replace("-", "")), f["rows"]))
    moved = 0
    for f in exports:
        if moved >= wanted:
            break
        target = later / f["path"]
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(case / f["path"], target)
        moved += f["rows"]
    return moved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[20_000, 100_000, 1_000_000])
    parser.add_argument("--new", type=int, default=10_000, help="complaints arriving after the fit (about)")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, python {platform.python_version()}")
    for n in args.sizes:
        work = Path(tempfile.mkdtemp(prefix=f"causeway-topics-{n}-"))
        try:
            case, later, home = work / "case", work / "later", work / "home"
            _generate(case, n, seed=42)
            hold_back(case, later, args.new)
            _run(INGEST, str(case), str(home), "reference")
            first = _cluster(home)
            _run(INGEST, str(later), str(home), "no-reference")
            second = _cluster(home)
            print(f"\n== {n:,} complaints ({first['complaints']:,} ingested)")
            stages = ", ".join(f"{k} {v:.1f}" for k, v in first["seconds"].items())
            print(f"  first run ({first['mode']}): {first['call_seconds']:.1f} s "
                  f"({first['complaints'] / first['call_seconds']:,.0f} complaints/s) + imports "
                  f"{first['imports']:.1f} s; peak RSS {first['rss_mb']:,.0f} MB")
            print(f"    stages (s): {stages}")
            print(f"    {first['root_causes']} root causes, {first['sub_causes']} sub-causes, "
                  f"{first['unassigned']:,} unassigned")
            stages = ", ".join(f"{k} {v:.1f}" for k, v in second["seconds"].items())
            print(f"  {second['assigned']:,} new complaints ({second['mode']}, no refit): "
                  f"{second['call_seconds']:.1f} s; peak RSS {second['rss_mb']:,.0f} MB")
            print(f"    stages (s): {stages}; unassigned now {second['unassigned']:,} "
                  f"({second['unassigned'] / second['complaints']:.1%})")
            table = planted_match(home, case)
            with pl.Config(tbl_rows=40, tbl_cols=20, tbl_hide_dataframe_shape=True, tbl_width_chars=160):
                print(table)
            causes = table.filter(~pl.col("planted cause").is_in(["social_noise"]))
            print(f"  mean over planted causes: root P {causes['root P'].mean():.2f} R {causes['root R'].mean():.2f}"
                  f"; sub P {causes['sub P'].mean():.2f} R {causes['sub R'].mean():.2f}")
        finally:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
