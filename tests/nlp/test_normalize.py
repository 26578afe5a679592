"""Normalization: one lemma per word whatever its form, entities and stop words kept out of keywords."""

from __future__ import annotations

import polars as pl
import pytest

from nlp.normalize import Normalizer


@pytest.fixture(scope="module")
def normalizer() -> Normalizer:
    return Normalizer(cities=["Київ", "Одеса", "Kyiv"], extra_stopwords={"uk": ["шп"], "en": ["xxxx"]})


def _one(normalizer: Normalizer, language: str, text: str) -> dict:
    frame = pl.DataFrame({"complaint_id": ["c1"], "language": [language], "text_masked": [text]})
    return normalizer.normalize(frame).row(0, named=True)


@pytest.mark.parametrize(("language", "forms", "lemma"), [
    ("uk", ["посилка", "посилки", "посилку", "посилкою"], "посилка"),
    ("ru", ["посылка", "посылки", "посылку", "посылкой"], "посылка"),
    ("en", ["parcel", "parcels"], "parcel"),
    ("en", ["charged", "charges", "charging"], "charge"),
])
def test_every_form_of_a_word_counts_as_one_lemma(normalizer: Normalizer, language: str, forms: list[str],
                                                  lemma: str) -> None:
    for form in forms:
        assert _one(normalizer, language, f"{form} {form}")["lemmas"].split() == [lemma, lemma], form


def test_entities_are_extracted_and_kept_out_of_the_keywords(normalizer: Normalizer) -> None:
    row = _one(normalizer, "uk", "Посилка 20465651431098 у відділенні №12 в Одесі, сума 1500 грн. "
                                 "Дзвоніть <PHONE>, пишіть <EMAIL>")
    labels = {(e["label"], e["text"]) for e in row["entities"]}
    assert ("TRACKING", "20465651431098") in labels
    assert ("BRANCH", "відділенні №12") in labels
    assert ("AMOUNT", "1500 грн") in labels
    assert ("CITY", "Одесі") in labels
    assert {"PHONE", "EMAIL"} <= {label for label, _ in labels}
    words = row["lemmas"].split()
    assert "одеса" not in words and not any(ch.isdigit() for w in words for ch in w)
    assert not any("<" in w or "phone" in w for w in words)
    assert {"посилка", "відділення", "сума", "дзвонити"} <= set(words)


def test_stop_words_and_configured_extras_are_dropped(normalizer: Normalizer) -> None:
    assert _one(normalizer, "uk", "ШП і я не знаю де посилка")["lemmas"] == "знати посилка"
    assert _one(normalizer, "en", "XXXX the parcel was not delivered")["lemmas"] == "parcel deliver"


def test_other_languages_and_empty_texts_still_get_a_row(normalizer: Normalizer) -> None:
    frame = pl.DataFrame({"complaint_id": ["a", "b", "c"], "language": ["other", None, "uk"],
                          "text_masked": ["Paczka nie dotarła", "", "<script>alert(1)</script>"]})
    out = normalizer.normalize(frame)
    assert out.height == 3 and out["complaint_id"].to_list() == ["a", "b", "c"]
    assert out["lemmas"][1] == ""
    assert normalizer.normalize(frame.head(0)).columns[-2:] == ["lemmas", "entities"]


def test_worker_processes_give_the_same_terms_as_one_process(normalizer: Normalizer) -> None:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from nlp.normalize import normalize_chunk

    texts = ["Посилка 20465651431098 у відділенні №12", "where is my parcel, tracking 59123456789012",
             "Посылку повредили, сумма 500 грн", "<PHONE> кур'єр не приїхав"] * 5
    frame = pl.DataFrame({"complaint_id": [str(i) for i in range(len(texts))],
                          "language": ["uk", "en", "ru", "uk"] * 5, "text_masked": texts})
    options = {"cities": ("Київ", "Одеса", "Kyiv"), "extra_stopwords": {"uk": ["шп"], "en": ["xxxx"]}}
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(2, mp_context=context) as pool:
        parts = list(pool.map(normalize_chunk, [frame.slice(0, 10), frame.slice(10, 10)], [options] * 2))
    assert pl.concat(parts).equals(normalizer.normalize(frame))
