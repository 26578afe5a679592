"""Response recommendations: one per open complaint, from the policy in ``config/policy.yaml``.

Input grains: ``open_complaints`` one row per open complaint with its cause, client tier / usage group,
lemmas and the amount it names (see :func:`recommend`); ``outcomes`` one row per response × segment with
past reactions (:func:`reaction_outcomes`); ``tariffs`` one row per response × shipment type.
Output grain: one row per open complaint (``responses``, before the latest recorded decision is joined).

Every recommendation carries the rule that chose it, the reason in words, its cost and the expected
positive-reaction rate. Choices a rule allows are ranked by past reactions in the client's segment (shrunk
towards the company's rate). A budget per period caps the spend: once it is used, recommendations fall back
to the cheapest choice their rule allows, and the reason says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from transforms.client_scores import has_cue

TIER_PRIORITY = {"A1": 0, "A2": 1, "A3": 2, "X": 3, "B1": 4, "B2": 5, "B3": 6, "D": 7, "C": 8}


@dataclass(frozen=True)
class Rule:
    name: str
    choices: tuple[str, ...]
    reason: str
    when: dict = field(default_factory=dict)
    rank_by_reaction: bool = False
    internal: str | None = None


@dataclass(frozen=True)
class Policy:
    rules: tuple[Rule, ...]
    budget_uah: float = 1_200_000.0
    budget_period: str = "month"
    ranking_segment: str = "industry"
    prior_weight: float = 20.0
    compensation_cap_uah: float = 5_000.0
    extra_uah: float = 400.0
    default_item_uah: float = 1_000.0
    fixed_uah: dict[str, float] = field(default_factory=lambda: {"promo_code": 100.0, "gift_box": 750.0,
                                                                 "polite_refusal": 0.0})
    significance_cues: dict[str, frozenset[str]] = field(default_factory=dict)
    severity_cues: frozenset[str] = frozenset()
    templates: dict[str, dict[str, str]] = field(default_factory=dict)


def reaction_outcomes(reactions: pl.DataFrame, dimensions: tuple[str, ...]) -> pl.DataFrame:
    """One row per response × dimension × value (and 'all'): reactions, positive, positive_rate.

    ``reactions``: one row per complaint with a response and a reaction (past resolutions and recorded
    decisions), with the segment columns named in ``dimensions``."""
    known = reactions.filter(pl.col("response").is_not_null() & pl.col("reaction").is_not_null())
    frames = [known.group_by("response").agg(reactions=pl.len(), positive=(pl.col("reaction") == "positive").sum())
              .with_columns(dimension=pl.lit("all"), segment_value=pl.lit("all"))]
    for dim in dimensions:
        frames.append(known.filter(pl.col(dim).is_not_null())
                      .group_by("response", pl.col(dim).cast(pl.String).alias("segment_value"))
                      .agg(reactions=pl.len(), positive=(pl.col("reaction") == "positive").sum())
                      .with_columns(dimension=pl.lit(dim)))
    out = pl.concat(frames, how="diagonal_relaxed")
    return out.select("response", "dimension", "segment_value", pl.col("reactions").cast(pl.Int32),
                      pl.col("positive").cast(pl.Int32),
                      (pl.col("positive") / pl.col("reactions")).round(4).alias("positive_rate")
                      ).sort("response", "dimension", "segment_value")


def complaint_facts(open_complaints: pl.DataFrame, policy: Policy) -> pl.DataFrame:
    """Significance (medical / child / wedding / birthday) and severity from the complaint's lemmas."""
    lemmas = open_complaints["lemmas"]
    significance = pl.lit(None, pl.String)
    for kind, cues in reversed(list(policy.significance_cues.items())):  # the first listed kind wins
        significance = pl.when(has_cue(lemmas, cues)).then(pl.lit(kind)).otherwise(significance)
    return open_complaints.with_columns(
        significance=significance,
        severity=pl.when(has_cue(lemmas, policy.severity_cues)).then(pl.lit("high")).otherwise(pl.lit("normal")),
    )


def recommend(open_complaints: pl.DataFrame, outcomes: pl.DataFrame, tariffs: pl.DataFrame,
              item_costs: pl.DataFrame, policy: Policy, budget_used_uah: float, period: str,
              decided: frozenset[str] = frozenset()) -> pl.DataFrame:
    """One recommendation per open complaint.

    ``open_complaints`` needs: complaint_id, client_id, received_at, language, shipment_type, the ranking
    segment column, root_cause_id, cause_type, tier, usage_group, hotspot (the named hot-spot id or null),
    event (the external event it falls in, or null), channel, amount_uah (named in the text, or null),
    lemmas. ``item_costs``: shipment_type, response, typical_uah (median past payout), for items the text
    does not price. Complaints in ``decided`` already
    have a recorded decision, whose cost is in ``budget_used_uah``: their recommendation spends nothing."""
    facts = complaint_facts(open_complaints, policy)
    rows = facts.to_dicts()
    rates = _rate_lookup(outcomes, policy)
    fixed = {(r["response"], r["shipment_type"]): r["cost_uah"] for r in tariffs.to_dicts()}
    typical = {(r["response"], r["shipment_type"]): r["typical_uah"] for r in item_costs.to_dicts()}
    rows.sort(key=lambda r: (r.get("significance") is None, TIER_PRIORITY.get(r.get("tier") or "", 9),
                             r["received_at"], r["complaint_id"]))
    remaining = policy.budget_uah - budget_used_uah
    out = []
    for row in rows:
        rule = next(r for r in policy.rules if _matches(r.when, row))
        segment = row.get(policy.ranking_segment)
        expected = {c: rates(c, segment) for c in rule.choices}
        costs = {c: _cost(c, row, fixed, typical, policy) for c in rule.choices}
        best = max(rule.choices, key=lambda c: (expected[c] or 0.0)) if rule.rank_by_reaction else rule.choices[0]
        reason = _fill(rule.reason, row)
        if costs[best] > remaining and costs[best] > 0 and row["complaint_id"] not in decided:
            cheapest = min(rule.choices, key=lambda c: costs[c])
            if cheapest != best:
                reason += (f"; budget: {policy.budget_uah - remaining:,.0f} of {policy.budget_uah:,.0f} UAH used "
                           f"this {policy.budget_period}, so the cheaper {cheapest}")
                best = cheapest
        if row["complaint_id"] not in decided:
            remaining -= costs[best]
        alternatives = sorted((c for c in rule.choices if c != best), key=lambda c: -(expected[c] or 0.0))
        out.append({
            "complaint_id": row["complaint_id"], "client_id": row.get("client_id"),
            "root_cause_id": row.get("root_cause_id"), "cause_type": row.get("cause_type"),
            "recommended_response": best, "alternatives": alternatives, "internal_action": rule.internal,
            "policy_rule": rule.name, "reason": reason, "cost_uah": round(costs[best], 2),
            "expected_positive_rate": expected[best], "significance": row.get("significance"),
            "message": _template(policy, best, row.get("language")), "budget_period": period,
        })
    return pl.DataFrame(out, schema=RECOMMENDATION_SCHEMA)


RECOMMENDATION_SCHEMA = {
    "complaint_id": pl.String, "client_id": pl.String, "root_cause_id": pl.String, "cause_type": pl.String,
    "recommended_response": pl.String, "alternatives": pl.List(pl.String), "internal_action": pl.String,
    "policy_rule": pl.String, "reason": pl.String, "cost_uah": pl.Float64, "expected_positive_rate": pl.Float64,
    "significance": pl.String, "message": pl.String, "budget_period": pl.String,
}


def _matches(when: dict, row: dict) -> bool:
    for key, wanted in when.items():
        if key == "significance":
            kind = row.get("significance")
            ok = (kind is not None) == wanted if isinstance(wanted, bool) else kind in wanted
        elif key in ("hotspot", "event"):
            ok = (row.get(key) is not None) == bool(wanted)
        elif key == "severity":
            ok = row.get("severity") == wanted
        else:
            ok = row.get(key) in wanted
        if not ok:
            return False
    return True


def _rate_lookup(outcomes: pl.DataFrame, policy: Policy):
    """(response, segment value) -> the segment's positive rate shrunk towards the company's."""
    overall = {r["response"]: (r["positive"], r["reactions"]) for r in
               outcomes.filter(pl.col("dimension") == "all").to_dicts()}
    by_segment = {(r["response"], r["segment_value"]): (r["positive"], r["reactions"]) for r in
                  outcomes.filter(pl.col("dimension") == policy.ranking_segment).to_dicts()}
    k = policy.prior_weight

    def rate(response: str, segment) -> float | None:
        pos_all, n_all = overall.get(response, (0, 0))
        if n_all == 0:
            return None
        prior = pos_all / n_all
        pos, n = by_segment.get((response, str(segment)), (0, 0))
        return round((pos + k * prior) / (n + k), 4)

    return rate


def response_cost(response: str, row: dict, tariffs: pl.DataFrame, item_costs: pl.DataFrame, policy: Policy) -> float:
    """What ``response`` costs for one complaint (``row``: shipment_type, amount_uah), as :func:`recommend`
    prices it."""
    fixed = {(r["response"], r["shipment_type"]): r["cost_uah"] for r in tariffs.to_dicts()}
    typical = {(r["response"], r["shipment_type"]): r["typical_uah"] for r in item_costs.to_dicts()}
    return _cost(response, row, fixed, typical, policy)


def _cost(response: str, row: dict, fixed: dict, typical: dict, policy: Policy) -> float:
    shipment = row.get("shipment_type")
    cost = fixed.get((response, shipment))
    if cost is None:
        cost = policy.fixed_uah.get(response)  # no tariff row for this shipment type
    if cost is not None:
        return float(cost)
    if response in ("standard_compensation", "replacement_plus_extra"):
        named = row.get("amount_uah")
        item = min(float(named), policy.compensation_cap_uah) if named else \
            typical.get(("standard_compensation", shipment)) or policy.default_item_uah
        return float(item) + (policy.extra_uah if response == "replacement_plus_extra" else 0.0)
    return 0.0


def _fill(template: str, row: dict) -> str:
    for key in ("significance", "hotspot", "event"):
        template = template.replace("{" + key + "}", str(row.get(key) or ""))
    return template


def _template(policy: Policy, response: str, language: str | None) -> str | None:
    texts = policy.templates.get(response, {})
    return texts.get(language or "") or texts.get("en")
