-- The published tables (their grain and columns are documented in the README) and the reference
-- tables they are computed against. Later migrations alter these; never edit an applied migration.

CREATE TABLE IF NOT EXISTS clients (            -- one row per client
    client_id          VARCHAR PRIMARY KEY,
    name               VARCHAR NOT NULL,
    client_type        VARCHAR NOT NULL,        -- B2B | B2C
    industry           VARCHAR NOT NULL,
    shipment_types     VARCHAR[] NOT NULL,
    main_shipment_type VARCHAR NOT NULL,
    region             VARCHAR NOT NULL,
    revenue_uah        DOUBLE NOT NULL,         -- yearly revenue the carrier earns from the client
    shipments_per_year INTEGER NOT NULL,
    contract_start     DATE NOT NULL,
    language           VARCHAR
);

CREATE TABLE IF NOT EXISTS shipments_daily (    -- one row per day x region x segment
    day            DATE NOT NULL,
    region         VARCHAR NOT NULL,
    client_type    VARCHAR NOT NULL,
    industry       VARCHAR NOT NULL,
    shipment_type  VARCHAR NOT NULL,
    shipments      BIGINT NOT NULL,
    damaged        BIGINT NOT NULL,
    revenue_uah    DOUBLE NOT NULL,
    PRIMARY KEY (day, region, client_type, industry, shipment_type)
);

CREATE TABLE IF NOT EXISTS branches (           -- one row per branch
    branch_id  VARCHAR PRIMARY KEY,
    number     INTEGER NOT NULL,
    region     VARCHAR NOT NULL,
    city       VARCHAR NOT NULL,
    kind       VARCHAR NOT NULL                 -- branch | parcel_locker
);

CREATE TABLE IF NOT EXISTS employees (          -- one row per courier or contact-center agent
    employee_id VARCHAR PRIMARY KEY,
    role        VARCHAR NOT NULL,               -- courier | cc_agent
    region      VARCHAR,
    branch_id   VARCHAR,
    hired_on    DATE NOT NULL
);

CREATE TABLE IF NOT EXISTS complaints (         -- one row per complaint, deduplicated across files
    complaint_id        VARCHAR PRIMARY KEY,    -- stable: hash of source + natural key
    source              VARCHAR NOT NULL,
    source_record_id    VARCHAR NOT NULL,
    channel             VARCHAR NOT NULL,
    received_at         TIMESTAMP NOT NULL,     -- UTC
    client_id           VARCHAR,
    author_handle       VARCHAR,
    tracking_numbers    VARCHAR[],
    branch_id           VARCHAR,
    employee_id         VARCHAR,
    language            VARCHAR,
    text_masked         VARCHAR NOT NULL,
    client_type         VARCHAR,
    industry            VARCHAR,
    shipment_type       VARCHAR,
    region              VARCHAR,
    status              VARCHAR,                -- open | closed
    first_response_at   TIMESTAMP,
    resolved_at         TIMESTAMP,
    response_type       VARCHAR,
    compensation_uah    DOUBLE,
    reaction            VARCHAR,                -- positive | neutral | negative
    incident_id         VARCHAR,
    file_name           VARCHAR NOT NULL,
    row_number          INTEGER NOT NULL,
    loaded_at           TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS quarantine (         -- one row per input row (or file) that was not loaded
    run_id          VARCHAR NOT NULL,
    source          VARCHAR NOT NULL,
    file_name       VARCHAR NOT NULL,
    file_hash       VARCHAR NOT NULL,
    row_number      INTEGER,                    -- NULL when the whole file was rejected
    column_name     VARCHAR,
    reason          VARCHAR NOT NULL,
    raw_row         VARCHAR,
    quarantined_at  TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS incidents (          -- one row per incident (complaints about one client + shipment)
    incident_id       VARCHAR PRIMARY KEY,
    client_id         VARCHAR,
    tracking_number   VARCHAR,
    first_received_at TIMESTAMP NOT NULL,
    last_received_at  TIMESTAMP NOT NULL,
    complaint_ids     VARCHAR[] NOT NULL,
    channels          VARCHAR[] NOT NULL,
    n_complaints      INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS root_causes (        -- one row per root cause (and sub-cause)
    root_cause_id       VARCHAR PRIMARY KEY,
    label               VARCHAR NOT NULL,
    keywords            VARCHAR[] NOT NULL,
    representative_complaint_ids VARCHAR[] NOT NULL,
    size                INTEGER NOT NULL,
    first_seen          TIMESTAMP,
    last_seen           TIMESTAMP,
    parent_id           VARCHAR,
    cause_type          VARCHAR,                -- process | human_factor | client_driven | external | product_gap
    cause_type_evidence VARCHAR,
    owner_department    VARCHAR
);

CREATE TABLE IF NOT EXISTS complaint_root_cause ( -- one row per complaint
    complaint_id  VARCHAR PRIMARY KEY,
    root_cause_id VARCHAR,                      -- NULL: unassigned (outlier)
    probability   DOUBLE,
    model_version VARCHAR NOT NULL,
    assigned_at   TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS root_cause_segments ( -- one row per root cause x segment dimension x value
    root_cause_id VARCHAR NOT NULL,
    dimension     VARCHAR NOT NULL,
    segment_value VARCHAR NOT NULL,
    complaints    INTEGER NOT NULL,
    share         DOUBLE NOT NULL,              -- of the cause's complaints that fall in this segment
    lift          DOUBLE NOT NULL,              -- share / the segment's share of all complaints
    PRIMARY KEY (root_cause_id, dimension, segment_value)
);

CREATE TABLE IF NOT EXISTS client_scores (      -- one row per client
    client_id        VARCHAR PRIMARY KEY,
    tier             VARCHAR NOT NULL,          -- A1..A3, B1..B3, C, D, X
    usage_group      VARCHAR NOT NULL,          -- intended | unusual_potential | unusual_no_potential | value_destroying
    value_destroyer  BOOLEAN NOT NULL,
    confidence       DOUBLE,
    evidence         VARCHAR,                   -- JSON: the figures behind the flag
    scored_at        TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS responses (          -- one row per complaint with a recommendation
    complaint_id         VARCHAR PRIMARY KEY,
    recommended_response VARCHAR NOT NULL,
    reason               VARCHAR NOT NULL,
    cost_uah             DOUBLE NOT NULL,
    decided_response     VARCHAR,
    decided_by           VARCHAR,
    decided_at           TIMESTAMP,
    reaction             VARCHAR,
    reaction_at          TIMESTAMP
);

CREATE TABLE IF NOT EXISTS kpi_daily (          -- one row per day x KPI x segment value
    day             DATE NOT NULL,
    kpi             VARCHAR NOT NULL,
    dimension       VARCHAR NOT NULL,           -- 'all' for the whole company
    segment_value   VARCHAR NOT NULL,
    value           DOUBLE,
    target          DOUBLE,
    owner           VARCHAR,
    PRIMARY KEY (day, kpi, dimension, segment_value)
);
