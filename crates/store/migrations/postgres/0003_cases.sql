-- Cases: applications, their timeline, their materials (content-addressed, deduplicated)
-- and the daily sequence behind case numbers.

CREATE TABLE cases (
    id TEXT PRIMARY KEY,
    case_no TEXT NOT NULL UNIQUE,
    implementation_code TEXT NOT NULL,
    item_version_id TEXT NOT NULL REFERENCES item_versions (id),
    item_name TEXT NOT NULL,
    org_unit_id TEXT NOT NULL REFERENCES org_units (id),
    applicant_id TEXT NOT NULL REFERENCES accounts (id),
    situation TEXT NOT NULL DEFAULT '',
    form TEXT NOT NULL DEFAULT '{}',
    status TEXT NOT NULL,
    channel TEXT NOT NULL,
    first_responder TEXT,
    idempotency_key TEXT,
    submitted_at TEXT NOT NULL,
    statutory_due TEXT NOT NULL,
    promised_due TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (applicant_id, idempotency_key)
);
CREATE INDEX cases_applicant ON cases (applicant_id);
CREATE INDEX cases_org_status ON cases (org_unit_id, status);

CREATE TABLE case_events (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases (id),
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    status_after TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX case_events_case ON case_events (case_id, at);

CREATE TABLE blobs (
    sha256 TEXT PRIMARY KEY,
    content BYTEA NOT NULL,
    size BIGINT NOT NULL
);

CREATE TABLE case_materials (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases (id),
    name TEXT NOT NULL,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    sha256 TEXT NOT NULL REFERENCES blobs (sha256),
    size BIGINT NOT NULL,
    added_at TEXT NOT NULL
);
CREATE INDEX case_materials_case ON case_materials (case_id);

-- One row per implementation code and day; an UPDATE … RETURNING hands out the next number
-- atomically on every instance sharing the database.
CREATE TABLE case_counters (
    prefix TEXT PRIMARY KEY,
    seq BIGINT NOT NULL
);
