"""Root causes for analysts: sizes and trends, a map, segment x cause lift, one cause in depth, edits."""

from __future__ import annotations

import altair as alt
import polars as pl
import streamlit as st

from dashboards import common
from dashboards import queries as q
from flows import decision_inbox

user = common.require("root_causes")
path = common.snapshot()
st.title("Root causes")

level = st.segmented_control("Level", ["root", "sub"], default="root", key="level") or "root"
causes = q.causes(path, level)
st.dataframe(causes.select("root_cause_id", "label", "size", "last_30", "prior_30", "cause_type",
                           "owner_department", "fix_status", "status"), hide_index=True)

left, right = st.columns(2)
with left:
    st.subheader("Map of complaints")
    points = q.cause_map(path) if q.has_table(path, "root_cause_map") else pl.DataFrame()
    top = causes.head(10)["root_cause_id"].to_list() if level == "root" else []
    if points.height:
        points = points.with_columns(cause=pl.when(pl.col("root_cause_id").is_in(top)).then("root_cause_id")
                                     .otherwise(pl.lit("other")))
        st.altair_chart(alt.Chart(points.to_pandas()).mark_circle(size=12, opacity=0.5).encode(
            x=alt.X("x:Q", axis=None), y=alt.Y("y:Q", axis=None), color="cause:N",
            tooltip=["complaint_id", "root_cause_id", "sub_cause_id"]), width="stretch")
    st.caption("Each dot is a complaint, near its sub-cause (the first two principal components of the "
               "sub-cause centroids); the farther out, the less typical it is.")
with right:
    st.subheader("Segment × cause (lift)")
    dimension = st.selectbox("Dimension", q.SEGMENT_DIMENSIONS, key="heat_dim")
    heat = q.heatmap(path, dimension)
    if heat.height:
        st.altair_chart(alt.Chart(heat.to_pandas()).mark_rect().encode(
            x=alt.X("segment_value:N", title=dimension), y=alt.Y("root_cause_id:N", title=None),
            color=alt.Color("lift:Q", scale=alt.Scale(scheme="orangered")),
            tooltip=["root_cause_id", "segment_value", "complaints", "lift"]), width="stretch")

st.divider()
ids = causes["root_cause_id"].to_list()
if not ids:
    st.info("No root causes yet: run `causeway cluster`.")
    st.stop()
wanted = st.query_params.get("cause")
cause_id = st.selectbox("One cause", ids, index=ids.index(wanted) if wanted in ids else 0,
                        format_func=lambda c: f"{c} · {causes.filter(pl.col('root_cause_id') == c)['label'][0]}",
                        key="cause")
st.query_params["cause"] = cause_id
detail = q.cause_detail(path, cause_id)
cause = detail["cause"].row(0, named=True)
st.subheader(cause_id, anchor=False)
st.text(f"{cause['label']}\ntype {cause['cause_type']} · owner {cause['owner_department']} · "
        f"{cause['size']:,} complaints · keywords: {', '.join(cause['keywords'])}")
with st.expander("Why this type (evidence)"):
    st.json(cause["cause_type_evidence"] or "{}")
st.caption("Representative complaints (masked)")
st.dataframe(detail["representatives"], hide_index=True)
if detail["daily"].height:
    st.altair_chart(alt.Chart(detail["daily"].to_pandas()).mark_bar().encode(x="day:T", y="complaints:Q"),
                    width="stretch")
tabs = st.tabs(["Segments", "Affected clients", "Fix for the whole group", "Complaints"])
tabs[0].dataframe(detail["segments"], hide_index=True)
tabs[1].dataframe(detail["clients"], hide_index=True)
with tabs[2]:
    st.caption("Clients of the segments this process cause concentrates in who have not complained yet.")
    st.dataframe(detail["group_fix"], hide_index=True)
with tabs[3]:
    seg = detail["segments"]
    choices = ["(all)", *[f"{d}={v}" for d, v in seg.select("dimension", "segment_value").iter_rows()]]
    pick = st.selectbox("In segment", choices, key="drill")
    dim, value = (None, None) if pick == "(all)" else pick.split("=", 1)
    st.dataframe(q.cause_complaints(path, cause_id, cause["level"], dim, value), hide_index=True)

if user.role in ("analyst", "admin") and cause["status"] != "emerging":
    st.divider()
    st.subheader("Edit this cause")
    st.caption("Edits are stored and applied from the next `causeway cluster` run, and after every refit.")
    with st.form("edit"):
        action = st.radio("Action", ["rename", "merge", "split"], horizontal=True)
        label = st.text_input("New label (rename)")
        into = st.selectbox("Merge into", [i for i in ids if i != cause_id] or ["-"])
        parts = st.number_input("Parts (split)", min_value=2, max_value=10, value=2)
        if st.form_submit_button("Record edit"):
            fields = {"rename": {"new_label": label}, "merge": {"into_id": into}, "split": {"parts": int(parts)}}
            if action == "rename" and not label.strip():
                st.error("A rename needs the new label.")
            elif action == "merge" and into == "-":
                st.error("There is no other cause to merge into.")
            else:
                decision_inbox.submit(common.settings().home, "edit", user.name, cause_id=cause_id, action=action,
                                      **fields[action])
                st.success(f"Recorded: {action} {cause_id}.")
    with st.form("fix"):
        status = st.radio("Fix status", ["none", "in_progress", "done"], horizontal=True,
                          index=["none", "in_progress", "done"].index(
                              causes.filter(pl.col("root_cause_id") == cause_id)["fix_status"][0]))
        note = st.text_input("Note")
        if st.form_submit_button("Record fix status"):
            decision_inbox.submit(common.settings().home, "fix", user.name, cause_id=cause_id, fix_status=status,
                                  note=note or None)
            st.success(f"Recorded: {cause_id} fix {status}.")
