"""Embedding backends side by side: speed and the quality of the root causes built on them.

    .venv/bin/python benchmarks/bench_embeddings.py                         # all backends, all corpora
    .venv/bin/python benchmarks/bench_embeddings.py --backends lsa use --courier 5000

Corpora: the two real CFPB files (long English narratives; labels Issue / Product) and the demo's
generated courier case (short uk/ru/en complaints; label: the planted root cause — run `./dev demo`
first, it reads `data/warehouse.duckdb` and `data/sample/ground_truth/`). Texts are normalized once
(not timed here); each backend then embeds (timed: docs/s, after a warm-up on 50 texts) and the same
BERTopic + k-means fit (`nlp.topics.fit_topics`, seed 0) runs on its vectors. Printed per corpus and
backend: docs/s of the embedding, NMI of sub-causes and root causes, the largest sub-cause's share.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
from pathlib import Path
from time import perf_counter

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np  # noqa: E402
import polars as pl  # noqa: E402
from sklearn.metrics import normalized_mutual_info_score  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
REAL = REPO.parent / "shared" / "data" / "real"
CFPB = {"payday": (REAL / "cfpb_payday_2023" / "cfpb_payday_2023_narratives.csv", ["Issue"]),
        "mixed": (REAL / "cfpb_mixed_2015_2020" / "complaints_sample.csv", ["Issue", "Product"])}


def cfpb(path: Path, labels: list[str]) -> pl.DataFrame:
    frame = pl.read_csv(path, infer_schema_length=0).filter(pl.col("Consumer complaint narrative").str.len_chars() > 0)
    return frame.select(pl.col("Complaint ID").alias("complaint_id"), pl.lit("en").alias("language"),
                        pl.col("Consumer complaint narrative").alias("text_masked"), *labels)


def courier(limit: int) -> pl.DataFrame | None:
    import duckdb

    path = REPO / "data" / "warehouse.duckdb"
    truth_path = REPO / "data" / "sample" / "ground_truth" / "complaints.csv"
    if not path.exists() or not truth_path.exists():
        return None
    con = duckdb.connect(str(path), read_only=True)
    frame = con.sql("SELECT complaint_id, source_record_id, language, text_masked FROM complaints "
                    "ORDER BY hash(complaint_id)").pl()
    con.close()
    truth = pl.read_csv(truth_path, infer_schema_length=0).select(pl.col("record_id").alias("source_record_id"),
                                                                  pl.col("cause").alias("planted cause"))
    return frame.join(truth, on="source_record_id", how="inner").head(limit)


def backend_for(name: str):
    from nlp.embeddings import make_backend

    return make_backend(name)


def bench(corpus: str, frame: pl.DataFrame, labels: list[str], backends: list[str]) -> None:
    from flows.settings import load_settings
    from nlp.normalize import Normalizer
    from nlp.topics import FitParams, fit_topics

    extra = {k: list(v) for k, v in load_settings().topics.stopwords.items()}
    lemmas = Normalizer(extra_stopwords=extra).normalize(frame)["lemmas"].to_list()
    ids = frame["complaint_id"].to_list()
    print(f"\n== {corpus}: {len(ids):,} documents, mean {frame['text_masked'].str.len_chars().mean():,.0f} chars")
    print(f"  {'backend':<22} {'docs/s':>8} " + " ".join(f"{'NMI ' + lab[:10]:>16}" for lab in labels)
          + f" {'root NMI':>9} {'largest':>8}")
    for name in backends:
        backend = backend_for(name)
        inputs = lemmas if backend.input_column == "lemmas" else frame["text_masked"].to_list()
        if backend.needs_fit:
            backend.fit(inputs)
        backend.encode(inputs[:50])  # warm-up: model load, first batch
        started = perf_counter()
        if backend.needs_fit:
            backend.fit(inputs)
        vectors = backend.encode(inputs)
        rate = len(ids) / (perf_counter() - started)
        fit = fit_topics(ids, lemmas, vectors, FitParams(seed=0))
        sub = np.asarray(fit.sub_of_row)
        root = np.asarray(fit.root_of_topic)[sub]
        nmis = [normalized_mutual_info_score(frame[lab].fill_null("").to_list(), sub) for lab in labels]
        root_nmi = normalized_mutual_info_score(frame[labels[0]].fill_null("").to_list(), root)
        print(f"  {name:<22} {rate:>8,.0f} " + " ".join(f"{v:>16.3f}" for v in nmis)
              + f" {root_nmi:>9.3f} {np.bincount(sub).max() / len(sub):>8.1%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", nargs="+", default=["lsa", "use", "sentence-transformer"])
    parser.add_argument("--courier", type=int, default=5_000, help="courier complaints to use (0: skip)")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, python {platform.python_version()}")
    for name, (path, labels) in CFPB.items():
        if path.exists():
            bench(f"CFPB {name}", cfpb(path, labels), labels, args.backends)
    frame = courier(args.courier) if args.courier else None
    if frame is not None:
        bench("generated courier case", frame, ["planted cause"], args.backends)
    elif args.courier:
        print("\n(courier case skipped: run `./dev demo` first)")
    print(f"\npeak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")


if __name__ == "__main__":
    main()
