-- The audit trail as 16 chains instead of one: each store instance appends to its own
-- chain (chosen when it opens), so instances sharing one database no longer queue on one
-- head row. Each chain is hash-linked from genesis like the single one was; the 16 head rows
-- always exist, so `audit verify` checks every chain to its head, exactly. The existing
-- trail becomes chain 0, unchanged.
CREATE TABLE audit_heads (
    part INTEGER PRIMARY KEY CHECK (part >= 0 AND part < 16),
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_heads (part, seq, hash) SELECT 0, seq, hash FROM audit_head;
WITH RECURSIVE p(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM p WHERE n < 15)
INSERT INTO audit_heads (part, seq, hash)
SELECT n, 0, '0000000000000000000000000000000000000000000000000000000000000000' FROM p;
DROP TABLE audit_head;

CREATE TABLE audit_log_parts (
    part INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (part, seq)
);
INSERT INTO audit_log_parts (part, seq, at, actor, action, target, detail, prev_hash, hash)
SELECT 0, seq, at, actor, action, target, detail, prev_hash, hash FROM audit_log;
DROP TABLE audit_log;
ALTER TABLE audit_log_parts RENAME TO audit_log;
CREATE INDEX audit_log_target ON audit_log (target);
CREATE INDEX audit_log_at ON audit_log (at);
