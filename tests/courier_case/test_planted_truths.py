"""The planted truths are present at their stated proportions (20,000-complaint case)."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from data.courier_case.people import luhn_check_digit
from data.courier_case.scenario import load_scenario

SCENARIO = load_scenario()


@pytest.fixture(scope="module")
def truth(case_20k: Path) -> pl.DataFrame:
    return pl.read_csv(case_20k / "ground_truth" / "complaints.csv", infer_schema_length=None,
                       try_parse_dates=True)


@pytest.fixture(scope="module")
def clients_truth(case_20k: Path) -> pl.DataFrame:
    return pl.read_csv(case_20k / "ground_truth" / "clients.csv")


def test_at_least_ten_root_causes_of_every_type(truth: pl.DataFrame) -> None:
    complaint_causes = truth.filter(pl.col("is_complaint"))["cause"].unique()
    assert complaint_causes.len() >= 10
    types = set(truth["cause_type"])
    assert {"process", "human_factor", "external", "product_gap", "client_driven"} <= types


def test_cause_shares_match_the_scenario(truth: pl.DataFrame) -> None:
    raw = SCENARIO.raw
    originals = truth.filter(~pl.col("is_twin"))
    ordinary = SCENARIO.ordinary_causes
    total_share = sum(c.share for c in ordinary)
    reserved = raw["value_destroyers"]["share"] + raw["decoys"]["count"] * raw["decoys"]["complaints_each"]
    n_plain = truth.height * (1 - raw["twin_share"] - reserved)
    counts = dict(originals.group_by("cause").len().iter_rows())
    for cause in ordinary:
        expected = n_plain * cause.share / total_share
        if cause.key == raw["decoys"]["cause"]:
            expected += truth.height * raw["decoys"]["count"] * raw["decoys"]["complaints_each"]
        assert counts[cause.key] == pytest.approx(expected, rel=0.12, abs=15), cause.key


def test_twins_are_one_incident_on_two_channels(truth: pl.DataFrame) -> None:
    assert truth["is_twin"].mean() == pytest.approx(SCENARIO.raw["twin_share"], abs=0.005)
    pairs = truth.group_by("incident_key").agg(
        pl.len().alias("n"), pl.col("channel").n_unique().alias("channels"),
        pl.col("tracking_number").n_unique().alias("ttns"), pl.col("client_id").n_unique().alias("clients"),
        (pl.col("received_at").max() - pl.col("received_at").min()).alias("gap"))
    twins = pairs.filter(pl.col("n") == 2)
    assert twins.height == truth["is_twin"].sum()
    assert (twins["channels"] == 2).all() and (twins["ttns"] == 1).all() and (twins["clients"] == 1).all()
    assert twins["gap"].max() <= timedelta(hours=SCENARIO.raw["twin_lag_hours"])


def test_languages_are_mixed_about_50_35_15(truth: pl.DataFrame) -> None:
    shares = dict(truth.group_by("language").len().with_columns(pl.col("len") / truth.height).iter_rows())
    assert shares["uk"] == pytest.approx(0.50, abs=0.06)
    assert shares["ru"] == pytest.approx(0.35, abs=0.06)
    assert shares["en"] == pytest.approx(0.15, abs=0.05)


def test_storm_is_a_one_week_spike_in_one_region(truth: pl.DataFrame) -> None:
    cause = SCENARIO.causes["storm_week_delays"]
    storm = truth.filter(pl.col("cause") == cause.key)
    start = datetime.combine(cause.spike["start"], datetime.min.time()) - timedelta(hours=2)
    end = start + timedelta(days=cause.spike["days"], hours=36)  # twins may come a day and a half later
    inside = storm.filter(pl.col("received_at").is_between(start, end))
    assert inside.height / storm.height >= 0.85
    assert (storm["region"] == cause.focus["region"]).mean() >= 0.85


def test_human_factor_causes_concentrate_on_one_employee(truth: pl.DataFrame) -> None:
    for key, employee in [("courier_rude_fake_absent", "K-0137"), ("rude_contact_center", "CC-017")]:
        rows = truth.filter(pl.col("cause") == key)
        assert (rows["employee_id"] == employee).mean() >= 0.75, key
    others = truth.filter(pl.col("cause") == "late_delivery")
    assert (others["employee_id"] == "K-0137").mean() < 0.05


def test_process_failure_concentrates_on_florists_on_one_route(case_20k: Path, truth: pl.DataFrame) -> None:
    clients = pl.read_csv(case_20k / "reference" / "clients.csv").select("client_id", "industry")
    florist = truth.filter(pl.col("cause") == "florist_fragile_damage").join(clients, on="client_id")
    assert (florist["industry"] == "florist").mean() >= 0.95
    assert (florist["region"] == "Odesa").mean() >= 0.6
    share_of_florists_overall = (truth.join(clients, on="client_id")["industry"] == "florist").mean()
    assert share_of_florists_overall < 0.25


def test_growing_cause_grows(truth: pl.DataFrame) -> None:
    gap = truth.filter(pl.col("cause") == "pharmacy_night_delivery").with_columns(
        pl.col("received_at").dt.month().alias("m"))
    first_quarter = gap.filter(pl.col("received_at") < pl.col("received_at").min() + timedelta(days=91)).height
    last_quarter = gap.filter(pl.col("received_at") > pl.col("received_at").max() - timedelta(days=91)).height
    assert last_quarter > 2 * first_quarter


def test_value_destroyers_and_decoys(clients_truth: pl.DataFrame, truth: pl.DataFrame) -> None:
    destroyers = clients_truth.filter(pl.col("value_destroyer"))
    assert destroyers.height >= 5
    assert destroyers["archetype"].n_unique() >= 5
    assert clients_truth.filter(~pl.col("value_destroyer")).height >= 1_000
    per_client = truth.group_by("client_id").len()
    vd_counts = per_client.join(destroyers, on="client_id")["len"]
    assert vd_counts.min() > 5 * per_client["len"].median()
    decoys = clients_truth.filter(pl.col("decoy_our_fault"))["client_id"].to_list()
    assert len(decoys) >= 3
    decoy_causes = truth.filter(pl.col("client_id").is_in(decoys))["cause"]
    assert (decoy_causes == "florist_fragile_damage").mean() > 0.8


def test_personal_data_is_written_into_the_texts(case_20k: Path, truth: pl.DataFrame) -> None:
    with_pii = truth.filter(pl.col("pii_kind").is_not_null())
    assert with_pii.height / truth.height == pytest.approx(SCENARIO.raw["pii_share"], abs=0.04)
    assert set(with_pii["pii_kind"]) == {"phone", "email", "card", "address", "person"}
    for number in with_pii.filter(pl.col("pii_kind") == "card")["pii_value"].to_list():
        digits = [int(d) for d in re.sub(r"\D", "", number)]
        assert len(digits) == 16 and luhn_check_digit(digits[:-1]) == digits[-1]
    texts = _texts_of_x_posts(case_20k)
    x_rows = with_pii.filter(pl.col("source") == "x_ndjson")
    assert x_rows.height > 50
    for record_id, value in x_rows.select("record_id", "pii_value").iter_rows():
        assert value in texts[str(record_id)]


def test_tracking_numbers_appear_in_texts(case_20k: Path, truth: pl.DataFrame) -> None:
    texts = _texts_of_x_posts(case_20k)
    x_rows = truth.filter((pl.col("source") == "x_ndjson") & pl.col("tracking_number").is_not_null())
    carried = sum(str(ttn) in texts[str(rid)] for rid, ttn in x_rows.select("record_id", "tracking_number").iter_rows())
    assert carried / x_rows.height > 0.15
    assert truth["tracking_number"].drop_nulls().cast(pl.String).str.contains(r"^\d{14}$").all()


def test_resolutions_and_gift_reactions(truth: pl.DataFrame) -> None:
    closed = truth.filter(pl.col("response_type").is_not_null())
    assert set(closed["response_type"]) == {"standard_compensation", "promo_code", "gift_box",
                                            "replacement_plus_extra", "polite_refusal"}
    gifts = closed.filter((pl.col("response_type") == "gift_box") & pl.col("reaction").is_not_null())
    assert (gifts["reaction"] == "positive").mean() > 0.8
    assert truth.filter(pl.col("register") == "social")["response_type"].null_count() == \
        truth.filter(pl.col("register") == "social").height


def test_texts_vary(case_20k: Path, truth: pl.DataFrame) -> None:
    texts = list(_texts_of_x_posts(case_20k).values())
    assert len(set(texts)) / len(texts) > 0.9
    lengths = truth["text_chars"]
    assert lengths.min() < 60 and lengths.max() > 400
    assert truth.filter(pl.col("register") == "note")["text_chars"].median() < \
        truth.filter(pl.col("register") == "formal")["text_chars"].median()


def test_non_complaint_posts_exist(truth: pl.DataFrame) -> None:
    noise = truth.filter(~pl.col("is_complaint"))
    assert noise.height > 0
    assert set(noise["register"]) == {"social"}


def _texts_of_x_posts(case: Path) -> dict[str, str]:
    texts = {}
    for path in (case / "inbox" / "social").glob("x_mentions_*.ndjson"):
        for line in path.read_text(encoding="utf-8").splitlines():
            data = json.loads(line)["data"]
            texts[data["id"]] = data["text"]
    return texts
