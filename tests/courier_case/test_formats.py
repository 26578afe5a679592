"""Every export is readable by a standard reader, and its rows match the manifest and the ground truth."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import openpyxl
import pandas as pd
import polars as pl


def _manifest_rows(case: Path) -> dict[str, int]:
    manifest = json.loads((case / "manifest.json").read_text(encoding="utf-8"))
    return {f["path"]: f["rows"] for f in manifest["files"]}


def test_calls_csv_is_windows_1251_with_semicolons_and_ukrainian_headers(small_case: Path) -> None:
    rows = _manifest_rows(small_case)
    files = sorted((small_case / "inbox" / "contact_center").glob("calls_*.csv"))
    assert len(files) == 12
    for path in files:
        raw = path.read_bytes()
        try:
            raw.decode("utf-8")
            decodes_as_utf8 = True
        except UnicodeDecodeError:
            decodes_as_utf8 = False
        assert not decodes_as_utf8, f"{path.name} should be cp1251, not UTF-8"
        frame = pd.read_csv(path, sep=";", encoding="cp1251", dtype=str)
        assert list(frame.columns[:3]) == ["Номер звернення", "Дата звернення", "Код клієнта"]
        assert len(frame) == rows[str(path.relative_to(small_case))]
        assert frame["Номер ТТН"].dropna().str.fullmatch(r"\d{14}").all()
        with open(path, encoding="cp1251", newline="") as handle:
            assert len(list(csv.reader(handle, delimiter=";"))) == len(frame) + 1


def test_tickets_xlsx_open_in_openpyxl_and_polars(small_case: Path) -> None:
    rows = _manifest_rows(small_case)
    path = sorted((small_case / "inbox" / "contact_center").glob("tickets_*.xlsx"))[0]
    sheet = openpyxl.load_workbook(path, read_only=True).active
    header = next(sheet.iter_rows(values_only=True))
    assert header[:3] == ("Ticket ID", "Created (UTC)", "Channel")
    frame = pl.read_excel(path)
    assert frame.height == rows[str(path.relative_to(small_case))]
    assert frame.schema["Created (UTC)"] == pl.Datetime("ms") or frame.schema["Created (UTC)"].is_temporal()
    assert set(frame["Channel"]) <= {"E-mail", "Web form", "Branch claim"}


def test_x_ndjson_is_twitter_v2_objects_with_handles(small_case: Path) -> None:
    rows = _manifest_rows(small_case)
    for path in sorted((small_case / "inbox" / "social").glob("x_mentions_*.ndjson")):
        lines = path.read_text(encoding="utf-8").splitlines()
        assert len(lines) == rows[str(path.relative_to(small_case))]
        for line in lines:
            obj = json.loads(line)
            assert {"id", "text", "author_id", "created_at"} <= obj["data"].keys()
            assert obj["includes"]["users"][0]["id"] == obj["data"]["author_id"]
            assert "client_id" not in obj["data"]
    assert pl.read_ndjson(path).height == len(lines)


def test_telegram_export_has_messages_and_service_entries(small_case: Path) -> None:
    rows = _manifest_rows(small_case)
    total_messages = 0
    for path in sorted((small_case / "inbox" / "social").glob("telegram_*.json")):
        export = json.loads(path.read_text(encoding="utf-8"))
        messages = [m for m in export["messages"] if m["type"] == "message"]
        assert len(messages) == rows[str(path.relative_to(small_case))]
        for m in messages:
            text = m["text"] if isinstance(m["text"], str) else "".join(
                part if isinstance(part, str) else part["text"] for part in m["text"])
            assert text == "".join(e["text"] for e in m["text_entities"])
        total_messages += len(export["messages"])
    assert total_messages > sum(n for f, n in rows.items() if "telegram_" in f), "service messages expected"


def test_ground_truth_lists_every_exported_complaint_once(small_case: Path) -> None:
    truth = pl.read_csv(small_case / "ground_truth" / "complaints.csv", infer_schema_length=None)
    assert truth.height == sum(_manifest_rows(small_case).values()) == 1_000
    assert truth.select(pl.struct("source", "record_id").is_unique().all()).item()


def test_reference_tables(small_case: Path) -> None:
    ref = small_case / "reference"
    clients = pl.read_csv(ref / "clients.csv")
    assert clients["client_id"].is_unique().all()
    assert {"client_id", "name", "client_type", "industry", "shipment_types", "region", "revenue_uah",
            "contract_start"} <= set(clients.columns)
    assert {"florist", "pharmacy", "electronics", "marketplace_seller", "private_person"} <= set(clients["industry"])
    volumes = pl.read_csv(ref / "shipments_daily.csv", try_parse_dates=True)
    assert volumes["day"].n_unique() == 365
    assert volumes["region"].n_unique() == 12
    yearly = volumes["shipments"].sum()
    assert 280_000_000 < yearly < 320_000_000  # a national carrier: ~300M parcels a year
    assert 0.9995 < 1 - volumes["damaged"].sum() / yearly < 0.99999
    employees = pl.read_csv(ref / "employees.csv")
    assert set(employees["role"]) == {"courier", "cc_agent"}
    handles = pl.read_csv(ref / "social_handles.csv")
    assert set(handles["platform"]) == {"x", "telegram"}
    assert set(handles["client_id"]) <= set(clients["client_id"])
