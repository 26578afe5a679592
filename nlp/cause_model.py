"""From a fit to a :class:`TopicModel` with stable ids, and human edits re-applied on top of it.

Stable ids: sub-causes are ``SC-0001``…, root causes ``RC-0001``…. After a refit, each new topic takes
the id of the old topic it shares most complaints with (one-to-one, see :func:`nlp.topics.carry_ids`);
the others get fresh numbers and status ``new``. Human labels and KPIs therefore keep their history.

Edits (one dict per row of ``root_cause_edits``, applied in ``created_at`` order):
- ``rename``: ``cause_id`` gets ``new_label`` (either level);
- ``merge``: ``cause_id`` joins ``into_id``; a sub-cause into a sub-cause becomes an alias of it, a
  sub-cause into a root cause moves under it, a root cause into a root cause hands over its sub-causes;
- ``split``: root cause ``cause_id`` is split into ``parts`` root causes ``<id>.1``, ``<id>.2``… by
  grouping its sub-causes (k-means on their centroids, fixed seed).
The model saved on disk is the unedited fit; every run applies all edits to a copy, so an edit recorded
today reaches old complaints too, and an edit whose cause vanished in a refit is reported, not lost.
"""

from __future__ import annotations

import copy
from collections import Counter
from datetime import datetime

import polars as pl

from nlp.topics import FitResult, TopicModel, carry_ids, label_from_keywords


def build_model(fit: FitResult, complaint_ids: list[str], previous: pl.DataFrame, taken: set[str],
                backend: object, version: str, fitted_at: datetime, min_overlap: float
                ) -> tuple[TopicModel, pl.DataFrame, set[str]]:
    """Name a fit's topics with stable ids; returns the model, the fitted complaints' assignment and the
    ids that are new in this fit. ``previous``: complaint_id, sub_cause_id, root_cause_id as the last fit
    (before edits) assigned them; an empty frame on the first fit."""
    sub_key = [f"s{t}" for t in fit.sub_of_row.tolist()]
    root_key = [f"r{fit.root_of_topic[t]}" for t in fit.sub_of_row.tolist()]
    current = pl.DataFrame({"complaint_id": complaint_ids, "sub": sub_key, "root": root_key})
    prev_sub = previous.select("complaint_id", pl.col("sub_cause_id").alias("id")).drop_nulls()
    prev_root = previous.select("complaint_id", pl.col("root_cause_id").alias("id")).drop_nulls()
    sub_ids = carry_ids(prev_sub, current.select("complaint_id", pl.col("sub").alias("key")), taken, "SC",
                        min_overlap)
    root_ids = carry_ids(prev_root, current.select("complaint_id", pl.col("root").alias("key")), taken, "RC",
                         min_overlap)
    names = {**sub_ids, **root_ids}
    n_sub = len(fit.centroids)
    for t in range(n_sub):  # a topic with no member left (k-means rarely empties one) still needs an id
        names.setdefault(f"s{t}", f"SC-x{version[-6:]}-{t}")
        names.setdefault(f"r{fit.root_of_topic[t]}", f"RC-x{version[-6:]}-{fit.root_of_topic[t]}")
    keywords = {names[k]: v for k, v in fit.keywords.items() if k in names}
    model = TopicModel(
        version=version, fitted_at=fitted_at, backend=backend, centroids=fit.centroids,
        sub_ids=[names[f"s{t}"] for t in range(n_sub)],
        parent_of={names[f"s{t}"]: names[f"r{fit.root_of_topic[t]}"] for t in range(n_sub)},
        floor=fit.floor, keywords=keywords,
        labels={cause: label_from_keywords(words) for cause, words in keywords.items()},
        representatives={names[k]: v for k, v in fit.representatives.items() if k in names},
        n_fit=len(complaint_ids))
    assignment = current.select("complaint_id", pl.col("sub").replace_strict(names).alias("fit_sub_cause_id"),
                                pl.Series("similarity", fit.similarity.astype(float)))
    old = set(previous["sub_cause_id"].drop_nulls().to_list()) | set(previous["root_cause_id"].drop_nulls().to_list())
    return model, assignment, set(names.values()) - old


def apply_edits(model: TopicModel, edits: list[dict], seed: int = 0) -> tuple[TopicModel, dict[str, str]]:
    """A copy of ``model`` with the edits applied in order; returns it and each edit's outcome."""
    edited = copy.copy(model)
    edited.parent_of = dict(model.parent_of)
    edited.alias = dict(model.alias)
    edited.labels = dict(model.labels)
    edited.keywords = dict(model.keywords)
    edited.representatives = dict(model.representatives)
    edited.edited_labels = set(model.edited_labels)
    outcomes: dict[str, str] = {}
    for edit in edits:
        try:
            _apply(edited, edit, seed)
            outcomes[edit["edit_id"]] = "applied"
        except _NotApplicable as reason:
            outcomes[edit["edit_id"]] = f"not applicable: {reason}"
    return edited, outcomes


class _NotApplicable(Exception):
    pass


def _roots(model: TopicModel) -> set[str]:
    return {model.parent_of[s] for s in model.live_sub_ids()}


def _apply(model: TopicModel, edit: dict, seed: int) -> None:
    action, cause = edit["action"], edit["cause_id"]
    subs, roots = set(model.live_sub_ids()), _roots(model)
    if cause not in subs and cause not in roots:
        raise _NotApplicable(f"{cause} does not exist in model {model.version}")
    if action == "rename":
        model.labels[cause] = edit["new_label"]
        model.edited_labels.add(cause)
    elif action == "merge":
        into = edit["into_id"]
        if into not in subs and into not in roots:
            raise _NotApplicable(f"{into} does not exist in model {model.version}")
        if into == cause:
            raise _NotApplicable("a cause cannot merge into itself")
        if cause in subs and into in subs:
            model.alias[cause] = into
        elif cause in subs:  # a sub-cause moves under another root cause
            model.parent_of[cause] = into
        elif into in roots:
            for sub in subs:
                if model.parent_of[sub] == cause:
                    model.parent_of[sub] = into
        else:
            raise _NotApplicable("a root cause can only merge into another root cause")
        _refresh_keywords(model, [into])
    elif action == "split":
        if cause not in roots:
            raise _NotApplicable(f"{cause} is a sub-cause; only root causes are split (into groups of sub-causes)")
        members = sorted(s for s in subs if model.parent_of[s] == cause)
        parts = int(edit.get("parts") or 2)
        if len(members) < parts:
            raise _NotApplicable(f"{cause} has {len(members)} sub-cause(s), fewer than {parts} parts")
        from sklearn.cluster import KMeans

        rows = [model.sub_ids.index(s) for s in members]
        groups = KMeans(parts, random_state=seed, n_init=5).fit_predict(model.centroids[rows])
        order = {g: n for n, g in enumerate(dict.fromkeys(groups.tolist()), start=1)}
        new_ids = []
        for sub, group in zip(members, groups.tolist(), strict=False):
            model.parent_of[sub] = f"{cause}.{order[group]}"
            new_ids.append(model.parent_of[sub])
        _refresh_keywords(model, sorted(set(new_ids)))
    else:
        raise _NotApplicable(f"unknown action {action!r}")


def _refresh_keywords(model: TopicModel, roots: list[str]) -> None:
    """A root cause's keywords after an edit: its sub-causes' keywords, most shared first."""
    for root in roots:
        members = [s for s in model.live_sub_ids() if model.parent_of[s] == root]
        counts = Counter(w for s in members for rank, w in enumerate(model.keywords.get(s, [])) if rank < 5)
        words = [w for w, _ in counts.most_common(10)]
        model.keywords[root] = words
        if root not in model.edited_labels:
            model.labels[root] = label_from_keywords(words)
        model.representatives[root] = [c for s in members for c in model.representatives.get(s, [])[:2]][:5]


def edited_mapping(model: TopicModel) -> pl.DataFrame:
    """fit_sub_cause_id -> (sub_cause_id, root_cause_id) as the edited model sees them."""
    subs = model.sub_ids
    resolved = [model.resolve(s) for s in subs]
    return pl.DataFrame({"fit_sub_cause_id": subs, "sub_cause_id": resolved,
                         "root_cause_id": [model.parent_of[s] for s in resolved]})


def cause_rows(model: TopicModel) -> pl.DataFrame:
    """One row per live cause (both levels): id, level, parent, label, keywords, representatives."""
    rows = []
    for sub in model.live_sub_ids():
        rows.append((sub, "sub", model.parent_of[sub]))
    for root in sorted(_roots(model)):
        rows.append((root, "root", None))
    return pl.DataFrame({
        "root_cause_id": [r[0] for r in rows], "level": [r[1] for r in rows], "parent_id": [r[2] for r in rows],
        "label": [model.labels.get(r[0]) or label_from_keywords(model.keywords.get(r[0], [])) for r in rows],
        "keywords": [model.keywords.get(r[0], []) for r in rows],
        "representative_complaint_ids": [model.representatives.get(r[0], []) for r in rows],
        "label_source": ["edited" if r[0] in model.edited_labels else "keywords" for r in rows],
    }, schema_overrides={"parent_id": pl.String, "keywords": pl.List(pl.String),
                         "representative_complaint_ids": pl.List(pl.String)})


__all__ = ["build_model", "apply_edits", "edited_mapping", "cause_rows"]
