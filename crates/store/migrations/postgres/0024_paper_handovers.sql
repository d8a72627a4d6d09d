-- 就近办 (issue 16): the paper a village point or a town took in, handed up the chain on
-- lists the sender and the receiver each sign. An item is open while its list is on the
-- way; a case is on at most one open list.

CREATE TABLE paper_handovers (
    id TEXT PRIMARY KEY,
    handover_no TEXT NOT NULL UNIQUE,
    from_unit_id TEXT NOT NULL REFERENCES org_units (id),
    to_unit_id TEXT NOT NULL REFERENCES org_units (id),
    status TEXT NOT NULL CHECK (status IN ('sent', 'received')),
    sent_by TEXT NOT NULL REFERENCES accounts (id),
    sent_at TEXT NOT NULL,
    received_by TEXT REFERENCES accounts (id),
    received_at TEXT,
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX paper_handovers_from ON paper_handovers (from_unit_id, sent_at);
CREATE INDEX paper_handovers_to ON paper_handovers (to_unit_id, status);

CREATE TABLE paper_handover_items (
    id TEXT PRIMARY KEY,
    handover_id TEXT NOT NULL REFERENCES paper_handovers (id),
    case_id TEXT NOT NULL REFERENCES cases (id),
    materials TEXT NOT NULL,
    open BIGINT NOT NULL
);
CREATE INDEX paper_handover_items_case ON paper_handover_items (case_id);
CREATE UNIQUE INDEX paper_handover_items_one_open ON paper_handover_items (case_id) WHERE open = 1;
