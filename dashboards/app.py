"""Causeway's dashboard: `causeway dashboard` (or `streamlit run dashboards/app.py`). Pages by role."""

from __future__ import annotations

import streamlit as st

from dashboards import common

PAGE_FILES = {"overview": "views/overview.py", "root_causes": "views/root_causes.py", "cx_desk": "views/cx_desk.py",
              "clients": "views/clients.py", "data_quality": "views/data_quality.py"}

st.set_page_config(page_title="Causeway", layout="wide")
user = common.signed_in_user()
pages = [st.Page(PAGE_FILES[key], title=common.PAGE_TITLES[key], url_path=key, default=i == 0)
         for i, key in enumerate(common.allowed_pages(user))]
with st.sidebar:
    st.text(f"Signed in as {user.name} ({user.role})")
    if st.button("Sign out"):
        st.session_state.pop("user", None)
        st.rerun()
if not pages:
    st.error(f"The role '{user.role}' may open no page (config/dashboard.yaml).")
    st.stop()
st.navigation(pages).run()
