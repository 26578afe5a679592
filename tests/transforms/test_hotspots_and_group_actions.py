"""Human-factor hot spots, "fix it for the whole group" lists and product-gap questions, on small frames."""

from __future__ import annotations

import json
from datetime import date, datetime

import polars as pl

from transforms.group_actions import group_fix_candidates, product_gaps
from transforms.hotspots import HotspotRules, complaint_event, complaint_hotspot, external_hotspots, person_hotspots

EMPLOYEES = pl.DataFrame({"employee_id": [f"K-{i}" for i in range(10)] + ["CC-1", "CC-2", "CC-3"],
                          "role": ["courier"] * 10 + ["cc_agent"] * 3})
BRANCHES = pl.DataFrame({"branch_id": ["BR1", "BR2", "BR3"]})


def _named(employee: str | None, n: int, cause: str = "RC-1", branch: str | None = None) -> list[dict]:
    return [{"complaint_id": f"{employee}-{cause}-{i}", "employee_id": employee, "branch_id": branch,
             "root_cause_id": cause, "received_at": datetime(2026, 3, 1 + i % 28)} for i in range(n)]


def test_a_courier_far_above_the_median_courier_is_a_hot_spot_with_its_causes() -> None:
    rows = [r for i in range(10) for r in _named(f"K-{i}", 3)] + _named("K-7", 40, "RC-2") + _named("CC-1", 4)
    complaints = pl.DataFrame(rows)
    hot = person_hotspots(complaints, EMPLOYEES, BRANCHES, HotspotRules(owner="HR & Training"))
    assert hot["subject"].to_list() == ["K-7"]
    row = hot.row(0, named=True)
    assert (row["complaints"], row["expected"], row["ratio"]) == (43, 3.0, 14.3)
    assert json.loads(row["top_causes"]) == {"RC-2": 40, "RC-1": 3} and row["owner_department"] == "HR & Training"
    flagged = complaint_hotspot(complaints, hot)
    assert flagged.drop_nulls().unique().to_list() == ["K-7"] and flagged.null_count() == len(rows) - 43


def test_the_median_is_of_peers_named_at_all_and_small_counts_never_fire() -> None:
    # agents CC-1 and CC-3 are named 2 and 3 times: the median named agent has 3 (never-named peers do not
    # pull it to zero, which would make anyone with 20 complaints a hot spot)
    quiet = _named("CC-1", 2) + _named("CC-3", 3)
    assert person_hotspots(pl.DataFrame(quiet + _named("CC-2", 19)), EMPLOYEES, BRANCHES, HotspotRules()).height == 0
    hot = person_hotspots(pl.DataFrame(quiet + _named("CC-2", 25)), EMPLOYEES, BRANCHES, HotspotRules())
    assert hot.select("subject", "expected", "ratio").rows() == [("CC-2", 3.0, 8.3)]
    alone = person_hotspots(pl.DataFrame(_named("CC-2", 40)), EMPLOYEES, BRANCHES, HotspotRules())
    assert alone.height == 0  # the only agent named: no peer to stand out from


def test_branch_hot_spots() -> None:
    complaints = pl.DataFrame(_named(None, 30, branch="BR2") + _named(None, 2, branch="BR1")
                              + _named(None, 3, branch="BR3"))
    hot = person_hotspots(complaints, EMPLOYEES, BRANCHES, HotspotRules())
    assert hot.select("subject_type", "subject").rows() == [("branch", "BR2")]


def _alert(region: str, start: date, end: date, expected: float = 10.0) -> dict:
    return {"series_kind": "segment", "dimension": "region", "key": region, "start_day": start, "end_day": end,
            "expected": expected}


def test_a_regional_burst_is_an_external_event_and_a_company_wide_one_is_not() -> None:
    """Lviv holds a tenth of complaints; in its storm week it holds most: external. Kyiv's alert comes with
    a company-wide spike (its share stays as usual): not an event of its own."""
    rows = []
    for day in range(1, 29):  # a usual February: 9 complaints a day elsewhere, 1 in Lviv, Kyiv 5
        rows += [("Kyiv", day)] * 5 + [("Odesa", day)] * 4 + [("Lviv", day)]
    rows += [("Lviv", 10)] * 80 + [("Kyiv", 20)] * 40 + [("Odesa", 20)] * 40
    complaints = pl.DataFrame({"region": [r for r, _ in rows],
                               "received_at": [datetime(2026, 2, d, 12) for _, d in rows],
                               "root_cause_id": ["RC-1"] * len(rows)})
    alerts = pl.DataFrame([_alert("Lviv", date(2026, 2, 10), date(2026, 2, 10), 1.0),
                           _alert("Kyiv", date(2026, 2, 20), date(2026, 2, 20), 5.0)])
    events = pl.DataFrame({"name": ["Parade"], "start": [date(2026, 2, 3)], "end": [date(2026, 2, 3)],
                           "region": ["Odesa"]})
    hot = external_hotspots(alerts, complaints, events, HotspotRules(event_min_complaints=50))
    assert hot.select("subject", "start_day", "complaints").rows() == [
        ("Lviv", date(2026, 2, 10), 81), ("Odesa", date(2026, 2, 3), 4)]
    flagged = complaint_event(complaints, hot)
    counts = dict(flagged.drop_nulls().value_counts().iter_rows())
    assert counts == {"EX-Lviv-2026-02-10": 81, "EX-Odesa-2026-02-03": 4} and flagged.len() == len(rows)
    nothing = complaint_event(complaints, hot.head(0))  # no event: one null per complaint
    assert nothing.len() == len(rows) and nothing.null_count() == len(rows)


CLIENTS = pl.DataFrame({"client_id": ["F1", "F2", "F3", "E1"], "industry": ["florist", "florist", "florist",
                                                                            "electronics"],
                        "main_shipment_type": ["fragile", "fragile", "perishable", "parcel"],
                        "client_type": ["B2B"] * 4, "region": ["Kyiv"] * 4,
                        "revenue_uah": [100.0, 300.0, 200.0, 999.0], "shipments_per_year": [10, 30, 20, 99]})
SCORES = pl.DataFrame({"client_id": ["F1", "F2", "F3", "E1"], "tier": ["B1", "A1", "B2", "A1"]})


def test_group_fix_lists_clients_of_the_segment_who_have_not_complained_biggest_first() -> None:
    causes = pl.DataFrame({"root_cause_id": ["RC-1", "RC-2"], "level": ["root", "root"],
                           "cause_type": ["process", "human_factor"]})
    segments = pl.DataFrame({"root_cause_id": ["RC-1", "RC-1", "RC-1", "RC-2"],
                             "dimension": ["industry", "region", "industry", "industry"],
                             "segment_value": ["florist", "Kyiv", "electronics", "florist"],
                             "lift": [4.0, 3.0, 1.1, 5.0], "concentrated": [True, True, False, True]})
    members = pl.DataFrame({"root_cause_id": ["RC-1"], "client_id": ["F1"]})
    got = group_fix_candidates(causes, segments, members, CLIENTS, SCORES, max_per_segment=5)
    assert got.select("root_cause_id", "segment_value", "client_id", "tier").rows() == [
        ("RC-1", "florist", "F2", "A1"), ("RC-1", "florist", "F3", "B2")]
    assert group_fix_candidates(causes, segments, members, CLIENTS, SCORES, max_per_segment=1).height == 1


def test_product_gap_questions_in_numbers() -> None:
    causes = pl.DataFrame({"root_cause_id": ["SC-9"], "level": ["sub"], "cause_type": ["product_gap"]})
    segments = pl.DataFrame({"root_cause_id": ["SC-9"], "dimension": ["industry"], "segment_value": ["florist"],
                             "lift": [6.0], "concentrated": [True]})
    as_of = datetime(2026, 10, 31)
    members = pl.DataFrame({
        "root_cause_id": ["RC-1"] * 5, "sub_cause_id": ["SC-9"] * 5, "client_id": ["F1", "F1", "F2", "F3", None],
        "received_at": [datetime(2026, 10, 1), datetime(2026, 9, 1), datetime(2026, 9, 15), datetime(2026, 6, 1),
                        datetime(2026, 10, 30)]})
    row = product_gaps(causes, segments, members, CLIENTS, SCORES, as_of).row(0, named=True)
    assert (row["complaints"], row["clients"], row["segment"], row["segment_clients"]) == (5, 3, "industry=florist", 3)
    assert json.loads(row["tiers"]) == {"A1": 1, "B1": 1, "B2": 1}
    assert row["revenue_at_stake_uah"] == 600.0
    assert row["growth"] == 4.0  # 4 complaints in the last 90 days, 1 in the 90 before
