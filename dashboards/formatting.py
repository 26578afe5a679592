"""How figures are written for people (the dashboard and the demo's summary); no Streamlit here."""

from __future__ import annotations


def money(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f} UAH"


def kpi_value(value: float | None, unit: str | None, signed: bool = False) -> str | None:
    """A KPI figure in its unit: shares as percentages, hours, hryvnias, counts."""
    if value is None:
        return None
    unit = unit or ""
    sign = "+" if signed else ""
    if unit.startswith("share"):
        return f"{value * 100:{sign}.4g}%"
    if "hour" in unit:
        return f"{value:{sign},.1f} h"
    if "UAH" in unit:
        return f"{value:{sign},.0f} UAH"
    return f"{value:{sign},.3g}"
