"""Load a case's reference tables (``reference/*.csv``) into the working warehouse, replacing what was there."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
from prefect import flow

from flows import warehouse
from transforms import reference

REFERENCE_FILES = {
    "clients": ("clients.csv", reference.stg_clients),
    "client_contacts": ("clients.csv", reference.stg_client_contacts),
    "shipments_daily": ("shipments_daily.csv", reference.stg_shipments_daily),
    "branches": ("branches.csv", reference.stg_branches),
    "employees": ("employees.csv", reference.stg_employees),
    "social_handles": ("social_handles.csv", reference.stg_social_handles),
    "tariffs": ("tariffs.csv", reference.stg_tariffs),
}


def load_reference(con: duckdb.DuckDBPyConnection, folder: Path) -> dict[str, int]:
    """Replace each reference table by its CSV in ``folder``; returns rows loaded per table."""
    loaded = {}
    for table, (file_name, stage) in REFERENCE_FILES.items():
        path = folder / file_name
        if not path.exists():
            raise FileNotFoundError(f"{path}: reference file for table '{table}' is missing.")
        raw = pl.read_csv(path, infer_schema_length=0)  # everything as text; the stage casts
        loaded[table] = warehouse.replace_rows(con, table, stage(raw))
    return loaded


def load_reference_folder(warehouse_path: Path, folder: Path) -> dict[str, int]:
    """Open the working warehouse, replace its reference tables from ``folder``, close it."""
    con = warehouse.open_warehouse(warehouse_path)
    try:
        return load_reference(con, folder)
    finally:
        con.close()


@flow(name="load-reference", log_prints=True)
def reference_load_flow(reference_dir: str, home: str | None = None) -> dict[str, int]:
    """Load ``reference_dir`` into the warehouse under ``home`` and publish a snapshot."""
    from flows.settings import load_settings

    settings = load_settings(home=Path(home) if home else None)
    con = warehouse.open_warehouse(settings.warehouse_path)
    try:
        loaded = load_reference(con, Path(reference_dir))
        warehouse.publish(con, settings.published_path, keep=settings.warehouse.keep_snapshots)
    finally:
        con.close()
    return loaded
