"""The Streamlit app: one module per page under ``views/``, all SQL in ``queries.py``, sign-in in ``auth.py``.

Reads the current published snapshot only (read-only DuckDB). What people record (decisions, reactions,
fix statuses, cause edits) goes to decision files through :mod:`flows.decision_inbox`, never to the warehouse.
"""
