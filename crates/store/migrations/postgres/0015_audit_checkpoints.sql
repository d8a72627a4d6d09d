-- Sealed checkpoints of the audit trail (issue 11): each chain's head at a moment, signed
-- with the SM2 audit key held outside the database. The body is the canonical text the
-- seal signs; number is unique, so two instances sealing at once keep one.
CREATE TABLE audit_checkpoints (
    number BIGINT PRIMARY KEY,
    at TEXT NOT NULL,
    body TEXT NOT NULL,
    public_key TEXT NOT NULL,
    signature TEXT NOT NULL
);
