"""Cause types from statistics: each rule on a tiny assignment built to trigger it, evidence included."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import polars as pl
import pytest

from transforms.cause_types import CauseTypeRules, Event, cause_types

RULES = CauseTypeRules(min_complaints=10, request_cues=frozenset({"додати", "послуга"}),
                       owners={"human_factor": "HR & Training", "process": "Operations"})


def complaints(cause: str, n: int, *, employee=None, branch=None, client=None, region="Kyiv", day0=None,
               spread_days=300, lemmas="посилка затримка") -> list[dict]:
    start = day0 or datetime(2026, 1, 1)
    return [{"complaint_id": f"{cause}-{i}", "root_cause_id": cause, "sub_cause_id": f"{cause}-s",
             "employee_id": employee(i) if callable(employee) else employee,
             "branch_id": branch(i) if callable(branch) else branch,
             "client_id": client(i) if callable(client) else client or f"CL{i:05d}-{cause}",
             "region": region, "received_at": start + timedelta(days=i * spread_days // n), "lemmas": lemmas}
            for i in range(n)]


def background() -> list[dict]:
    """Many ordinary complaints spread over employees, branches, clients, regions and the year."""
    return complaints("RC-bg", 400, employee=lambda i: f"K-{i % 40:04d}", branch=lambda i: f"B{i % 30}",
                      region="Odesa")


def typed(rows: list[dict], rules: CauseTypeRules = RULES) -> dict[str, tuple[str, dict, str]]:
    out = cause_types(pl.DataFrame(rows), rules)
    return {r["root_cause_id"]: (r["cause_type"], json.loads(r["cause_type_evidence"]), r["owner_department"])
            for r in out.iter_rows(named=True)}


def test_one_courier_far_beyond_his_share_is_human_factor() -> None:
    rows = background() + complaints("RC-rude", 60, employee=lambda i: "K-0137" if i % 10 < 8 else f"K-{i:04d}",
                                     branch=lambda i: f"B{i % 30}")
    kind, evidence, owner = typed(rows)["RC-rude"]
    assert kind == "human_factor" and owner == "HR & Training"
    assert evidence["concentration"]["employee_id"]["id"] == "K-0137"
    assert evidence["concentration"]["employee_id"]["share"] == 0.8


def test_a_one_week_burst_in_one_region_is_external() -> None:
    rows = background() + complaints("RC-storm", 50, region="Lviv", day0=datetime(2026, 1, 19), spread_days=6,
                                     employee=lambda i: f"K-{i % 40:04d}")
    kind, evidence, _ = typed(rows)["RC-storm"]
    assert kind == "external"
    assert evidence["burst"]["region"] == "Lviv" and evidence["burst"]["share"] == 1.0


def test_a_burst_spread_over_regions_is_external_only_with_a_calendar_event() -> None:
    storm = complaints("RC-app", 50, day0=datetime(2026, 4, 6), spread_days=10,
                       employee=lambda i: f"K-{i % 40:04d}", region=None)
    for i, row in enumerate(storm):
        row["region"] = ["Kyiv", "Lviv", "Odesa", "Dnipro"][i % 4]
    rows = background() + storm
    assert typed(rows)["RC-app"][0] == "process"
    release = Event("app release 5.2", date(2026, 4, 6), date(2026, 4, 8))
    with_event = CauseTypeRules(**{**RULES.__dict__, "events": (release,)})
    kind, evidence, _ = typed(rows, with_event)["RC-app"]
    assert kind == "external" and evidence["burst"]["event"] == "app release 5.2"


def test_a_few_clients_filing_most_of_it_is_client_driven() -> None:
    rows = background() + complaints("RC-claims", 40, client=lambda i: f"CL-{i % 3}",
                                     employee=lambda i: f"K-{i % 40:04d}")
    kind, evidence, _ = typed(rows)["RC-claims"]
    assert kind == "client_driven" and evidence["top_clients"]["share"] == 1.0


def test_requests_for_a_missing_service_are_a_product_gap() -> None:
    rows = background() + complaints("RC-night", 30, lemmas="аптека просити додати нічний доставка",
                                     employee=lambda i: f"K-{i % 40:04d}")
    kind, evidence, _ = typed(rows)["RC-night"]
    assert kind == "product_gap" and evidence["request_share"] == 1.0


@pytest.mark.parametrize("n", [3, 40])
def test_spread_or_small_causes_are_process(n: int) -> None:
    rows = background() + complaints("RC-late", n, employee=lambda i: f"K-{i % 40:04d}",
                                     branch=lambda i: f"B{i % 30}")
    kind, evidence, owner = typed(rows)["RC-late"]
    assert kind == "process" and owner == "Operations"
    assert ("note" in evidence) == (n < RULES.min_complaints)


def test_requests_count_as_a_product_gap_only_when_one_industry_asks() -> None:
    rules = CauseTypeRules(min_complaints=10, request_cues=frozenset({"додати"}), min_request_share=0.2,
                           min_request_segment_lift=2.0)
    industries = ["retail", "florist", "pharmacy", "auto"]

    def rows(cause: str, n: int, industry, lemmas: str) -> list[dict]:
        out = complaints(cause, n, employee=lambda i: f"K-{i % 40:04d}", lemmas=lemmas)
        return [{**r, "industry": industry(i) if callable(industry) else industry} for i, r in enumerate(out)]

    data = (rows("RC-bg", 400, lambda i: industries[i % 4], "посилка затримка")
            + rows("RC-night", 30, "pharmacy", "аптека додати нічний доставка")
            + rows("RC-wish", 30, lambda i: industries[i % 4], "додати щось"))
    got = typed(data, rules)
    kind, evidence, _ = got["RC-night"]
    assert kind == "product_gap" and evidence["top_industry"]["industry"] == "pharmacy"
    assert evidence["top_industry"]["lift"] >= 2.0
    kind, evidence, _ = got["RC-wish"]
    assert kind == "process" and evidence["request_share"] == 1.0  # everyone wishes: no segment's unmet need
