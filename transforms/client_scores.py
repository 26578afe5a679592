"""Client scores: tier, usage group and the value-destroyer flag, each with the figures behind it.

Input grains: ``clients`` one row per client (reference); ``complaints`` one row per complaint linked to a
client, with its sub-cause, the sub-cause's type and breadth, and its lemmas (see :func:`complaint_signals`).
Output grain: one row per client (``client_scores``).

PRODUCT.md §3 in numbers:
- **tier** — A1..A3 and B1..B3 by value (revenue, shipments, tenure, ranked among clients of the same type);
  C for clients whose cost to serve eats their value without our fault, or who destroy value; D for clients
  with large unpaid invoices ("would buy but cannot pay"); X for clients asking, with a group behind them, for
  something we do not do yet ("great clients we have not grown into").
- **usage group** — intended / unusual with potential (asks for something a group of similar clients asks
  for) / unusual without potential (asks alone) / value-destroying.
- **value destroyer** — weighted signals (complaints per 1,000 shipments vs the segment, unfounded claims,
  compensation / revenue, abusive language, misdeclared goods). **Our side is checked first**: a complaint is
  explained by our side when it names a hot-spot employee, or falls in a process / human-factor / external
  cause that many clients share and that we did not refuse. A client whose complaints are mostly explained by
  our side is never flagged. A flag is a recommendation for a person; nothing acts on it automatically.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date

import polars as pl

OUR_SIDE_TYPES = ("process", "human_factor", "external")
TIERS = ("A1", "A2", "A3", "B1", "B2", "B3", "C", "D", "X")


@dataclass(frozen=True)
class Signal:
    threshold: float
    weight: float


@dataclass(frozen=True)
class ClientRules:
    handling_cost_uah: float = 150.0             # one complaint handled (contact-center time)
    value_weights: dict[str, float] = field(default_factory=lambda: {"revenue": 0.6, "shipments": 0.25,
                                                                     "tenure": 0.15})
    a_bounds: tuple[float, float, float] = (0.9, 0.8, 0.7)   # value score lower bounds of A1, A2, A3
    b_bounds: tuple[float, float] = (0.5, 0.25)              # ... of B1, B2 (B3 below)
    c_cost_ratio: float = 0.5                   # cost to serve / revenue at or above it (not our fault): C
    d_overdue_share: float = 0.1                # unpaid invoices / yearly revenue at or above it: D
    min_requests: int = 3                       # complaints asking for something before a client "asks"
    min_request_share: float = 0.1
    min_group_clients: int = 5                  # asking clients of the same industry: a group with potential
    min_complaints: int = 10                    # fewer complaints: never flagged
    max_our_side_share: float = 0.5             # more of the complaints explained by our side: never flagged
    min_score: float = 0.5                      # sum of the weights of the signals that fire
    min_cause_clients: int = 5                  # a cause "many clients share"
    max_client_share_of_cause: float = 0.2
    signals: dict[str, Signal] = field(default_factory=lambda: {
        "complaint_rate_ratio": Signal(3.0, 0.3), "unfounded_share": Signal(0.3, 0.3),
        "compensation_revenue": Signal(0.2, 0.15), "abusive_share": Signal(0.15, 0.15),
        "misdeclared_share": Signal(0.15, 0.1)})
    abusive_cues: frozenset[str] = frozenset()
    misdeclared_cues: frozenset[str] = frozenset()
    request_cues: frozenset[str] = frozenset()


def has_cue(lemmas: pl.Series, cues: frozenset[str]) -> pl.Series:
    """Whether each lemma string (space-separated) holds one of ``cues`` (single words or phrases)."""
    if not cues:
        return pl.Series([False] * len(lemmas), dtype=pl.Boolean)
    padded = pl.lit(" ") + pl.col("lemmas").fill_null("") + pl.lit(" ")  # " cue " matches whole words only
    return pl.DataFrame({"lemmas": lemmas}).select(
        padded.str.contains_any([f" {c} " for c in sorted(cues)]).alias(lemmas.name))[lemmas.name]


def complaint_signals(complaints: pl.DataFrame, rules: ClientRules) -> pl.DataFrame:
    """Per complaint: asks / abusive / misdeclared cues, refused, and whether our side explains it.

    Needs: complaint_id, client_id, sub_cause_id, cause_type (of the sub-cause), cause_clients (distinct
    clients in the sub-cause), client_cause_share (this client's share of the sub-cause), names_hotspot,
    response_type, compensation_uah, lemmas."""
    refused = pl.col("response_type").fill_null("") == "polite_refusal"
    shared_cause = ((pl.col("cause_type").is_in(OUR_SIDE_TYPES))
                    & (pl.col("cause_clients") >= rules.min_cause_clients)
                    & (pl.col("client_cause_share") <= rules.max_client_share_of_cause))
    return complaints.with_columns(
        asks=has_cue(complaints["lemmas"], rules.request_cues),
        abusive=has_cue(complaints["lemmas"], rules.abusive_cues),
        misdeclared=has_cue(complaints["lemmas"], rules.misdeclared_cues),
        refused=refused,
        judged=pl.col("response_type").is_not_null(),
        our_side=pl.col("names_hotspot").fill_null(False) | (shared_cause.fill_null(False) & ~refused),
    )


def client_scores(clients: pl.DataFrame, complaints: pl.DataFrame, rules: ClientRules, today: date) -> pl.DataFrame:
    """One row per client of ``clients``: tier, usage group, value-destroyer flag, confidence and evidence.

    ``complaints`` is the output of :func:`complaint_signals` (only complaints with a client)."""
    per_client = complaints.filter(pl.col("client_id").is_not_null()).group_by("client_id").agg(
        complaints=pl.len(),
        closed=(pl.col("response_type").is_not_null()).sum(),
        refused=pl.col("refused").sum(),
        compensation_uah=pl.col("compensation_uah").fill_null(0).sum(),
        judged=pl.col("judged").sum(),
        our_side=pl.col("our_side").sum(),
        our_side_judged=(pl.col("our_side") & pl.col("judged")).sum(),
        asking=pl.col("asks").sum(),
        abusive=pl.col("abusive").sum(),
        misdeclared=pl.col("misdeclared").sum(),
    )
    frame = (clients.select("client_id", "client_type", "industry", "revenue_uah", "shipments_per_year",
                            "contract_start", pl.col("overdue_uah") if "overdue_uah" in clients.columns
                            else pl.lit(None, pl.Float64).alias("overdue_uah"))
             .join(per_client, on="client_id", how="left")
             .with_columns(pl.col("complaints", "closed", "refused", "judged", "our_side", "our_side_judged",
                                  "asking", "abusive", "misdeclared").fill_null(0),
                           pl.col("compensation_uah").fill_null(0.0)))
    frame = _value(frame, rules, today)
    frame = _signals(frame, rules)
    frame = _usage_and_tier(frame, rules)
    return frame.select(
        "client_id", "tier", "usage_group", "value_destroyer", "confidence", "value_score",
        pl.col("complaints").cast(pl.Int32), "complaints_per_1k_shipments", "compensation_uah", "cost_to_serve_uah",
        "our_side_share", _evidence(frame, rules).alias("evidence"),
    ).sort("client_id")


def _value(frame: pl.DataFrame, rules: ClientRules, today: date) -> pl.DataFrame:
    """Value score 0..1: weighted percentile ranks among clients of the same type; cost to serve."""
    w = rules.value_weights
    tenure = (pl.lit(today) - pl.col("contract_start")).dt.total_days()

    def pct(expr: pl.Expr) -> pl.Expr:
        return (expr.rank("average").over("client_type") / pl.len().over("client_type"))

    score = (w.get("revenue", 0) * pct(pl.col("revenue_uah"))
             + w.get("shipments", 0) * pct(pl.col("shipments_per_year"))
             + w.get("tenure", 0) * pct(tenure)) / max(sum(w.values()), 1e-9)
    cost = pl.col("compensation_uah") + pl.col("complaints") * rules.handling_cost_uah
    rate = 1000 * pl.col("complaints") / pl.col("shipments_per_year").clip(lower_bound=1)
    return frame.with_columns(value_score=score.round(3), cost_to_serve_uah=cost.round(2),
                              complaints_per_1k_shipments=rate.round(2))


def _signals(frame: pl.DataFrame, rules: ClientRules) -> pl.DataFrame:
    """The value-destroyer signals, their weighted score, our side's share and the flag."""
    complaining = pl.col("complaints") > 0
    segment_rate = pl.col("complaints_per_1k_shipments").filter(complaining).median().over("industry")
    values = {
        "complaint_rate_ratio": pl.col("complaints_per_1k_shipments") / segment_rate,
        "unfounded_share": pl.col("refused") / pl.col("closed").clip(lower_bound=1),
        "compensation_revenue": pl.col("compensation_uah") / pl.col("revenue_uah").clip(lower_bound=1.0),
        "abusive_share": pl.col("abusive") / pl.col("complaints").clip(lower_bound=1),
        "misdeclared_share": pl.col("misdeclared") / pl.col("complaints").clip(lower_bound=1),
    }
    # our side: among the complaints we have judged (closed with a response) when enough are judged to
    # speak for the client, else among all of them
    our_side = (pl.when(pl.col("judged") >= rules.min_complaints).then(pl.col("our_side_judged") / pl.col("judged"))
                .otherwise(pl.col("our_side") / pl.col("complaints").clip(lower_bound=1)))
    frame = frame.with_columns(*[v.fill_nan(0).fill_null(0).round(3).alias(f"sig_{k}") for k, v in values.items()],
                               our_side_share=our_side.round(3))
    score = pl.sum_horizontal(*[pl.when(pl.col(f"sig_{k}") >= s.threshold).then(s.weight).otherwise(0.0)
                                for k, s in rules.signals.items() if k in values])
    flagged = ((pl.col("complaints") >= rules.min_complaints) & (pl.col("our_side_share") <= rules.max_our_side_share)
               & (pl.col("score") >= rules.min_score))
    return frame.with_columns(score=score.round(3)).with_columns(
        value_destroyer=flagged,
        confidence=pl.when(flagged).then((pl.col("score").clip(upper_bound=1.0) * (1 - pl.col("our_side_share")))
                                         .round(3)).otherwise(None),
    )


def _usage_and_tier(frame: pl.DataFrame, rules: ClientRules) -> pl.DataFrame:
    asks = ((pl.col("asking") >= rules.min_requests)
            & (pl.col("asking") / pl.col("complaints").clip(lower_bound=1) >= rules.min_request_share))
    frame = frame.with_columns(asks=asks).with_columns(
        asking_in_industry=pl.col("asks").sum().over("industry"))
    usage = (pl.when(pl.col("value_destroyer")).then(pl.lit("value_destroying"))
             .when(pl.col("asks") & (pl.col("asking_in_industry") >= rules.min_group_clients))
             .then(pl.lit("unusual_potential"))
             .when(pl.col("asks")).then(pl.lit("unusual_no_potential"))
             .otherwise(pl.lit("intended")))
    a1, a2, a3 = rules.a_bounds
    b1, b2 = rules.b_bounds
    v = pl.col("value_score")
    cost_ratio = pl.col("cost_to_serve_uah") / pl.col("revenue_uah").clip(lower_bound=1.0)
    not_our_fault = pl.col("our_side_share") <= rules.max_our_side_share
    overdue = pl.col("overdue_uah").fill_null(0) / pl.col("revenue_uah").clip(lower_bound=1.0)
    tier = (pl.when(overdue >= rules.d_overdue_share).then(pl.lit("D"))
            .when(pl.col("value_destroyer") | ((cost_ratio >= rules.c_cost_ratio) & not_our_fault
                                               & (pl.col("complaints") >= rules.min_complaints)))
            .then(pl.lit("C"))
            .when((pl.col("usage_group") == "unusual_potential") & (v < a3)).then(pl.lit("X"))
            .when(v >= a1).then(pl.lit("A1")).when(v >= a2).then(pl.lit("A2")).when(v >= a3).then(pl.lit("A3"))
            .when(v >= b1).then(pl.lit("B1")).when(v >= b2).then(pl.lit("B2")).otherwise(pl.lit("B3")))
    return frame.with_columns(usage_group=usage).with_columns(
        tier=tier, cost_ratio=cost_ratio.round(3), overdue_share=overdue.round(3))


def _evidence(frame: pl.DataFrame, rules: ClientRules) -> pl.Series:
    """The figures behind each client's tier, group and flag, as JSON."""
    rows = frame.select("value_score", "cost_ratio", "overdue_share", "complaints", "closed", "refused", "judged",
                        "our_side", "our_side_share", "asking", "asking_in_industry", "score", "value_destroyer",
                        *[f"sig_{k}" for k in rules.signals]).to_dicts()
    out = []
    for r in rows:
        signals = {k: {"value": r[f"sig_{k}"], "threshold": s.threshold, "weight": s.weight,
                       "fires": r[f"sig_{k}"] >= s.threshold} for k, s in rules.signals.items()}
        out.append(json.dumps({
            "value_score": r["value_score"], "cost_to_serve_over_revenue": r["cost_ratio"],
            "overdue_over_revenue": r["overdue_share"],
            "complaints": r["complaints"], "closed": r["closed"], "refused": r["refused"],
            "our_side": {"explained": r["our_side"], "judged": r["judged"], "share": r["our_side_share"],
                         "max_share_to_flag": rules.max_our_side_share},
            "requests": {"complaints_asking": r["asking"], "asking_clients_in_industry": r["asking_in_industry"]},
            "signals": signals, "score": r["score"], "min_score": rules.min_score,
            "note": "a recommendation for a person to decide; Causeway never acts on it" if r["value_destroyer"]
            else None,
        }))
    return pl.Series("evidence", out, dtype=pl.String)
