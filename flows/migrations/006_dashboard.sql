-- Dashboard (issue 6): a 2-D map of the fitted sub-causes, for the analysts' cause map.
CREATE TABLE IF NOT EXISTS root_cause_map (     -- one row per fitted sub-cause
    fit_sub_cause_id VARCHAR NOT NULL,          -- as fitted (complaint_root_cause.fit_sub_cause_id)
    x               DOUBLE NOT NULL,            -- first two principal components of the sub-cause centroids
    y               DOUBLE NOT NULL
);
