-- A hall's day (issue 16): optional bookings, the queue's tickets and their steps, the
-- numbers of the day, closures, who is on duty at each window.

CREATE TABLE appointments (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    hall_id TEXT NOT NULL REFERENCES service_halls (id),
    window_kind TEXT NOT NULL CHECK (window_kind IN ('comprehensive', 'escalation', 'assistance', 'enterprise')),
    implementation_code TEXT,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    day TEXT NOT NULL,
    slot TEXT NOT NULL,
    slot_ends TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('booked', 'arrived', 'cancelled', 'no_show')),
    booked_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    ticket_id TEXT
);
CREATE INDEX appointments_account ON appointments (account_id, day);
CREATE INDEX appointments_day ON appointments (day, status);

-- Booked places per slot, kept by one guarded upsert so two instances cannot overbook.
CREATE TABLE appointment_counts (
    hall_id TEXT NOT NULL,
    window_kind TEXT NOT NULL,
    day TEXT NOT NULL,
    slot TEXT NOT NULL,
    booked INTEGER NOT NULL,
    PRIMARY KEY (hall_id, window_kind, day, slot)
);

-- Bookings per half-hour per window kind, where the bureau set them (else one per window).
CREATE TABLE hall_capacity (
    hall_id TEXT NOT NULL REFERENCES service_halls (id),
    window_kind TEXT NOT NULL,
    per_slot INTEGER NOT NULL CHECK (per_slot >= 0),
    PRIMARY KEY (hall_id, window_kind)
);

CREATE TABLE hall_closures (
    hall_id TEXT NOT NULL REFERENCES service_halls (id),
    day TEXT NOT NULL,
    reason TEXT NOT NULL,
    PRIMARY KEY (hall_id, day)
);

CREATE TABLE queue_counters (
    hall_id TEXT NOT NULL,
    day TEXT NOT NULL,
    prefix TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (hall_id, day, prefix)
);

CREATE TABLE queue_tickets (
    id TEXT PRIMARY KEY,
    hall_id TEXT NOT NULL REFERENCES service_halls (id),
    day TEXT NOT NULL,
    ticket_no TEXT NOT NULL,
    seq INTEGER NOT NULL,
    window_kind TEXT NOT NULL CHECK (window_kind IN ('comprehensive', 'escalation', 'assistance', 'enterprise')),
    implementation_code TEXT,
    priority INTEGER NOT NULL,
    appointment_id TEXT REFERENCES appointments (id),
    account_id TEXT REFERENCES accounts (id),
    channel TEXT NOT NULL CHECK (channel IN ('kiosk', 'mobile', 'window')),
    queue_key TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('waiting', 'called', 'serving', 'done', 'missed', 'cancelled')),
    window_id TEXT REFERENCES windows (id),
    assigned_window_id TEXT REFERENCES windows (id),
    taken_at TEXT NOT NULL,
    called_at TEXT,
    started_at TEXT,
    ended_at TEXT,
    recalls INTEGER NOT NULL DEFAULT 0,
    transfers INTEGER NOT NULL DEFAULT 0,
    case_id TEXT REFERENCES cases (id),
    served_by TEXT REFERENCES accounts (id),
    version INTEGER NOT NULL DEFAULT 0,
    UNIQUE (hall_id, day, ticket_no)
);
CREATE INDEX queue_tickets_waiting ON queue_tickets (hall_id, status, window_kind);
CREATE INDEX queue_tickets_window ON queue_tickets (window_id, status);
CREATE INDEX queue_tickets_account ON queue_tickets (account_id, day);

-- Every step of a ticket: the record the assessment's waiting and service times come from.
CREATE TABLE queue_events (
    id TEXT PRIMARY KEY,
    ticket_id TEXT NOT NULL REFERENCES queue_tickets (id),
    at TEXT NOT NULL,
    action TEXT NOT NULL,
    window_id TEXT,
    actor TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX queue_events_ticket ON queue_events (ticket_id, at);

-- Who is at a window now.
CREATE TABLE window_duty (
    window_id TEXT PRIMARY KEY REFERENCES windows (id),
    account_id TEXT NOT NULL REFERENCES accounts (id),
    since TEXT NOT NULL
);

-- A window holds one ticket at a time, across instances.
CREATE UNIQUE INDEX queue_one_per_window ON queue_tickets (window_id)
    WHERE status IN ('called', 'serving');
