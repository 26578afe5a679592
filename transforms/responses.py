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
    first_rule = pl.coalesce([pl.when(_condition(rule.when, facts.columns)).then(pl.lit(i, pl.Int32))
                              for i, rule in enumerate(policy.rules)])
    tier = pl.col("tier").replace_strict(TIER_PRIORITY, default=9) if "tier" in facts.columns else pl.lit(9)
    ordered = facts.with_columns(_rule=first_rule, _unremarkable=pl.col("significance").is_null(),
                                 _tier=tier.fill_null(9)).sort("_unremarkable", "_tier", "received_at", "complaint_id")
    unmatched = ordered.filter(pl.col("_rule").is_null())
    if unmatched.height:
        raise ValueError(f"no policy rule matches complaint {unmatched['complaint_id'][0]}: end the rules with "
                         "one that has no `when`")
    rates = _rate_lookup(outcomes, policy)
    fixed = {(r["response"], r["shipment_type"]): r["cost_uah"] for r in tariffs.to_dicts()}
    typical = {(r["response"], r["shipment_type"]): r["typical_uah"] for r in item_costs.to_dicts()}
    wanted = ("complaint_id", "_rule", policy.ranking_segment, "shipment_type", "amount_uah", "significance",
              "hotspot", "event", "language")
    columns = [ordered[c].to_list() if c in ordered.columns else [None] * ordered.height for c in wanted]
    remaining = policy.budget_uah - budget_used_uah
    out: dict[str, list] = {name: [] for name in ("complaint_id", "recommended_response", "alternatives",
                                                  "internal_action", "policy_rule", "reason", "cost_uah",
                                                  "expected_positive_rate", "message")}
    for complaint_id, at, segment, shipment, amount, significance, hotspot, event, language in zip(*columns,
                                                                                                strict=True):
        rule = policy.rules[at]
        row = {"shipment_type": shipment, "amount_uah": amount, "significance": significance, "hotspot": hotspot,
               "event": event}
        expected = {c: rates(c, segment) for c in rule.choices}
        costs = {c: _cost(c, row, fixed, typical, policy) for c in rule.choices}
        best = max(rule.choices, key=lambda c: (expected[c] or 0.0)) if rule.rank_by_reaction else rule.choices[0]
        reason = _fill(rule.reason, row)
        if costs[best] > remaining and costs[best] > 0 and complaint_id not in decided:
            cheapest = min(rule.choices, key=lambda c: costs[c])
            if cheapest != best:
                reason += (f"; budget: {policy.budget_uah - remaining:,.0f} of {policy.budget_uah:,.0f} UAH used "
                           f"this {policy.budget_period}, so the cheaper {cheapest}")
                best = cheapest
        if complaint_id not in decided:
            remaining -= costs[best]
        for name, value in (
                ("complaint_id", complaint_id), ("recommended_response", best),
                ("alternatives", "\x1f".join(sorted((c for c in rule.choices if c != best),  # split below
                                                    key=lambda c: -(expected[c] or 0.0)))),
                ("internal_action", rule.internal), ("policy_rule", rule.name), ("reason", reason),
                ("cost_uah", round(costs[best], 2)), ("expected_positive_rate", expected[best]),
                ("message", _template(policy, best, language))):
            out[name].append(value)
    chosen = pl.DataFrame(out, schema={k: RECOMMENDATION_SCHEMA[k] if k != "alternatives" else pl.String for k in out})
    chosen = chosen.with_columns(pl.col("alternatives").str.split("\x1f").list.eval(pl.element().filter(
        pl.element() != "")))  # one string per row, split at once: a list per row costs a Series each
    context = ordered.select([pl.col(c) if c in ordered.columns else pl.lit(None, RECOMMENDATION_SCHEMA[c]).alias(c)
                              for c in ("client_id", "root_cause_id", "cause_type", "significance")])
    return pl.concat([chosen, context], how="horizontal").with_columns(budget_period=pl.lit(period)).select(
        [pl.col(c).cast(t) for c, t in RECOMMENDATION_SCHEMA.items()])


RECOMMENDATION_SCHEMA = {
    "complaint_id": pl.String, "client_id": pl.String, "root_cause_id": pl.String, "cause_type": pl.String,
    "recommended_response": pl.String, "alternatives": pl.List(pl.String), "internal_action": pl.String,
    "policy_rule": pl.String, "reason": pl.String, "cost_uah": pl.Float64, "expected_positive_rate": pl.Float64,
    "significance": pl.String, "message": pl.String, "budget_period": pl.String,
}


def _condition(when: dict, columns: list[str]) -> pl.Expr:
    """A rule's ``when`` as a filter over the complaints (every condition must hold; none: always)."""
    condition = pl.lit(True)
    for key, wanted in when.items():
        value = pl.col(key) if key in columns else pl.lit(None, pl.String)  # a missing column holds nulls
        if key == "significance" and isinstance(wanted, bool):
            ok = value.is_not_null() == wanted
        elif key in ("hotspot", "event"):
            ok = value.is_not_null() == bool(wanted)
        else:  # one value (severity: high) or a list of allowed values (a null matches only a listed null)
            values = [wanted] if isinstance(wanted, str) else list(wanted)
            ok = value.cast(pl.String).is_in([v for v in values if v is not None]).fill_null(False)
            if None in values:
                ok = ok | value.is_null()
        condition = condition & ok
    return condition


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
