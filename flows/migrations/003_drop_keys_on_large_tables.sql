-- Primary keys on the large tables cost far more than they protect: DuckDB maintains an ART index on
-- every insert (a million incidents took 34 s with the key, 2 s without). Uniqueness of complaint_id and
-- incident_id is enforced by the pipeline (an anti-join against what is loaded; incidents are rebuilt
-- whole) and checked by the tests.
CREATE TABLE complaints_unkeyed AS SELECT * FROM complaints;
DROP TABLE complaints;
ALTER TABLE complaints_unkeyed RENAME TO complaints;

CREATE TABLE incidents_unkeyed AS SELECT * FROM incidents;
DROP TABLE incidents;
ALTER TABLE incidents_unkeyed RENAME TO incidents;
