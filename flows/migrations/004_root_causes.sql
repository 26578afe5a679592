-- Root causes (issue 4): both levels of the hierarchy live in root_causes; complaint_root_cause carries
-- both ids. complaint_root_cause loses its key for the same reason as complaints (migration 003); the
-- pipeline writes one row per complaint (an anti-join on insert, a whole rebuild on refit).
ALTER TABLE root_causes ADD COLUMN level VARCHAR;            -- root | sub
ALTER TABLE root_causes ADD COLUMN status VARCHAR;           -- active | new (appeared at the last refit) | emerging
ALTER TABLE root_causes ADD COLUMN label_source VARCHAR;     -- keywords | edited
ALTER TABLE root_causes ADD COLUMN model_version VARCHAR;

DROP TABLE complaint_root_cause;
CREATE TABLE complaint_root_cause (             -- one row per complaint
    complaint_id  VARCHAR NOT NULL,
    root_cause_id VARCHAR,                      -- NULL: unassigned (fits no cause; watched as emerging)
    sub_cause_id  VARCHAR,
    fit_sub_cause_id VARCHAR,                   -- the sub-cause as fitted, before human edits (NULL: unassigned)
    similarity    DOUBLE,                       -- cosine similarity to the sub-cause's centroid
    model_version VARCHAR NOT NULL,
    assigned_at   TIMESTAMP NOT NULL
);

ALTER TABLE root_cause_segments ADD COLUMN concentrated BOOLEAN;  -- lift and count above the configured bars

CREATE TABLE IF NOT EXISTS root_cause_daily (   -- one row per day x root cause (or sub-cause)
    day           DATE NOT NULL,
    root_cause_id VARCHAR NOT NULL,
    level         VARCHAR NOT NULL,
    complaints    INTEGER NOT NULL,
    share         DOUBLE NOT NULL               -- of that day's assigned complaints
);

CREATE TABLE IF NOT EXISTS root_cause_edits (   -- one row per human edit, re-applied after every refit
    edit_id      VARCHAR NOT NULL,
    action       VARCHAR NOT NULL,              -- rename | merge | split
    cause_id     VARCHAR NOT NULL,
    into_id      VARCHAR,                       -- merge: the surviving cause
    new_label    VARCHAR,                       -- rename
    parts        INTEGER,                       -- split: number of new root causes
    author       VARCHAR NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    last_outcome VARCHAR                        -- applied | not applicable: <why> (after the last run)
);

CREATE TABLE IF NOT EXISTS complaint_terms (    -- one row per complaint: the normalizer's output (internal)
    complaint_id VARCHAR NOT NULL,
    text_hash    VARCHAR NOT NULL,
    lemmas       VARCHAR NOT NULL,
    entities     STRUCT(label VARCHAR, "text" VARCHAR)[]
);
