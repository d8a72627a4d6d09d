-- Holiday arrangements entered by the Approval Services Bureau (e.g. next year's, when the
-- State Council publishes it). They add to the arrangements shipped with the product.
CREATE TABLE calendar_days (
    day TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    entered_by TEXT NOT NULL,
    entered_at TEXT NOT NULL
);
