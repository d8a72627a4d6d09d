-- Single sign-on (issue 11). Tongban as an OpenID Connect provider: the government systems
-- registered by the bureau (secret kept as an SM3 digest; redirect URIs one per line, matched
-- exactly) and the authorization codes handed out (digest, single use, a minute).
CREATE TABLE oidc_clients (
    client_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    redirect_uris TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE oidc_codes (
    code_hash TEXT PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES oidc_clients (client_id),
    account_id TEXT NOT NULL REFERENCES accounts (id),
    redirect_uri TEXT NOT NULL,
    scope TEXT NOT NULL,
    nonce TEXT NOT NULL,
    code_challenge TEXT NOT NULL,
    auth_time TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT
);
-- Tongban as a relying party of the provincial login: each sign-in's state, nonce and PKCE
-- verifier, kept in the database so the callback may reach any instance.
CREATE TABLE oidc_rp_states (
    state TEXT PRIMARY KEY,
    nonce TEXT NOT NULL,
    verifier TEXT NOT NULL,
    next TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
