"""What people record in the dashboard (decisions, reactions, fix statuses, cause edits), as files first.

The dashboard never writes the warehouse: DuckDB allows one writer, and the pipeline may hold it for
minutes. Each record is one small JSON file under ``<home>/decisions/inbox/``, written to a temporary name,
flushed and renamed (atomic), so two people working at once never overwrite each other and nothing is
half-written. :func:`collect` loads the records into the warehouse's append-only tables
(``response_decisions``, ``cause_fixes``, ``root_cause_edits``) — the analyze and cluster flows call it first;
a record's id is its file name, and ids already in the warehouse are skipped, so a record is loaded once. The
files stay in the inbox (the dashboard keeps showing them as recorded) until a snapshot holding them is
published: :func:`archive` then files them under ``decisions/loaded/``. A file that cannot be read goes to
``decisions/rejected/``.
"""

from __future__ import annotations

import json
import os
import uuid
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl

from flows.decision_settings import FIX_STATUSES, REACTIONS, RESPONSE_NAMES
from flows.warehouse import insert_rows, publish, transaction, utcnow

KINDS = ("decision", "reaction", "fix", "edit")
EDIT_ACTIONS = ("rename", "merge", "split")


def inbox(home: Path) -> Path:
    return home / "decisions" / "inbox"


def submit(home: Path, kind: str, author: str, **fields) -> dict:
    """Validate one record and write it as a file; returns the record (with its id and time)."""
    record = {"id": uuid.uuid4().hex, "kind": kind, "author": author or "unknown",
              "recorded_at": utcnow().isoformat(), **fields}
    check_record(record)
    folder = inbox(home)
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{record['id']}.tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(json.dumps(record, ensure_ascii=False))
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, folder / f"{record['id']}.json")
    return record


def pending(home: Path) -> list[dict]:
    """Records submitted and not yet in a published snapshot, oldest first (unreadable files are set aside)."""
    folder = inbox(home)
    if not folder.exists():
        return []
    records = []
    for path in folder.glob("*.json"):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            check_record(record)
        except (OSError, ValueError, KeyError) as exc:
            rejected = folder.parent / "rejected"
            rejected.mkdir(parents=True, exist_ok=True)
            os.replace(path, rejected / path.name)
            (rejected / f"{path.stem}.reason.txt").write_text(f"{type(exc).__name__}: {exc}\n", encoding="utf-8")
            continue
        records.append(record)
    return sorted(records, key=lambda r: (r["recorded_at"], r["id"]))


def collect(con: duckdb.DuckDBPyConnection, home: Path) -> list[str]:
    """Load the pending records not in the warehouse yet (one transaction); returns the ids now loaded (pass
    them to :func:`archive` once a snapshot holding them is published)."""
    records = pending(home)
    if not records:
        return []
    known = {r[0] for r in con.execute(
        "SELECT decision_id FROM response_decisions UNION ALL SELECT edit_id FROM root_cause_edits "
        "UNION ALL SELECT fix_id FROM cause_fixes WHERE fix_id IS NOT NULL").fetchall()}
    fresh = [r for r in records if r["id"] not in known]
    with transaction(con):
        for record in fresh:
            table, row = _row(record)
            insert_rows(con, table, pl.DataFrame([row]))
    return [r["id"] for r in records]


def archive(home: Path, ids: list[str]) -> int:
    """File the records ``ids`` (published now) under ``decisions/loaded/``; returns how many moved."""
    done = inbox(home).parent / "loaded"
    moved = 0
    for record_id in ids:
        source = inbox(home) / f"{record_id}.json"
        if source.exists():
            done.mkdir(parents=True, exist_ok=True)
            os.replace(source, done / source.name)
            moved += 1
    return moved


def publish_with_records(con: duckdb.DuckDBPyConnection, published_dir: Path, keep: int, home: Path,
                         collected: list[str]) -> str:
    """Publish a snapshot, then file the records it now holds (they leave the dashboard's pending list)."""
    path = str(publish(con, published_dir, keep=keep).path)
    archive(home, collected)
    return path


def check_record(record: dict) -> None:
    """Refuse a record with an unknown kind or value, in one sentence (the CLI checks the same way)."""
    kind = record["kind"]
    if kind not in KINDS:
        raise ValueError(f"unknown record kind '{kind}'")
    if kind == "decision" and record.get("response") not in RESPONSE_NAMES:
        raise ValueError(f"response '{record.get('response')}' is not one of {', '.join(RESPONSE_NAMES)}")
    if kind == "reaction" and record.get("reaction") not in REACTIONS:
        raise ValueError(f"reaction '{record.get('reaction')}' is not one of {', '.join(REACTIONS)}")
    if kind == "fix" and record.get("fix_status") not in FIX_STATUSES:
        raise ValueError(f"fix status '{record.get('fix_status')}' is not one of {', '.join(FIX_STATUSES)}")
    if kind == "edit" and record.get("action") not in EDIT_ACTIONS:
        raise ValueError(f"edit action '{record.get('action')}' is not one of {', '.join(EDIT_ACTIONS)}")
    if kind in ("decision", "reaction") and not record.get("complaint_id"):
        raise ValueError("a decision or reaction needs the complaint it is about")
    if kind in ("fix", "edit") and not record.get("cause_id"):
        raise ValueError("a fix status or an edit needs the root cause it is about")


def _row(record: dict) -> tuple[str, dict]:
    at = datetime.fromisoformat(record["recorded_at"])
    if record["kind"] in ("decision", "reaction"):
        return "response_decisions", {
            "decision_id": record["id"], "complaint_id": record["complaint_id"], "kind": record["kind"],
            "response": record.get("response"), "reaction": record.get("reaction"),
            "recommended": record.get("recommended"), "cost_uah": record.get("cost_uah"),
            "author": record["author"], "note": record.get("note"), "recorded_at": at}
    if record["kind"] == "fix":
        return "cause_fixes", {"fix_id": record["id"], "root_cause_id": record["cause_id"],
                               "fix_status": record["fix_status"],
                               "note": record.get("note"), "author": record["author"], "recorded_at": at}
    return "root_cause_edits", {
        "edit_id": record["id"], "action": record["action"], "cause_id": record["cause_id"],
        "into_id": record.get("into_id"), "new_label": record.get("new_label"), "parts": record.get("parts"),
        "author": record["author"], "created_at": at, "last_outcome": None}
