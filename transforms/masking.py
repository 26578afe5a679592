"""Personal data -> typed placeholders (``<PHONE>``, ``<EMAIL>``, ``<CARD>``, ``<ADDRESS>``, ``<NAME>``).

Vectorised Polars regexes (Rust engine: no look-arounds, hence word boundaries on digit runs so a
14-digit tracking number is never taken for a phone); card numbers are replaced only when they pass the Luhn
check. Names are masked after a cue word ("Отримувач: …", "my name is …") or as a known first name
followed by a capitalised surname (lists in ``config/pii.yaml``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import polars as pl

B = r"(?-u:\b)"  # ASCII word boundary: around digits it is what we mean, and ~20x faster than Unicode \b
EMAIL = r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}"
CARD_CANDIDATE = B + r"\d{4}[ \-]?\d{4}[ \-]?\d{4}[ \-]?\d{4}" + B
PHONES = (
    r"\+?" + B + r"38[\s\-]?\(?0\d{2}\)?[\s\-]?\d{3}[\s\-]?\d{2}[\s\-]?\d{2}" + B,  # +380 67 123 45 67
    r"\(0\d{2}\)[\s\-]?\d{3}[\s\-]?\d{2}[\s\-]?\d{2}" + B,                       # (067) 123-4567
    B + r"0\d{2}[\s\-]?\d{3}[\s\-]?\d{2}[\s\-]?\d{2}" + B,                         # 067-123-45-67
    r"\+\d{1,3}[\s\-]?\(?\d{1,4}\)?(?:[\s\-]?\d{2,4}){2,4}" + B,                   # other international
)
CAPITALISED = r"[A-ZА-ЯІЇЄҐЁ][a-zа-яіїєґё’'\-]+"
STREET_WORDS = (r"вул\.|вулиця|ул\.|улица|просп\.|проспект|бульв\.|бульвар|пров\.|провулок|пер\.|переулок"
                r"|пл\.|площа|площадь")
STREET_HINTS = ("вул", "ул.", "улиц", "просп", "бульв", "пров", "пер.", "переул", "пл.", "площ",
                " st", "street", "ave", "blvd", " rd", "road", "lane")
ENGLISH_STREET_WORDS = r"St|Ave|Blvd|Rd|Road|Lane"  # one of these is in every match of ADDRESSES[1:]
ADDRESSES = (
    rf"(?i:{STREET_WORDS})\s*[^\d,\n]{{2,40}}?,?\s*\d{{1,4}}[а-яa-z]?(?:\s*,?\s*(?i:кв\.|квартира|офіс|офис|apt\.?)\s*\d{{1,4}})?",
    rf"\b{CAPITALISED}(?:\s{CAPITALISED})?\s(?:St|Street|Ave|Avenue|Blvd|Rd|Road|Lane)\b\.?,?\s*\d{{1,4}}"
    r"(?:\s*,?\s*(?i:apt\.?|flat)\s*\d{1,4})?",
    r"\b\d{1,5}\s[A-Z][a-z]+(?:\s[A-Z][a-z]+)?\s(?:St|Street|Ave|Avenue|Blvd|Rd|Road|Lane)\b\.?",
)


@dataclass(frozen=True)
class MaskingRules:
    placeholders: dict[str, str]
    name_cues: tuple[str, ...]
    first_names: tuple[str, ...]

    @classmethod
    def build(cls, placeholders: Mapping[str, str], name_cues: Iterable[str],
              first_names: Mapping[str, Iterable[str]]) -> MaskingRules:
        """From the ``pii`` settings: first names are listed per language, used all together."""
        flat = (n for names in first_names.values() for n in names)
        return cls(placeholders=dict(placeholders), name_cues=tuple(name_cues), first_names=tuple(dict.fromkeys(flat)))


def mask_pii(frame: pl.DataFrame, rules: MaskingRules, column: str = "text", out: str = "text_masked") -> pl.DataFrame:
    """Add ``out``: ``column`` with personal data replaced; and ``pii_masked``: how many placeholders.

    Each pattern group runs only on the texts a cheap test says may contain it (digits for numbers, "@"
    for e-mails, a street word in any case, a cue word or a known first name), so clean texts cost almost
    nothing.
    """
    p = rules.placeholders
    texts = frame[column].fill_null("")
    masked = _where(texts, texts.str.contains("@", literal=True),
                    lambda s: s.str.replace_all(EMAIL, p["email"]))
    has_digits = masked.str.contains(r"\d{3}")
    valid_cards = _luhn_valid_candidates(masked.filter(has_digits))
    if valid_cards:
        masked = _where(masked, has_digits,
                        lambda s: s.str.replace_many(valid_cards, [p["card"]] * len(valid_cards)))

    def phones(s: pl.Series) -> pl.Series:
        for pattern in PHONES:
            s = s.str.replace_all(pattern, p["phone"])
        return s

    masked = _where(masked, has_digits, phones)

    def addresses(s: pl.Series) -> pl.Series:
        s = s.str.replace_all(ADDRESSES[0], p["address"])

        def english(t: pl.Series) -> pl.Series:
            for pattern in ADDRESSES[1:]:
                t = t.str.replace_all(pattern, p["address"])
            return t

        # the English patterns start at any capitalised word: only where an English street word is
        return _where(s, s.str.contains(ENGLISH_STREET_WORDS), english)

    street_hint = masked.str.contains(_any_of(STREET_HINTS, "(?i:{})"))
    masked = _where(masked, street_hint & masked.str.contains(r"\d"), addresses)
    if rules.name_cues:
        cues = "|".join(re.escape(c) for c in sorted(rules.name_cues, key=len, reverse=True))
        cue_pattern = rf"((?i:{cues}))(\s*[:\-—]?\s*){CAPITALISED}(?:\s+{CAPITALISED}){{0,2}}"
        cue_variants = [v for c in rules.name_cues for v in (c, c.capitalize(), c.upper())]
        masked = _where(masked, masked.str.contains(_any_of(cue_variants)),
                        lambda s: s.str.replace_all(cue_pattern, "${1}${2}" + p["name"]))
    if rules.first_names:
        names_pattern = rf"\b(?:{'|'.join(re.escape(n) for n in rules.first_names)})\s+{CAPITALISED}"
        masked = _where(masked, masked.str.contains(_any_of(rules.first_names)),
                        lambda s: s.str.replace_all(names_pattern, p["name"]))
    placeholders = "|".join(re.escape(v) for v in p.values())
    masked = pl.Series(out, masked).set(frame[column].is_null(), None)
    return frame.with_columns(masked.alias(out)).with_columns(
        pl.col(out).str.count_matches(placeholders).fill_null(0).alias("pii_masked"))


def _any_of(words: Iterable[str], wrap: str = "{}") -> str:
    """A regex matching any of ``words`` literally: the regex engine's literal search is 2-3x faster
    here than Aho-Corasick (``contains_any``) over the same words."""
    return wrap.format("|".join(re.escape(w) for w in words))


def _where(texts: pl.Series, candidates: pl.Series, transform) -> pl.Series:
    """Apply ``transform`` to the texts flagged by ``candidates`` only."""
    index = candidates.fill_null(False).arg_true()
    if index.len() == 0:
        return texts
    return texts.clone().scatter(index, transform(texts.gather(index)))


def _luhn_valid_candidates(texts: pl.Series) -> list[str]:
    candidates = texts.str.extract_all(CARD_CANDIDATE).explode().drop_nulls().unique().to_list()
    return sorted((c for c in candidates if luhn_ok(c)), key=len, reverse=True)


def luhn_ok(number: str) -> bool:
    digits = [int(ch) for ch in number if ch.isdigit()]
    if len(digits) < 13:
        return False
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0
