"""Write a whole courier case to a folder: exports (the inbox), reference tables and the ground truth.

Layout of ``out_dir``::

    inbox/contact_center/calls_YYYY-MM.csv      cp1251 ';' CSV, Ukrainian headers (phone calls)
    inbox/contact_center/tickets_YYYY-MM.xlsx   XLSX, English headers (e-mail, web form, branch claims)
    inbox/social/x_mentions_YYYY-MM.ndjson      X/Twitter API v2 objects
    inbox/social/telegram_YYYY-MM.json          Telegram Desktop chat export
    reference/clients.csv, shipments_daily.csv, branches.csv, employees.csv, social_handles.csv, tariffs.csv
    ground_truth/complaints.csv, causes.csv, clients.csv, README.md   (never read by the pipeline)
    manifest.json

The output is byte-for-byte the same for the same ``complaints`` and ``seed``, whatever ``workers`` is:
each month is rendered from its own random stream.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import polars as pl

from data.courier_case import exports, people, reference
from data.courier_case.plan import plan_complaints
from data.courier_case.scenario import Scenario, load_scenario
from data.courier_case.texts import LANGUAGES, TextRenderer, bank_problems, load_bank

GENERATOR_VERSION = "2"  # 2: clients owe unpaid invoices (overdue_uah)
MIN_COMPLAINTS, MAX_COMPLAINTS = 1_000, 1_000_000
TELEGRAM_CHAT_ID = 1712345678
EXPORT_FILES = {
    "calls_csv": "inbox/contact_center/calls_{month}.csv",
    "tickets_xlsx": "inbox/contact_center/tickets_{month}.xlsx",
    "x_ndjson": "inbox/social/x_mentions_{month}.ndjson",
    "telegram_json": "inbox/social/telegram_{month}.json",
}


@dataclass(frozen=True)
class CaseSummary:
    out_dir: Path
    complaints: int
    clients: int
    files: dict[str, int]  # relative path -> rows written


def generate_case(
    out_dir: Path,
    complaints: int = 20_000,
    seed: int = 42,
    workers: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> CaseSummary:
    if not MIN_COMPLAINTS <= complaints <= MAX_COMPLAINTS:
        raise ValueError(f"complaints must be between {MIN_COMPLAINTS:,} and {MAX_COMPLAINTS:,}, got {complaints:,}")
    say = progress or (lambda _msg: None)
    out_dir = Path(out_dir)
    scenario = load_scenario()
    problems = [p for lang in LANGUAGES for p in bank_problems(load_bank(lang), list(scenario.causes))]
    if problems:
        raise ValueError("phrase banks are incomplete: " + "; ".join(problems[:5]))

    say("reference tables")
    clients = reference.build_clients(scenario, complaints, seed)
    branches = reference.build_branches(scenario, seed)
    employees = reference.build_employees(scenario, branches, seed)
    shipments = reference.build_shipments_daily(scenario, seed)
    handles = _social_identities(clients, seed)

    say("complaint plan")
    plan, decoys = plan_complaints(scenario, clients, branches, employees, complaints, seed)
    plan = _with_client_fields(plan, clients, handles)

    tasks = []
    ticket_no, telegram_no = 1, 1
    for (month,), frame in plan.group_by("month", maintain_order=True):
        exports_of_month = frame["channel"].map_elements(scenario.export_of, return_dtype=pl.String)
        tasks.append((month, frame, str(out_dir), seed, ticket_no, telegram_no))
        ticket_no += int((exports_of_month == "tickets_xlsx").sum())
        telegram_no += int((exports_of_month == "telegram_json").sum()) * 2
    for folder in ("inbox/contact_center", "inbox/social", "reference", "ground_truth"):
        (out_dir / folder).mkdir(parents=True, exist_ok=True)

    workers = workers or min(len(tasks), os.cpu_count() or 1)
    say(f"texts and exports: {len(tasks)} months on {workers} process(es)")
    if workers > 1 and complaints >= 20_000:
        context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
        with context.Pool(workers) as pool:
            truth_parts = pool.map(_render_month, tasks, chunksize=1)
    else:
        truth_parts = [_render_month(task) for task in tasks]
    truth = pl.concat(truth_parts)

    say("reference and ground truth files")
    _write_reference(out_dir, clients, branches, employees, shipments, handles)
    _write_ground_truth(out_dir, scenario, truth, clients, decoys)
    files = {f: n for part in truth_parts for f, n in part.group_by("file").len().iter_rows()}
    _write_manifest(out_dir, complaints, seed, clients.height, files)
    return CaseSummary(out_dir=out_dir, complaints=truth.height, clients=clients.height,
                       files=dict(sorted(files.items())))


def _social_identities(clients: pl.DataFrame, seed: int) -> pl.DataFrame:
    """Every client's X handle and Telegram user id; ``known`` says whether the carrier's CRM has it."""
    rng = random.Random(seed * 31 + 5)
    rows = []
    for i, (name, contact, has) in enumerate(clients.select("name", "contact_name", "has_handle").iter_rows()):
        first, _, last = people.latin(contact).partition(" ")
        base = "".join(ch for ch in f"{first[:6]}_{last[:6]}" if ch.isalnum() or ch == "_")
        rows.append({"row": i, "x_handle": f"{base}{rng.randrange(10, 999)}"[:15],
                     "x_user_id": str(1_400_000_000_000_000_000 + i * 7_919),
                     "telegram_id": f"user{6_100_000_000 + i * 13}", "author_name": name, "known": has})
    return pl.DataFrame(rows)


def _with_client_fields(plan: pl.DataFrame, clients: pl.DataFrame, handles: pl.DataFrame) -> pl.DataFrame:
    client_cols = clients.select(
        pl.int_range(pl.len()).alias("client_row"), "client_id", "language",
        pl.col("phone").alias("client_phone"), pl.col("email").alias("client_email"), "contact_name")
    ident = handles.select(pl.col("row").alias("client_row"), "x_handle", "x_user_id", "telegram_id", "author_name")
    return (
        plan.join(client_cols, on="client_row", how="left", maintain_order="left")
        .join(ident, on="client_row", how="left", maintain_order="left")
        .with_columns(month=(pl.col("received_at") + pl.duration(hours=2)).dt.strftime("%Y-%m"))
    )


def _render_month(task) -> pl.DataFrame:
    month, frame, out_dir, seed, ticket_no, telegram_no = task
    out_dir = Path(out_dir)
    scenario = load_scenario()
    rng = random.Random(f"courier-case/{seed}/{month}")
    renderers = {lang: TextRenderer(lang, scenario.raw["typo_rate"]) for lang in LANGUAGES}
    by_export: dict[str, list[dict]] = {key: [] for key in EXPORT_FILES}
    for row in frame.to_dicts():
        cause = scenario.causes[row["cause"]]
        row["text"], row["pii_value"] = renderers[row["language"]].render(rng, row, cause.items)
        row["text_chars"] = len(row["text"])
        row["metric"] = rng.randrange(1000)
        export = scenario.export_of(row["channel"])
        if export == "x_ndjson":
            row["author_handle"], row["author_id"] = row["x_handle"], row["x_user_id"]
        elif export == "telegram_json":
            row["author_handle"] = row["telegram_id"]
        by_export[export].append(row)

    truth = []
    for export, rows in by_export.items():
        if not rows:
            continue
        rel = EXPORT_FILES[export].format(month=month)
        path = out_dir / rel
        if export == "calls_csv":
            ids = exports.write_calls_csv(path, rows, month.replace("-", "")[2:])
        elif export == "tickets_xlsx":
            ids = exports.write_tickets_xlsx(path, rows, ticket_no)
        elif export == "x_ndjson":
            ids = exports.write_x_ndjson(path, rows)
        else:
            ids = exports.write_telegram_json(path, rows, telegram_no, TELEGRAM_CHAT_ID)
        for rid, r in zip(ids, rows, strict=True):
            truth.append({
                "source": export, "file": rel, "record_id": rid, "incident_key": r["incident_key"],
                "is_twin": r["is_twin"], "cause": r["cause"], "cause_type": r["cause_type"],
                "is_complaint": r["cause"] != "social_noise", "language": r["language"],
                "channel": r["channel"], "register": r["register"], "client_id": r["client_id"],
                "author_handle": r.get("author_handle"), "employee_id": r["employee_id"],
                "branch_number": r["branch_number"], "region": r["region"], "received_at": r["received_at"],
                "tracking_number": r["tracking_number"], "significance": r["significance"],
                "pii_kind": r["pii_kind"], "pii_value": r["pii_value"], "response_type": r["response_type"],
                "reaction": r["reaction"], "text_chars": r["text_chars"],
            })
    return pl.DataFrame(truth, infer_schema_length=None)


def _write_reference(out_dir, clients, branches, employees, shipments, handles) -> None:
    ref = out_dir / "reference"
    clients.drop("has_handle", "contact_name").write_csv(ref / "clients.csv")
    branches.write_csv(ref / "branches.csv")
    employees.write_csv(ref / "employees.csv")
    shipments.write_csv(ref / "shipments_daily.csv")
    known = handles.filter("known").join(
        clients.select(pl.int_range(pl.len()).alias("row"), "client_id"), on="row", maintain_order="left")
    pl.concat([
        known.select(pl.lit("x").alias("platform"), pl.col("x_handle").alias("handle"), "client_id"),
        known.select(pl.lit("telegram").alias("platform"), pl.col("telegram_id").alias("handle"), "client_id"),
    ]).write_csv(ref / "social_handles.csv")
    reference.build_tariffs().write_csv(ref / "tariffs.csv")


def _write_ground_truth(out_dir, scenario: Scenario, truth: pl.DataFrame, clients: pl.DataFrame,
                        decoys: list[int]) -> None:
    gt = out_dir / "ground_truth"
    truth.sort("received_at", "source", "record_id").write_csv(gt / "complaints.csv")
    counts = dict(truth.group_by("cause").len().iter_rows())
    cause_rows = []
    for cause in scenario.causes.values():
        spike = cause.spike
        cause_rows.append({
            "cause": cause.key, "cause_type": cause.type, "profile": cause.profile,
            "planned_share": cause.share, "complaints": counts.get(cause.key, 0),
            "share": counts.get(cause.key, 0) / truth.height,
            "focus": json.dumps(cause.focus, ensure_ascii=False, default=str) if cause.focus else "",
            "spike_start": str(spike["start"]) if spike else "",
            "spike_end": str(spike["start"] + timedelta(days=int(spike["days"]) - 1)) if spike else "",
        })
    pl.DataFrame(cause_rows).write_csv(gt / "causes.csv")
    vd_specs = scenario.raw["value_destroyers"]["clients"]
    first_vd = clients.height - len(vd_specs)
    archetype = [None] * first_vd + [spec["archetype"] for spec in vd_specs]
    usage = ["value_destroying" if a else "intended" for a in archetype]
    pharmacies_asking = set(truth.filter(pl.col("cause") == "pharmacy_night_delivery")["client_id"].to_list())
    ids = clients["client_id"].to_list()
    usage = ["unusual_potential" if (u == "intended" and cid in pharmacies_asking) else u
             for u, cid in zip(usage, ids, strict=True)]
    pl.DataFrame({
        "client_id": ids,
        "usage_group": usage,
        "value_destroyer": [a is not None for a in archetype],
        "archetype": archetype,
        "decoy_our_fault": [i in set(decoys) for i in range(clients.height)],
    }).write_csv(gt / "clients.csv")
    (gt / "README.md").write_text(GROUND_TRUTH_README, encoding="utf-8")


def _write_manifest(out_dir: Path, complaints: int, seed: int, clients: int, files: dict[str, int]) -> None:
    manifest = {
        "generator": "causeway courier case",
        "version": GENERATOR_VERSION,
        "seed": seed,
        "complaints": complaints,
        "clients": clients,
        "files": [{"path": f, "rows": n, "sha256": _sha256(out_dir / f)} for f, n in sorted(files.items())],
    }
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


GROUND_TRUTH_README = """# Ground truth of the generated courier case

What the generator planted. The pipeline never reads this folder; benchmarks and tests compare against it.

- `complaints.csv` — one row per generated complaint: `source` + `record_id` identify it in the exports
  (`record_id` is the call number, ticket id, tweet id or Telegram message id), `incident_key` groups the
  twins (the same incident reported on two channels), `cause` / `cause_type` the planted root cause,
  `is_complaint` is false for social noise (praise, questions), `pii_kind` / `pii_value` the personal data
  written into the text (masking must remove it), `significance` the emotional cue (medical, child,
  wedding, birthday).
- `causes.csv` — one row per planted cause: type, time profile, planned and actual share, focus (segment,
  route, region or employee), spike window.
- `clients.csv` — one row per client: usage group, value-destroyer flag and archetype, and the decoys
  (many complaints, all explained by our own process failure: they must not be flagged).
"""
