"""Topic fit, assignment, stable ids and human edits on a small corpus with three obvious causes."""

from __future__ import annotations

import random
from datetime import datetime

import numpy as np
import polars as pl
import pytest
from sklearn.metrics import normalized_mutual_info_score

from nlp.cause_model import apply_edits, build_model, cause_rows, edited_mapping
from nlp.embeddings import LsaBackend
from nlp.topics import FitParams, carry_ids, fit_topics

THEMES = {
    "damage": "розбитий ваза скло тріснути пошкодити коробка упаковка",
    "money": "накладений платіж гроші зарахувати продавець картка сума",
    "courier": "кур'єр грубий хамство кричати двері поверх підняти",
}
FILLER = "прошу відповісти терміново дякую чекати"


def corpus(n_per_theme: int = 60, seed: int = 1) -> tuple[list[str], list[str], list[str]]:
    rng = random.Random(seed)
    ids, docs, truth = [], [], []
    for theme, words in THEMES.items():
        vocab = words.split()
        for i in range(n_per_theme):
            picked = rng.sample(vocab, 4) + rng.sample(FILLER.split(), 2)
            ids.append(f"{theme}-{i:03d}")
            docs.append(" ".join(picked))
            truth.append(theme)
    return ids, docs, truth


@pytest.fixture(scope="module")
def fitted():
    ids, docs, truth = corpus()
    backend = LsaBackend(dim=20, min_df=1)
    backend.fit(docs)
    vectors = backend.encode(docs)
    params = FitParams(n_topics=6, n_roots=3, max_root_share=0.5, seed=0)
    fit = fit_topics(ids, docs, vectors, params)
    empty = pl.DataFrame(schema={c: pl.String for c in ("complaint_id", "sub_cause_id", "root_cause_id")})
    model, assignment, new_ids = build_model(fit, ids, empty, set(), backend, "v1", datetime(2026, 1, 1), 0.3)
    return ids, docs, truth, fit, model, assignment


def test_three_obvious_causes_are_found_as_three_root_causes(fitted) -> None:
    ids, docs, truth, fit, model, assignment = fitted
    roots = fit.root_of_topic[fit.sub_of_row]
    assert normalized_mutual_info_score(truth, roots) > 0.9
    assert np.bincount(roots).max() / len(roots) <= 0.5
    words = {w for k in model.keywords.values() for w in " ".join(k).split()}
    assert {"ваза", "платіж", "кур'єр"} & words
    assert assignment["fit_sub_cause_id"].null_count() == 0


def test_no_root_cause_exceeds_the_configured_share(fitted) -> None:
    ids, docs, truth, fit, model, assignment = fitted
    capped = fit_topics(ids, docs, model.backend.encode(docs),
                        FitParams(n_topics=6, n_roots=2, max_root_share=0.4, seed=0))
    shares = np.bincount(capped.root_of_topic[capped.sub_of_row]) / len(ids)
    assert shares.max() <= 0.4 + 1e-9  # the cap wins over the asked number of root causes
    assert len(shares) >= 3


def test_new_complaints_go_to_their_cause_and_strangers_stay_unassigned(fitted) -> None:
    ids, docs, truth, fit, model, assignment = fitted
    new = ["ваза розбитий скло коробка", "абсолютно інша тема погода футбол"]
    got = model.assign(["n1", "n2"], model.backend.encode(new))
    first = got["fit_sub_cause_id"][0]
    members = assignment.filter(pl.col("fit_sub_cause_id") == first)["complaint_id"]
    assert all(m.startswith("damage") for m in members)
    assert got["fit_sub_cause_id"][1] is None


def test_a_refit_keeps_the_ids_of_the_causes_it_finds_again(fitted) -> None:
    ids, docs, truth, fit, model, assignment = fitted
    previous = assignment.select("complaint_id", pl.col("fit_sub_cause_id").alias("sub_cause_id"),
                                 pl.col("fit_sub_cause_id").replace_strict(model.parent_of).alias("root_cause_id"))
    refit = fit_topics(ids[::-1], docs[::-1], model.backend.encode(docs[::-1]),
                       FitParams(n_topics=6, n_roots=3, max_root_share=0.5, seed=5))
    taken = set(model.sub_ids) | set(model.parent_of.values())
    again, _, new_ids = build_model(refit, ids[::-1], previous, taken, model.backend, "v2", datetime(2026, 2, 1), 0.3)
    assert set(again.parent_of.values()) == set(model.parent_of.values())
    assert not {i for i in new_ids if i.startswith("RC")}


def test_carry_ids_numbers_unmatched_clusters_after_the_highest_id() -> None:
    previous = pl.DataFrame({"complaint_id": ["a", "b", "c"], "id": ["RC-0007", "RC-0007", "RC-0002"]})
    current = pl.DataFrame({"complaint_id": ["a", "b", "c", "d"], "key": ["x", "x", "y", "z"]})
    mapping = carry_ids(previous, current, {"RC-0007", "RC-0002"}, "RC")
    assert mapping["x"] == "RC-0007" and mapping["y"] == "RC-0002" and mapping["z"] == "RC-0008"


def test_edits_rename_merge_and_split_and_report_what_no_longer_applies(fitted) -> None:
    ids, docs, truth, fit, model, assignment = fitted
    roots = sorted(set(model.parent_of.values()))
    big = max(roots, key=lambda r: sum(1 for p in model.parent_of.values() if p == r))
    other = next(r for r in roots if r != big)
    edits = [
        {"edit_id": "e1", "action": "rename", "cause_id": other, "new_label": "Money never arrives"},
        {"edit_id": "e2", "action": "split", "cause_id": big, "parts": 2, "into_id": None, "new_label": None},
        {"edit_id": "e3", "action": "merge", "cause_id": "RC-0999", "into_id": other},
    ]
    edited, outcomes = apply_edits(model, edits)
    assert outcomes["e1"] == "applied" and outcomes["e2"] == "applied"
    assert outcomes["e3"].startswith("not applicable")
    rows = cause_rows(edited)
    assert rows.filter(pl.col("root_cause_id") == other)["label"][0] == "Money never arrives"
    assert {f"{big}.1", f"{big}.2"} <= set(rows["root_cause_id"])
    assert big not in set(edited_mapping(edited)["root_cause_id"])
    assert model.labels[other] != "Money never arrives"  # the saved fit is never changed by an edit

    merged, outcomes = apply_edits(model, [{"edit_id": "m", "action": "merge", "cause_id": other, "into_id": big}])
    mapping = edited_mapping(merged)
    assert outcomes["m"] == "applied" and other not in set(mapping["root_cause_id"])
    assert mapping.height == len(model.sub_ids)  # every fitted sub-cause still maps somewhere


def test_the_watch_list_names_what_the_unassigned_complaints_share() -> None:
    from nlp.emerging import emerging_keywords

    unassigned = ["дрон доставка дах", "дрон впав двір", "дрон посилка дах", "посилка затримка"]
    background = ["посилка затримка відділення", "посилка розбитий", "гроші платіж посилка"] * 20
    words = emerging_keywords(unassigned, background, n=3, min_docs=2)
    assert words[0] == "дрон" and "дах" in words and "посилка" not in words
