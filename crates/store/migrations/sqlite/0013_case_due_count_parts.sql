-- The per-unit counts kept in parts, as on PostgreSQL (where each instance writes its own
-- part so that instances never lock one count row in different orders). SQLite has one
-- writer at a time, so everything here is part 0; a count is the sum over its parts.
CREATE TABLE case_due_counts_parts (
    org_unit_id TEXT NOT NULL,
    status TEXT NOT NULL,
    promised_due TEXT NOT NULL,
    part INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (org_unit_id, status, promised_due, part)
);
INSERT INTO case_due_counts_parts (org_unit_id, status, promised_due, part, n)
SELECT org_unit_id, status, promised_due, 0, n FROM case_due_counts;
DROP TRIGGER cases_due_count_insert;
DROP TRIGGER cases_due_count_update;
DROP TRIGGER cases_due_count_delete;
DROP TABLE case_due_counts;
ALTER TABLE case_due_counts_parts RENAME TO case_due_counts;

CREATE TRIGGER cases_due_count_insert AFTER INSERT ON cases
BEGIN
    INSERT INTO case_due_counts (org_unit_id, status, promised_due, part, n)
    VALUES (NEW.org_unit_id, NEW.status, NEW.promised_due, 0, 1)
    ON CONFLICT (org_unit_id, status, promised_due, part) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER cases_due_count_update AFTER UPDATE OF org_unit_id, status, promised_due ON cases
WHEN OLD.org_unit_id IS NOT NEW.org_unit_id OR OLD.status IS NOT NEW.status
    OR OLD.promised_due IS NOT NEW.promised_due
BEGIN
    UPDATE case_due_counts SET n = n - 1 WHERE org_unit_id = OLD.org_unit_id
        AND status = OLD.status AND promised_due = OLD.promised_due AND part = 0;
    INSERT INTO case_due_counts (org_unit_id, status, promised_due, part, n)
    VALUES (NEW.org_unit_id, NEW.status, NEW.promised_due, 0, 1)
    ON CONFLICT (org_unit_id, status, promised_due, part) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER cases_due_count_delete AFTER DELETE ON cases
BEGIN
    UPDATE case_due_counts SET n = n - 1 WHERE org_unit_id = OLD.org_unit_id
        AND status = OLD.status AND promised_due = OLD.promised_due AND part = 0;
END;
