-- The outbox: notifications written in the same transaction as the change they announce,
-- delivered afterwards by workers (at least once; the dedupe key keeps a message single).
CREATE TABLE outbox (
    id TEXT PRIMARY KEY,
    topic TEXT NOT NULL,
    recipient TEXT NOT NULL REFERENCES accounts (id),
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    link TEXT NOT NULL DEFAULT '',
    dedupe_key TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    claimed_at TEXT,
    delivered_at TEXT
);
CREATE INDEX outbox_pending ON outbox (delivered_at, created_at);

-- In-app messages: every notification lands here, whatever else delivers it.
CREATE TABLE messages (
    id TEXT PRIMARY KEY,
    outbox_id TEXT NOT NULL UNIQUE REFERENCES outbox (id),
    account_id TEXT NOT NULL REFERENCES accounts (id),
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    link TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE INDEX messages_account ON messages (account_id, created_at);
