-- The audit trail as 16 chains instead of one: each store instance appends to its own
-- chain (chosen when it opens), so instances sharing one database no longer queue on one
-- head row. Each chain is hash-linked from genesis like the single one was; the 16 head rows
-- always exist, so `audit verify` checks every chain to its head, exactly. The existing
-- trail becomes chain 0, unchanged.
CREATE TABLE audit_heads (
    part BIGINT PRIMARY KEY CHECK (part >= 0 AND part < 16),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_heads (part, seq, hash) SELECT 0, seq, hash FROM audit_head;
INSERT INTO audit_heads (part, seq, hash)
SELECT n, 0, '0000000000000000000000000000000000000000000000000000000000000000'
FROM generate_series(1, 15) AS n;
DROP TABLE audit_head;

ALTER TABLE audit_log ADD COLUMN part BIGINT NOT NULL DEFAULT 0;
ALTER TABLE audit_log ALTER COLUMN part DROP DEFAULT;
ALTER TABLE audit_log DROP CONSTRAINT audit_log_pkey;
ALTER TABLE audit_log ADD PRIMARY KEY (part, seq);
CREATE INDEX audit_log_at ON audit_log (at);
