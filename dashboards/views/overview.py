"""Overview for top managers: KPI tiles against targets, trends, root causes by cost and growth, alerts."""

from __future__ import annotations

import altair as alt
import polars as pl
import streamlit as st

from dashboards import common
from dashboards import queries as q

common.require("overview")
path = common.snapshot()
st.title("Overview")
if q.data_days(path)[1] is None or not q.has_table(path, "kpi_definitions") or q.kpi_tiles(
        path, *q.data_days(path), q.data_days(path)[0], None, None).height == 0:
    st.info("No complaints or KPIs in the published snapshot yet: run `causeway run` (or `causeway analyze`).")
    st.stop()
start, end, previous_start = common.period_filter(path)
dim, value = common.segment_filter(path)
st.text(f"{start} … {end}" + (f" · {dim} = {value}" if dim else " · whole company")
        + " · every figure is re-aggregated from the daily numerators and denominators in kpi_daily")

tiles = q.kpi_tiles(path, start, end, previous_start, dim, value)
for row_start in range(0, tiles.height, 4):
    for column, kpi in zip(st.columns(4), tiles.slice(row_start, 4).iter_rows(named=True), strict=False):
        shown = common.kpi_value(kpi["value"], kpi["unit"]) or "-"
        delta = None if kpi["value"] is None or kpi["previous"] is None else common.kpi_value(
            kpi["value"] - kpi["previous"], kpi["unit"], signed=True)
        column.metric(kpi["name"], shown, delta, delta_color="inverse" if kpi["direction"] == "lower_is_better"
                      else "normal", help=kpi["definition"], border=True)
        target = common.kpi_value(kpi["target"], kpi["unit"])
        column.caption(f"target {target} · {kpi['owner']}" if target else kpi["owner"])

names = dict(tiles.select("name", "kpi").iter_rows())
chosen = st.selectbox("Trend", list(names), index=0, key="trend_kpi")
trend = q.kpi_trend(path, names[chosen], start, end, dim, value)
if trend.height:
    line = alt.Chart(trend.to_pandas()).mark_line().encode(x="day:T", y=alt.Y("value:Q", title=chosen))
    target = alt.Chart(trend.to_pandas()).mark_rule(strokeDash=[4, 4], color="gray").encode(y="mean(target):Q")
    st.altair_chart(line + target, width="stretch")

causes = q.top_causes(path, start, end, previous_start, dim, value).with_columns(
    growth=(pl.col("complaints") - pl.col("previous")))
left, right = st.columns(2)
left.subheader("Root causes by cost")
left.dataframe(causes.head(10).select("root_cause_id", "label", "cause_type", "owner_department", "complaints",
                                     "cost_uah"), hide_index=True)
right.subheader("Root causes by growth")
right.dataframe(causes.sort("growth", descending=True).head(10).select(
    "root_cause_id", "label", "cause_type", "complaints", "previous", "growth"), hide_index=True)

st.subheader("Alerts")
active = q.alerts(path, active_only=True)
st.caption(f"{active.height} active (still rising on the last day of data); the latest alerts:")
st.dataframe(q.alerts(path, active_only=False).head(20).select(
    "series_kind", "dimension", "key", "label", "start_day", "end_day", "observed", "expected", "ratio", "active"),
    hide_index=True)

st.subheader("The complaints behind these figures")
picked = st.selectbox("Root cause", ["(all)", *causes["root_cause_id"].to_list()], key="drill_cause",
                      format_func=lambda c: c if c == "(all)" else
                      f"{c} · {causes.filter(pl.col('root_cause_id') == c)['label'][0]}")
st.dataframe(q.period_complaints(path, start, end, dim, value, None if picked == "(all)" else picked),
             hide_index=True)
st.caption("At most 500, newest first; the Root causes page holds every complaint of a cause, per segment.")
