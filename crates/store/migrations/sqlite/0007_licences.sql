-- The electronic licence library: licence types (证照目录), published seal keys (the
-- private halves stay in the data directory), licences with their seals, and the serial
-- numbers behind GB/T 36904 identifiers.
CREATE TABLE licence_types (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    definition TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE seal_keys (
    key_id TEXT PRIMARY KEY,
    org_code TEXT NOT NULL,
    public_key TEXT NOT NULL,
    created_at TEXT NOT NULL,
    retired_at TEXT
);
CREATE INDEX seal_keys_org ON seal_keys (org_code, retired_at);

CREATE TABLE licences (
    identifier TEXT PRIMARY KEY,
    type_code TEXT NOT NULL REFERENCES licence_types (code),
    holder_id TEXT NOT NULL,
    case_id TEXT REFERENCES cases (id),
    body TEXT NOT NULL,
    key_id TEXT NOT NULL REFERENCES seal_keys (key_id),
    signature TEXT NOT NULL,
    status TEXT NOT NULL,
    valid_until TEXT,
    issued_at TEXT NOT NULL,
    revoked_at TEXT,
    revoke_reason TEXT
);
CREATE INDEX licences_holder ON licences (holder_id);
CREATE INDEX licences_case ON licences (case_id);
CREATE INDEX licences_expiry ON licences (status, valid_until);

CREATE TABLE licence_serials (
    prefix TEXT PRIMARY KEY,
    seq INTEGER NOT NULL
);

ALTER TABLE case_materials ADD COLUMN waived_by TEXT;
