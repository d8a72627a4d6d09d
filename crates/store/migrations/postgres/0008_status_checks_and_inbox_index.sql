-- Status columns hold only the values the domain knows (a typo in a query, or a hand-edited
-- row, is refused by the database).
ALTER TABLE cases ADD CONSTRAINT cases_status_check CHECK (status IN ('submitted',
    'awaiting_supplement', 'accepted', 'in_review', 'special_procedure', 'decided', 'concluded',
    'delivered', 'refused', 'withdrawn', 'revoked'));
ALTER TABLE item_versions ADD CONSTRAINT item_versions_status_check CHECK (status IN ('draft',
    'in_review', 'returned', 'approved', 'published', 'superseded'));
ALTER TABLE licences ADD CONSTRAINT licences_status_check CHECK (status IN ('valid', 'revoked',
    'expired'));

-- Staff inboxes list cases in a few statuses, soonest promised date first.
CREATE INDEX cases_status_due ON cases (status, promised_due);

-- An application reads only the applicant's valid licences of the types its item needs.
CREATE INDEX licences_holder_type ON licences (holder_id, type_code, status);

-- The time-limit follow-up counts open cases per unit from the index alone.
CREATE INDEX cases_status_org_due ON cases (status, org_unit_id, promised_due);

-- A unit's inbox reads its cases of one status in promised-date order.
DROP INDEX cases_org_status;
CREATE INDEX cases_org_status_due ON cases (org_unit_id, status, promised_due);

-- Breaches of the one-time-notice rule are counted from their own small index, not by
-- reading every event.
CREATE INDEX case_events_breaches ON case_events (case_id) WHERE action = 'notice_breach';
