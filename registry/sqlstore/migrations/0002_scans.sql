-- Scans, the files read into them and their observations. A file's rows
-- are written in many short transactions while the file is 'loading' and
-- count only once it is 'done'; 'aborting' marks a file whose rows are
-- being deleted in chunks (by Abort or by whoever reaps a dead loader).
-- A scan is 'importing', 'closed', or 'dropping' while DropScan deletes
-- its rows in chunks (never shown to readers).
CREATE TABLE scans (
    id {{.ID}},
    name TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT '',
    tlp TEXT NOT NULL,
    probed TEXT NOT NULL DEFAULT '',
    ports TEXT NOT NULL DEFAULT '',
    started {{.Time}},
    finished {{.Time}},
    state TEXT NOT NULL,
    hosts BIGINT NOT NULL DEFAULT 0,
    services BIGINT NOT NULL DEFAULT 0,
    created_at {{.Time}} NOT NULL,
    closed_at {{.Time}}
);
CREATE INDEX scans_state ON scans (state);

CREATE TABLE scan_files (
    id {{.ID}},
    scan_id BIGINT NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
    name TEXT NOT NULL DEFAULT '',
    format TEXT NOT NULL DEFAULT '',
    sha256 TEXT NOT NULL DEFAULT '',
    read BIGINT NOT NULL DEFAULT 0,
    stored BIGINT NOT NULL DEFAULT 0,
    rejected BIGINT NOT NULL DEFAULT 0,
    reasons TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL,
    owner TEXT NOT NULL,
    heartbeat {{.Time}} NOT NULL,
    imported {{.Time}}
);
CREATE INDEX scan_files_scan_sha256 ON scan_files (scan_id, sha256);

-- ip is the canonical text of the address; ip_sort is "4" + 8 hex digits
-- for IPv4 and "6" + 32 for IPv6, so that byte order is address order,
-- IPv4 first. scan_id repeats the file's scan so that a scan's rows are
-- one index range; its integrity follows from file_id.
CREATE TABLE observations (
    id {{.ID}},
    scan_id BIGINT NOT NULL,
    file_id BIGINT NOT NULL REFERENCES scan_files (id) ON DELETE CASCADE,
    ip TEXT NOT NULL,
    ip_sort {{.Key}} NOT NULL,
    transport TEXT NOT NULL,
    port INTEGER NOT NULL,
    protocol TEXT NOT NULL,
    tls BOOLEAN NOT NULL,
    digest TEXT NOT NULL,
    observed {{.Time}} NOT NULL,
    observed_last {{.Time}},
    fields TEXT NOT NULL DEFAULT ''
);
CREATE INDEX observations_scan_service ON observations (scan_id, ip_sort, transport, port);
CREATE INDEX observations_file ON observations (file_id);
