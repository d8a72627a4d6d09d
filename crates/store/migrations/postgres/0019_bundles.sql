-- 一件事一次办 (issue 13). A catalog entry the district lists itself because the upper
-- catalog lacks it (本级事项) is marked so, and shown as such.
ALTER TABLE catalog_entries ADD COLUMN local BIGINT NOT NULL DEFAULT 0;
-- A bundle's versions, each a whole definition (JSON of domain::bundle::Bundle), through
-- the same lifecycle as an item's (draft → legality review → publication).
CREATE TABLE bundle_versions (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL,
    version INTEGER NOT NULL,
    name TEXT NOT NULL,
    lead_org_id TEXT NOT NULL REFERENCES org_units (id),
    status TEXT NOT NULL,
    document TEXT NOT NULL,
    review_comment TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    published_at TEXT,
    UNIQUE (code, version)
);
CREATE INDEX bundle_versions_status ON bundle_versions (status);
-- The version in force of each published bundle.
CREATE TABLE published_bundles (
    code TEXT PRIMARY KEY,
    version_id TEXT NOT NULL REFERENCES bundle_versions (id),
    version INTEGER NOT NULL,
    name TEXT NOT NULL,
    audience TEXT NOT NULL CHECK (audience IN ('person', 'enterprise')),
    document TEXT NOT NULL,
    published_at TEXT NOT NULL
);
-- Anonymous hall ratings (issue 12) carry a digest of where they came from that day (the
-- address, hall and day hashed together: not the address), so one device cannot stuff a
-- hall's figures.
ALTER TABLE hall_evaluations ADD COLUMN source TEXT NOT NULL DEFAULT '';
CREATE INDEX hall_evaluations_source ON hall_evaluations (source);
-- The feedback totals of a department or a town (issue 12) read the counts and the tasks
-- of its units' paths from an index, as handling and as intake unit.
CREATE INDEX evaluation_counts_org ON evaluation_counts (org_path);
CREATE INDEX evaluation_counts_intake ON evaluation_counts (intake_path);
CREATE INDEX rectifications_intake ON rectifications (intake_path);
-- A rating keeps the names of what it rated as they were (issue 12): the rater, the
-- department, the hall, the window and the clerk. The list then joins only its task, which
-- PostgreSQL plans in a fraction of the seven-table join it replaced.
ALTER TABLE evaluations ADD COLUMN rater_name TEXT NOT NULL DEFAULT '';
ALTER TABLE evaluations ADD COLUMN org_name TEXT NOT NULL DEFAULT '';
ALTER TABLE evaluations ADD COLUMN hall_name TEXT;
ALTER TABLE evaluations ADD COLUMN window_name TEXT;
ALTER TABLE evaluations ADD COLUMN staff_name TEXT;
UPDATE evaluations SET
    rater_name = COALESCE((SELECT a.name FROM accounts a WHERE a.id = evaluations.rater_id), ''),
    org_name = COALESCE((SELECT o.name FROM org_units o WHERE o.id = evaluations.org_unit_id), ''),
    hall_name = (SELECT h.name FROM service_halls h WHERE h.id = evaluations.hall_id),
    window_name = (SELECT w.name FROM windows w WHERE w.id = evaluations.window_id),
    staff_name = (SELECT a.name FROM accounts a WHERE a.id = evaluations.staff_id);
