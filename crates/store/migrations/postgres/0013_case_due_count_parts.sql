-- The per-unit counts kept in parts: each instance's connections name their part
-- (`SET tongban.part`), and the triggers add and subtract on that part's rows only. Two
-- instances stepping cases of one unit used to lock the same count rows in different orders
-- and deadlock; now they never share a row, and a count is the sum over its parts (a part
-- may go below zero when it counts down a case another part counted up).
ALTER TABLE case_due_counts ADD COLUMN part BIGINT NOT NULL DEFAULT 0;
ALTER TABLE case_due_counts ALTER COLUMN part DROP DEFAULT;
ALTER TABLE case_due_counts DROP CONSTRAINT case_due_counts_pkey;
ALTER TABLE case_due_counts ADD PRIMARY KEY (org_unit_id, status, promised_due, part);

CREATE OR REPLACE FUNCTION case_due_count() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    p BIGINT := COALESCE(NULLIF(current_setting('tongban.part', true), ''), '0')::BIGINT;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO case_due_counts (org_unit_id, status, promised_due, part, n)
        VALUES (OLD.org_unit_id, OLD.status, OLD.promised_due, p, -1)
        ON CONFLICT (org_unit_id, status, promised_due, part)
        DO UPDATE SET n = case_due_counts.n - 1;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO case_due_counts (org_unit_id, status, promised_due, part, n)
        VALUES (NEW.org_unit_id, NEW.status, NEW.promised_due, p, 1)
        ON CONFLICT (org_unit_id, status, promised_due, part)
        DO UPDATE SET n = case_due_counts.n + 1;
    END IF;
    RETURN NULL;
END
$$;
