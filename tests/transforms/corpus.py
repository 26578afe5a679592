"""Helpers for tests: the generated case's texts keyed by record id, read with standard readers."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import polars as pl


def generated_texts(case: Path) -> pl.DataFrame:
    """record_id, text of every complaint in the case's exports."""
    rows: list[tuple[str, str]] = []
    inbox = case / "inbox"
    for path in sorted(inbox.glob("social/x_mentions_*.ndjson")):
        for line in path.read_text(encoding="utf-8").splitlines():
            data = json.loads(line)["data"]
            rows.append((data["id"], data["text"]))
    for path in sorted(inbox.glob("social/telegram_*.json")):
        for m in json.loads(path.read_text(encoding="utf-8"))["messages"]:
            if m["type"] == "message":
                text = m["text"] if isinstance(m["text"], str) else "".join(
                    p if isinstance(p, str) else p["text"] for p in m["text"])
                rows.append((str(m["id"]), text))
    for path in sorted(inbox.glob("contact_center/calls_*.csv")):
        frame = pd.read_csv(path, sep=";", encoding="cp1251", dtype=str)
        rows += list(zip(frame["Номер звернення"], frame["Текст звернення"], strict=True))
    for path in sorted(inbox.glob("contact_center/tickets_*.xlsx")):
        frame = pd.read_excel(path, dtype=str)
        rows += list(zip(frame["Ticket ID"], frame["Description"], strict=True))
    return pl.DataFrame(rows, schema=["record_id", "text"], orient="row")
