-- Dashboard (issue 6): a 2-D map of the fitted sub-causes for the analysts' cause map, and an id on fix
-- statuses so one recorded in the dashboard is loaded once.
CREATE TABLE IF NOT EXISTS root_cause_map (     -- one row per fitted sub-cause
    fit_sub_cause_id VARCHAR NOT NULL,          -- as fitted (complaint_root_cause.fit_sub_cause_id)
    x               DOUBLE NOT NULL,            -- first two principal components of the sub-cause centroids
    y               DOUBLE NOT NULL
);

ALTER TABLE cause_fixes ADD COLUMN fix_id VARCHAR;  -- the dashboard's record id (loaded once); NULL from the CLI
