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
