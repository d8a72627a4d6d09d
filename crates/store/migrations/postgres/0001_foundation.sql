-- Foundation: organisation, halls, accounts, sessions, login throttling, audit trail.
-- Integers are BIGINT (64-bit) and booleans BIGINT 0/1 so that the Any driver reads the
-- same types from SQLite and PostgreSQL. Times are RFC 3339 UTC text.

CREATE TABLE org_units (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    parent_id TEXT REFERENCES org_units (id),
    path TEXT NOT NULL UNIQUE,
    credit_code TEXT,
    sort BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX org_units_parent ON org_units (parent_id);

CREATE TABLE service_halls (
    id TEXT PRIMARY KEY,
    org_unit_id TEXT NOT NULL REFERENCES org_units (id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    address TEXT NOT NULL,
    phone TEXT NOT NULL,
    sort BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX service_halls_org ON service_halls (org_unit_id);

CREATE TABLE hall_hours (
    id TEXT PRIMARY KEY,
    hall_id TEXT NOT NULL REFERENCES service_halls (id),
    weekdays TEXT NOT NULL,
    opens TEXT NOT NULL,
    closes TEXT NOT NULL,
    kind TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX hall_hours_hall ON hall_hours (hall_id);

CREATE TABLE windows (
    id TEXT PRIMARY KEY,
    hall_id TEXT NOT NULL REFERENCES service_halls (id),
    number TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    UNIQUE (hall_id, number)
);

CREATE TABLE accounts (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    login TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    phone TEXT,
    legal_representative TEXT,
    org_unit_id TEXT REFERENCES org_units (id),
    role TEXT,
    password_hash TEXT NOT NULL,
    disabled BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE INDEX accounts_org ON accounts (org_unit_id);
CREATE INDEX accounts_name ON accounts (name);

CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    kind TEXT NOT NULL,
    label TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX sessions_account ON sessions (account_id);

CREATE TABLE login_failures (
    key TEXT PRIMARY KEY,
    count BIGINT NOT NULL,
    window_start TEXT NOT NULL
);

CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_target ON audit_log (target);

-- The chain head: locking this one row serializes appends across every instance.
CREATE TABLE audit_head (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
