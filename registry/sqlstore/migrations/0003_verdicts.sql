-- Verdicts: one row per device of a scan, written by a match run. A run
-- is 'running' while its verdicts are written in short transactions,
-- 'done' once committed (the scan's latest done run is the one readers
-- see), and 'dropping' while the rows of a replaced or dead run are
-- deleted in chunks. owner and heartbeat tell a live run from a dead one,
-- as for scan files.
CREATE TABLE match_runs (
    id {{.ID}},
    scan_id BIGINT NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
    registry_revision BIGINT NOT NULL,
    matcher_version TEXT NOT NULL,
    state TEXT NOT NULL,
    owner TEXT NOT NULL,
    heartbeat {{.Time}} NOT NULL,
    started {{.Time}} NOT NULL,
    finished {{.Time}},
    devices BIGINT NOT NULL DEFAULT 0,
    classes TEXT NOT NULL DEFAULT ''
);
CREATE INDEX match_runs_scan ON match_runs (scan_id, state);

-- body is the whole verdict as JSON (candidates, evidence, programmes);
-- the columns beside it are what listings filter and sort on. ip_sort is
-- the observations' sort key, so verdicts list in address order.
CREATE TABLE verdicts (
    id {{.ID}},
    run_id BIGINT NOT NULL,
    ip TEXT NOT NULL,
    ip_sort {{.Key}} NOT NULL,
    first_port TEXT NOT NULL,
    class TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX verdicts_run ON verdicts (run_id, ip_sort, first_port);
