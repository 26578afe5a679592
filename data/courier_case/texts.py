"""Complaint texts from the phrase banks (``phrases/<lang>.yaml``): a cause template in the channel's
register, slots filled, wrapped with openings, personal data, significance and follow-up cues, then
abbreviated (call notes) and sprinkled with typos. See ``phrases/README.md`` for the banks' format."""

from __future__ import annotations

import random
import re
import string
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from data.courier_case import people

PHRASES_DIR = Path(__file__).with_name("phrases")
LANGUAGES = ("uk", "ru", "en")
REGISTERS = ("note", "formal", "social")
SLOTS = {"ttn", "branch", "city", "amount", "date", "days", "item", "person", "phone", "email", "card", "address"}
PII_SLOTS = ("phone", "email", "card", "address", "person")
SLOT_RE = re.compile(r"\{(\w+)\}")
CARRIER_HANDLE = "@shvydkapost"


@dataclass(frozen=True)
class PhraseBank:
    language: str
    causes: dict[str, dict[str, list[str]]]
    items: dict[str, list[str]]
    cities: list[str]
    fragments: dict[str, Any]
    abbreviations: dict[str, str]

    def pii_templates(self, kind: str) -> list[str]:
        return [t for t in self.fragments["pii"] if "{" + kind + "}" in t]


@cache
def load_bank(language: str, folder: Path = PHRASES_DIR) -> PhraseBank:
    raw = yaml.safe_load((folder / f"{language}.yaml").read_text(encoding="utf-8"))
    return PhraseBank(
        language=language,
        causes=raw["causes"],
        items=raw["items"],
        cities=raw["cities"],
        fragments=raw["fragments"],
        abbreviations={k.lower(): v for k, v in raw.get("abbreviations", {}).items()},
    )


def bank_problems(bank: PhraseBank, cause_keys: list[str]) -> list[str]:
    """What is wrong with a phrase bank (empty list: usable); the generator refuses a bank with problems."""
    problems = []
    for key in cause_keys:
        for register in REGISTERS:
            templates = bank.causes.get(key, {}).get(register, [])
            if len(templates) < 5:
                problems.append(f"{bank.language}: cause {key} has {len(templates)} '{register}' templates")
    for key, registers in bank.causes.items():
        for register, templates in registers.items():
            for t in templates:
                unknown = set(SLOT_RE.findall(t)) - (SLOTS - set(PII_SLOTS))
                if unknown:
                    problems.append(f"{bank.language}: {key}/{register} uses slot(s) {sorted(unknown)}: {t!r}")
                if register != "social" and not _cp1251_ok(t):
                    problems.append(f"{bank.language}: {key}/{register} is not Windows-1251: {t!r}")
    for kind in PII_SLOTS:
        if not bank.pii_templates(kind):
            problems.append(f"{bank.language}: no pii sentence with {{{kind}}}")
    if len(bank.cities) != 12:
        problems.append(f"{bank.language}: {len(bank.cities)} cities, expected 12")
    return problems


def _cp1251_ok(text: str) -> bool:
    try:
        text.encode("cp1251")
    except UnicodeEncodeError:
        return False
    return True


class TextRenderer:
    """Renders complaint texts for one language; deterministic given the ``random.Random`` passed in."""

    def __init__(self, language: str, typo_rate: float):
        self.bank = load_bank(language)
        self.typo_rate = typo_rate
        self._abbrev = [(re.compile(rf"\b{re.escape(w)}\b", re.IGNORECASE), a)
                        for w, a in sorted(self.bank.abbreviations.items(), key=lambda kv: -len(kv[0]))]

    def render(self, rng: random.Random, row: dict[str, Any], items: str) -> tuple[str, str | None]:
        """The text of one planned complaint, and the personal-data value it carries (if any)."""
        bank, register = self.bank, row["register"]
        slots = self._slots(rng, row, items)
        first, second = rng.sample(bank.causes[row["cause"]][register], 2)  # a second part never repeats the first
        parts = [self._fill(first, slots)]
        fragments = bank.fragments
        if row["long_text"]:
            parts.append(self._fill(second, slots))
            parts.append(rng.choice(fragments["demand"]))
        if row["significance"]:
            parts.insert(rng.randrange(len(parts) + 1), rng.choice(fragments["significance"][row["significance"]]))
        if row["followup"]:
            parts.insert(0 if rng.random() < 0.5 else len(parts), rng.choice(fragments["followup"]))
        pii_value = None
        if row["pii_kind"]:
            pii_value = self._pii_value(rng, row)
            template = rng.choice(bank.pii_templates(row["pii_kind"]))
            parts.append(template.replace("{" + row["pii_kind"] + "}", pii_value))
        if register == "formal":
            if rng.random() < 0.5:
                parts.insert(0, rng.choice(fragments["formal_openings"]))
            if rng.random() < 0.35:
                parts.append(rng.choice(fragments["demand"]))
            if rng.random() < 0.5:
                parts.append(rng.choice(fragments["formal_closings"]))
            text = ("\n\n" if row["long_text"] else " ").join(parts)
        else:
            text = " ".join(parts)
        if register == "social":
            text = self._social_style(rng, text, row, slots, second)
        if register == "note":
            text = self._abbreviate(rng, text)
        rate = self.typo_rate / 3 if register == "formal" else self.typo_rate
        return self._typos(rng, text, rate, protect=pii_value), pii_value

    def _social_style(self, rng: random.Random, text: str, row: dict[str, Any], slots: dict[str, str],
                      another: str) -> str:
        """How people actually post: a second rant, a quoted tracking number, lower case, !!!, emoji, @handle."""
        fragments = self.bank.fragments
        if rng.random() < 0.2:
            text = f"{text} {self._fill(another, slots)}"
        if row["tracking_number"] and row["tracking_number"] not in text and rng.random() < 0.3:
            mention = self._fill(rng.choice(fragments["ttn_mentions"]), slots)
            text = f"{mention}. {text}" if rng.random() < 0.5 else f"{text} {mention}"
        roll = rng.random()
        if roll < 0.15 and not row["pii_kind"]:  # personal data stays exactly as the ground truth has it
            text = text.lower()
        elif roll < 0.25:
            text = text.rstrip(".") + rng.choice(["!!!", "!!", "?!", "!!!!!", "..."])
        if rng.random() < 0.45:
            text = f"{text} {rng.choice(fragments['social_tails'])}"
        if rng.random() < 0.4 and CARRIER_HANDLE not in text:
            text = f"{CARRIER_HANDLE} {text}"
        return text

    def _slots(self, rng: random.Random, row: dict[str, Any], items: str) -> dict[str, str]:
        received: datetime = row["received_at"]
        pool = self.bank.items.get(items) or self.bank.items["general"]
        return {
            "ttn": row["tracking_number"] or _random_ttn(rng),
            "branch": str(row["branch_number"]),
            "city": self.bank.cities[row["region_idx"]],
            "amount": str(rng.choice([150, 250, 320, 450, 600, 780, 900, 1200, 1500, 2300, 3400, 5200])),
            "date": (received - timedelta(days=rng.randrange(1, 8))).strftime("%d.%m"),
            "days": str(rng.randrange(2, 12)),
            "item": rng.choice(pool),
        }

    @staticmethod
    def _fill(template: str, slots: dict[str, str]) -> str:
        return SLOT_RE.sub(lambda m: slots.get(m.group(1), m.group(0)), template)

    def _pii_value(self, rng: random.Random, row: dict[str, Any]) -> str:
        kind, language = row["pii_kind"], self.bank.language
        if kind == "phone":
            return row.get("client_phone") or people.phone(rng)
        if kind == "email":
            return row.get("client_email") or people.email(rng, people.person_name(rng, language))
        if kind == "card":
            return people.card_number(rng)
        if kind == "address":
            return people.address(rng, language, self.bank.cities[row["region_idx"]])
        return row.get("contact_name") or people.person_name(rng, language)

    def _abbreviate(self, rng: random.Random, text: str) -> str:
        for pattern, abbreviation in self._abbrev:
            if rng.random() < 0.6:
                text = pattern.sub(abbreviation, text)
        return text

    @staticmethod
    def _typos(rng: random.Random, text: str, rate: float, protect: str | None) -> str:
        if rate <= 0:
            return text
        words = text.split(" ")
        for i, word in enumerate(words):
            if len(word) < 4 or not word.isalpha() or rng.random() >= rate or (protect and word in protect):
                continue
            j = rng.randrange(1, len(word) - 1)
            kind = rng.randrange(3)
            if kind == 0:  # swap two letters
                word = word[:j] + word[j + 1] + word[j] + word[j + 2:]
            elif kind == 1:  # drop a letter
                word = word[:j] + word[j + 1:]
            else:  # double a letter
                word = word[:j] + word[j] + word[j:]
            words[i] = word
        return " ".join(words)


def _random_ttn(rng: random.Random) -> str:
    return rng.choice(["20", "59"]) + "".join(rng.choice(string.digits) for _ in range(12))
