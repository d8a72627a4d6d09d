-- Where a case was taken in: the unit of the window clerk who took it (a town's or a
-- village's hall), or none for an online application (taken in by the district's windows).
-- A town clerk handles the cases taken in at the town's halls, not the whole district's.
ALTER TABLE cases ADD COLUMN intake_org_id TEXT REFERENCES org_units (id);
UPDATE cases SET intake_org_id = (
    SELECT a.org_unit_id FROM accounts a WHERE a.id = cases.first_responder
) WHERE first_responder IS NOT NULL;
CREATE INDEX cases_intake_status_due ON cases (intake_org_id, status, promised_due);

-- A clerk checks each material while reviewing intake: 合格 or 不合格 with what is wrong.
ALTER TABLE case_materials ADD COLUMN check_status TEXT NOT NULL DEFAULT 'unchecked';
ALTER TABLE case_materials ADD COLUMN check_note TEXT NOT NULL DEFAULT '';
ALTER TABLE case_materials ADD CONSTRAINT case_materials_check_status
    CHECK (check_status IN ('unchecked', 'passed', 'failed'));

-- 我经办的: the cases a staff member acted on, from their timeline entries.
CREATE INDEX case_events_actor ON case_events (actor, case_id);

-- A list narrowed to one item reads that item's cases of each status in promised order.
CREATE INDEX cases_item_status_due ON cases (implementation_code, status, promised_due);
