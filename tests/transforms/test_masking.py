"""PII masking: every kind becomes its placeholder; tracking numbers and amounts stay."""

from __future__ import annotations

import random

import polars as pl
import pytest

from data.courier_case.people import card_number
from transforms.masking import luhn_ok, mask_pii


def masked(texts: list[str | None], rules) -> list[str | None]:
    return mask_pii(pl.DataFrame({"text": texts}, schema={"text": pl.String}), rules)["text_masked"].to_list()


@pytest.mark.parametrize("text, expected", [
    ("Мій номер +380 97 763 67 94, передзвоніть.", "Мій номер <PHONE>, передзвоніть."),
    ("call (068) 950-0572 or 093-397-49-20 or 0671234567", "call <PHONE> or <PHONE> or <PHONE>"),
    ("US office +1 (555) 123-4567", "US office <PHONE>"),
    ("пишіть на dmytro.ivanenko@i.ua", "пишіть на <EMAIL>"),
    ("Адреса: Одеса, бульв. Перемоги, 19, кв. 28.", "Адреса: Одеса, <ADDRESS>."),
    ("Адрес: Киев, ул. Садовая, 3, кв. 82", "Адрес: Киев, <ADDRESS>"),
    ("Просп. Перемоги, 12 — там і чекаю", "<ADDRESS> — там і чекаю"),  # a street word that starts a sentence
    ("12 Baker Street, London", "<ADDRESS>, London"),
    ("Return address: Odesa, Shevchenka St, 12, apt 5.", "Return address: Odesa, <ADDRESS>."),
    ("Отримувач: Микола Бондаренко.", "Отримувач: <NAME>."),
    ("Посылку отправляла Екатерина Федорова", "Посылку отправляла <NAME>"),
    ("my name is Emma Smith", "my name is <NAME>"),
])
def test_each_kind_of_personal_data_is_masked(text: str, expected: str, masking_rules) -> None:
    assert masked([text], masking_rules) == [expected]


def test_only_luhn_valid_cards_are_masked(masking_rules) -> None:
    card = card_number(random.Random(3))
    assert luhn_ok(card)
    digits = card.replace(" ", "")
    invalid = digits[:-1] + str((int(digits[-1]) + 1) % 10)
    assert not luhn_ok(invalid)
    assert masked([f"картка {card}", f"номер {invalid}"], masking_rules) == ["картка <CARD>", f"номер {invalid}"]


def test_business_numbers_are_kept(masking_rules) -> None:
    text = "ТТН 20465651431098, відділення №45, сума 1200 грн, 12.03.2026"
    assert masked([text, None], masking_rules) == [text, None]


def test_placeholder_count(masking_rules) -> None:
    frame = mask_pii(pl.DataFrame({"text": ["a@b.co and 0671234567", "nothing"]}), masking_rules)
    assert frame["pii_masked"].to_list() == [2, 0]


def test_generated_personal_data_never_survives(small_case, masking_rules) -> None:
    truth = pl.read_csv(small_case / "ground_truth" / "complaints.csv", infer_schema_length=None)
    from tests.transforms.corpus import generated_texts

    texts = generated_texts(small_case).join(truth.select(pl.col("record_id").cast(pl.String), "pii_kind",
                                                          "pii_value"), on="record_id")
    out = mask_pii(texts, masking_rules).filter(pl.col("pii_value").is_not_null())
    assert out.height > 100
    leaks = [(k, v) for k, v, m in out.select("pii_kind", "pii_value", "text_masked").iter_rows() if v in m]
    assert leaks == []
