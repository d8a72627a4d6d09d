-- Applications for a bundle (issue 13): the bundle case, one row per applicable member
-- (its case once started; a dependent one waits for what it needs), and the materials
-- collected once for every member, kept until the last member that uses them starts.
CREATE TABLE bundle_cases (
    id TEXT PRIMARY KEY,
    bundle_no TEXT NOT NULL UNIQUE,
    bundle_code TEXT NOT NULL,
    bundle_version_id TEXT NOT NULL REFERENCES bundle_versions (id),
    bundle_name TEXT NOT NULL,
    applicant_id TEXT NOT NULL REFERENCES accounts (id),
    answers TEXT NOT NULL,
    form TEXT NOT NULL,
    channel TEXT NOT NULL,
    first_responder TEXT,
    intake_org_id TEXT REFERENCES org_units (id),
    assistance TEXT NOT NULL DEFAULT '',
    idempotency_key TEXT,
    submitted_at TEXT NOT NULL,
    submitted_on TEXT NOT NULL,
    promised_due TEXT NOT NULL,
    delivered_at TEXT,
    delivery TEXT NOT NULL DEFAULT '',
    combined_licence TEXT
);
CREATE UNIQUE INDEX bundle_cases_key ON bundle_cases (applicant_id, idempotency_key);
CREATE INDEX bundle_cases_applicant ON bundle_cases (applicant_id, submitted_at);
CREATE TABLE bundle_children (
    bundle_id TEXT NOT NULL REFERENCES bundle_cases (id),
    position INTEGER NOT NULL,
    implementation_code TEXT NOT NULL,
    item_name TEXT NOT NULL,
    situation TEXT NOT NULL,
    form TEXT NOT NULL,
    depends_on TEXT NOT NULL,
    case_id TEXT REFERENCES cases (id),
    cancelled BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (bundle_id, position)
);
CREATE UNIQUE INDEX bundle_children_case ON bundle_children (case_id);
CREATE TABLE bundle_materials (
    bundle_id TEXT NOT NULL REFERENCES bundle_cases (id),
    name TEXT NOT NULL,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    sha256 TEXT NOT NULL REFERENCES blobs (sha256),
    size BIGINT NOT NULL,
    PRIMARY KEY (bundle_id, name)
);
