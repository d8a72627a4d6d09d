-- How many cases each unit has in each status, per promised date: the deadline follow-up
-- (open, due soon, overdue per department) sums these few thousand rows instead of counting
-- a million cases. Kept by triggers, so no write path (a step, a recount, a bulk seed, a
-- restore) can forget it; `promised_due` spreads the rows, so concurrent writers of one
-- unit seldom meet on one row.
CREATE TABLE case_due_counts (
    org_unit_id TEXT NOT NULL,
    status TEXT NOT NULL,
    promised_due TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (org_unit_id, status, promised_due)
);

INSERT INTO case_due_counts (org_unit_id, status, promised_due, n)
SELECT org_unit_id, status, promised_due, COUNT(*) FROM cases
GROUP BY org_unit_id, status, promised_due;

CREATE FUNCTION case_due_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE case_due_counts SET n = n - 1 WHERE org_unit_id = OLD.org_unit_id
            AND status = OLD.status AND promised_due = OLD.promised_due;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO case_due_counts (org_unit_id, status, promised_due, n)
        VALUES (NEW.org_unit_id, NEW.status, NEW.promised_due, 1)
        ON CONFLICT (org_unit_id, status, promised_due)
        DO UPDATE SET n = case_due_counts.n + 1;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER cases_due_count AFTER INSERT OR DELETE ON cases
FOR EACH ROW EXECUTE FUNCTION case_due_count();

CREATE TRIGGER cases_due_count_update AFTER UPDATE OF org_unit_id, status, promised_due ON cases
FOR EACH ROW WHEN (OLD.org_unit_id IS DISTINCT FROM NEW.org_unit_id
    OR OLD.status IS DISTINCT FROM NEW.status
    OR OLD.promised_due IS DISTINCT FROM NEW.promised_due)
EXECUTE FUNCTION case_due_count();
