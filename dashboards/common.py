"""What every page shares: settings, the signed-in user and role checks, the snapshot, URL-kept filters."""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

import streamlit as st

from dashboards import auth, queries
from dashboards.formatting import kpi_value, money  # noqa: F401 (re-exported for the pages)
from flows.settings import Settings, load_settings
from flows.warehouse import NothingPublishedError

PERIODS = {"7 days": 7, "30 days": 30, "90 days": 90, "365 days": 365}
PAGE_TITLES = {"overview": "Overview", "root_causes": "Root causes", "cx_desk": "CX desk", "clients": "Clients",
               "data_quality": "Data quality & runs"}


@st.cache_resource
def settings() -> Settings:
    """The settings the dashboard was started with (``CAUSEWAY_HOME`` / ``CAUSEWAY_CONFIG`` from the CLI)."""
    config = os.environ.get("CAUSEWAY_CONFIG")
    return load_settings(config_dir=Path(config) if config else None)


def signed_in_user() -> auth.User:
    """The session's user: from a sign-in link's ``?token=``, else the sign-in form (stops the page until
    someone signs in)."""
    if "user" in st.session_state:
        return st.session_state["user"]
    home = settings().home
    token = st.query_params.get("token")
    user = auth.check_token(home, token) if token else None
    if user is None:
        st.title("Causeway")
        with st.form("sign_in"):
            name = st.text_input("User")
            password = st.text_input("Password", type="password")
            if st.form_submit_button("Sign in"):
                user = auth.check_password(home, name, password)
                if user is None:
                    st.error("Unknown user or wrong password.")
        if user is None:
            st.caption("No account yet? `causeway dashboard user add NAME --role cx` on the server, or open the "
                       "sign-in link `causeway dashboard` prints.")
            st.stop()
    st.session_state["user"] = user
    st.query_params.pop("token", None)
    return user


def allowed_pages(user: auth.User) -> tuple[str, ...]:
    return tuple(settings().dashboard.roles.get(user.role, ()))


def require(page: str) -> auth.User:
    """Stop the page unless the signed-in user's role may open it."""
    user = signed_in_user()
    if page not in allowed_pages(user):
        st.error(f"The role '{user.role}' may not open {PAGE_TITLES[page]}.")
        st.stop()
    return user


def snapshot() -> str:
    try:
        return queries.snapshot(settings().published_path)
    except NothingPublishedError:
        st.warning("Nothing is published yet: run `causeway demo` or `causeway run`, then reload.")
        st.stop()


def period_filter(path: str) -> tuple[date, date, date]:
    """Period picker kept in the URL (``?days=``): returns start, end and the previous period's start."""
    lo, hi = queries.data_days(path)
    labels = list(PERIODS)
    wanted = st.query_params.get("days", "30")
    current = next((k for k, v in PERIODS.items() if str(v) == wanted), "30 days")
    chosen = st.segmented_control("Period", labels, default=current, key="period") or current
    st.query_params["days"] = str(PERIODS[chosen])
    days = PERIODS[chosen]
    start = max(lo, hi - timedelta(days=days - 1))
    return start, hi, start - timedelta(days=days)


def segment_filter(path: str) -> tuple[str | None, str | None]:
    """Segment picker kept in the URL (``?dim=&value=``)."""
    dims = ["(all)", *queries.SEGMENT_DIMENSIONS]
    wanted = st.query_params.get("dim", "(all)")
    left, right = st.columns(2)
    dim = left.selectbox("Segment", dims, index=dims.index(wanted) if wanted in dims else 0, key="dim")
    if dim == "(all)":
        st.query_params.pop("dim", None)
        st.query_params.pop("value", None)
        return None, None
    values = queries.segment_values(path, dim)
    wanted_value = st.query_params.get("value")
    value = right.selectbox("Value", values, index=values.index(wanted_value) if wanted_value in values else 0,
                            key="value")
    st.query_params["dim"], st.query_params["value"] = dim, value
    return dim, value
