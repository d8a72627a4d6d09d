-- Where a case stands beyond its status (review stages passed, 容缺 materials owed, the
-- signed commitment, the decision) as the domain's `Progress` in JSON; the two dates staff
-- lists filter on are columns: when owed materials fall due, and when an open commitment
-- verification (告知承诺核查) must be done. `assistance` records 帮办代办 with consent.
ALTER TABLE cases ADD COLUMN progress TEXT NOT NULL DEFAULT '{}';
ALTER TABLE cases ADD COLUMN deficiency_due TEXT;
ALTER TABLE cases ADD COLUMN verification_due TEXT;
ALTER TABLE cases ADD COLUMN assistance TEXT NOT NULL DEFAULT '';
CREATE INDEX cases_deficiency_due ON cases (deficiency_due);
CREATE INDEX cases_verification_due ON cases (verification_due);
