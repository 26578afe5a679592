"""JSON exports: what orjson refuses still reads, and the raw record keeps it as received."""

from __future__ import annotations

from flows.settings import load_sources
from transforms.read_source import read_records

SPEC = load_sources(None)["telegram"]
MESSAGE = (b'{"id": 1, "type": "message", "date": "2026-01-05T10:00:00", "from": "a", "from_id": "user1", '
           b'"text": "parcel lost"%s}')


def test_a_nan_in_a_record_is_kept_in_the_raw_record() -> None:
    data = b'{"name": "chat", "messages": [' + MESSAGE % b', "rating": NaN' + b"]}"
    batch = read_records(data, "telegram_2026-01.json", SPEC)
    assert batch.records.height == 1 and batch.records["text"][0] == "parcel lost"
    assert '"rating": NaN' in batch.records["_raw"][0]


def test_a_plain_record_reads_the_same_either_way() -> None:
    batch = read_records(b'{"name": "chat", "messages": [' + MESSAGE % b"" + b"]}", "telegram_2026-01.json", SPEC)
    assert batch.records["text"][0] == "parcel lost" and '"from_id":"user1"' in batch.records["_raw"][0]


X_SPEC = load_sources(None)["x_mentions"]


def _post(n: int, text: str, users: str = '[{"username": "olena", "name": "Olena"}]') -> str:
    return (f'{{"data": {{"id": "{n}", "created_at": "2026-01-05T10:00:00.000Z", "text": {text}}}, '
            f'"includes": {{"users": {users}}}}}')


def test_ndjson_lines_end_at_newlines_only_and_keep_their_numbers() -> None:
    lines = [_post(1, '"line\u2028separator inside"'), "", "\u00a0", _post(2, '"crlf"'), "{broken",
             _post(3, '"no users"', users="[]"), "[1, 2]", _post(4, '"odd users"', users='"not a list"'),
             _post(5, '"numbers"', users='[{"username": 42, "name": {"first": "O"}}]')]
    batch = read_records("\n".join(lines[:3]).encode() + b"\n" + "\r\n".join(lines[3:]).encode() + b"\r\n",
                         "x_mentions_2026-01.ndjson", X_SPEC)
    records = batch.records
    assert records["_row"].to_list() == [1, 4, 6, 8, 9]
    assert records["text"].to_list() == ["line\u2028separator inside", "crlf", "no users", "odd users", "numbers"]
    assert records["author_handle"].to_list() == ["olena", "olena", None, None, "42"]
    assert records["author_name"].to_list() == ["Olena", "Olena", None, None, '{"first": "O"}']
    assert records["_raw"][1] == lines[3]  # as received, without the carriage return
    assert batch.problems.select("row_number", "column_name").rows() == [(5, "(whole record)"), (7, "(whole record)")]


def test_ndjson_that_is_not_utf8_is_rejected_naming_the_line() -> None:
    data = (_post(1, '"ok"') + "\n" + _post(2, '"пошта"')).encode("cp1251")
    try:
        read_records(data, "x_mentions_2026-01.ndjson", X_SPEC)
    except ValueError as exc:
        assert "x_mentions_2026-01.ndjson" in str(exc) and "line 2" in str(exc)
    else:
        raise AssertionError("a cp1251 NDJSON file was read")
