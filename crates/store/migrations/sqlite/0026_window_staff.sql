-- Window staff records (issue 16): when each was posted, and the training attended.

CREATE TABLE staff_postings (
    account_id TEXT PRIMARY KEY REFERENCES accounts (id),
    posted_on TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE staff_trainings (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    day TEXT NOT NULL,
    title TEXT NOT NULL,
    hours_tenths INTEGER NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX staff_trainings_account ON staff_trainings (account_id, day);
