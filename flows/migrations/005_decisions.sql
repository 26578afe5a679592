-- Decisions (issue 5): client scores, response recommendations and recorded decisions, KPIs with their
-- definitions, spike alerts, human-factor / external hot spots, "fix it for the whole group" lists and the
-- product-gap questions. Everything but the recorded decisions and fixes is rebuilt whole by `analyze`.

ALTER TABLE clients ADD COLUMN overdue_uah DOUBLE;          -- unpaid invoices (NULL: not known)

CREATE TABLE IF NOT EXISTS tariffs (            -- one row per response x shipment type (reference)
    response      VARCHAR NOT NULL,
    shipment_type VARCHAR NOT NULL,
    cost_uah      DOUBLE,                       -- NULL: depends on the item (declared value, purchase)
    rule          VARCHAR
);

DROP TABLE client_scores;
CREATE TABLE client_scores (                    -- one row per client
    client_id        VARCHAR NOT NULL,
    tier             VARCHAR NOT NULL,          -- A1..A3, B1..B3, C, D, X
    usage_group      VARCHAR NOT NULL,          -- intended | unusual_potential | unusual_no_potential | value_destroying
    value_destroyer  BOOLEAN NOT NULL,          -- a recommendation for a person, never an automatic action
    confidence       DOUBLE,
    value_score      DOUBLE,                    -- 0..1: revenue, shipments, tenure ranked within the client type
    complaints       INTEGER NOT NULL,
    complaints_per_1k_shipments DOUBLE,
    compensation_uah DOUBLE NOT NULL,
    cost_to_serve_uah DOUBLE NOT NULL,          -- compensation + complaints x handling cost
    our_side_share   DOUBLE,                    -- of its complaints explained by our own process / staff
    evidence         VARCHAR,                   -- JSON: the figures behind tier, group and flag
    scored_at        TIMESTAMP NOT NULL
);

DROP TABLE responses;
CREATE TABLE responses (                        -- one row per open complaint: the recommendation (+ latest decision)
    complaint_id          VARCHAR NOT NULL,
    client_id             VARCHAR,
    root_cause_id         VARCHAR,
    cause_type            VARCHAR,
    recommended_response  VARCHAR NOT NULL,
    alternatives          VARCHAR[],            -- other responses the policy allows, best expected reaction first
    internal_action       VARCHAR,              -- training_ticket | process_fix_ticket | NULL
    policy_rule           VARCHAR NOT NULL,
    reason                VARCHAR NOT NULL,
    cost_uah              DOUBLE NOT NULL,
    expected_positive_rate DOUBLE,
    significance          VARCHAR,              -- medical | child | wedding | birthday | NULL
    message               VARCHAR,              -- the policy's template in the client's language
    budget_period         VARCHAR,
    recommended_at        TIMESTAMP NOT NULL,
    decided_response      VARCHAR,
    decided_by            VARCHAR,
    decided_at            TIMESTAMP,
    reaction              VARCHAR,
    reaction_at           TIMESTAMP
);

CREATE TABLE IF NOT EXISTS response_decisions ( -- one row per recorded decision or reaction (append-only)
    decision_id       VARCHAR NOT NULL,
    complaint_id      VARCHAR NOT NULL,
    kind              VARCHAR NOT NULL,         -- decision | reaction
    response          VARCHAR,                  -- decision: the response chosen
    reaction          VARCHAR,                  -- reaction: positive | neutral | negative
    recommended       VARCHAR,                  -- what Causeway recommended at the time
    cost_uah          DOUBLE,
    author            VARCHAR NOT NULL,
    note              VARCHAR,
    recorded_at       TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS response_outcomes (  -- one row per response x segment dimension x value
    response      VARCHAR NOT NULL,
    dimension     VARCHAR NOT NULL,             -- 'all' for every complaint
    segment_value VARCHAR NOT NULL,
    reactions     INTEGER NOT NULL,
    positive      INTEGER NOT NULL,
    positive_rate DOUBLE                        -- positive / reactions
);

CREATE TABLE IF NOT EXISTS cause_fixes (        -- one row per change of a root cause's fix status (append-only)
    root_cause_id VARCHAR NOT NULL,
    fix_status    VARCHAR NOT NULL,             -- none | in_progress | done
    note          VARCHAR,
    author        VARCHAR NOT NULL,
    recorded_at   TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS group_fix_candidates ( -- one row per process cause x concentrated segment x client
    root_cause_id  VARCHAR NOT NULL,
    dimension      VARCHAR NOT NULL,
    segment_value  VARCHAR NOT NULL,
    lift           DOUBLE NOT NULL,
    client_id      VARCHAR NOT NULL,            -- shares the trait, has not complained about this cause yet
    tier           VARCHAR,
    revenue_uah    DOUBLE,
    shipments_per_year INTEGER
);

CREATE TABLE IF NOT EXISTS product_gaps (       -- one row per product-gap cause: PRODUCT.md §3's four questions
    root_cause_id      VARCHAR NOT NULL,
    complaints         INTEGER NOT NULL,
    clients            INTEGER NOT NULL,        -- does the request represent a large group?
    segment            VARCHAR,                 -- where it concentrates
    segment_clients    INTEGER,                 -- clients of that segment (the group it could serve)
    tiers              VARCHAR,                 -- JSON: asking clients per tier
    revenue_at_stake_uah DOUBLE,                -- what does it do to the finances?
    growth             DOUBLE,                  -- complaints of the last 90 days / the 90 before (a path?)
    effort_note        VARCHAR                  -- great effort? left for the product owner
);

CREATE TABLE IF NOT EXISTS hotspots (           -- one row per person, branch or region-period far above its peers
    hotspot_id    VARCHAR NOT NULL,
    kind          VARCHAR NOT NULL,             -- human_factor | external
    subject_type  VARCHAR NOT NULL,             -- employee | branch | region
    subject       VARCHAR NOT NULL,
    complaints    INTEGER NOT NULL,
    expected      DOUBLE NOT NULL,              -- the peers' median (employee, branch) or the region's own baseline
    ratio         DOUBLE NOT NULL,
    start_day     DATE,
    end_day       DATE,
    top_causes    VARCHAR,                      -- JSON: root cause id -> complaints
    owner_department VARCHAR
);

CREATE TABLE IF NOT EXISTS alerts (             -- one row per spike of a cause or segment vs its own history
    alert_id      VARCHAR NOT NULL,
    series_kind   VARCHAR NOT NULL,             -- root_cause | segment
    dimension     VARCHAR NOT NULL,
    key           VARCHAR NOT NULL,
    start_day     DATE NOT NULL,
    end_day       DATE NOT NULL,
    peak_day      DATE,
    observed      DOUBLE NOT NULL,
    expected      DOUBLE NOT NULL,
    ratio         DOUBLE,
    score         DOUBLE,
    active        BOOLEAN NOT NULL
);

CREATE TABLE IF NOT EXISTS kpi_definitions (    -- one row per KPI (config/kpis.yaml)
    kpi        VARCHAR NOT NULL,
    name       VARCHAR NOT NULL,
    definition VARCHAR NOT NULL,
    numerator_definition   VARCHAR,
    denominator_definition VARCHAR,
    unit       VARCHAR,
    direction  VARCHAR,                         -- lower_is_better | higher_is_better
    target     DOUBLE,
    owner      VARCHAR,
    dimensions VARCHAR[],
    aggregation VARCHAR,                        -- ratio: scale x sum(numerator) / sum(denominator) over any period;
                                                -- quantile: per day only; per_day: a daily count or amount
    scale      DOUBLE
);

DROP TABLE kpi_daily;
CREATE TABLE kpi_daily (                        -- one row per day x KPI x segment value (rebuilt whole)
    day             DATE NOT NULL,
    kpi             VARCHAR NOT NULL,
    dimension       VARCHAR NOT NULL,           -- 'all' for the whole company
    segment_value   VARCHAR NOT NULL,
    value           DOUBLE,                     -- NULL when the denominator is 0
    numerator       DOUBLE,                     -- any period re-aggregates as sum(numerator) / sum(denominator)
    denominator     DOUBLE,
    target          DOUBLE,
    owner           VARCHAR
);
