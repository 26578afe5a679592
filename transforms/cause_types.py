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
    members = members.with_columns(has_cue(members["lemmas"], rules.request_cues).alias("_asks"),
                                   pl.col("received_at").dt.date().alias("_day"))
    for level in ("root_cause_id", "sub_cause_id"):
        causes = members.filter(pl.col(level).is_not_null()).with_columns(pl.col(level).alias("_cause"))
        for cause, stats in _cause_stats(causes, rules, "industry" in baseline).items():
            kind, evidence = _decide(stats, baseline, rules)
            rows.append({"root_cause_id": cause, "cause_type": kind, "cause_type_evidence": json.dumps(evidence),
                         "owner_department": rules.owners.get(kind)})
    return pl.DataFrame(rows, schema=TYPE_SCHEMA).sort("root_cause_id")


def _counts(frame: pl.DataFrame, column: str) -> tuple[dict[str, int], int]:
    """Complaints per value of ``column`` and the number naming any value."""
    known = frame.filter(pl.col(column).is_not_null())
    counts = known.group_by(column).len()
    return dict(zip(counts[column].to_list(), counts["len"].to_list(), strict=True)), known.height


Baseline = dict[str, tuple[dict[str, int], int]]  # column -> (complaints per value, complaints naming any)


@dataclass
class _Stats:
    """What the rules look at for one cause, computed for all causes at once (grouped, not per cause)."""

    n: int
    burst: dict
    people: dict[str, tuple[str | None, int, int]]  # column -> (top value, its complaints, complaints naming one)
    top_clients: list[tuple[str, int]]
    distinct_clients: int
    asking: int
    industries: list[tuple[str, int]] | None  # every industry named, with its complaints


def _ranked(frame: pl.DataFrame, column: str, keep: int | None = None) -> dict[str, tuple[list, int, int]]:
    """Per cause: its values of ``column`` by complaints (most first, then by value; the first ``keep``),
    how many distinct values and how many complaints name one."""
    counts = frame.filter(pl.col(column).is_not_null()).group_by("_cause", column).len()
    values, lens = (pl.col(c).sort_by([pl.col("len"), pl.col(column)], descending=[True, False])
                    for c in (column, "len"))
    ranked = counts.group_by("_cause").agg(  # each cause's values sorted apart: small sorts, in parallel
        values.head(keep) if keep else values, lens.head(keep) if keep else lens,
        pl.len().alias("_distinct"), pl.col("len").sum().alias("_named"))
    return {cause: (list(zip(values, lens, strict=True)), distinct, named)
            for cause, values, lens, distinct, named in ranked.iter_rows()}


def _cause_stats(frame: pl.DataFrame, rules: CauseTypeRules, with_industry: bool) -> dict[str, _Stats]:
    sizes = frame.group_by("_cause").agg(pl.len(), pl.col("_asks").sum())
    bursts = _bursts(frame, rules)
    people = {column: _ranked(frame, column, 1) for column in ("employee_id", "branch_id")}
    clients = _ranked(frame, "client_id", rules.top_clients)
    industries = _ranked(frame, "industry") if with_industry else {}
    stats = {}
    for cause, n, asking in sizes.iter_rows():
        tops = {}
        for column, ranked in people.items():
            top, _, named = ranked.get(cause, ([], 0, 0))
            tops[column] = (top[0][0], top[0][1], named) if top else (None, 0, 0)
        top_clients, distinct, _ = clients.get(cause, ([], 0, 0))
        stats[cause] = _Stats(n=n, burst=bursts[cause], people=tops, top_clients=top_clients,
                              distinct_clients=distinct, asking=int(asking),
                              industries=industries.get(cause, ([], 0, 0))[0] if with_industry else None)
    return stats


def _decide(stats: _Stats, baseline: Baseline, rules: CauseTypeRules) -> tuple[str, dict]:
    n = stats.n
    evidence: dict = {"complaints": n}
    if n < rules.min_complaints:
        return "process", {**evidence, "note": f"fewer than {rules.min_complaints} complaints: typed by default"}

    burst = stats.burst
    evidence["burst"] = burst
    if burst["share"] >= rules.min_burst_share and (
            burst["region_share"] >= rules.min_burst_region_share or burst["event"]):
        return "external", evidence

    people = {}
    for column in ("employee_id", "branch_id"):
        who, count, named = stats.people[column]  # most complaints name no one: shares are of those that do
        share = count / named if named else 0.0
        counts, total = baseline[column]
        elsewhere = (counts.get(who, 0) - count + 1) / (total - named + 1)  # the same person outside this cause
        people[column] = {"id": who, "complaints": count, "named": named, "share": round(share, 3),
                          "share_elsewhere": round(elsewhere, 4),
                          "concentration": round(share / elsewhere, 1) if who else None}
    evidence["concentration"] = people
    for column, person in people.items():
        if person["id"] and person["named"] >= rules.min_named and person["share"] >= rules.min_person_share and \
                (person["concentration"] or 0) >= rules.min_person_concentration:
            evidence["decided_by"] = column
            return "human_factor", evidence

    top_share = sum(count for _, count in stats.top_clients) / n
    evidence["top_clients"] = {"clients": [client for client, _ in stats.top_clients],
                               "share": round(top_share, 3), "distinct_clients": stats.distinct_clients}
    if top_share >= rules.min_top_clients_share:
        return "client_driven", evidence

    evidence["request_share"] = round(stats.asking / n, 3)
    segment = _top_industry(stats.industries, baseline.get("industry"))
    evidence["top_industry"] = segment
    segment_ok = rules.min_request_segment_lift <= 0 or (segment["lift"] or 0) >= rules.min_request_segment_lift
    if stats.asking / n >= rules.min_request_share and segment_ok:
        return "product_gap", evidence
    return "process", evidence


def _top_industry(named: list[tuple[str, int]] | None, baseline: tuple[dict[str, int], int] | None) -> dict:
    """The industry holding at least a fifth of the cause's complaints with the highest lift."""
    best = {"industry": None, "share": None, "lift": None}
    if baseline is None or named is None:
        return best
    counts, total = baseline
    named_total = sum(count for _, count in named)
    for industry, count in named:
        share = count / max(named_total, 1)
        lift = share / (counts.get(industry, 0) / max(total, 1)) if counts.get(industry) else None
        if share >= 0.2 and lift is not None and lift > (best["lift"] or 0):
            best = {"industry": industry, "share": round(share, 3), "lift": round(lift, 1)}
    return best


def _bursts(frame: pl.DataFrame, rules: CauseTypeRules) -> dict[str, dict]:
    """Per cause, the busiest window of ``burst_window_days`` (the earliest of equals): its share of the
    cause, its top region (and that region's share of the window), any calendar event it matches."""
    window = timedelta(days=rules.burst_window_days - 1)
    per_day = (frame.group_by("_cause", "_day").len().sort("_cause", "_day")
               .group_by("_cause", maintain_order=True).agg("_day", "len"))
    found = []
    for cause, day_list, counts in per_day.iter_rows():
        best_start, best = None, 0
        j, running = 0, 0
        for i, start in enumerate(day_list):  # two pointers over the sorted days
            while j < len(day_list) and day_list[j] <= start + window:
                running += counts[j]
                j += 1
            if running > best:
                best, best_start = running, start
            running -= counts[i]
        found.append({"_cause": cause, "_start": best_start, "_end": best_start + window, "_best": best,
                      "_n": sum(counts)})
    windows = pl.DataFrame(found, schema={"_cause": pl.String, "_start": pl.Date, "_end": pl.Date,
                                          "_best": pl.Int64, "_n": pl.Int64})
    inside = (frame.select("_cause", "_day", "region").join(windows, on="_cause")
              .filter(pl.col("_day").is_between(pl.col("_start"), pl.col("_end"))))
    in_window = dict(inside.group_by("_cause").len().iter_rows())
    regions = _ranked(inside, "region", 1)
    out = {}
    for w in windows.iter_rows(named=True):
        start, end = w["_start"], w["_end"]
        top, _, _ = regions.get(w["_cause"], ([], 0, 0))
        region, in_region = top[0] if top else (None, 0)
        event = next((e.name for e in rules.events if e.start <= end and e.end >= start
                      and (e.region is None or e.region == region)), None)
        out[w["_cause"]] = {"share": round(w["_best"] / w["_n"], 3), "start": start.isoformat(),
                            "end": end.isoformat(), "region": region,
                            "region_share": round(in_region / max(in_window.get(w["_cause"], 0), 1), 3),
                            "event": event}
    return out
