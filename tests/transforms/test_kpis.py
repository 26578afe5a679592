"""KPIs: given five complaints, two shipment segments and four incidents, expect hand-computed figures."""

from __future__ import annotations

import copy
from datetime import date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from transforms.kpis import (
    KPI_SPECS,
    OUTPUT_SCHEMA,
    KpiConfigError,
    kpi_config_from_dict,
    kpi_daily,
    kpi_definitions,
    load_kpi_config,
)

REPO = Path(__file__).resolve().parents[2]
RAW = yaml.safe_load((REPO / "config" / "kpis.yaml").read_text(encoding="utf-8"))
TEST_DIMENSIONS = ("region", "channel", "client_type", "cause_type", "response_type")
D1, D2, D3 = date(2026, 1, 5), date(2026, 1, 6), date(2026, 1, 7)
AS_OF = datetime(2026, 1, 9)
H = timedelta(hours=1)


def config(**changes):
    """The repository's definitions with the parameters these tests were computed for."""
    raw = copy.deepcopy(RAW)
    raw.update(sla_hours={"first_response": 24, "resolve": 72}, repeat_window_days=30,
               contact_center_channels=["phone", "email", "web_form", "branch"],
               social_channels=["twitter", "telegram"], gift_response_types=["gift_box", "replacement_plus_extra"],
               social_negative={"assigned_counts_as_negative": False,
                                "cues": {"en": ["terrible", "still waiting"], "uk": ["жах"]}})
    for key, entry in raw["kpis"].items():
        entry["dimensions"] = [d for d in TEST_DIMENSIONS if d in KPI_SPECS[key].dimensions]
    raw.update(changes)
    return kpi_config_from_dict(raw, source="test-kpis.yaml")


COMPLAINT_SCHEMA = {
    "complaint_id": pl.String, "received_at": pl.Datetime("us"), "channel": pl.String, "client_id": pl.String,
    "client_type": pl.String, "industry": pl.String, "shipment_type": pl.String, "region": pl.String,
    "status": pl.String, "first_response_at": pl.Datetime("us"), "resolved_at": pl.Datetime("us"),
    "response_type": pl.String, "compensation_uah": pl.Float64, "reaction": pl.String, "incident_id": pl.String,
    "root_cause_id": pl.String, "cause_type": pl.String, "value_destroyer": pl.Boolean, "text_masked": pl.String,
    "language": pl.String}


def complaints() -> pl.DataFrame:
    t1, t2, t3 = datetime(2026, 1, 5, 9), datetime(2026, 1, 5, 10), datetime(2026, 1, 5, 12)
    t4, t5 = datetime(2026, 1, 6, 8), datetime(2026, 1, 6, 9)
    rows = [  # A: a florist in Lviv; B: a retail client in Kyiv, flagged; c3 is B's tweet about c2's incident
        ("c1", t1, "phone", "A", "B2B", "florist", "fragile", "Lviv", "closed", t1 + H, t1 + 10 * H, "gift_box",
         750.0, "positive", "I1", "RC1", "process", False, "Квіти зів'яли", "uk"),
        ("c2", t2, "email", "B", "B2C", "retail", "parcel", "Kyiv", "closed", t2 + 30 * H, t2 + 100 * H,
         "standard_compensation", 1000.0, "negative", "I2", "RC2", "external", True, "Where is it", "en"),
        ("c3", t3, "twitter", "B", "B2C", "retail", "parcel", None, None, None, None, None, None, None, "I2", "RC2",
         "external", True, "Still waiting, TERRIBLE", "en"),
        ("c4", t4, "phone", "A", "B2B", "florist", "fragile", "Lviv", "open", t4 + 3 * H, None, None, None, None,
         "I3", "RC1", "process", False, "Знову", "uk"),
        ("c5", t5, "telegram", None, None, None, None, None, None, None, None, None, None, None, "I4", "RC1",
         "process", None, "Дякую, все чудово", "uk"),
    ]
    return pl.DataFrame(rows, schema=COMPLAINT_SCHEMA, orient="row")


def shipments() -> pl.DataFrame:
    rows = [(D1, "Lviv", "B2B", "florist", "fragile", 10_000, 5, 1_000_000.0),
            (D1, "Kyiv", "B2C", "retail", "parcel", 10_000, 0, 500_000.0),
            (D2, "Lviv", "B2B", "florist", "fragile", 20_000, 10, 2_000_000.0),
            (D2, "Kyiv", "B2C", "retail", "parcel", 20_000, 0, 1_000_000.0),
            (D3, "Lviv", "B2B", "florist", "fragile", 10_000, 0, 1_000_000.0)]
    return pl.DataFrame(rows, schema=["day", "region", "client_type", "industry", "shipment_type", "shipments",
                                      "damaged", "revenue_uah"], orient="row")


def incidents() -> pl.DataFrame:
    return pl.DataFrame({"incident_id": ["I1", "I2", "I3", "I4"], "n_complaints": [1, 2, 1, 1],
                         "complaint_ids": [["c1"], ["c2", "c3"], ["c4"], ["c5"]]})


def cause_fixes() -> pl.DataFrame:
    return pl.DataFrame({"root_cause_id": ["RC1", "RC2"], "fix_status": ["in_progress", "none"]})


def daily(cfg=None, frame=None, as_of=AS_OF) -> pl.DataFrame:
    return kpi_daily(complaints() if frame is None else frame, shipments(), incidents(), cause_fixes(),
                     cfg or config(), as_of=as_of)


def row(out: pl.DataFrame, kpi: str, day: date, dimension: str = "all", segment: str = "all") -> tuple:
    hit = out.filter((pl.col("kpi") == kpi) & (pl.col("day") == day) & (pl.col("dimension") == dimension)
                     & (pl.col("segment_value") == segment))
    assert hit.height == 1, f"{kpi} {day} {dimension}={segment}: {hit.height} rows"
    return hit.select("value", "numerator", "denominator").row(0)


def test_volume_kpis_divide_by_the_segment_shipments() -> None:
    out = daily()
    assert row(out, "complaints_per_10k_shipments", D1) == (1.5, 3.0, 20_000.0)
    assert row(out, "complaints_per_10k_shipments", D1, "region", "Lviv") == (1.0, 1.0, 10_000.0)
    assert row(out, "complaints_per_10k_shipments", D1, "region", "(unknown)") == (None, 1.0, 0.0)
    # channel is not a shipment attribute: every channel is divided by all of the day's shipments
    assert row(out, "complaints_per_10k_shipments", D1, "channel", "twitter") == (0.5, 1.0, 20_000.0)
    assert row(out, "complaints_per_10k_shipments", D1, "channel", "telegram") == (0.0, 0.0, 20_000.0)
    assert row(out, "complaints_per_10k_shipments", D3) == (0.0, 0.0, 10_000.0)
    assert row(out, "intact_share", D1) == (19_995 / 20_000, 19_995.0, 20_000.0)
    assert row(out, "compensation_revenue_share", D1) == (1750 / 1_500_000, 1750.0, 1_500_000.0)


def test_response_times_and_sla_use_contact_center_complaints_and_the_as_of_time() -> None:
    out = daily()
    assert row(out, "first_response_hours_median", D1) == (15.5, 2.0, None)
    assert row(out, "first_response_hours_p90", D1) == pytest.approx((1 + 0.9 * 29, 2.0, None))
    assert row(out, "resolve_hours_median", D1) == (55.0, 2.0, None)
    assert row(out, "first_response_hours_median", D2, "channel", "phone") == (3.0, 1.0, None)
    assert row(out, "sla_first_response_share", D1) == (0.5, 1.0, 2.0)
    assert row(out, "sla_resolve_share", D1) == (0.5, 1.0, 2.0)
    # c4 is still open 64 h after receipt: not yet a breach of the 72 h SLA ...
    assert row(out, "sla_resolve_share", D2) == (None, 0.0, 0.0)
    # ... but it is one a day later
    assert row(daily(as_of=AS_OF + timedelta(days=1)), "sla_resolve_share", D2) == (0.0, 0.0, 1.0)


def test_incident_kpis_first_contact_resolution_and_fix_share() -> None:
    out = daily()
    # I1 closed with one contact, I2 closed after a tweet and an email; I3 open; I4 has no contact-center complaint
    assert row(out, "first_contact_resolution", D1) == (0.5, 1.0, 2.0)
    assert row(out, "first_contact_resolution", D2) == (None, 0.0, 0.0)
    # RC1 has a fix in progress (I1, I3, I4), RC2 none (I2)
    assert row(out, "fix_in_progress_share", D1) == (0.5, 1.0, 2.0)
    assert row(out, "fix_in_progress_share", D2) == (1.0, 2.0, 2.0)
    assert row(out, "fix_in_progress_share", D1, "cause_type", "external") == (0.0, 0.0, 1.0)


def test_incidents_are_dated_by_their_first_complaint_and_social_replies_are_not_timed() -> None:
    tweet = pl.col("complaint_id") == "c3"  # moved to the next day and answered 5 h later
    frame = complaints().with_columns(
        pl.when(tweet).then(pl.col("received_at") + timedelta(days=1)).otherwise(pl.col("received_at")),
        pl.when(tweet).then(pl.col("received_at") + timedelta(days=1, hours=5)).otherwise(pl.col("first_response_at"))
        .alias("first_response_at"))
    out = daily(frame=frame)
    assert row(out, "first_contact_resolution", D1) == (0.5, 1.0, 2.0)   # I2 still on D1, with its email
    assert row(out, "first_response_hours_median", D2) == (3.0, 1.0, None)  # the answered tweet is not measured
    assert row(out, "sla_first_response_share", D2) == (1.0, 1.0, 1.0)


def test_repeat_rate_counts_a_new_incident_of_the_same_client_not_the_twin() -> None:
    out = daily()
    assert row(out, "repeat_complaint_rate", D1) == (0.0, 0.0, 3.0)  # c3 is c2's twin, not a repeat
    assert row(out, "repeat_complaint_rate", D2) == (1.0, 1.0, 1.0)  # A's second incident, a day later
    later = complaints().with_columns(
        pl.when(pl.col("complaint_id") == "c4").then(pl.col("received_at") + timedelta(days=31))
        .otherwise(pl.col("received_at")).alias("received_at"))
    assert row(daily(frame=later), "repeat_complaint_rate", D2 + timedelta(days=31)) == (0.0, 0.0, 1.0)


def test_money_reaction_and_value_destroyer_kpis() -> None:
    out = daily()
    assert row(out, "compensation_per_complaint", D1) == (875.0, 1750.0, 2.0)
    assert row(out, "compensation_per_complaint", D1, "response_type", "gift_box") == (750.0, 750.0, 1.0)
    assert row(out, "compensation_per_complaint", D2) == (None, 0.0, 0.0)
    assert row(out, "gift_spend", D1) == (750.0, 750.0, 1.0)
    assert row(out, "gift_spend", D3) == (0.0, 0.0, 1.0)
    assert row(out, "positive_reaction_rate", D1) == (0.5, 1.0, 2.0)
    assert row(out, "value_destroyer_complaint_share", D1) == (2 / 3, 2.0, 3.0)
    assert row(out, "value_destroyer_compensation_share", D1) == (1000 / 1750, 1000.0, 1750.0)


def test_social_mentions_and_their_negative_share() -> None:
    out = daily()
    assert row(out, "social_mentions", D1) == (1.0, 1.0, 1.0)
    assert row(out, "social_mentions", D3) == (0.0, 0.0, 1.0)
    assert row(out, "social_negative_share", D1) == (1.0, 1.0, 1.0)  # "Still waiting, TERRIBLE"
    assert row(out, "social_negative_share", D2) == (0.0, 0.0, 1.0)  # a thank-you
    assigned = config(social_negative={"assigned_counts_as_negative": True, "cues": {"en": ["terrible"]}})
    assert row(daily(assigned), "social_negative_share", D2) == (1.0, 1.0, 1.0)  # c5 is assigned to RC1


def test_every_kpi_has_a_company_wide_row_every_day_with_its_target_and_owner() -> None:
    out, cfg = daily(), config()
    assert dict(out.schema) == OUTPUT_SCHEMA
    company = out.filter(pl.col("dimension") == "all")
    assert company.group_by("kpi").agg(pl.col("day").sort()).sort("kpi")["day"].to_list() == \
        [[D1, D2, D3]] * len(cfg.kpis)
    assert out.select("day", "kpi", "dimension", "segment_value").is_duplicated().sum() == 0
    intact = out.filter(pl.col("kpi") == "intact_share")
    assert intact["target"].unique().to_list() == [RAW["kpis"]["intact_share"]["target"]]
    assert intact["owner"].unique().to_list() == [RAW["kpis"]["intact_share"]["owner"]]


def test_a_missing_input_column_is_named() -> None:
    with pytest.raises(ValueError, match=r"complaints frame lacks column\(s\) channel"):
        daily(frame=complaints().drop("channel"))


def test_the_repository_config_defines_every_kpi() -> None:
    cfg = load_kpi_config(REPO / "config" / "kpis.yaml")
    definitions = kpi_definitions(cfg)
    assert sorted(definitions["kpi"]) == sorted(KPI_SPECS)
    assert {"kpi", "name", "definition", "unit", "direction", "target", "owner"} <= set(definitions.columns)
    assert definitions.select(pl.all().exclude("dimensions").null_count()).sum_horizontal().item() == 0
    assert cfg.alerts.min_history_days <= cfg.alerts.baseline_days and cfg.resolve_sla_hours == 72


@pytest.mark.parametrize(("change", "message"), [
    (lambda raw: raw["kpis"]["intact_share"].pop("target"), "'kpis.intact_share.target' is missing"),
    (lambda raw: raw["kpis"]["intact_share"].update(target="high"), "kpis.intact_share.target' must be a number"),
    (lambda raw: raw["kpis"]["intact_share"].update(dimensions=["channel"]), "has 'channel', not one of"),
    (lambda raw: raw["kpis"]["gift_spend"].update(direction="down"), "'kpis.gift_spend.direction' must be one of"),
    (lambda raw: raw["kpis"].update(churn={}), "'kpis.churn' is not a known KPI"),
    (lambda raw: raw["alerts"].update(min_history_days=99), "'alerts.min_history_days' must not exceed"),
    (lambda raw: raw.pop("sla_hours"), "'sla_hours' is missing"),
])
def test_config_errors_name_the_file_and_the_key(tmp_path, change, message) -> None:
    raw = copy.deepcopy(RAW)
    change(raw)
    path = tmp_path / "kpis.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(KpiConfigError, match=message) as error:
        load_kpi_config(path)
    assert str(error.value).startswith(f"{path}:")


CLIENTS = {"A": ("B2B", "florist", "fragile"), "B": ("B2C", "retail", "parcel"), None: (None, None, None)}
complaint_rows = st.tuples(
    st.integers(0, 3), st.integers(0, 23), st.sampled_from(["phone", "email", "twitter", "telegram"]),
    st.sampled_from(["A", "B", None]), st.sampled_from(["Lviv", "Kyiv", None]),
    st.one_of(st.none(), st.floats(-2, 200)), st.one_of(st.none(), st.floats(0, 300)),
    st.sampled_from([None, "gift_box", "polite_refusal"]), st.one_of(st.none(), st.floats(0, 2000)),
    st.sampled_from([None, "positive", "negative"]), st.sampled_from([None, "I1", "I2", "I3"]),
    st.sampled_from([None, "RC1", "RC2"]), st.booleans())


@settings(max_examples=40, deadline=None)
@given(st.lists(complaint_rows, min_size=1, max_size=30))
def test_shares_stay_in_0_1_and_segments_add_up_to_the_company(rows) -> None:
    records = []
    for i, (day, hour, channel, client, region, answer, resolve, response, cost, reaction, incident, cause,
            flagged) in enumerate(rows):
        received = datetime(2026, 1, 5 + day, hour)
        social = channel in ("twitter", "telegram")
        records.append((f"c{i}", received, channel, client, *CLIENTS[client], region,
                        None if social else ("closed" if resolve is not None else "open"),
                        None if social or answer is None else received + timedelta(hours=answer),
                        None if social or resolve is None else received + timedelta(hours=resolve),
                        response, cost, reaction, incident, cause, "process" if cause else None, flagged,
                        "terrible" if i % 2 else "fine", "en"))
    out = daily(frame=pl.DataFrame(records, schema=COMPLAINT_SCHEMA, orient="row"))
    shares = [k for k, entry in RAW["kpis"].items() if entry["unit"].startswith("share (0-1)")]
    assert len(shares) >= 10
    values = out.filter(pl.col("kpi").is_in(shares))
    assert values["value"].drop_nulls().is_between(0.0, 1.0).all()
    assert (values["numerator"] <= values["denominator"]).all()
    assert (out["numerator"] >= 0).all() and (out["denominator"].drop_nulls() >= 0).all()
    assert (out.filter(pl.col("kpi").str.contains("hours"))["value"].drop_nulls() >= 0).all()
    company = out.filter(pl.col("dimension") == "all").select("day", "kpi", total="numerator")
    segments = (out.filter(pl.col("dimension") != "all").group_by("day", "kpi", "dimension")
                .agg(pl.col("numerator").sum()).join(company, on=["day", "kpi"], how="left"))
    assert (segments["numerator"] - segments["total"]).abs().max() < 1e-6
    dimensions = pl.DataFrame({"kpi": [k.key for k in config().kpis],
                               "dimension": [list(k.dimensions) for k in config().kpis]}).explode("dimension")
    measured = company.filter(pl.col("total") > 0).join(dimensions, on="kpi")
    assert measured.join(segments, on=["day", "kpi", "dimension"], how="anti").height == 0
