-- 企业服务站 and 综合代办 (issue 16): an enterprise's service agent, assigned by the bureau,
-- and the authorisation the enterprise records (every matter or listed items, until a day).

CREATE TABLE enterprise_agents (
    enterprise_id TEXT PRIMARY KEY REFERENCES accounts (id),
    status TEXT NOT NULL CHECK (status IN ('requested', 'assigned', 'ended')),
    agent_id TEXT REFERENCES accounts (id),
    requested_at TEXT NOT NULL,
    assigned_at TEXT,
    assigned_by TEXT REFERENCES accounts (id),
    items TEXT,
    expires_on TEXT,
    authorised_at TEXT
);
CREATE INDEX enterprise_agents_agent ON enterprise_agents (agent_id, status);
