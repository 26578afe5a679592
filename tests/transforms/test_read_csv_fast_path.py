"""The Polars CSV fast path gives exactly what the exact (``csv`` module) reader gives, or steps aside."""

from __future__ import annotations

import pytest

import transforms.read_source as read_source
from data.courier_case.exports import CALLS_HEADER
from flows.settings import load_sources

SPEC = load_sources(None)["cc_calls"]
HEADER = ";".join(CALLS_HEADER)


def row(n: int, text: str = "не отримав посилку") -> str:
    return ";".join([f"CC-{n}", "05.01.2026 10:00", "CL000001", "067-123-45-67", "20465651431098", "12", "CC-001",
                     "", text, "Закрито", "05.01.2026 10:00", "", "Промокод", "120,00", "Позитивна"])


def both(text: str):
    data = text.encode("utf-8")
    fast = read_source.read_records(data, "calls.csv", SPEC)
    original = read_source.read_regular_csv
    read_source.read_regular_csv = lambda *args: None
    try:
        exact = read_source.read_records(data, "calls.csv", SPEC)
    finally:
        read_source.read_regular_csv = original
    return fast, exact


@pytest.mark.parametrize("body", [
    [row(1), row(2)],
    [row(1, '"кур\'єр ""зник"";\nі не повернувся"'), row(2), row(3, '"два\r\nрядки\nі ще"'), row(4)],
    [],
])
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
@pytest.mark.parametrize("final_newline", [True, False])
def test_regular_files_read_the_same_with_the_same_row_numbers(body, newline, final_newline) -> None:
    text = newline.join([HEADER, *body]) + (newline if final_newline else "")
    fast, exact = both(text)
    assert read_source.read_regular_csv(text, CALLS_HEADER, 1, ";") is not None
    assert fast.records.equals(exact.records)
    assert fast.problems.equals(exact.problems)


@pytest.mark.parametrize("body", [
    [row(1), "CC-2;05.01.2026 10:00;CL000001"],                    # a short record
    [row(1), "", row(2)],                                            # a blank line
    [row(1), row(2) + ";extra"],                                     # one field too many
    [row(1), row(2).replace("не отримав", "не\rотримав")],          # a lone carriage return
    [row(1), 'CC-3;05.01.2026 10:00;CL000001;"обірваний те'],         # a truncated last record
])
def test_irregular_files_go_to_the_exact_reader(body) -> None:
    text = "\n".join([HEADER, *body]) + "\n"
    assert read_source.read_regular_csv(text, CALLS_HEADER, 1, ";") is None
    fast, exact = both(text)
    assert fast.records.equals(exact.records) and fast.problems.equals(exact.problems)
