"""Language of a complaint: ``uk``, ``ru``, ``en`` or ``other`` — vectorised, good on short texts.

Ukrainian and Russian share most of the Cyrillic alphabet, so the decision weighs letters only one of
them has (uk: і ї є ґ; ru: ы э ё ъ), the absence of і in a longer text (it is ~6% of Ukrainian
letters), and frequent words or word beginnings only one of them uses (uk: що, це, мені, отрима-…; ru: что,
это, мне, получ-…). Latin-script text with English function words is ``en``.
"""

from __future__ import annotations

import polars as pl

UK_LETTERS = r"[іїєґІЇЄҐ]"
RU_LETTERS = r"[ыэёъЫЭЁЪ]"
UK_WORDS = ("що", "це", "від", "мені", "мене", "дякую", "вже", "як", "та", "й", "або", "коли", "тому", "досі",
            "посилка", "посилку", "посилки", "відділення", "кур'єр", "кур’єр", "будь", "ласка", "щоб", "чому",
            "немає", "сьогодні", "тиждень", "гроші", "мій", "моя", "ваш", "ваша", "цей", "ця", "де", "не")
RU_WORDS = ("что", "это", "от", "мне", "меня", "спасибо", "уже", "как", "и", "или", "когда", "поэтому",
            "посылка", "посылку", "посылки", "отделение", "курьер", "пожалуйста", "чтобы", "почему", "нет",
            "сегодня", "неделю", "деньги", "мой", "моя", "ваш", "ваша", "этот", "эта", "где", "не", "все")
# word beginnings of everyday parcel vocabulary that differ between the two languages
UK_STEMS = ("отрима", "відправ", "надісла", "повідом", "відділ", "посилк", "грош", "дзвон", "чека", "сьогодн",
            "тиждн", "тижн", "зверн", "скарг", "доставил", "пошкодж", "замовл", "дяку", "шановн")
RU_STEMS = ("получ", "отправ", "сообщ", "отделен", "посылк", "деньг", "звон", "жд", "сегодн", "недел", "обращ",
            "жалоб", "доставил", "поврежд", "заказ", "спасиб", "уважаем")
EN_WORDS = ("the", "and", "my", "is", "to", "of", "a", "in", "it", "for", "not", "was", "with", "you", "your",
            "parcel", "package", "delivery", "please", "order", "i", "me", "this", "that", "have", "has")


def detect_language(frame: pl.DataFrame, column: str = "text", out: str = "language") -> pl.DataFrame:
    """Add ``out`` with uk / ru / en / other for ``column`` (the first 400 characters decide)."""
    text = pl.col("_lang_text")
    words = pl.col("_lang_words")
    prepared = frame.with_columns(
        pl.col(column).fill_null("").str.slice(0, 400).str.replace_all(r"@\w+|#\w+|https?://\S+", " ")
        .alias("_lang_text")
    ).with_columns(  # lower-case words between single spaces, padded: " що " matches whole words
        (pl.lit(" ") + text.str.to_lowercase().str.replace_all(r"[^\p{L}'’]+", " ") + pl.lit(" "))
        .alias("_lang_words")
    )  # materialised once: eager frames do not share sub-expressions, and seven passes read these
    scored = prepared.with_columns(
        text.str.count_matches(r"\p{Cyrillic}").alias("_cyr"),
        text.str.count_matches(r"[A-Za-z]").alias("_lat"),
        text.str.count_matches(UK_LETTERS).alias("_uk_l"),
        text.str.count_matches(RU_LETTERS).alias("_ru_l"),
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
    return scored.with_columns(language.alias(out)).drop(
        "_lang_text", "_lang_words", "_cyr", "_lat", "_uk_l", "_ru_l", "_uk_w", "_ru_w", "_en_w", "_ru_i")


def _word_hits(words: pl.Expr, vocabulary: tuple[str, ...], exclusive_of: tuple[str, ...]) -> pl.Expr:
    patterns = [f" {w} " for w in vocabulary if w not in exclusive_of]
    return words.str.find_many(patterns, overlapping=True).list.len()  # positions: no strings allocated


def _stem_hits(words: pl.Expr, stems: tuple[str, ...], exclusive_of: tuple[str, ...]) -> pl.Expr:
    patterns = [f" {s}" for s in stems if s not in exclusive_of]
    return words.str.find_many(patterns, overlapping=True).list.len()
