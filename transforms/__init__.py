"""Pure Polars transforms: reading and mapping sources, validation suites, masking, language,
identity, incidents, and the decision logic (cause types, client scores, responses, KPIs, alerts).

Pure means: frames in, frames out. May import polars, pyarrow and great_expectations; never duckdb
connections, prefect or streamlit, and never reads settings or environment variables itself.
"""
