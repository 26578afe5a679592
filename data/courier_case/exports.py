"""Writers of the four export formats, as the carrier's vendors produce them.

- ``calls_csv``: the contact center's call log — ``;``-delimited CSV, Windows-1251, CRLF, Ukrainian
  headers, Kyiv local time as ``dd.mm.yyyy HH:MM``, amounts with a decimal comma.
- ``tickets_xlsx``: the ticketing tool (e-mail, web form, branch claims) — XLSX, English headers, UTC
  datetimes as real Excel dates, waybill numbers as text.
- ``x_ndjson``: X/Twitter API v2 filtered-stream objects, one JSON per line, author handles not client ids.
- ``telegram_json``: a Telegram Desktop chat export (``result.json`` layout), with a few service messages.

Each writer takes one month of rows (dicts from the plan plus ``text``) and returns the source record
id it gave each row, in order.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import xlsxwriter

KYIV = ZoneInfo("Europe/Kyiv")  # local time of the carrier's systems, daylight saving included
FIXED_CREATED = datetime(2026, 1, 1)
TWITTER_EPOCH_MS = 1288834974657

CALLS_HEADER = ["Номер звернення", "Дата звернення", "Код клієнта", "Телефон клієнта", "Номер ТТН",
                "Відділення", "Оператор", "Співробітник", "Текст звернення", "Статус", "Перша відповідь",
                "Дата вирішення", "Рішення", "Сума, грн", "Реакція клієнта"]
CALLS_STATUS = {"open": "Відкрито", "closed": "Закрито"}
CALLS_RESPONSE = {"standard_compensation": "Стандартна компенсація", "promo_code": "Промокод",
                  "gift_box": "Friendly Box", "replacement_plus_extra": "Заміна + подарунок",
                  "polite_refusal": "Відмова"}
CALLS_REACTION = {"positive": "Позитивна", "neutral": "Нейтральна", "negative": "Негативна"}

TICKETS_HEADER = ["Ticket ID", "Created (UTC)", "Channel", "Customer ID", "Customer Email", "Waybill No",
                  "Branch", "Assigned Agent", "Employee Involved", "Subject", "Description", "State",
                  "First Reply (UTC)", "Closed (UTC)", "Resolution", "Compensation (UAH)", "Customer Feedback"]
TICKETS_CHANNEL = {"email": "E-mail", "web_form": "Web form", "branch": "Branch claim"}
TICKETS_RESPONSE = {"standard_compensation": "Standard compensation", "promo_code": "Promo code",
                    "gift_box": "Gift box", "replacement_plus_extra": "Replacement + extra",
                    "polite_refusal": "Declined"}
TICKETS_REACTION = {"positive": "Satisfied", "neutral": "Neutral", "negative": "Dissatisfied"}


def _kyiv(ts: datetime) -> datetime:
    return ts.replace(tzinfo=UTC).astimezone(KYIV)


def _local(ts: datetime | None) -> str:
    return _kyiv(ts).strftime("%d.%m.%Y %H:%M") if ts else ""


def write_calls_csv(path: Path, rows: list[dict[str, Any]], month_tag: str) -> list[str]:
    ids = [f"CC-{month_tag}-{i + 1:06d}" for i in range(len(rows))]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(CALLS_HEADER)
    for rid, r in zip(ids, rows, strict=True):
        amount = r["amount_uah"]
        writer.writerow([
            rid, _local(r["received_at"]), r["client_id"], r["client_phone"], r["tracking_number"] or "",
            r["branch_number"], r["agent_id"] or "", r["employee_id"] or "", r["text"],
            CALLS_STATUS.get(r["status"], ""), _local(r["first_response_at"]), _local(r["resolved_at"]),
            CALLS_RESPONSE.get(r["response_type"], ""), f"{amount:.2f}".replace(".", ",") if amount is not None else "",
            CALLS_REACTION.get(r["reaction"], ""),
        ])
    path.write_bytes(buffer.getvalue().encode("cp1251"))
    return ids


def write_tickets_xlsx(path: Path, rows: list[dict[str, Any]], first_number: int) -> list[str]:
    ids = [f"TCK-{first_number + i:07d}" for i in range(len(rows))]
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False,
                                               "strings_to_formulas": False, "strings_to_urls": False})
    workbook.set_properties({"created": FIXED_CREATED, "author": "Shvydka Post Helpdesk"})
    sheet = workbook.add_worksheet("Tickets")
    bold = workbook.add_format({"bold": True})
    when = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    money = workbook.add_format({"num_format": "#,##0.00"})
    sheet.write_row(0, 0, TICKETS_HEADER, bold)
    for n, (rid, r) in enumerate(zip(ids, rows, strict=True), start=1):
        sheet.write_string(n, 0, rid)
        sheet.write_datetime(n, 1, r["received_at"], when)
        sheet.write_string(n, 2, TICKETS_CHANNEL[r["channel"]])
        sheet.write_string(n, 3, r["client_id"])
        sheet.write_string(n, 4, r["client_email"])
        if r["tracking_number"]:
            sheet.write_string(n, 5, r["tracking_number"])
        sheet.write_string(n, 6, f"Branch #{r['branch_number']}")
        if r["agent_id"]:
            sheet.write_string(n, 7, r["agent_id"])
        if r["employee_id"]:
            sheet.write_string(n, 8, r["employee_id"])
        sheet.write_string(n, 9, _subject(r["text"]))
        sheet.write_string(n, 10, r["text"])
        sheet.write_string(n, 11, "Closed" if r["status"] == "closed" else "Open")
        if r["first_response_at"]:
            sheet.write_datetime(n, 12, r["first_response_at"], when)
        if r["resolved_at"]:
            sheet.write_datetime(n, 13, r["resolved_at"], when)
        if r["response_type"]:
            sheet.write_string(n, 14, TICKETS_RESPONSE[r["response_type"]])
        if r["amount_uah"] is not None:
            sheet.write_number(n, 15, r["amount_uah"], money)
        if r["reaction"]:
            sheet.write_string(n, 16, TICKETS_REACTION[r["reaction"]])
    workbook.close()
    return ids


def _subject(text: str) -> str:
    words = text.replace("\n", " ").split()
    return " ".join(words[:7]) + (" …" if len(words) > 7 else "")


def write_x_ndjson(path: Path, rows: list[dict[str, Any]]) -> list[str]:
    ids = []
    lines = []
    for i, r in enumerate(rows):
        ms = int((r["received_at"] - datetime(1970, 1, 1)).total_seconds() * 1000)
        tweet_id = str(((ms - TWITTER_EPOCH_MS) << 22) | (i & 0x3FFFFF))
        ids.append(tweet_id)
        mentions = [{"start": r["text"].find("@shvydkapost"), "end": r["text"].find("@shvydkapost") + 12,
                     "username": "shvydkapost"}] if "@shvydkapost" in r["text"] else []
        data = {
            "id": tweet_id,
            "text": r["text"],
            "author_id": r["author_id"],
            "created_at": r["received_at"].strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "lang": r["language"] if r["text_chars"] > 12 else "und",
            "conversation_id": tweet_id,
            "public_metrics": {"retweet_count": r["metric"] % 7, "reply_count": r["metric"] % 5,
                               "like_count": r["metric"] % 40, "quote_count": r["metric"] % 3},
        }
        if mentions:
            data["entities"] = {"mentions": mentions}
        lines.append(json.dumps(
            {"data": data,
             "includes": {"users": [{"id": r["author_id"], "username": r["author_handle"],
                                     "name": r["author_name"]}]},
             "matching_rules": [{"id": "1790000000000000001", "tag": "brand: shvydka post"}]},
            ensure_ascii=False))
    path.write_text("\n".join(lines) + ("\n" if lines else ""), encoding="utf-8")
    return ids


def write_telegram_json(path: Path, rows: list[dict[str, Any]], first_id: int, chat_id: int) -> list[str]:
    messages = []
    ids = []
    next_id = first_id
    for i, r in enumerate(rows):
        if i % 97 == 13:  # service messages: people joining the community chat
            messages.append({"id": next_id, "type": "service", "date": _tg_date(r["received_at"]),
                             "date_unixtime": _unix(r["received_at"]), "actor": r["author_name"],
                             "actor_id": r["author_handle"], "action": "join_group_by_link",
                             "inviter": "Group", "text": "", "text_entities": []})
            next_id += 1
        ids.append(str(next_id))
        text, entities = _tg_text(r["text"])
        messages.append({"id": next_id, "type": "message", "date": _tg_date(r["received_at"]),
                         "date_unixtime": _unix(r["received_at"]), "from": r["author_name"],
                         "from_id": r["author_handle"], "text": text, "text_entities": entities})
        next_id += 1
    export = {"name": "Швидка Пошта — спільнота клієнтів", "type": "public_supergroup", "id": chat_id,
              "messages": messages}
    path.write_text(json.dumps(export, ensure_ascii=False, indent=1), encoding="utf-8")
    return ids


def _tg_date(ts: datetime) -> str:
    return _kyiv(ts).strftime("%Y-%m-%dT%H:%M:%S")


def _unix(ts: datetime) -> str:
    return str(int((ts - datetime(1970, 1, 1)).total_seconds()))


def _tg_text(text: str) -> tuple[str | list, list[dict[str, str]]]:
    """Telegram writes plain text as a string and text with mentions/hashtags as a list of parts."""
    tokens = text.split(" ")
    if not any(t.startswith(("@", "#")) for t in tokens):
        return text, [{"type": "plain", "text": text}]
    parts: list[Any] = []
    entities = []
    plain: list[str] = []
    for j, token in enumerate(tokens):
        sep = " " if j < len(tokens) - 1 else ""
        if token.startswith(("@", "#")) and len(token) > 1:
            if plain:
                parts.append("".join(plain))
                entities.append({"type": "plain", "text": "".join(plain)})
                plain = []
            kind = "mention" if token.startswith("@") else "hashtag"
            parts.append({"type": kind, "text": token})
            entities.append({"type": kind, "text": token})
            plain.append(sep)
        else:
            plain.append(token + sep)
    if "".join(plain):
        parts.append("".join(plain))
        entities.append({"type": "plain", "text": "".join(plain)})
    return parts, entities
