-- Reaching people beyond the inbox (issue 16): each person's channels, and one delivery per
-- notification and channel, tried again with backoff until it is sent or given up.

CREATE TABLE notification_preferences (
    account_id TEXT PRIMARY KEY REFERENCES accounts (id),
    sms BIGINT NOT NULL,
    email TEXT,
    updated_at TEXT NOT NULL
);

CREATE TABLE deliveries (
    id TEXT PRIMARY KEY,
    outbox_id TEXT NOT NULL REFERENCES outbox (id),
    channel TEXT NOT NULL CHECK (channel IN ('sms', 'email')),
    address TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    attempts BIGINT NOT NULL DEFAULT 0,
    next_at TEXT NOT NULL,
    claimed_at TEXT,
    last_error TEXT,
    sent_at TEXT,
    UNIQUE (outbox_id, channel)
);
CREATE INDEX deliveries_due ON deliveries (status, next_at);
