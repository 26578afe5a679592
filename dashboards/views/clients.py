"""Clients: tiers and usage groups; value-destroyer candidates with their evidence, for a person to decide."""

from __future__ import annotations

import json

import altair as alt
import streamlit as st

from dashboards import common
from dashboards import queries as q

common.require("clients")
path = common.snapshot()
st.title("Clients")

tiers = q.tiers(path)
st.altair_chart(alt.Chart(tiers.to_pandas()).mark_bar().encode(
    x=alt.X("tier:N", sort=["A1", "A2", "A3", "B1", "B2", "B3", "C", "D", "X"]), y="clients:Q",
    color="usage_group:N", tooltip=["tier", "usage_group", "clients"]), width="stretch")

only = st.toggle("Only value-destroyer candidates", value=True, key="only_flagged")
clients = q.flagged_clients(path, only)
st.caption("A flag is a recommendation for a person to review, with its evidence; Causeway never acts on it. "
           "Our side is checked first: clients whose complaints are mostly our own failures are never flagged.")
st.dataframe(clients.drop("evidence"), hide_index=True)
if clients.height:
    chosen = st.selectbox("Evidence for", clients["client_id"].to_list(), key="evidence_client")
    evidence = json.loads(clients.filter(clients["client_id"] == chosen)["evidence"][0])
    signals = [{"signal": k, **v} for k, v in evidence["signals"].items()]
    st.dataframe(signals, hide_index=True)
    st.text(f"score {evidence['score']} (flagged from {evidence['min_score']}); our side explains "
            f"{evidence['our_side']['share']:.0%} of its judged complaints (never flagged above "
            f"{evidence['our_side']['max_share_to_flag']:.0%})")
