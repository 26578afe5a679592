"""Data quality and runs: loads per source and day, validation results, the quarantine, pipeline runs."""

from __future__ import annotations

import streamlit as st

from dashboards import common
from dashboards import queries as q

common.require("data_quality")
path = common.snapshot()
st.title("Data quality & runs")

loads = q.loads(path)
totals = loads.select("rows_in", "loaded", "quarantined", "rejected_files").sum().row(0)
columns = st.columns(4)
for column, label, value in zip(columns, ("rows in", "loaded", "quarantined", "rejected files"), totals,
                                strict=True):
    column.metric(label, f"{value or 0:,}")
st.dataframe(loads, hide_index=True)

st.subheader("Validation (Great Expectations)")
st.dataframe(q.validation(path), hide_index=True)

st.subheader("Quarantine")
left, right = st.columns(2)
source = left.selectbox("Source", ["(any)", *sorted(loads["source"].drop_nulls().unique().to_list())], key="q_src")
kind = right.selectbox("Kind", ["(any)", "invalid", "duplicate", "filtered", "rejected_file"], key="q_kind")
st.dataframe(q.quarantine(path, None if source == "(any)" else source, None if kind == "(any)" else kind),
             hide_index=True)

st.subheader("Pipeline runs")
st.dataframe(q.runs(path), hide_index=True)
