"""Client scores: the value-destroyer signals, "our side first", tiers and usage groups, on small frames."""

from __future__ import annotations

import json
from datetime import date, datetime

import polars as pl
import pytest

from transforms.client_scores import ClientRules, client_scores, complaint_signals, has_cue

TODAY = date(2026, 10, 31)
RULES = ClientRules(abusive_cues=frozenset({"idiot", "clown"}), misdeclared_cues=frozenset({"battery", "market price"}),
                    request_cues=frozenset({"option", "arrange"}), min_group_clients=2)


def _clients(*rows) -> pl.DataFrame:
    base = {"client_type": "B2B", "industry": "electronics", "revenue_uah": 100_000.0, "shipments_per_year": 1000,
            "contract_start": date(2022, 1, 1), "overdue_uah": 0.0}
    return pl.DataFrame([{**base, **r} for r in rows])


def _complaints(client_id: str, n: int, *, response: str | None = "standard_compensation", compensation=100.0,
                cause_type="process", cause_clients=50, share=0.01, hotspot=False, lemmas="parcel late",
                start: int = 0) -> list[dict]:
    return [{"complaint_id": f"{client_id}-{start + i}", "client_id": client_id, "sub_cause_id": "SC-1",
             "cause_type": cause_type, "cause_clients": cause_clients, "client_cause_share": share,
             "names_hotspot": hotspot, "response_type": response, "compensation_uah": compensation,
             "lemmas": lemmas, "received_at": datetime(2026, 5, 1)} for i in range(n)]


COMPLAINT_SCHEMA = {"complaint_id": pl.String, "client_id": pl.String, "sub_cause_id": pl.String,
                    "cause_type": pl.String, "cause_clients": pl.Int64, "client_cause_share": pl.Float64,
                    "names_hotspot": pl.Boolean, "response_type": pl.String, "compensation_uah": pl.Float64,
                    "lemmas": pl.String, "received_at": pl.Datetime("us")}


def _scores(clients: pl.DataFrame, rows: list[dict], rules: ClientRules = RULES) -> pl.DataFrame:
    complaints = complaint_signals(pl.DataFrame(rows, schema=COMPLAINT_SCHEMA), rules)
    return client_scores(clients, complaints, rules, TODAY)


def _by_id(scores: pl.DataFrame) -> dict[str, dict]:
    return {r["client_id"]: r for r in scores.to_dicts()}


# five ordinary electronics clients set the segment's median rate (2 complaints per 1,000 shipments)
ORDINARY = [{"client_id": f"OK{i}"} for i in range(5)]
ORDINARY_ROWS = [row for i in range(5) for row in _complaints(f"OK{i}", 2)]


def test_cue_matching_is_on_whole_lemmas_and_phrases() -> None:
    lemmas = pl.Series(["you clown", "clowning around", "the market price was", "market", None])
    assert has_cue(lemmas, frozenset({"clown", "market price"})).to_list() == [True, False, True, False, False]


def test_a_loud_client_with_unfounded_claims_is_flagged_with_its_evidence() -> None:
    clients = _clients(*ORDINARY, {"client_id": "LOUD", "revenue_uah": 20_000.0})
    # 40 complaints on 1,000 shipments (20x the segment), 30 of them refused, 5 abusive
    loud = (_complaints("LOUD", 30, response="polite_refusal", compensation=0.0)
            + _complaints("LOUD", 5, lemmas="you idiot", start=30) + _complaints("LOUD", 5, start=35))
    got = _by_id(_scores(clients, ORDINARY_ROWS + loud))
    assert got["LOUD"]["value_destroyer"] is True
    assert got["LOUD"]["usage_group"] == "value_destroying" and got["LOUD"]["tier"] == "C"
    evidence = json.loads(got["LOUD"]["evidence"])
    assert evidence["signals"]["complaint_rate_ratio"]["value"] == 20.0
    assert evidence["signals"]["unfounded_share"]["value"] == 0.75
    assert evidence["signals"]["abusive_share"]["fires"] is False  # 5 of 40 = 0.125 < 0.15
    assert evidence["score"] == pytest.approx(0.6)
    assert got["LOUD"]["confidence"] == pytest.approx(0.6 * (1 - 10 / 40), abs=1e-3)
    assert not any(got[c["client_id"]]["value_destroyer"] for c in ORDINARY)


def test_our_side_first_a_client_hit_by_our_process_is_never_flagged() -> None:
    """As many complaints and as much compensation as a value destroyer, but every one of them is in a
    process cause that many clients share and we paid it: our failure, not the client's usage."""
    clients = _clients(*ORDINARY, {"client_id": "VICTIM", "revenue_uah": 20_000.0})
    victim = _complaints("VICTIM", 40, compensation=1_000.0, lemmas="broken vase idiot")
    got = _by_id(_scores(clients, ORDINARY_ROWS + victim))
    assert got["VICTIM"]["our_side_share"] == 1.0
    assert got["VICTIM"]["value_destroyer"] is False and got["VICTIM"]["tier"] != "C"
    evidence = json.loads(got["VICTIM"]["evidence"])
    assert evidence["signals"]["complaint_rate_ratio"]["fires"] and evidence["signals"]["compensation_revenue"]["fires"]
    assert evidence["score"] >= RULES.min_score  # the signals alone would have flagged it


def test_a_cause_the_client_dominates_or_a_client_driven_cause_is_not_our_side() -> None:
    clients = _clients(*ORDINARY, {"client_id": "ALONE"}, {"client_id": "DRIVEN"})
    alone = _complaints("ALONE", 40, compensation=0.0, response="polite_refusal", share=0.9, cause_clients=2)
    driven = _complaints("DRIVEN", 40, compensation=0.0, response="promo_code", cause_type="client_driven")
    got = _by_id(_scores(clients, ORDINARY_ROWS + alone + driven))
    assert got["ALONE"]["our_side_share"] == 0.0 and got["ALONE"]["value_destroyer"] is True
    assert got["DRIVEN"]["our_side_share"] == 0.0


def test_with_few_judged_complaints_our_side_is_measured_over_all_of_them() -> None:
    """49 complaints still open in a cause 50 clients share, one refused: mostly ours, never flagged."""
    clients = _clients(*ORDINARY, {"client_id": "WAITING"})
    waiting = (_complaints("WAITING", 49, response=None, compensation=None)
               + _complaints("WAITING", 1, response="polite_refusal", compensation=0.0, start=49))
    got = _by_id(_scores(clients, ORDINARY_ROWS + waiting))["WAITING"]
    assert got["our_side_share"] == 0.98 and got["value_destroyer"] is False
    assert json.loads(got["evidence"])["signals"]["complaint_rate_ratio"]["fires"]


def test_complaints_naming_a_hot_spot_employee_count_for_our_side() -> None:
    clients = _clients(*ORDINARY, {"client_id": "RUDE"})
    rude = _complaints("RUDE", 40, response="polite_refusal", compensation=0.0, hotspot=True, share=0.9)
    got = _by_id(_scores(clients, ORDINARY_ROWS + rude))
    assert got["RUDE"]["our_side_share"] == 1.0 and got["RUDE"]["value_destroyer"] is False


def test_too_few_complaints_are_never_flagged() -> None:
    clients = _clients(*ORDINARY, {"client_id": "FEW", "shipments_per_year": 10})
    few = _complaints("FEW", RULES.min_complaints - 1, response="polite_refusal", compensation=0.0)
    assert _by_id(_scores(clients, ORDINARY_ROWS + few))["FEW"]["value_destroyer"] is False


def test_tiers_by_value_overdue_and_cost() -> None:
    ranks = [{"client_id": f"V{i:02d}", "revenue_uah": 1_000.0 * (i + 1), "shipments_per_year": 10 * (i + 1),
              "contract_start": date(2025, 1, 1)} for i in range(20)]
    clients = _clients(*ranks, {"client_id": "OWES", "revenue_uah": 5_000.0, "shipments_per_year": 10,
                                "contract_start": date(2025, 1, 1), "overdue_uah": 1_000.0})
    got = _by_id(_scores(clients, []))
    assert got["V19"]["tier"] == "A1" and got["V00"]["tier"] == "B3"
    assert got["OWES"]["tier"] == "D"
    ordered = [got[f"V{i:02d}"]["value_score"] for i in range(20)]
    assert ordered == sorted(ordered)
    assert {r["usage_group"] for r in got.values()} == {"intended"}
    assert all(r["complaints"] == 0 and r["cost_to_serve_uah"] == 0 for r in got.values())


def test_costly_client_not_explained_by_us_is_c_even_unflagged() -> None:
    clients = _clients(*ORDINARY, {"client_id": "COSTLY", "revenue_uah": 2_000.0, "shipments_per_year": 10_000})
    costly = _complaints("COSTLY", 12, response="promo_code", compensation=100.0, share=0.5, cause_clients=2)
    got = _by_id(_scores(clients, ORDINARY_ROWS + costly))
    assert got["COSTLY"]["value_destroyer"] is False  # rate ratio 0.6: no signal
    assert got["COSTLY"]["cost_to_serve_uah"] == 12 * (100 + RULES.handling_cost_uah)
    assert got["COSTLY"]["tier"] == "C"


def test_usage_groups_asking_with_and_without_a_group() -> None:
    clients = _clients(*ORDINARY, {"client_id": "ASK1", "industry": "pharmacy"},
                       {"client_id": "ASK2", "industry": "pharmacy"}, {"client_id": "LONE", "industry": "florist"})
    asking = [row for cid in ("ASK1", "ASK2", "LONE")
              for row in _complaints(cid, 4, lemmas="please arrange night delivery") + _complaints(cid, 6, start=4)]
    got = _by_id(_scores(clients, ORDINARY_ROWS + asking))
    assert got["ASK1"]["usage_group"] == got["ASK2"]["usage_group"] == "unusual_potential"
    assert got["LONE"]["usage_group"] == "unusual_no_potential"
    assert got["OK0"]["usage_group"] == "intended"
    # all B2B clients here have the same value (score 0.5, below A3): the asking group is X, the rest B1
    assert (got["ASK1"]["tier"], got["ASK2"]["tier"], got["LONE"]["tier"], got["OK0"]["tier"]) == ("X", "X", "B1",
                                                                                                  "B1")


def test_every_client_gets_exactly_one_row_even_without_complaints() -> None:
    clients = _clients(*ORDINARY, {"client_id": "SILENT"})
    scores = _scores(clients, ORDINARY_ROWS + _complaints("GHOST", 3))  # a complaint of an unknown client
    assert scores["client_id"].to_list() == sorted(c["client_id"] for c in [*ORDINARY, {"client_id": "SILENT"}])
    assert scores["client_id"].is_unique().all()
