-- Scans, the files read into them and their observations. A file's rows
-- are staged in observation_loads in many short transactions while the
-- file is 'loading' and count only once it is 'done'; 'aborting' marks a
-- file whose rows are being deleted in chunks (by Abort or by whoever
-- reaps a dead loader). Closing a scan merges the staged rows of its done
-- files into observations, sorted. A scan is 'importing', 'closed', or
-- 'dropping' while DropScan deletes its rows in chunks (never shown to
-- readers).
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
    unknowns BIGINT NOT NULL DEFAULT 0,
    first_seen {{.Time}},
    last_seen {{.Time}},
    state TEXT NOT NULL,
    owner TEXT NOT NULL,
    heartbeat {{.Time}} NOT NULL,
    imported {{.Time}}
);
CREATE INDEX scan_files_scan_sha256 ON scan_files (scan_id, sha256);

-- One staged observation per row, packed into one text record (see
-- record.go): appending needs no index but file_id's. unknowns, first_seen
-- and last_seen of scan_files describe a file's staged rows, so that
-- closing need not read them twice.
--
-- file_id in observation_loads and observations is no foreign key: on
-- PostgreSQL the per-row check cost more than the insert itself, and
-- nothing relies on a cascade. A row is only ever written in a
-- transaction that has just updated its file row, still loading (which
-- also locks it on PostgreSQL), and every delete of a file or a scan
-- deletes its rows first.
CREATE TABLE observation_loads (
    id {{.ID}},
    file_id BIGINT NOT NULL,
    rec {{.Key}} NOT NULL
);
CREATE INDEX observation_loads_file ON observation_loads (file_id);

-- ip is the canonical text of the address; ip_sort is "4" + 8 hex digits
-- for IPv4 and "6" + 32 for IPv6, so that byte order is address order,
-- IPv4 first. file_id is the first file that saw what the row says.
CREATE TABLE observations (
    id {{.ID}},
    scan_id BIGINT NOT NULL,
    file_id BIGINT NOT NULL,
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
-- Staged rows are found by file (observation_loads_file); merged rows
-- only ever by scan.
CREATE INDEX observations_scan_service ON observations (scan_id, ip_sort, transport, port);
