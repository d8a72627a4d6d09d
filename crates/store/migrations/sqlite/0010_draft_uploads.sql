-- Files sent with an application form that was refused for another reason: kept for the
-- draft (the form's submission token) so the person never has to choose them again.
-- The owner is whoever filled the form (the applicant online, the clerk at a window).
-- A submitted case takes them over; a job deletes drafts nobody finished within two days.
CREATE TABLE draft_uploads (
    owner_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    draft TEXT NOT NULL,
    material TEXT NOT NULL,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    content BLOB NOT NULL,
    size INTEGER NOT NULL,
    kept_at TEXT NOT NULL,
    PRIMARY KEY (owner_id, draft, material)
);
CREATE INDEX draft_uploads_kept_at ON draft_uploads (kept_at);
