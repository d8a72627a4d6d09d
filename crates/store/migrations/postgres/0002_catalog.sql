-- Catalog: upper-level entries, versioned implementation lists, the published set.
-- An implementation list is stored whole as JSON (`document`), because it is read and
-- written as one unit and versions are immutable once submitted; the columns beside it are
-- what lists and filters need.

CREATE TABLE catalog_entries (
    catalog_code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    legal_basis TEXT NOT NULL,
    grp TEXT NOT NULL,
    source_department TEXT NOT NULL,
    imported_at TEXT NOT NULL
);
CREATE INDEX catalog_entries_name ON catalog_entries (name);

CREATE TABLE item_versions (
    id TEXT PRIMARY KEY,
    implementation_code TEXT NOT NULL,
    version BIGINT NOT NULL,
    catalog_code TEXT NOT NULL REFERENCES catalog_entries (catalog_code),
    org_unit_id TEXT NOT NULL REFERENCES org_units (id),
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    document TEXT NOT NULL,
    adjustment_reason TEXT NOT NULL DEFAULT '',
    review_comment TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    published_at TEXT,
    UNIQUE (implementation_code, version)
);
CREATE INDEX item_versions_status ON item_versions (status);
CREATE INDEX item_versions_org ON item_versions (org_unit_id);

CREATE TABLE published_items (
    implementation_code TEXT PRIMARY KEY,
    version_id TEXT NOT NULL REFERENCES item_versions (id),
    version BIGINT NOT NULL,
    org_unit_id TEXT NOT NULL REFERENCES org_units (id),
    document TEXT NOT NULL,
    published_at TEXT NOT NULL
);

-- Bumped on every publication, so each instance knows when to refresh its search index.
CREATE TABLE catalog_generation (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    generation BIGINT NOT NULL
);
INSERT INTO catalog_generation (id, generation) VALUES (1, 0);
