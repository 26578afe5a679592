"""Identity resolution and incidents on small inline frames."""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl

from transforms.identity import extract_identifiers, resolve_clients
from transforms.incidents import build_incidents

T0 = datetime(2026, 3, 1, 10, 0)


def _complaints(rows: list[dict]) -> pl.DataFrame:
    base = {"client_id": None, "author_handle": None, "tracking_number": None, "phone": None, "email": None}
    return pl.DataFrame([{**base, **r} for r in rows], schema_overrides={k: pl.String for k in base})


def test_identifiers_are_found_in_text_and_fields() -> None:
    frame = extract_identifiers(_complaints([
        {"text": "ТТН 20465651431098, мій номер +380 67 123 45 67, пишіть на A.B@Mail.com",
         "tracking_number": "59000000000001"},
    ]))
    row = frame.row(0, named=True)
    assert row["tracking_numbers"] == ["59000000000001", "20465651431098"]
    assert row["phones_found"] == ["671234567"]
    assert row["emails_found"] == ["a.b@mail.com"]


def test_clients_are_resolved_in_order_of_trust() -> None:
    frame = extract_identifiers(_complaints([
        {"text": "x", "client_id": "C1"},
        {"text": "y", "author_handle": "olena"},
        {"text": "дзвоніть 067-123-45-67"},
        {"text": "ttn 20465651431098"},
        {"text": "nothing to go on"},
    ]))
    handles = pl.DataFrame({"platform": ["x"], "handle": ["olena"], "client_id": ["C2"]})
    contacts = pl.DataFrame({"client_id": ["C3"], "phone_norm": ["671234567"], "email_norm": [None]},
                            schema_overrides={"email_norm": pl.String})
    known = pl.DataFrame({"tracking_number": ["20465651431098"], "client_id": ["C4"]})
    out = resolve_clients(frame, handles, contacts, known, platform="x")
    assert out["client_id"].to_list() == ["C1", "C2", "C3", "C4", None]
    assert out["identity_method"].to_list() == ["field", "handle", "phone", "tracking", "none"]


def test_a_tracking_number_leads_to_the_client_it_was_tied_to_first() -> None:
    """Tied before this file (history): that client, even when a row of this file names another one with
    it. New in this file: the client of the first row naming both."""
    frame = extract_identifiers(_complaints([
        {"text": "ttn 20465651431098", "client_id": "C9"},
        {"text": "where is 20465651431098?"},
        {"text": "ttn 59111111111111", "client_id": "C7"},
        {"text": "ttn 59111111111111", "client_id": "C8"},
        {"text": "59111111111111 is late"},
    ]))
    empty = pl.DataFrame(schema={"platform": pl.String, "handle": pl.String, "client_id": pl.String})
    contacts = pl.DataFrame(schema={"client_id": pl.String, "phone_norm": pl.String, "email_norm": pl.String})
    known = pl.DataFrame({"tracking_number": ["20465651431098"], "client_id": ["C4"]})
    out = resolve_clients(frame, empty, contacts, known, platform="x")
    assert out["client_id"].to_list() == ["C9", "C4", "C7", "C8", "C7"]
    assert out["identity_method"].to_list() == ["field", "tracking", "field", "field", "tracking"]


def _incident_input(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={"complaint_id": pl.String, "client_id": pl.String, "author_handle": pl.String,
                                      "tracking_numbers": pl.List(pl.String), "text_masked": pl.String,
                                      "channel": pl.String, "received_at": pl.Datetime("us")})


def test_same_client_and_shipment_within_the_window_is_one_incident() -> None:
    frame = _incident_input([
        {"complaint_id": "a", "client_id": "C1", "tracking_numbers": ["201"], "text_masked": "late",
         "channel": "phone", "received_at": T0},
        {"complaint_id": "b", "client_id": "C1", "tracking_numbers": ["201"], "text_masked": "still late",
         "channel": "twitter", "received_at": T0 + timedelta(hours=20)},
        {"complaint_id": "c", "client_id": "C1", "tracking_numbers": ["201"], "text_masked": "again",
         "channel": "email", "received_at": T0 + timedelta(days=10)},
        {"complaint_id": "d", "client_id": "C2", "tracking_numbers": ["201"], "text_masked": "late",
         "channel": "phone", "received_at": T0},
    ])
    assignments, incidents = build_incidents(frame, window_hours=72)
    by_id = dict(assignments.iter_rows())
    assert by_id["a"] == by_id["b"] == "INC:a"
    assert by_id["c"] != by_id["a"] and by_id["d"] != by_id["a"]
    first = incidents.filter(pl.col("incident_id") == "INC:a").row(0, named=True)
    assert first["n_complaints"] == 2 and sorted(first["channels"]) == ["phone", "twitter"]
    assert incidents["n_complaints"].sum() == frame.height


def test_same_author_with_near_identical_text_is_one_incident() -> None:
    text = "Посилка з <PHONE> досі не прийшла, це вже п'ятий день очікування!"
    frame = _incident_input([
        {"complaint_id": "t1", "author_handle": "olena", "tracking_numbers": [], "text_masked": text,
         "channel": "twitter", "received_at": T0},
        {"complaint_id": "t2", "author_handle": "olena", "tracking_numbers": [], "text_masked": text.upper() + " 😡",
         "channel": "telegram", "received_at": T0 + timedelta(hours=3)},
        {"complaint_id": "t3", "author_handle": "ivan", "tracking_numbers": [], "text_masked": text,
         "channel": "twitter", "received_at": T0},
    ])
    assignments, _ = build_incidents(frame, window_hours=72)
    by_id = dict(assignments.iter_rows())
    assert by_id["t1"] == by_id["t2"] != by_id["t3"]
