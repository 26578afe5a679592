"""The CX desk: open complaints with the recommended response, its reason and cost; decide and record."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboards import common
from dashboards import queries as q
from flows import decision_inbox
from flows.decision_settings import REACTIONS, RESPONSE_NAMES

user = common.require("cx_desk")
path = common.snapshot()
home = common.settings().home
st.title("CX desk")

budget = q.budget(path)
if budget:
    spent = budget["used_uah"] + budget["recommended_uah"]
    st.progress(min(spent / max(budget["budget_uah"], 1.0), 1.0),
                text=f"Budget {budget['period']}: {common.money(budget['used_uah'])} used + "
                     f"{common.money(budget['recommended_uah'])} recommended of {common.money(budget['budget_uah'])}")

pending = {r["complaint_id"]: r for r in decision_inbox.pending(home) if r["kind"] == "decision"}
left, middle, right = st.columns(3)
response = left.selectbox("Recommended", ["(any)", *RESPONSE_NAMES], key="f_response")
tier = middle.selectbox("Tier", ["(any)", "A1", "A2", "A3", "B1", "B2", "B3", "C", "D", "X"], key="f_tier")
undecided = right.toggle("Only without a decision", value=True, key="f_open")
queue = q.queue(path, None if response == "(any)" else response, None if tier == "(any)" else tier, undecided)
queue = queue.filter(~pl.col("complaint_id").is_in(list(pending))) if undecided else queue
st.caption(f"{queue.height} complaints · significant and top-tier first · {len(pending)} decisions recorded here "
           "reach the warehouse at the next analysis")
st.dataframe(queue.select("complaint_id", "received_at", "channel", "tier", "usage_group", "recommended_response",
                          "cost_uah", "reason"), hide_index=True)
if queue.height == 0:
    st.stop()

ids = queue["complaint_id"].to_list()
wanted = st.query_params.get("complaint")  # a shareable link to one complaint
if wanted and wanted not in ids:
    linked = q.queue(path, None, None, False).filter(pl.col("complaint_id") == wanted)
    if linked.height:
        st.warning("The linked complaint is outside the current filters (decided already, or another tier): "
                   "shown anyway.")
        queue, ids = pl.concat([linked, queue]), [wanted, *ids]
    else:
        st.warning("The linked complaint is not open (or does not exist).")
complaint_id = st.selectbox("Complaint", ids, index=ids.index(wanted) if wanted in ids else 0, key="complaint")
st.query_params["complaint"] = complaint_id
row = queue.filter(pl.col("complaint_id") == complaint_id).row(0, named=True)
st.subheader(complaint_id, anchor=False)
st.text(row["text_masked"])
st.markdown(f"**Recommended: {row['recommended_response']}** · {common.money(row['cost_uah'])} · expected positive "
            f"reaction {row['expected_positive_rate'] or 0:.0%}" + (f" · internal: {row['internal_action']}"
                                                                   if row["internal_action"] else ""))
st.text(f"Why: {row['reason']}")
st.text_area("Message to send", row["message"] or "", key=f"message_{complaint_id}")
if row["client_id"]:
    with st.expander("Client history"):
        st.text(f"client {row['client_id']} · tier {row['tier']} · {row['usage_group']}")
        st.dataframe(q.client_history(path, row["client_id"]), hide_index=True)

options = [row["recommended_response"], *[r for r in (row["alternatives"] or []) if r != row["recommended_response"]]]
options += [r for r in RESPONSE_NAMES if r not in options]
with st.form("decide"):
    chosen = st.radio("Decision", options, horizontal=True, key="decision")
    note = st.text_input("Note", key="note")
    if st.form_submit_button("Record decision"):
        record = decision_inbox.submit(home, "decision", user.name, complaint_id=complaint_id, response=chosen,
                                       recommended=row["recommended_response"], note=note or None,
                                       cost_uah=row["cost_uah"] if chosen == row["recommended_response"] else None)
        st.success(f"Recorded {chosen} for {complaint_id} by {user.name} at {record['recorded_at'][:16]}.")
answered = row["decided_response"] or complaint_id in pending
if not answered:
    st.caption("The client's reaction can be recorded once a decision is.")
else:
    with st.form("reaction"):
        reaction = st.radio("Client's reaction", REACTIONS, horizontal=True, key="reaction_value")
        if st.form_submit_button("Record reaction"):
            decision_inbox.submit(home, "reaction", user.name, complaint_id=complaint_id, reaction=reaction)
            st.success(f"Recorded the reaction '{reaction}'.")
