"""Every dashboard page with Streamlit's AppTest on a real published snapshot: renders, filters change the
numbers, roles are enforced, a CX decision reaches the warehouse, hostile text stays text."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboards import auth
from flows import decision_inbox, warehouse
from tests.conftest import HOSTILE_TEXT, REPO_ROOT

APP = str(REPO_ROOT / "dashboards" / "app.py")
PAGES = {"overview": "Overview", "root_causes": "Root causes", "cx_desk": "CX desk", "clients": "Clients",
         "data_quality": "Data quality & runs"}


@pytest.fixture()
def home(dashboard_home: Path, monkeypatch) -> Path:
    monkeypatch.setenv("CAUSEWAY_HOME", str(dashboard_home))
    monkeypatch.delenv("CAUSEWAY_CONFIG", raising=False)
    # AppTest runs the app as the __main__ module and leaves it there; processes spawned later in this
    # session (the cluster flow's normalizers) would re-run the app as their main module
    monkeypatch.setitem(sys.modules, "__main__", sys.modules["__main__"])
    st.cache_resource.clear()
    st.cache_data.clear()
    return dashboard_home


def _app(page: str | None = None, role: str = "admin", query: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    if role:
        at.session_state["user"] = auth.User("tester", role)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    if page:
        at.switch_page(f"views/{page}.py")
    return at.run()


@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_renders(home: Path, page: str) -> None:
    at = _app(page)
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == [PAGES[page]]


def test_overview_numbers_follow_the_period_and_segment_filters(home: Path) -> None:
    def complaints_rate(at: AppTest) -> str:
        return next(m.value for m in at.metric if m.label == "Complaints per 10,000 shipments")

    year = _app("overview", query={"days": "365"})
    week = _app("overview", query={"days": "7"})
    florists = _app("overview", query={"days": "365", "dim": "industry", "value": "florist"})
    assert not (year.exception or week.exception or florists.exception)
    assert len({complaints_rate(year), complaints_rate(week), complaints_rate(florists)}) == 3
    assert florists.query_params["dim"] == "industry"  # kept in the URL, so a view can be shared


def test_sign_in_is_required_and_roles_are_enforced(home: Path) -> None:
    anonymous = _app(role=None)
    assert not anonymous.exception and [t.label for t in anonymous.text_input] == ["User", "Password"]
    assert not anonymous.title or anonymous.title[0].value == "Causeway"
    cx = _app("root_causes", role="cx")  # not among the cx role's pages: Streamlit serves its first page
    assert not cx.exception and [t.value for t in cx.title] == ["Overview"]
    assert not any(e.label == "Dimension" for e in cx.selectbox)  # nothing of Root causes was run


def test_a_sign_in_link_signs_in_with_the_users_role(home: Path) -> None:
    auth.add_user(home, "olena", "manager", "correct horse battery", {"manager": ("overview",)})
    token = auth.issue_token(home, "olena", hours=1)
    at = _app(role=None, query={"token": token})
    assert not at.exception and at.session_state["user"] == auth.User("olena", "manager")
    assert auth.check_password(home, "olena", "correct horse battery") == auth.User("olena", "manager")
    assert auth.check_password(home, "olena", "wrong") is None and auth.check_token(home, "forged") is None


def test_a_decision_on_the_cx_desk_reaches_the_warehouse(home: Path) -> None:
    at = _app("cx_desk")
    complaint = at.selectbox(key="complaint").value
    recommended = at.radio(key="decision").value
    at.radio(key="decision").set_value("gift_box" if recommended != "gift_box" else "promo_code")
    at.text_input(key="note").input("regular client")
    at.button[[b.label for b in at.button].index("Record decision")].click().run()
    assert not at.exception and any("Recorded" in s.value for s in at.success)
    records = [r for r in decision_inbox.pending(home) if r["complaint_id"] == complaint]
    assert records and records[-1]["author"] == "tester"
    con = warehouse.open_warehouse(home / "warehouse.duckdb")
    try:
        decision_inbox.collect(con, home)
        rows = con.execute("SELECT response, author, note FROM response_decisions WHERE complaint_id = ?",
                           [complaint]).fetchall()
    finally:
        con.close()
    assert rows == [(records[-1]["response"], "tester", "regular client")]
    assert decision_inbox.pending(home) != []  # not published yet: still shown as recorded on the desk
    again = _app("cx_desk")
    assert complaint not in again.selectbox(key="complaint").options  # decided: out of the queue


def test_hostile_complaint_text_is_shown_as_text(home: Path) -> None:
    con = duckdb.connect(str(warehouse.current_snapshot(home / "published")), read_only=True)
    hostile = con.execute("SELECT complaint_id, text_masked FROM complaints WHERE source_record_id = '999000111'"
                          ).fetchone()
    con.close()
    assert hostile and "<script>" in hostile[1]
    at = _app("cx_desk", query={})
    at.selectbox(key="complaint").set_value(hostile[0]).run()
    assert not at.exception
    assert any("<script>alert('xss')</script>" in t.value for t in at.text)  # st.text: shown verbatim
    assert all("<script>" not in m.value for m in at.markdown)  # never rendered as markdown / HTML
    assert HOSTILE_TEXT[:20] in hostile[1]


def test_kpi_figures_are_written_in_their_unit() -> None:
    from dashboards.formatting import kpi_value

    assert kpi_value(0.99953, "share (0-1)") == "99.95%"
    assert kpi_value(1.022e-05, "share of revenue (0-1)") == "0.001022%"
    assert kpi_value(-9.48, "hours", signed=True) == "-9.5 h"
    assert kpi_value(1639.9, "UAH per complaint") == "1,640 UAH"
    assert kpi_value(None, "hours") is None


def test_the_page_itself_refuses_a_role_not_allowed(home: Path) -> None:
    def page_opened_directly() -> None:
        import streamlit as st

        from dashboards import auth, common

        st.session_state["user"] = auth.User("c", "cx")
        common.require("root_causes")
        st.write("the root causes page")

    at = AppTest.from_function(page_opened_directly).run()
    assert any("may not open Root causes" in e.value for e in at.error)
    assert not at.markdown or all("the root causes page" not in m.value for m in at.markdown)


def test_every_page_renders_on_an_empty_snapshot(tmp_path: Path, monkeypatch) -> None:
    con = warehouse.open_warehouse(tmp_path / "warehouse.duckdb")
    warehouse.publish(con, tmp_path / "published")
    con.close()
    monkeypatch.setenv("CAUSEWAY_HOME", str(tmp_path))
    monkeypatch.setitem(sys.modules, "__main__", sys.modules["__main__"])
    st.cache_resource.clear()
    st.cache_data.clear()
    for page in PAGES:
        at = _app(page)
        assert not at.exception, (page, at.exception)


def test_private_clients_names_are_never_shown(home: Path) -> None:
    at = _app("clients", query={})
    at.toggle(key="only_flagged").set_value(False).run()
    names = at.dataframe[0].value
    con = duckdb.connect(str(warehouse.current_snapshot(home / "published")), read_only=True)
    private = {r[0] for r in con.execute("SELECT name FROM clients WHERE client_type = 'B2C'").fetchall()}
    con.close()
    assert private and not private & set(names["name"].dropna())
    assert names["name"].notna().any()  # businesses keep their names


def test_filters_change_what_the_other_pages_show(home: Path) -> None:
    def first_table_rows(at: AppTest) -> int:
        return len(at.dataframe[0].value)

    desk = _app("cx_desk")
    everything = first_table_rows(desk)
    counts = desk.dataframe[0].value["recommended_response"].value_counts()
    rarest = counts.idxmin()
    desk.selectbox(key="f_response").set_value(rarest).run()
    assert not desk.exception and first_table_rows(desk) == counts[rarest] < everything

    causes = _app("root_causes")
    roots = first_table_rows(causes)
    causes.segmented_control(key="level").set_value("sub").run()
    assert not causes.exception and first_table_rows(causes) > roots

    quality = _app("data_quality")
    quarantine = quality.dataframe[2].value
    quality.selectbox(key="q_kind").set_value("duplicate").run()
    assert not quality.exception and len(quality.dataframe[2].value) <= len(quarantine)
    assert set(quality.dataframe[2].value["kind"]) <= {"duplicate"}
