-- Identity you can trust (issue 11).
-- How far an account's identity was checked: only the number's check digit (self
-- registration), a clerk with the document, a trusted identity provider, or an enterprise's
-- legal representative. Licences are seen, presented and reused only from a checked one.
ALTER TABLE accounts ADD COLUMN assurance TEXT NOT NULL DEFAULT 'self_registered'
    CHECK (assurance IN ('self_registered', 'window_verified', 'provider_verified', 'legal_representative_verified'));
ALTER TABLE accounts ADD COLUMN assured_at TEXT;
ALTER TABLE accounts ADD COLUMN assured_by TEXT;
-- Accounts a clerk registered at a window were registered from the document they saw.
UPDATE accounts SET assurance = 'window_verified' WHERE password_hash = '!window-registered';

-- Attempts are counted before the password is checked; past the free tries each must wait
-- until next_at (a doubling delay, not a lock an attacker can renew).
ALTER TABLE login_failures ADD COLUMN next_at TEXT NOT NULL DEFAULT '';

-- One-time codes: sent by SMS to reset a password, or printed at a window to claim an
-- account. Only an SM3 digest of the code is kept; tries are counted on the row.
CREATE TABLE account_codes (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    purpose TEXT NOT NULL CHECK (purpose IN ('reset', 'claim')),
    code_hash TEXT NOT NULL,
    tries BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT
);
CREATE INDEX account_codes_account ON account_codes (account_id, purpose, created_at);
