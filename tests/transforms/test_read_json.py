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
