"""Root causes as topics: fit with BERTopic, a two-level hierarchy, assignment of new complaints.

Fit (grain in: one row per complaint with ``complaint_id``, ``lemmas`` and its embedding):
BERTopic with the embeddings handed in (no reduction: the backend's vectors are already compact), k-means
as the clustering model (fixed seed; every complaint lands in a topic, so nothing is left unassigned at
fit time and no topic can swallow the corpus the way density clustering does on long texts), and
class-based TF-IDF over lemmas (unigrams and pairs, frequent words damped) for the keywords. The topics
are the **sub-causes**; average linkage of their c-TF-IDF rows (size-capped) groups them into **root causes**.

Assignment: a new complaint goes to the nearest sub-cause centroid unless its similarity falls below
that sub-cause's floor (a low quantile of its own members' similarities at fit time); then it stays
unassigned and is watched as part of a possible emerging cause.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import polars as pl

UNASSIGNED = None


@dataclass
class TopicModel:
    """Everything needed to assign new complaints and to describe each cause; saved per version."""

    version: str
    fitted_at: datetime
    backend: object                      # the fitted EmbeddingBackend
    centroids: np.ndarray                # (n_sub, dim) unit vectors, one per sub-cause
    sub_ids: list[str]                   # stable id of each centroid row
    parent_of: dict[str, str]            # sub-cause id -> root-cause id
    floor: np.ndarray                    # (n_sub,) minimum similarity to join each sub-cause
    keywords: dict[str, list[str]]       # cause id (both levels) -> keywords, best first
    labels: dict[str, str]               # cause id -> human-readable label
    representatives: dict[str, list[str]]  # cause id -> representative complaint ids
    alias: dict[str, str] = field(default_factory=dict)  # merged sub-cause id -> surviving id
    edited_labels: set[str] = field(default_factory=set)  # causes whose label a person wrote
    n_fit: int = 0

    def assign(self, complaint_ids: list[str], vectors: np.ndarray) -> pl.DataFrame:
        """One row per complaint: the fitted sub-cause it is nearest to (None when it fits no cause: its
        similarity is below that sub-cause's floor) and the similarity."""
        ids = np.asarray(self.sub_ids, dtype=object)
        subs, sims = [], []
        for start in range(0, len(complaint_ids), 50_000):
            chunk = vectors[start:start + 50_000] @ self.centroids.T
            best = chunk.argmax(axis=1)
            best_sim = chunk[np.arange(len(best)), best]
            subs.append(np.where(best_sim < self.floor[best], UNASSIGNED, ids[best]))
            sims.append(best_sim)
        subs = np.concatenate(subs).tolist() if subs else []
        sims = np.concatenate(sims).astype(float).tolist() if sims else []
        return pl.DataFrame({"complaint_id": complaint_ids, "fit_sub_cause_id": subs, "similarity": sims},
                            schema={"complaint_id": pl.String, "fit_sub_cause_id": pl.String,
                                    "similarity": pl.Float64})

    def resolve(self, sub_id: str) -> str:
        while sub_id in self.alias:
            sub_id = self.alias[sub_id]
        return sub_id

    def live_sub_ids(self) -> list[str]:
        return sorted({self.resolve(s) for s in self.sub_ids})


@dataclass(frozen=True)
class FitParams:
    n_topics: int | None = None          # None: 0.9 x sqrt(documents), within [min_topics, max_topics]
    n_roots: int | None = None           # None: a quarter of the topics, at least 2
    min_topics: int = 8
    max_topics: int = 120
    keywords: int = 10
    representatives: int = 5
    outlier_quantile: float = 0.02
    max_root_share: float = 0.2
    seed: int = 0

    def topics_for(self, n_docs: int) -> int:
        wanted = self.n_topics or max(self.min_topics, min(self.max_topics, round(0.9 * np.sqrt(n_docs))))
        return int(max(2, min(wanted, n_docs // 5)))

    def roots_for(self, n_topics: int) -> int:
        return int(min(n_topics, self.n_roots or max(2, round(n_topics / 4))))


@dataclass
class FitResult:
    sub_of_row: np.ndarray               # topic index per fitted document
    similarity: np.ndarray               # each fitted document's similarity to its topic's centroid
    centroids: np.ndarray
    floor: np.ndarray
    root_of_topic: np.ndarray            # root index per topic
    keywords: dict[str, list[str]]       # "s<i>" / "r<j>" -> keywords
    representatives: dict[str, list[str]]


def fit_topics(complaint_ids: list[str], lemmas: list[str], vectors: np.ndarray, params: FitParams) -> FitResult:
    """BERTopic over precomputed vectors with k-means; returns topics, centroids and keywords by index."""
    from bertopic import BERTopic
    from bertopic.dimensionality import BaseDimensionalityReduction
    from bertopic.vectorizers import ClassTfidfTransformer
    from sklearn.cluster import KMeans, MiniBatchKMeans
    from sklearn.feature_extraction.text import CountVectorizer

    n_docs = len(complaint_ids)
    k = params.topics_for(n_docs)
    cluster = (KMeans(k, random_state=params.seed, n_init=3) if n_docs <= 60_000
               else MiniBatchKMeans(k, random_state=params.seed, n_init=3, batch_size=4096))
    vectorizer = CountVectorizer(token_pattern=r"\S+", ngram_range=(1, 2), min_df=2 if n_docs >= 200 else 1)
    model = BERTopic(embedding_model=None, umap_model=BaseDimensionalityReduction(), hdbscan_model=cluster,
                     vectorizer_model=vectorizer, ctfidf_model=ClassTfidfTransformer(reduce_frequent_words=True),
                     top_n_words=params.keywords, calculate_probabilities=False, verbose=False,
                     language="multilingual")  # "english" would strip every non-ASCII letter from the lemmas
    docs = [d if d else "∅" for d in lemmas]
    topics, _ = model.fit_transform(docs, embeddings=vectors)
    topics = np.asarray(topics)
    centroids = np.vstack([_unit_mean(vectors[topics == t]) for t in range(k)])
    sims = np.einsum("ij,ij->i", vectors, centroids[topics])
    floor = np.array([np.quantile(sims[topics == t], params.outlier_quantile) if (topics == t).any() else 1.0
                      for t in range(k)], dtype=np.float32)
    ctfidf = model.c_tf_idf_.tocsr()
    offset = model._outliers  # row of topic t in c_tf_idf_ is t + offset
    sizes = np.bincount(topics, minlength=k)
    root_of_topic = _group_topics(ctfidf[offset:offset + k].toarray(), sizes, params.roots_for(k),
                                  params.max_root_share)
    terms = model.vectorizer_model.get_feature_names_out()
    keywords = {f"s{t}": _top_terms(ctfidf[t + offset].toarray().ravel(), terms, params.keywords) for t in range(k)}
    for r in np.unique(root_of_topic):
        members = np.flatnonzero(root_of_topic == r)
        weights = np.asarray(ctfidf[members + offset].multiply(sizes[members][:, None]).sum(axis=0)).ravel()
        keywords[f"r{r}"] = _top_terms(weights, terms, params.keywords)
    ids = np.asarray(complaint_ids)
    representatives = {}
    for t in range(k):
        rows = np.flatnonzero(topics == t)
        representatives[f"s{t}"] = ids[rows[np.argsort(-sims[rows])[:params.representatives]]].tolist()
    for r in np.unique(root_of_topic):
        rows = np.flatnonzero(root_of_topic[topics] == r)
        representatives[f"r{r}"] = ids[rows[np.argsort(-sims[rows])[:params.representatives]]].tolist()
    return FitResult(topics, sims, centroids, floor, root_of_topic, keywords, representatives)


def _unit_mean(vectors: np.ndarray) -> np.ndarray:
    mean = vectors.mean(axis=0)
    return (mean / (np.linalg.norm(mean) or 1.0)).astype(np.float32)


def _group_topics(topic_vectors: np.ndarray, sizes: np.ndarray, n_roots: int, max_share: float) -> np.ndarray:
    """Sub-causes grouped into ``n_roots`` root causes (indices from 0).

    Average-linkage agglomeration on the cosine similarity of the sub-causes' c-TF-IDF rows (what
    BERTopic's own topic hierarchy uses: topics that share distinctive words belong together), never
    merging two groups whose union would exceed ``max_share`` of all complaints, so no root cause
    swallows the corpus.
    """
    n = len(topic_vectors)
    if n <= n_roots:
        return np.arange(n)
    unit = topic_vectors / np.maximum(np.linalg.norm(topic_vectors, axis=1, keepdims=True), 1e-12)
    sim = unit @ unit.T
    np.fill_diagonal(sim, -np.inf)
    members = np.ones(n)                      # sub-causes per group (the average-linkage weight)
    mass = sizes.astype(float).copy()         # complaints per group (the cap)
    alive = np.ones(n, dtype=bool)
    label = np.arange(n)
    cap = max_share * float(sizes.sum())
    for _ in range(n - n_roots):
        allowed = np.where((mass[:, None] + mass[None, :] <= cap) & alive[:, None] & alive[None, :], sim, -np.inf)
        i, j = np.unravel_index(np.argmax(allowed), allowed.shape)
        if not np.isfinite(allowed[i, j]):
            break  # every remaining merge would exceed the cap
        merged = (members[i] * sim[i] + members[j] * sim[j]) / (members[i] + members[j])  # Lance-Williams
        sim[i, :], sim[:, i] = merged, merged
        sim[i, i] = -np.inf
        sim[j, :], sim[:, j] = -np.inf, -np.inf
        members[i] += members[j]
        mass[i] += mass[j]
        alive[j] = False
        label[label == j] = i
    _, root = np.unique(label, return_inverse=True)
    return root


def _top_terms(weights: np.ndarray, terms: np.ndarray, n: int) -> list[str]:
    order = np.argsort(-weights)
    picked: list[str] = []
    for i in order:
        if weights[i] <= 0 or len(picked) == n:
            break
        term = str(terms[i])
        if term == "∅" or any(term in p.split() or p in term.split() for p in picked if " " in p or " " in term):
            continue  # a pair repeating a word already listed adds nothing to a label
        picked.append(term)
    return picked


def label_from_keywords(keywords: list[str], n: int = 3) -> str:
    return " · ".join(keywords[:n]) if keywords else "(no keywords)"


def carry_ids(previous: pl.DataFrame, current: pl.DataFrame, taken: set[str], prefix: str,
              min_overlap: float = 0.3) -> dict[str, str]:
    """Map each new cluster key to a stable id: the old id it shares most members with, else a new one.

    ``previous``: complaint_id, id (the old assignment); ``current``: complaint_id, key (the new one).
    One-to-one (Hungarian on shared members); a pair counts when the shared complaints are at least
    ``min_overlap`` of the smaller cluster. New ids continue the numbering of ``taken``.
    """
    from scipy.optimize import linear_sum_assignment

    mapping: dict[str, str] = {}
    keys = sorted(current["key"].unique().to_list())
    if previous.height:
        joined = current.join(previous, on="complaint_id", how="inner")
        overlap = joined.group_by("key", "id").len()
        old_ids = sorted(previous["id"].drop_nulls().unique().to_list())
        if overlap.height and old_ids:
            k_index = {k: i for i, k in enumerate(keys)}
            o_index = {o: j for j, o in enumerate(old_ids)}
            matrix = np.zeros((len(keys), len(old_ids)))
            for key, old, n in overlap.iter_rows():
                if old is not None:
                    matrix[k_index[key], o_index[old]] = n
            size_new = current.group_by("key").len().to_dict(as_series=False)
            size_new = dict(zip(size_new["key"], size_new["len"], strict=False))
            size_old = previous.group_by("id").len().to_dict(as_series=False)
            size_old = dict(zip(size_old["id"], size_old["len"], strict=False))
            rows, cols = linear_sum_assignment(-matrix)
            for i, j in zip(rows, cols, strict=False):
                smaller = min(size_new[keys[i]], size_old[old_ids[j]])
                if matrix[i, j] > 0 and matrix[i, j] >= min_overlap * smaller:
                    mapping[keys[i]] = old_ids[j]
    number = max([int(t.split("-")[1]) for t in taken if t.startswith(prefix + "-") and t.split("-")[1].isdigit()]
                 or [0])
    for key in keys:
        if key not in mapping:
            number += 1
            mapping[key] = f"{prefix}-{number:04d}"
    return mapping


__all__ = ["TopicModel", "FitParams", "FitResult", "fit_topics", "carry_ids", "label_from_keywords", "UNASSIGNED"]


def centroid_map(model: TopicModel) -> tuple[list[str], np.ndarray]:
    """The fitted sub-causes on a plane: the first two principal components of their centroids (ids, (n, 2))."""
    centered = model.centroids - model.centroids.mean(axis=0, keepdims=True)
    if len(model.sub_ids) < 2:
        return list(model.sub_ids), np.zeros((len(model.sub_ids), 2))
    _u, _s, vt = np.linalg.svd(centered, full_matrices=False)
    return list(model.sub_ids), centered @ vt[:2].T
