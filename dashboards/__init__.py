"""The Streamlit app: one page per role task, all SQL in one queries module.

Reads published tables only (read-only DuckDB); decisions and cluster edits go back through one narrow
write function in ``flows.warehouse``.
"""
