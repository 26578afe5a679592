"""Language detection: uk / ru / en / other, including short texts."""

from __future__ import annotations

import polars as pl
import pytest

from tests.transforms.corpus import generated_texts
from transforms.language import detect_language


@pytest.mark.parametrize("text, expected", [
    ("Де моя посилка?", "uk"),
    ("Где моя посылка?", "ru"),
    ("дякую за швидку доставку", "uk"),
    ("спасибо, всё пришло", "ru"),
    ("кл. не отримав пос., ТТН 20465651431098", "uk"),
    ("кл. не получил посылку, ждет 5 дн.", "ru"),
    ("Where is my parcel?", "en"),
    ("📦📦📦", "other"),
    ("12345", "other"),
])
def test_short_texts(text: str, expected: str) -> None:
    assert detect_language(pl.DataFrame({"text": [text]}))["language"].item() == expected


def test_accuracy_on_the_generated_case(case_20k) -> None:
    truth = pl.read_csv(case_20k / "ground_truth" / "complaints.csv", infer_schema_length=None)
    texts = generated_texts(case_20k).join(
        truth.select(pl.col("record_id").cast(pl.String), pl.col("language").alias("truth"), "register"),
        on="record_id")
    scored = detect_language(texts)
    accuracy = (scored["language"] == scored["truth"]).mean()
    assert accuracy >= 0.97, accuracy
    notes = scored.filter(pl.col("register") == "note")  # the shortest, most abbreviated texts
    assert (notes["language"] == notes["truth"]).mean() >= 0.95


def _reference_words(text: str) -> str:
    """What _letter_counts' words mean, one character at a time: Cyrillic (U+0400-U+04FF) and Latin
    letters lower-cased, apostrophes kept, any other character one space per UTF-8 byte."""
    out = []
    for ch in text:
        if "\u0400" <= ch <= "\u04ff" or ("a" <= ch.lower() <= "z" and ch.isascii()) or ch == "'":
            out.append(ch.lower())
        else:
            out.append(" " * len(ch.encode("utf-8")))
    return "".join(out)


def test_letter_counts_on_bytes_mean_what_they_say(case_20k) -> None:
    samples = ["", "ЁЖИК Ёжик ҐАНОК Ґанок ЄВРО ІВАН ЇЖАК", "ЀЁЂЃЄЅІЇЈЉЊЋЌЍЎЏАБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ",
               "абвгдеёжзийклмнопрстуфхцчшщъыьэюяєіїґ", "Where IS my Parcel?", "кур'єр 日本語 мені 😀що😀 Ԁ ÀÉ",
               "<b>ТТН</b> 20465651431098 — «посилка» № 5…", "x" * 500]
    samples += generated_texts(case_20k)["text"].drop_nulls().head(3000).to_list()
    from transforms.language import _letter_counts

    counts = _letter_counts(pl.Series(samples))
    assert counts["words"].to_list() == [_reference_words(t) for t in samples]
    assert counts["_cyr"].to_list() == [sum("\u0400" <= c <= "\u04ff" for c in t) for t in samples]
    assert counts["_lat"].to_list() == [sum(c.isascii() and c.isalpha() for c in t) for t in samples]
    sliced = _letter_counts(pl.Series(["zz", *samples]).slice(1))  # an Arrow array with an offset
    assert sliced["words"].to_list() == counts["words"].to_list()
