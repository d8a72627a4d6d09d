-- The feedback lists at scale (issue 12: p99 < 50 ms with 100k ratings and 50k tickets).
-- Ratings counted per department, intake unit, hall, day, channel and level, kept with
-- every rating in its transaction, so a list's totals sum a few thousand rows instead of
-- counting every rating in reach; rebuilt from the ratings by Store::recount_evaluations.
-- '' stands for "none" (intake unit, hall), as a key column cannot be NULL.
CREATE TABLE evaluation_counts (
    org_unit_id TEXT NOT NULL,
    org_path TEXT NOT NULL,
    intake_path TEXT NOT NULL,
    hall_id TEXT NOT NULL,
    rated_on TEXT NOT NULL,
    channel TEXT NOT NULL,
    level BIGINT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (org_unit_id, org_path, intake_path, hall_id, rated_on, channel, level)
);
INSERT INTO evaluation_counts (org_unit_id, org_path, intake_path, hall_id, rated_on, channel,
    level, n)
SELECT org_unit_id, org_path, COALESCE(intake_path, ''), COALESCE(hall_id, ''), rated_on,
    channel, level, COUNT(*)
FROM evaluations
GROUP BY org_unit_id, org_path, COALESCE(intake_path, ''), COALESCE(hall_id, ''), rated_on,
    channel, level;
-- Each filter of the ratings list reads its own index in date order.
CREATE INDEX evaluations_channel ON evaluations (channel, rated_at);
CREATE INDEX evaluations_hall ON evaluations (hall_id, rated_at);
CREATE INDEX evaluations_window ON evaluations (window_id, rated_at);
CREATE INDEX evaluations_staff ON evaluations (staff_id, rated_at);
-- Tickets taken in by a unit, read arm by arm like the handling department's.
CREATE INDEX tickets_intake ON tickets (intake_path, created_at);
-- A task carries what its rating is filtered by, so the list's task totals (closed,
-- followed up) read the tasks alone with the same clause as the counts.
ALTER TABLE rectifications ADD COLUMN level BIGINT NOT NULL DEFAULT 0;
ALTER TABLE rectifications ADD COLUMN channel TEXT NOT NULL DEFAULT '';
ALTER TABLE rectifications ADD COLUMN rated_on TEXT NOT NULL DEFAULT '';
ALTER TABLE rectifications ADD COLUMN hall_id TEXT NOT NULL DEFAULT '';
UPDATE rectifications SET
    level = (SELECT e.level FROM evaluations e WHERE e.id = rectifications.evaluation_id),
    channel = (SELECT e.channel FROM evaluations e WHERE e.id = rectifications.evaluation_id),
    rated_on = (SELECT e.rated_on FROM evaluations e WHERE e.id = rectifications.evaluation_id),
    hall_id = (SELECT COALESCE(e.hall_id, '') FROM evaluations e
        WHERE e.id = rectifications.evaluation_id);
