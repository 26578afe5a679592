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
    """Per complaint (a list of AMOUNT texts), the largest hryvnia amount named, or null."""
    return amount_texts.map_elements(
        lambda texts: max((v for v in (parse_uah(t) for t in texts) if v is not None), default=None),
        return_dtype=pl.Float64, skip_nulls=True)
