"""Wiring: the ``causeway`` CLI, typed settings, the warehouse (the only DuckDB/Parquet I/O) and the
Prefect flows that sequence pure steps.

May import everything else in the project (``transforms``, ``nlp``, ``data``); nothing else imports
``flows`` except the dashboard's write-back of decisions and edits.
"""
