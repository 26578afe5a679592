-- Ingestion: the raw layer, file ledger, validation results, identity references, and the columns
-- complaints and quarantine gained with it.

ALTER TABLE complaints ADD COLUMN agent_id VARCHAR;          -- contact-center agent who took it
ALTER TABLE complaints ADD COLUMN identity_method VARCHAR;   -- field | handle | phone | email | tracking | none
ALTER TABLE complaints ADD COLUMN pii_masked INTEGER;        -- placeholders put into text_masked
ALTER TABLE complaints ADD COLUMN attributes VARCHAR;        -- JSON: source attributes (CFPB product, issue...)
ALTER TABLE complaints ADD COLUMN run_id VARCHAR;

ALTER TABLE quarantine ADD COLUMN kind VARCHAR;              -- invalid | duplicate | filtered | rejected_file
ALTER TABLE quarantine ADD COLUMN raw_row_masked VARCHAR;    -- what readers may see (raw_row stays in the working warehouse)

CREATE TABLE IF NOT EXISTS raw_complaints (     -- one row per record read from an input file, as received
    source      VARCHAR NOT NULL,
    file_name   VARCHAR NOT NULL,
    file_hash   VARCHAR NOT NULL,
    row_number  INTEGER NOT NULL,
    record      VARCHAR NOT NULL,                -- JSON of the source's own columns / object
    run_id      VARCHAR NOT NULL,
    loaded_at   TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS ingested_files (     -- one row per distinct input file (by content hash)
    file_hash         VARCHAR PRIMARY KEY,
    source            VARCHAR,
    file_name         VARCHAR NOT NULL,
    size_bytes        BIGINT NOT NULL,
    rows_in           INTEGER NOT NULL,
    rows_loaded       INTEGER NOT NULL,
    rows_quarantined  INTEGER NOT NULL,
    status            VARCHAR NOT NULL,         -- loaded | rejected
    message           VARCHAR,
    run_id            VARCHAR NOT NULL,
    ingested_at       TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS validation_results ( -- one row per file x suite x expectation
    run_id           VARCHAR NOT NULL,
    source           VARCHAR NOT NULL,
    file_name        VARCHAR NOT NULL,
    suite            VARCHAR NOT NULL,
    expectation      VARCHAR NOT NULL,
    column_name      VARCHAR,
    success          BOOLEAN NOT NULL,
    unexpected_count BIGINT NOT NULL,
    element_count    BIGINT NOT NULL,
    checked_at       TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS pipeline_runs (      -- one row per flow run
    run_id      VARCHAR PRIMARY KEY,
    flow        VARCHAR NOT NULL,
    started_at  TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    status      VARCHAR NOT NULL,               -- running | completed | failed
    summary     VARCHAR                         -- JSON counts
);

CREATE TABLE IF NOT EXISTS social_handles (     -- one row per known handle (reference; identity resolution)
    platform  VARCHAR NOT NULL,
    handle    VARCHAR NOT NULL,
    client_id VARCHAR NOT NULL,
    PRIMARY KEY (platform, handle)
);

CREATE TABLE IF NOT EXISTS client_contacts (    -- one row per client contact (reference; never published)
    client_id  VARCHAR NOT NULL,
    phone_norm VARCHAR,
    email_norm VARCHAR
);
