-- The registry: programmes, models, certifications with their status
-- history, the audit log and API tokens. Dates are ISO text on both
-- databases so that they sort and compare the same way.
CREATE TABLE programs (
    id {{.ID}},
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    issuer TEXT NOT NULL DEFAULT '',
    url TEXT NOT NULL DEFAULT '',
    generation TEXT NOT NULL DEFAULT '',
    later_firmware TEXT NOT NULL DEFAULT 'covered',
    rules TEXT NOT NULL DEFAULT '',
    created_at {{.Time}} NOT NULL,
    updated_at {{.Time}} NOT NULL
);

CREATE TABLE models (
    id {{.ID}},
    ref TEXT NOT NULL UNIQUE,
    vendor TEXT NOT NULL,
    vendor_key TEXT NOT NULL,
    name TEXT NOT NULL,
    model_number TEXT NOT NULL DEFAULT '',
    model_key TEXT NOT NULL,
    hardware_version TEXT NOT NULL DEFAULT '',
    device_type TEXT NOT NULL DEFAULT '',
    released TEXT,
    family TEXT NOT NULL DEFAULT '',
    cpe TEXT NOT NULL DEFAULT '',
    aliases TEXT NOT NULL DEFAULT '',
    profile TEXT NOT NULL DEFAULT '',
    search TEXT NOT NULL DEFAULT '',
    created_at {{.Time}} NOT NULL,
    updated_at {{.Time}} NOT NULL
);
CREATE INDEX models_vendor_key ON models (vendor_key, model_key);
CREATE INDEX models_device_type ON models (device_type);

CREATE TABLE certifications (
    id {{.ID}},
    model_id BIGINT NOT NULL REFERENCES models (id) ON DELETE CASCADE,
    program_id BIGINT NOT NULL REFERENCES programs (id),
    certificate_id TEXT NOT NULL,
    level TEXT NOT NULL DEFAULT '',
    issued TEXT NOT NULL,
    expires TEXT,
    status TEXT NOT NULL,
    public BOOLEAN NOT NULL,
    firmware TEXT NOT NULL DEFAULT '',
    created_at {{.Time}} NOT NULL,
    updated_at {{.Time}} NOT NULL,
    UNIQUE (program_id, certificate_id)
);
CREATE INDEX certifications_model ON certifications (model_id);

CREATE TABLE status_changes (
    id {{.ID}},
    certification_id BIGINT NOT NULL REFERENCES certifications (id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    effective TEXT NOT NULL,
    recorded TEXT NOT NULL,
    recorded_by TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX status_changes_certification ON status_changes (certification_id);

CREATE TABLE audit_events (
    id {{.ID}},
    at {{.Time}} NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_key TEXT NOT NULL,
    before_json TEXT NOT NULL DEFAULT '',
    after_json TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_events_entity ON audit_events (entity, entity_key);

CREATE TABLE tokens (
    id {{.ID}},
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    created_at {{.Time}} NOT NULL,
    last_used_at {{.Time}}
);
