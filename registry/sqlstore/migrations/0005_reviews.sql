-- Reviews: what a person of a scan team said of one device of a scan
-- (confirmed, corrected to another model, rejected). A review belongs to
-- the device, named by its address and ports, not to a match run: runs
-- come and go with every match, and the review stays on the device with
-- the same address and ports in the next one. ports is the device's
-- ports as verdicts list them, joined by spaces; a review whose device
-- the current run no longer has is stale (sqlstore's Reviews says so)
-- and is kept. Its audit event is in audit_events (entity 'review'),
-- which Revision leaves out: reviews are not the registry.
CREATE TABLE reviews (
    id {{.ID}},
    scan_id BIGINT NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
    ip TEXT NOT NULL,
    ip_sort {{.Key}} NOT NULL,
    first_port {{.Key}} NOT NULL,
    ports {{.Key}} NOT NULL,
    state TEXT NOT NULL,
    model_ref TEXT NOT NULL DEFAULT '',
    verdict_class TEXT NOT NULL,
    verdict_models TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    reviewed_by TEXT NOT NULL,
    reviewed_at {{.Time}} NOT NULL,
    UNIQUE (scan_id, ip_sort, ports)
);
CREATE INDEX reviews_model ON reviews (scan_id, model_ref);
