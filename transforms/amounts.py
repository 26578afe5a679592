"""Money amounts named in complaint texts (the normalizer's AMOUNT entities), read as hryvnias.

"1 200 грн", "1,200.50 UAH", "₴350" and "5200 гривень" are hryvnias; dollar amounts ("$120", "80 USD") are
not read (no exchange rate is configured), so they never price a compensation.
"""

from __future__ import annotations

import re

import polars as pl

UAH = re.compile(r"(?i)грн|гривень|гривні|гривен|гривн|uah|₴")
NUMBER = re.compile(r"\d[\d,. ]*\d|\d")


def parse_uah(text: str | None) -> float | None:
    """The hryvnia amount in ``text``, or None when it is not in hryvnias or has no number."""
    if not text or not UAH.search(text):
        return None
    found = NUMBER.search(text)
    if not found:
        return None
    number = found.group(0).replace(" ", "")
    if "," in number and "." in number:
        number = number.replace(",", "")                     # 1,200.50
    elif "," in number:
        head, _, tail = number.rpartition(",")
        number = number.replace(",", "") if len(tail) == 3 else head.replace(",", "") + "." + tail  # 1,200 / 12,5
    elif number.count(".") > 1 or (number.count(".") == 1 and len(number.rpartition(".")[2]) == 3):
        number = number.replace(".", "")                     # 1.200 (a thousands separator)
    try:
        return float(number)
    except ValueError:
        return None


def largest_uah(amount_texts: pl.Series) -> pl.Series:
    """Per complaint (a list of AMOUNT texts), the largest hryvnia amount named, or null.

    Only the texts that name hryvnias are read in Python (a few percent of complaints name any amount)."""
    texts = (pl.DataFrame({"texts": amount_texts}).with_row_index("_at").explode("texts")
             .filter(pl.col("texts").str.contains(UAH.pattern)))
    values = texts.with_columns(pl.col("texts").map_elements(parse_uah, return_dtype=pl.Float64).alias("uah"))
    largest = values.group_by("_at").agg(pl.col("uah").max())
    return (pl.DataFrame({"_at": pl.int_range(0, len(amount_texts), dtype=pl.UInt32, eager=True)})
            .join(largest, on="_at", how="left", maintain_order="left")["uah"].rename(amount_texts.name))
