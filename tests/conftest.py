"""Shared fixtures: generated cases are made once per session (the generator is deterministic)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

for key, value in {"DO_NOT_TRACK": "1", "GX_ANALYTICS_ENABLED": "false", "HF_HUB_OFFLINE": "1",
                   "TRANSFORMERS_OFFLINE": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}.items():
    os.environ.setdefault(key, value)

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def small_case(tmp_path_factory) -> Path:
    """The smallest case (1,000 complaints, seed 7), rendered in one process."""
    from data.courier_case import generate_case

    out = tmp_path_factory.mktemp("case_1k")
    generate_case(out, complaints=1_000, seed=7, workers=1)
    return out


@pytest.fixture(scope="session")
def case_20k(tmp_path_factory) -> Path:
    """A 20,000-complaint case (seed 11): large enough to check planted proportions."""
    from data.courier_case import generate_case

    out = tmp_path_factory.mktemp("case_20k")
    generate_case(out, complaints=20_000, seed=11, workers=2)
    return out


SHARED_REAL_DATA = REPO_ROOT.parent / "shared" / "data" / "real"


@pytest.fixture(scope="session")
def prefect_harness():
    """A real, temporary Prefect server for the whole session (flows run against it)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def masking_rules():
    from flows.settings import load_settings
    from transforms.masking import MaskingRules

    pii = load_settings(env={}).pii
    return MaskingRules.build(pii.placeholders, pii.name_cues, pii.first_names)


@pytest.fixture(scope="session")
def sources():
    from flows.settings import load_sources

    return load_sources()


def query_warehouse(home: Path, sql: str, params: list | None = None) -> list[tuple]:
    """Rows of ``sql`` run read-only on the working warehouse of ``home`` (tests read what flows wrote)."""
    import duckdb

    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


HOSTILE_TEXT = ("<script>alert('xss')</script> **bold** [click](javascript:alert(1)) <img src=x onerror=alert(2)> "
                "=HYPERLINK(\"http://evil\") my parcel 20606625929921 is late")


@pytest.fixture(scope="session")
def dashboard_home(small_case: Path, tmp_path_factory, prefect_harness) -> Path:
    """A home where the small case (plus one hostile social post) went through the whole pipeline."""
    import json
    import shutil

    from flows.pipeline import pipeline_flow
    from flows.reference_load import load_reference_folder
    from flows.settings import load_settings

    home = tmp_path_factory.mktemp("dashboard_home")
    inbox = home / "inbox"
    shutil.copytree(small_case / "inbox", inbox)
    sample = next((inbox / "social").glob("x_mentions_*.ndjson")).read_text(encoding="utf-8").splitlines()[0]
    post = json.loads(sample)
    post["data"].update(id="999000111", text=HOSTILE_TEXT, created_at="2026-10-31T20:00:00.000Z")
    (inbox / "social" / "x_mentions_hostile.ndjson").write_text(json.dumps(post) + "\n", encoding="utf-8")
    load_reference_folder(load_settings(home=home, env={}).warehouse_path, small_case / "reference")
    pipeline_flow(inbox=str(inbox), home=str(home))
    return home
