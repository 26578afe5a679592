"""Cause type of every root cause (and sub-cause), decided by statistics with the evidence kept.

Input grain: one row per assigned complaint with ``root_cause_id``, ``sub_cause_id``, ``employee_id``,
``branch_id``, ``client_id``, ``region``, ``received_at`` and ``lemmas``. Output grain: one row per cause
(both levels): ``root_cause_id``, ``cause_type``, ``cause_type_evidence`` (JSON), ``owner_department``.

Rules, checked in this order (thresholds in ``config/cause_types.yaml``):
1. ``external`` — a time-bounded burst: most of the cause's complaints fall in one short window, in one
   region or matching an event of the calendar;
2. ``human_factor`` — one employee (courier, agent) or one branch carries a large share of the cause's
   complaints that name one, far beyond its share of the complaints outside the cause (the concentration
   ratio: share in the cause / share elsewhere, +1 smoothed);
3. ``client_driven`` — a handful of clients file most of it;
4. ``product_gap`` — many of its complaints ask for something (request cues in the lemmas), and it is
   concentrated in one industry (an unmet need of a segment, not scattered wishes);
5. ``process`` — otherwise: spread over many employees, branches and clients.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta

import polars as pl

from transforms.client_scores import has_cue

TYPE_SCHEMA = {"root_cause_id": pl.String, "cause_type": pl.String, "cause_type_evidence": pl.String,
               "owner_department": pl.String}


@dataclass(frozen=True)
class Event:
    name: str
    start: date
    end: date
    region: str | None = None


@dataclass(frozen=True)
class CauseTypeRules:
    min_complaints: int = 20                  # smaller causes are typed "process" with a note
    burst_window_days: int = 14
    min_burst_share: float = 0.6              # of the cause's complaints inside the busiest window
    min_burst_region_share: float = 0.6       # ... and in one region (or an event matches the window)
    min_person_share: float = 0.3             # of the cause's complaints naming someone, on one employee / branch
    min_named: int = 10                       # complaints naming an employee / branch before the rule applies
    min_person_concentration: float = 5.0     # that share / the same person's share outside the cause
    top_clients: int = 3
    min_top_clients_share: float = 0.6
    min_request_share: float = 0.3
    min_request_segment_lift: float = 0.0     # ... and concentrated in one industry this much (0: not required)
    request_cues: frozenset[str] = frozenset()
    events: tuple[Event, ...] = ()
    owners: dict[str, str] = field(default_factory=dict)


def cause_types(members: pl.DataFrame, rules: CauseTypeRules) -> pl.DataFrame:
    """One row per cause (both levels) with its type, the evidence behind it and its owner."""
    rows = []
    baseline = {column: _counts(members, column) for column in ("employee_id", "branch_id", "industry")
                if column in members.columns}
    members = members.with_columns(has_cue(members["lemmas"], rules.request_cues).alias("_asks"))
    for level in ("root_cause_id", "sub_cause_id"):
        for (cause,), group in members.filter(pl.col(level).is_not_null()).group_by(level):
            kind, evidence = _decide(group, baseline, rules)
            rows.append({"root_cause_id": cause, "cause_type": kind, "cause_type_evidence": json.dumps(evidence),
                         "owner_department": rules.owners.get(kind)})
    return pl.DataFrame(rows, schema=TYPE_SCHEMA).sort("root_cause_id")


def _counts(frame: pl.DataFrame, column: str) -> tuple[dict[str, int], int]:
    """Complaints per value of ``column`` and the number naming any value."""
    known = frame.filter(pl.col(column).is_not_null())
    counts = known.group_by(column).len()
    return dict(zip(counts[column].to_list(), counts["len"].to_list(), strict=True)), known.height


def _top(group: pl.DataFrame, column: str) -> tuple[str | None, int]:
    counts = group.filter(pl.col(column).is_not_null()).group_by(column).len().sort(["len", column],
                                                                                      descending=[True, False])
    return (counts[column][0], int(counts["len"][0])) if counts.height else (None, 0)


Baseline = dict[str, tuple[dict[str, int], int]]  # column -> (complaints per value, complaints naming any)


def _decide(group: pl.DataFrame, baseline: Baseline, rules: CauseTypeRules) -> tuple[str, dict]:
    n = group.height
    evidence: dict = {"complaints": n}
    if n < rules.min_complaints:
        return "process", {**evidence, "note": f"fewer than {rules.min_complaints} complaints: typed by default"}

    burst = _burst(group, rules)
    evidence["burst"] = burst
    if burst["share"] >= rules.min_burst_share and (
            burst["region_share"] >= rules.min_burst_region_share or burst["event"]):
        return "external", evidence

    people = {}
    for column in ("employee_id", "branch_id"):
        who, count = _top(group, column)
        named = int(group[column].is_not_null().sum())  # most complaints name no one: shares are of those that do
        share = count / named if named else 0.0
        counts, total = baseline[column]
        elsewhere = (counts.get(who, 0) - count + 1) / (total - named + 1)  # the same person outside this cause
        people[column] = {"id": who, "complaints": count, "named": named, "share": round(share, 3),
                          "share_elsewhere": round(elsewhere, 4),
                          "concentration": round(share / elsewhere, 1) if who else None}
    evidence["concentration"] = people
    for column, stats in people.items():
        if stats["id"] and stats["named"] >= rules.min_named and stats["share"] >= rules.min_person_share and \
                (stats["concentration"] or 0) >= rules.min_person_concentration:
            evidence["decided_by"] = column
            return "human_factor", evidence

    clients = group.filter(pl.col("client_id").is_not_null()).group_by("client_id").len().sort("len", descending=True)
    top_share = clients["len"].head(rules.top_clients).sum() / n
    evidence["top_clients"] = {"clients": clients["client_id"].head(rules.top_clients).to_list(),
                               "share": round(top_share, 3), "distinct_clients": clients.height}
    if top_share >= rules.min_top_clients_share:
        return "client_driven", evidence

    asking = int(group["_asks"].sum())
    evidence["request_share"] = round(asking / n, 3)
    segment = _top_industry(group, baseline.get("industry"))
    evidence["top_industry"] = segment
    segment_ok = rules.min_request_segment_lift <= 0 or (segment["lift"] or 0) >= rules.min_request_segment_lift
    if asking / n >= rules.min_request_share and segment_ok:
        return "product_gap", evidence
    return "process", evidence


def _top_industry(group: pl.DataFrame, baseline: tuple[dict[str, int], int] | None) -> dict:
    """The industry holding at least a fifth of the cause's complaints with the highest lift."""
    if baseline is None:
        return {"industry": None, "share": None, "lift": None}
    counts, total = baseline
    named = group.filter(pl.col("industry").is_not_null())
    best = {"industry": None, "share": None, "lift": None}
    for industry, count in named.group_by("industry").len().iter_rows():
        share = count / max(named.height, 1)
        lift = share / (counts.get(industry, 0) / max(total, 1)) if counts.get(industry) else None
        if share >= 0.2 and lift is not None and lift > (best["lift"] or 0):
            best = {"industry": industry, "share": round(share, 3), "lift": round(lift, 1)}
    return best




def _burst(group: pl.DataFrame, rules: CauseTypeRules) -> dict:
    """The busiest window of ``burst_window_days``: its share of the cause, its top region, any event."""
    days = group.select(pl.col("received_at").dt.date().alias("day"), "region")
    per_day = days.group_by("day").len().sort("day")
    best_start, best = None, 0
    window = timedelta(days=rules.burst_window_days - 1)
    day_list, counts = per_day["day"].to_list(), per_day["len"].to_list()
    j, running = 0, 0
    for i, start in enumerate(day_list):  # two pointers over the sorted days
        while j < len(day_list) and day_list[j] <= start + window:
            running += counts[j]
            j += 1
        if running > best:
            best, best_start = running, start
        running -= counts[i]
    if best_start is None:
        return {"share": 0.0, "region_share": 0.0, "event": None}
    end = best_start + window
    inside = days.filter(pl.col("day").is_between(best_start, end))
    region, in_region = _top(inside, "region")
    event = next((e.name for e in rules.events if e.start <= end and e.end >= best_start
                  and (e.region is None or e.region == region)), None)
    return {"share": round(best / group.height, 3), "start": best_start.isoformat(), "end": end.isoformat(),
            "region": region, "region_share": round(in_region / max(inside.height, 1), 3), "event": event}
