-- 好差评, 整改, 12345 and 办不成事 (issue 12). Nothing here is ever updated in place but a
-- task's, ticket's or problem's current status and due dates; every step is a row of
-- feedback_events, and a rating is added to (evaluation_additions), never edited.
CREATE TABLE evaluation_reasons (
    code TEXT PRIMARY KEY,
    label TEXT NOT NULL,
    for_bad INTEGER NOT NULL,
    sort INTEGER NOT NULL,
    retired INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE feedback_settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE evaluations (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases (id),
    case_no TEXT NOT NULL,
    stage TEXT NOT NULL CHECK (stage IN ('acceptance', 'conclusion')),
    level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
    reasons TEXT NOT NULL,
    comment TEXT NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN ('online', 'window', 'mobile', 'hotline')),
    rater_id TEXT NOT NULL REFERENCES accounts (id),
    implementation_code TEXT NOT NULL,
    item_name TEXT NOT NULL,
    org_unit_id TEXT NOT NULL REFERENCES org_units (id),
    org_path TEXT NOT NULL,
    intake_path TEXT,
    hall_id TEXT REFERENCES service_halls (id),
    window_id TEXT REFERENCES windows (id),
    staff_id TEXT REFERENCES accounts (id),
    rated_on TEXT NOT NULL,
    rated_at TEXT NOT NULL,
    amend_until TEXT NOT NULL,
    UNIQUE (case_id, stage)
);
CREATE INDEX evaluations_org ON evaluations (org_path, rated_at);
CREATE INDEX evaluations_intake ON evaluations (intake_path, rated_at);
CREATE INDEX evaluations_at ON evaluations (rated_at);
CREATE INDEX evaluations_level ON evaluations (level, rated_at);
CREATE INDEX evaluations_unit ON evaluations (org_unit_id, rated_at);
CREATE INDEX evaluations_rater ON evaluations (rater_id, rated_at);
CREATE TABLE evaluation_additions (
    id TEXT PRIMARY KEY,
    evaluation_id TEXT NOT NULL REFERENCES evaluations (id),
    at TEXT NOT NULL,
    reasons TEXT NOT NULL,
    comment TEXT NOT NULL
);
CREATE INDEX evaluation_additions_evaluation ON evaluation_additions (evaluation_id, at);
-- Anonymous ratings from a hall's poster: counted for the hall, kept apart from real-name
-- ones (no case, no rater, no rectification).
CREATE TABLE hall_evaluations (
    id TEXT PRIMARY KEY,
    hall_id TEXT NOT NULL REFERENCES service_halls (id),
    hall_path TEXT NOT NULL,
    level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
    reasons TEXT NOT NULL,
    comment TEXT NOT NULL,
    rated_on TEXT NOT NULL,
    rated_at TEXT NOT NULL
);
CREATE INDEX hall_evaluations_hall ON hall_evaluations (hall_path, rated_at);
-- A case's rating link for the counter tablet and the receipt's QR code (SM3 digest).
CREATE TABLE evaluation_links (
    token_hash TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases (id),
    window_id TEXT REFERENCES windows (id),
    staff_id TEXT REFERENCES accounts (id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE TABLE rectifications (
    id TEXT PRIMARY KEY,
    evaluation_id TEXT NOT NULL UNIQUE REFERENCES evaluations (id),
    org_unit_id TEXT NOT NULL REFERENCES org_units (id),
    org_path TEXT NOT NULL,
    intake_path TEXT,
    status TEXT NOT NULL CHECK (status IN ('awaiting_verification', 'rectifying',
        'awaiting_feedback', 'awaiting_rater', 'awaiting_review', 'closed')),
    appealed INTEGER NOT NULL DEFAULT 0,
    outcome TEXT,
    opened_at TEXT NOT NULL,
    verify_due TEXT NOT NULL,
    answer_due TEXT NOT NULL,
    escalated_at TEXT,
    closed_at TEXT,
    updated_at TEXT NOT NULL
);
CREATE INDEX rectifications_org ON rectifications (org_path, status);
CREATE INDEX rectifications_status ON rectifications (status, answer_due);
CREATE TABLE tickets (
    id TEXT PRIMARY KEY,
    ticket_no TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('consultation', 'help_request', 'complaint',
        'suggestion', 'praise', 'evaluation')),
    status TEXT NOT NULL CHECK (status IN ('unrouted', 'assigned', 'answered', 'closed')),
    caller_name TEXT NOT NULL,
    caller_phone TEXT NOT NULL,
    caller_id_number TEXT,
    caller_account_id TEXT REFERENCES accounts (id),
    case_id TEXT REFERENCES cases (id),
    implementation_code TEXT,
    org_unit_id TEXT REFERENCES org_units (id),
    org_path TEXT,
    intake_path TEXT,
    text TEXT NOT NULL,
    level INTEGER,
    evaluation_id TEXT REFERENCES evaluations (id),
    returned INTEGER NOT NULL DEFAULT 0,
    satisfaction TEXT,
    due TEXT,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    escalated_at TEXT,
    closed_at TEXT,
    updated_at TEXT NOT NULL
);
CREATE INDEX tickets_org ON tickets (org_path, created_at);
CREATE INDEX tickets_at ON tickets (created_at);
CREATE INDEX tickets_status ON tickets (status, due);
CREATE INDEX tickets_caller ON tickets (caller_account_id, created_at);
CREATE TABLE problems (
    id TEXT PRIMARY KEY,
    problem_no TEXT NOT NULL UNIQUE,
    category TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('raised', 'assigned', 'answered', 'referred',
        'closed')),
    text TEXT NOT NULL,
    raiser_id TEXT REFERENCES accounts (id),
    raiser_name TEXT NOT NULL,
    raiser_phone TEXT NOT NULL,
    channel TEXT NOT NULL,
    intake_path TEXT,
    lead_id TEXT REFERENCES org_units (id),
    lead_path TEXT,
    assisting TEXT NOT NULL,
    case_nos TEXT NOT NULL,
    item_codes TEXT NOT NULL,
    resolution TEXT,
    adjustment TEXT,
    due TEXT,
    created_at TEXT NOT NULL,
    escalated_at TEXT,
    closed_at TEXT,
    updated_at TEXT NOT NULL
);
CREATE INDEX problems_lead ON problems (lead_path, created_at);
CREATE INDEX problems_at ON problems (created_at);
CREATE INDEX problems_raiser ON problems (raiser_id, created_at);
-- The entries of rectifications, tickets and problems, in order.
CREATE TABLE feedback_events (
    id TEXT PRIMARY KEY,
    subject TEXT NOT NULL,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    status_after TEXT NOT NULL,
    note TEXT NOT NULL
);
CREATE INDEX feedback_events_subject ON feedback_events (subject, at);
-- Ticket and problem numbers per day ('RX20261202', 'BC20261202').
CREATE TABLE feedback_counters (
    key TEXT PRIMARY KEY,
    n INTEGER NOT NULL
);
