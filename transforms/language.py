"""Language of a complaint: ``uk``, ``ru``, ``en`` or ``other`` — vectorised, good on short texts.

Ukrainian and Russian share most of the Cyrillic alphabet, so the decision weighs letters only one of
them has (uk: і ї є ґ; ru: ы э ё ъ), the absence of і in a longer text (it is ~6% of Ukrainian
letters), and frequent words or word beginnings only one of them uses (uk: що, це, мені, отрима-…; ru: что,
это, мне, получ-…). Latin-script text with English function words is ``en``.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pyarrow as pa

UK_WORDS = ("що", "це", "від", "мені", "мене", "дякую", "вже", "як", "та", "й", "або", "коли", "тому", "досі",
            "посилка", "посилку", "посилки", "відділення", "кур'єр", "будь", "ласка", "щоб", "чому",
            "немає", "сьогодні", "тиждень", "гроші", "мій", "моя", "ваш", "ваша", "цей", "ця", "де", "не")
RU_WORDS = ("что", "это", "от", "мне", "меня", "спасибо", "уже", "как", "и", "или", "когда", "поэтому",
            "посылка", "посылку", "посылки", "отделение", "курьер", "пожалуйста", "чтобы", "почему", "нет",
            "сегодня", "неделю", "деньги", "мой", "моя", "ваш", "ваша", "этот", "эта", "где", "не", "все")
# word beginnings of everyday parcel vocabulary that differ between the two languages
UK_STEMS = ("отрима", "відправ", "надісла", "повідом", "відділ", "посилк", "грош", "дзвон", "чека", "сьогодн",
            "тиждн", "тижн", "зверн", "скарг", "доставил", "пошкодж", "замовл", "дяку", "шановн")
RU_STEMS = ("получ", "отправ", "сообщ", "отделен", "посылк", "деньг", "звон", "жд", "сегодн", "недел", "обращ",
            "жалоб", "доставил", "поврежд", "заказ", "спасиб", "уважаем")
UK_LETTERS = r"[іїєґІЇЄҐ]"
RU_LETTERS = r"[ыэёъЫЭЁЪ]"
EN_WORDS = ("the", "and", "my", "is", "to", "of", "a", "in", "it", "for", "not", "was", "with", "you", "your",
            "parcel", "package", "delivery", "please", "order", "i", "me", "this", "that", "have", "has")


def detect_language(frame: pl.DataFrame, column: str = "text", out: str = "language") -> pl.DataFrame:
    """Add ``out`` with uk / ru / en / other for ``column`` (the first 400 characters decide)."""
    text = (frame[column].fill_null("").str.slice(0, 400).str.replace_all(r"@\w+|#\w+|https?://\S+", " ")
            .str.replace_all("’", "'", literal=True).rechunk())  # one apostrophe: кур’єр = кур'єр
    letters = _letter_counts(text)
    letters["_uk_l"] = text.str.count_matches(UK_LETTERS)
    letters["_ru_l"] = text.str.count_matches(RU_LETTERS)
    words = pl.col("_lang_words")
    scored = pl.DataFrame({"_lang_words": letters.pop("words"), **letters}).with_columns(
        (pl.lit(" ") + pl.col("_lang_words") + pl.lit(" ")).alias("_lang_words")
    ).with_columns(
        (_word_hits(words, UK_WORDS, RU_WORDS) + _stem_hits(words, UK_STEMS, RU_STEMS)).alias("_uk_w"),
        (_word_hits(words, RU_WORDS, UK_WORDS) + _stem_hits(words, RU_STEMS, UK_STEMS)).alias("_ru_w"),
        _word_hits(words, EN_WORDS, ()).alias("_en_w"),
        # Russian и is a separate word far more often than in Ukrainian (which prefers і / й / та)
        words.str.count_matches(" и ", literal=True).alias("_ru_i"),
    )
    uk_score = pl.col("_uk_l") * 2 + pl.col("_uk_w") * 3
    # і is ~6% of Ukrainian letters: a dozen Cyrillic letters without any і/ї/є/ґ is itself Russian evidence
    no_uk_letters = ((pl.col("_uk_l") == 0) & (pl.col("_cyr") >= 12)).cast(pl.Int32) * 3
    ru_score = pl.col("_ru_l") * 2 + pl.col("_ru_w") * 3 + pl.col("_ru_i") * 2 + no_uk_letters
    language = (
        pl.when((pl.col("_cyr") + pl.col("_lat")) < 3).then(pl.lit("other"))
        .when(pl.col("_cyr") >= pl.col("_lat"))
        .then(pl.when(uk_score > ru_score).then(pl.lit("uk"))
              .when(ru_score > uk_score).then(pl.lit("ru"))
              .otherwise(pl.lit("uk")))  # no evidence either way: the carrier's first language
        .when(pl.col("_en_w") > 0).then(pl.lit("en"))
        .when(pl.col("_lat") >= 12).then(pl.lit("en"))
        .otherwise(pl.lit("other"))
    )
    return frame.with_columns(scored.select(language.alias(out)))


def _letter_counts(text: pl.Series) -> dict[str, pl.Series]:
    """Per text: Cyrillic letters (U+0400-U+04FF), Latin letters, and its words: lower-cased, every
    character other than a Cyrillic or Latin letter or an apostrophe turned into spaces (one per byte).

    Worked on the UTF-8 bytes with numpy, in whole-array passes: a Unicode character class costs a regex
    about a second per pass over a million texts, and lower-casing as much again. A Cyrillic letter is
    two bytes, the first D0-D3; lower-casing is the Cyrillic and Latin alphabets' own (other scripts keep
    their case: the word lists hold none of them)."""
    array = text.to_arrow(compat_level=pl.CompatLevel.oldest())
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int64)[array.offset:array.offset + len(array) + 1]
    data = np.frombuffer(array.buffers()[2], dtype=np.uint8)[offsets[0]:offsets[-1]]
    offsets = offsets - offsets[0]
    lengths = np.diff(offsets)
    if not len(data):
        zeros = pl.Series(np.zeros(len(lengths), dtype=np.int32))
        return {"words": text, "_cyr": zeros, "_lat": zeros}
    starts = np.minimum(offsets[:-1], len(data) - 1)

    def per_text(flags: np.ndarray) -> pl.Series:
        counts = np.add.reduceat(flags.view(np.uint8), starts, dtype=np.int32)
        counts[lengths == 0] = 0
        return pl.Series(counts)

    def shifted(flags: np.ndarray) -> np.ndarray:  # flags of the byte before each byte
        return np.concatenate(([False], flags[:-1]))

    cyrillic = (data - np.uint8(0xD0)) < 4                      # first bytes D0-D3: U+0400-U+04FF
    upper = (data - np.uint8(0x41)) < 26                         # A-Z
    latin = upper | ((data - np.uint8(0x61)) < 26)
    second = shifted(cyrillic)                                   # a Cyrillic letter's second byte
    after_d0 = second & shifted(data == 0xD0)
    lower = data.copy()
    np.add(lower, 0x20, out=lower, where=upper | (after_d0 & (data >= 0x90) & (data <= 0x9F)))  # А-П -> а-п
    r_ya = after_d0 & (data >= 0xA0) & (data <= 0xAF)            # Р-Я -> D1 80-8F
    extended = after_d0 & (data <= 0x8F)                         # Ѐ-Џ (Ё Є І Ї) -> D1 90-9F
    np.subtract(lower, 0x20, out=lower, where=r_ya)
    np.add(lower, 0x10, out=lower, where=extended)
    np.copyto(lower, 0xD1, where=np.append((r_ya | extended)[1:], False))
    np.copyto(lower, 0x91, where=second & (data == 0x90) & shifted(data == 0xD2))          # Ґ -> ґ
    np.copyto(lower, 0x20, where=~(latin | cyrillic | second | (data == 0x27)))
    words = pa.LargeStringArray.from_buffers(len(lengths), pa.py_buffer(offsets), pa.py_buffer(lower))
    return {"words": pl.Series(words), "_cyr": per_text(cyrillic), "_lat": per_text(latin)}


def _word_hits(words: pl.Expr, vocabulary: tuple[str, ...], exclusive_of: tuple[str, ...]) -> pl.Expr:
    patterns = [f" {w} " for w in vocabulary if w not in exclusive_of]
    return words.str.find_many(patterns, overlapping=True).list.len()  # positions: no strings allocated


def _stem_hits(words: pl.Expr, stems: tuple[str, ...], exclusive_of: tuple[str, ...]) -> pl.Expr:
    patterns = [f" {s}" for s in stems if s not in exclusive_of]
    return words.str.find_many(patterns, overlapping=True).list.len()
