"""Response recommendations: every branch of the shipped policy, ranking by reactions, the budget, templates."""

from __future__ import annotations

import re
from datetime import datetime

import polars as pl
import pytest

from flows.settings import load_settings
from transforms.responses import Policy, Rule, reaction_outcomes, recommend, response_cost

POLICY = load_settings().policy.policy()
TARIFFS = pl.DataFrame({"response": ["promo_code", "gift_box", "polite_refusal", "standard_compensation",
                                     "replacement_plus_extra"],
                        "shipment_type": ["parcel"] * 5, "cost_uah": [85.0, 750.0, 0.0, None, None]})
ITEM_COSTS = pl.DataFrame({"response": ["standard_compensation"], "shipment_type": ["parcel"], "typical_uah": [900.0]})
OUTCOMES = pl.DataFrame({"response": ["promo_code", "gift_box", "polite_refusal", "standard_compensation",
                                      "replacement_plus_extra"],
                         "dimension": ["all"] * 5, "segment_value": ["all"] * 5, "reactions": [100] * 5,
                         "positive": [70, 86, 15, 72, 88], "positive_rate": [0.7, 0.86, 0.15, 0.72, 0.88]})


def _complaint(**overrides) -> dict:
    row = {"complaint_id": "C1", "client_id": "CL1", "received_at": datetime(2026, 10, 20), "language": "en",
           "shipment_type": "parcel", "industry": "florist", "root_cause_id": "RC-1", "cause_type": "process",
           "tier": "B2", "usage_group": "intended", "hotspot": None, "event": None, "channel": "phone",
           "amount_uah": None, "lemmas": "parcel arrive late"}
    return {**row, **overrides}


def _recommend(rows: list[dict], policy: Policy = POLICY, outcomes: pl.DataFrame = OUTCOMES,
               used: float = 0.0) -> pl.DataFrame:
    frame = pl.DataFrame(rows, schema_overrides={"hotspot": pl.String, "event": pl.String, "amount_uah": pl.Float64})
    return recommend(frame, outcomes, TARIFFS, ITEM_COSTS, policy, used, "2026-10")


@pytest.mark.parametrize(("overrides", "rule", "response", "internal"), [
    ({"usage_group": "value_destroying", "lemmas": "vase broken"}, "value-destroying client", "polite_refusal", None),
    ({"cause_type": "client_driven"}, "caused by the client's own usage", "polite_refusal", None),
    ({"lemmas": "insulin father intensive care parcel late"}, "our failure mattered a lot", "replacement_plus_extra",
     "process_fix_ticket"),
    ({"event": "EX-Lviv-2026-01-19"}, "external event", "promo_code", None),
    ({"hotspot": "K-0137"}, "one employee's behaviour", "gift_box", "training_ticket"),
    ({"cause_type": "human_factor"}, "human factor", "gift_box", "training_ticket"),
    ({"cause_type": "external"}, "force majeure", "promo_code", None),
    ({"cause_type": "product_gap"}, "product gap", "polite_refusal", None),
    ({"lemmas": "vase broken", "tier": "A1"}, "damaged or lost, top clients", "replacement_plus_extra",
     "process_fix_ticket"),
    ({"lemmas": "vase broken"}, "damaged or lost", "standard_compensation", "process_fix_ticket"),
    ({}, "everything else", "promo_code", "process_fix_ticket"),
])
def test_each_policy_branch(overrides: dict, rule: str, response: str, internal: str | None) -> None:
    got = _recommend([_complaint(**overrides)]).row(0, named=True)
    assert (got["policy_rule"], got["recommended_response"], got["internal_action"]) == (rule, response, internal)
    assert got["reason"] and got["message"]


def test_costs_come_from_tariffs_the_text_or_past_payouts() -> None:
    rows = [_complaint(complaint_id="A", lemmas="vase broken", amount_uah=2_500.0),
            _complaint(complaint_id="B", lemmas="vase broken", amount_uah=90_000.0),
            _complaint(complaint_id="C", lemmas="vase broken"),
            _complaint(complaint_id="D", lemmas="vase broken", tier="A1", amount_uah=1_000.0),
            _complaint(complaint_id="E")]
    cost = dict(_recommend(rows).select("complaint_id", "cost_uah").iter_rows())
    assert cost == {"A": 2_500.0, "B": 5_000.0, "C": 900.0, "D": 1_400.0, "E": 85.0}


def test_significance_kind_is_named_in_the_reason() -> None:
    got = _recommend([_complaint(lemmas="wedding ring parcel lose")]).row(0, named=True)
    assert got["significance"] == "wedding" and "wedding" in got["reason"]


def test_choices_ranked_by_the_segments_past_reactions() -> None:
    """With rank_by_reaction, a segment whose clients liked promo codes more than gift boxes gets the promo."""
    florists = pl.DataFrame({"response": ["promo_code", "gift_box"], "dimension": ["industry"] * 2,
                             "segment_value": ["florist"] * 2, "reactions": [400, 400], "positive": [380, 120],
                             "positive_rate": [0.95, 0.3]})
    outcomes = pl.concat([OUTCOMES, florists])
    florist = _recommend([_complaint(cause_type="human_factor")], outcomes=outcomes).row(0, named=True)
    pharmacy = _recommend([_complaint(cause_type="human_factor", industry="pharmacy")], outcomes=outcomes).row(
        0, named=True)
    assert florist["recommended_response"] == "promo_code" and florist["alternatives"] == ["gift_box"]
    assert pharmacy["recommended_response"] == "gift_box"  # no florist data: the company's rates decide
    assert florist["expected_positive_rate"] == pytest.approx((380 + 20 * 0.7) / 420, abs=1e-4)


def test_budget_falls_back_to_the_cheapest_choice_and_says_so() -> None:
    policy = Policy(rules=(Rule(name="all", choices=("gift_box", "promo_code"), reason="r"),), budget_uah=2_000.0)
    rows = [_complaint(complaint_id=f"C{i}", received_at=datetime(2026, 10, 1 + i)) for i in range(4)]
    got = _recommend(rows, policy=policy, used=500.0)
    assert got.sort("complaint_id")["recommended_response"].to_list() == ["gift_box", "gift_box", "promo_code",
                                                                          "promo_code"]
    assert "budget: " in got.filter(pl.col("complaint_id") == "C2")["reason"][0]


def test_budget_goes_first_to_significant_and_top_tier_complaints() -> None:
    policy = Policy(rules=(Rule(name="all", choices=("gift_box", "promo_code"), reason="r"),), budget_uah=800.0,
                    significance_cues={"medical": frozenset({"insulin"})})
    rows = [_complaint(complaint_id="OLD", received_at=datetime(2026, 10, 1)),
            _complaint(complaint_id="MED", received_at=datetime(2026, 10, 9), lemmas="insulin")]
    got = dict(_recommend(rows, policy=policy).select("complaint_id", "recommended_response").iter_rows())
    assert got == {"MED": "gift_box", "OLD": "promo_code"}


def test_refusal_templates_do_not_apologize_and_others_exist_in_every_language() -> None:
    apology = re.compile(r"sorry|apolog|regret|вибач|перепрош|шкод|извин|прост|жаль", re.IGNORECASE)
    for language, text in POLICY.templates["polite_refusal"].items():
        assert not apology.search(text), f"the {language} refusal apologizes: {text}"
    for response, texts in POLICY.templates.items():
        assert set(texts) == {"en", "uk", "ru"}, response


def test_reaction_outcomes_per_segment_and_overall() -> None:
    reactions = pl.DataFrame({"response": ["gift_box", "gift_box", "gift_box", "promo_code", None],
                              "reaction": ["positive", "negative", "positive", None, "positive"],
                              "industry": ["florist", "florist", "pharmacy", "florist", "florist"]})
    got = reaction_outcomes(reactions, ("industry",))
    rows = {(r["response"], r["dimension"], r["segment_value"]): (r["reactions"], r["positive"], r["positive_rate"])
            for r in got.to_dicts()}
    assert rows == {("gift_box", "all", "all"): (3, 2, pytest.approx(0.6667)),
                    ("gift_box", "industry", "florist"): (2, 1, 0.5),
                    ("gift_box", "industry", "pharmacy"): (1, 1, 1.0)}


def test_decided_complaints_spend_nothing_more_and_overrides_are_priced_like_recommendations() -> None:
    policy = Policy(rules=(Rule(name="all", choices=("gift_box", "promo_code"), reason="r"),), budget_uah=1_000.0)
    rows = [_complaint(complaint_id="DONE", received_at=datetime(2026, 10, 1)),
            _complaint(complaint_id="NEXT", received_at=datetime(2026, 10, 2))]
    frame = pl.DataFrame(rows, schema_overrides={"hotspot": pl.String, "event": pl.String, "amount_uah": pl.Float64})
    got = dict(recommend(frame, OUTCOMES, TARIFFS, ITEM_COSTS, policy, 0.0, "2026-10", decided=frozenset({"DONE"}))
               .select("complaint_id", "recommended_response").iter_rows())
    assert got == {"DONE": "gift_box", "NEXT": "gift_box"}  # DONE's gift is already in the budget used
    assert response_cost("standard_compensation", {"shipment_type": "parcel", "amount_uah": None}, TARIFFS,
                         ITEM_COSTS, POLICY) == 900.0
    assert response_cost("gift_box", {"shipment_type": "parcel"}, TARIFFS, ITEM_COSTS, POLICY) == 750.0
