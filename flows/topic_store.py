"""Model artifacts and the embedding cache under the home folder (the NLP side's file I/O).

- ``models/topics/<version>/model.joblib`` — one fitted :class:`nlp.topics.TopicModel` per fit (the
  unedited fit; edits are applied at every run), plus ``models/topics/CURRENT`` naming the newest saved.
  The model *in use* is the one the warehouse's assignments name (``complaint_root_cause.model_version``):
  a fit saves its folder first and switches by committing its assignments, so a crash in between
  leaves an unused folder, never a warehouse and a model that disagree.
- ``cache/embeddings/<backend cache key>/part-*.parquet`` — one vector per distinct masked text
  (``text_hash``, ``vector``), so no text is embedded twice by the same backend.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import numpy as np
import polars as pl

POINTER = "CURRENT"


def save_model(models_dir: Path, model) -> Path:
    import joblib

    folder = models_dir / "topics" / model.version
    folder.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, folder / "model.joblib")
    pointer = models_dir / "topics" / POINTER
    tmp = pointer.with_suffix(".tmp")
    tmp.write_text(model.version + "\n", encoding="utf-8")
    os.replace(tmp, pointer)
    return folder


def load_model(models_dir: Path, version: str | None):
    """The fitted model ``version`` (the one the warehouse's assignments name), or None before the first fit."""
    import joblib

    if version is None:
        return None
    path = models_dir / "topics" / version / "model.joblib"
    if not path.exists():
        raise FileNotFoundError(f"{path}: the model the warehouse was assigned with is missing; run "
                                "`causeway cluster --refit` to fit a new one")
    return joblib.load(path)


def cached_vectors(cache_dir: Path, key: str, hashes: list[str]) -> dict[str, np.ndarray]:
    folder = cache_dir / key
    if not hashes or not any(folder.glob("part-*.parquet")):
        return {}
    found = (pl.scan_parquet(folder / "part-*.parquet").filter(pl.col("text_hash").is_in(hashes))
             .unique("text_hash").collect())
    if found.height == 0:
        return {}
    matrix = found["vector"].to_numpy()
    return dict(zip(found["text_hash"].to_list(), matrix, strict=False))


def store_vectors(cache_dir: Path, key: str, hashes: list[str], vectors: np.ndarray) -> None:
    if not hashes:
        return
    folder = cache_dir / key
    folder.mkdir(parents=True, exist_ok=True)
    dim = vectors.shape[1]
    frame = pl.DataFrame({"text_hash": hashes,
                          "vector": pl.Series(vectors.astype(np.float32), dtype=pl.Array(pl.Float32, dim))})
    name = f"part-{uuid.uuid4().hex[:12]}.parquet"
    tmp = folder / f".{name}.tmp"
    frame.write_parquet(tmp)
    os.replace(tmp, folder / name)  # a crash never leaves a half-written part behind
