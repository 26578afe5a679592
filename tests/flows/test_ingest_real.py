"""Real public data ingests through the shipped source adapters: CFPB complaints and customer tweets."""

from __future__ import annotations

import csv
import shutil

import duckdb
import pytest

from flows.ingest import ingest_flow
from tests.conftest import SHARED_REAL_DATA

pytestmark = [pytest.mark.usefixtures("prefect_harness"),
              pytest.mark.skipif(not SHARED_REAL_DATA.exists(), reason="the shared real-data samples are absent")]

FILES = ["cfpb_payday_2023/cfpb_payday_2023_narratives.csv", "cfpb_mixed_2015_2020/complaints_sample.csv",
         "twcs_sample_5k/twcs_small.csv"]


@pytest.fixture(scope="module")
def real(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("real")
    for name in FILES:
        target = root / "inbox" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(SHARED_REAL_DATA / name, target)
    summary = ingest_flow(inbox=str(root / "inbox"), home=str(root / "home"))
    return {"home": root / "home", "summary": summary, "files": {f["file_name"]: f for f in summary["files"]}}


def _rows(name: str) -> list[dict]:
    with open(SHARED_REAL_DATA / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_cfpb_rows_with_a_narrative_load_and_the_rest_is_quarantined(real: dict) -> None:
    for name in FILES[:2]:
        rows = _rows(name)
        with_text = sum(bool(r["Consumer complaint narrative"].strip()) for r in rows)
        outcome = real["files"][name]
        assert outcome["rows_in"] == len(rows)
        assert outcome["loaded"] == with_text
        assert outcome["loaded"] + outcome["quarantined"] == len(rows)


def test_cfpb_keeps_its_labels_as_attributes_and_monetary_relief_as_compensation(real: dict) -> None:
    con = duckdb.connect(str(real["home"] / "warehouse.duckdb"), read_only=True)
    try:
        product, issue = con.execute(
            "SELECT attributes->>'product', attributes->>'issue' FROM complaints WHERE source = 'cfpb' LIMIT 1"
        ).fetchone()
        relief = con.execute("SELECT count(*) FROM complaints WHERE source = 'cfpb' AND "
                             "response_type = 'standard_compensation'").fetchone()[0]
        languages = dict(con.execute("SELECT language, count(*) FROM complaints WHERE source = 'cfpb' "
                                     "GROUP BY ALL").fetchall())
    finally:
        con.close()
    assert product and issue
    expected_relief = sum(r["Company response to consumer"] == "Closed with monetary relief"
                          and bool(r["Consumer complaint narrative"].strip())
                          for name in FILES[:2] for r in _rows(name))
    assert relief == expected_relief > 0
    assert languages.get("en", 0) / sum(languages.values()) > 0.99


def test_twcs_keeps_inbound_customer_tweets_only(real: dict) -> None:
    rows = _rows(FILES[2])
    inbound = sum(r["inbound"] == "True" for r in rows)
    outcome = real["files"][FILES[2]]
    con = duckdb.connect(str(real["home"] / "warehouse.duckdb"), read_only=True)
    try:
        filtered = con.execute("SELECT count(*) FROM quarantine WHERE source = 'twcs' AND kind = 'filtered'"
                               ).fetchone()[0]
    finally:
        con.close()
    assert outcome["loaded"] + outcome["quarantined"] == len(rows)
    assert filtered == len(rows) - inbound
    assert outcome["loaded"] >= inbound - 5  # a handful of inbound tweets may be empty or broken
