-- The raw layer (every record as received: the largest table, written once, read only to trace a record)
-- moves out of the working database into Parquet files, one per loaded export:
-- <home>/raw/source=<source>/<file_hash>.parquet. `raw_complaints` becomes a view over them, re-created by
-- every ingest run; the rows loaded before this migration stay in raw_complaints_legacy, which it includes.
ALTER TABLE raw_complaints RENAME TO raw_complaints_legacy;
CREATE VIEW raw_complaints AS SELECT * FROM raw_complaints_legacy;
