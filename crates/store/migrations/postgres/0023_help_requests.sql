-- 帮办代办 and 上门服务 (issue 16): requests, answered within two working days, with the
-- visit's result.

CREATE TABLE help_requests (
    id TEXT PRIMARY KEY,
    request_no TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('at_window', 'home_visit')),
    reason TEXT NOT NULL CHECK (reason IN ('elderly', 'disabled', 'ill', 'other')),
    requester TEXT NOT NULL CHECK (requester IN ('person', 'family', 'village_staff')),
    name TEXT NOT NULL,
    phone TEXT NOT NULL,
    address TEXT NOT NULL,
    need TEXT NOT NULL,
    org_unit_id TEXT NOT NULL REFERENCES org_units (id),
    org_path TEXT NOT NULL,
    account_id TEXT REFERENCES accounts (id),
    status TEXT NOT NULL CHECK (status IN ('requested', 'assigned', 'done', 'declined')),
    due TEXT NOT NULL,
    assigned_to TEXT REFERENCES accounts (id),
    visit_at TEXT,
    declined_reason TEXT,
    case_no TEXT,
    photos BIGINT NOT NULL DEFAULT 0,
    identity_checked BIGINT NOT NULL DEFAULT 0,
    result_note TEXT,
    created_at TEXT NOT NULL,
    answered_at TEXT,
    done_at TEXT,
    escalated_at TEXT,
    version BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX help_requests_open ON help_requests (status, due);
CREATE INDEX help_requests_path ON help_requests (org_path, created_at);
CREATE INDEX help_requests_account ON help_requests (account_id, created_at);
