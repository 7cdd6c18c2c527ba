-- Schema version 3: API keys for the HTTP API (`leadsmith keys create|list|revoke`).
-- Only the hex SHA-256 of each key is kept (`hash`), never the key; `prefix` (its first 12 characters, which
-- carry no secret worth having) identifies it in listings. A name names one key for good, revoked or not,
-- so logs that name a key stay unambiguous: rotate by creating a key under a new name, then revoking the old.
-- Times are unix milliseconds; a NULL expiry never expires.

CREATE TABLE api_keys (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL UNIQUE,
    scope           TEXT NOT NULL CHECK (scope IN ('read', 'write', 'admin')),
    prefix          TEXT NOT NULL,
    hash            TEXT NOT NULL UNIQUE,
    created_at_ms   INTEGER NOT NULL,
    last_used_at_ms INTEGER,
    expires_at_ms   INTEGER,
    revoked_at_ms   INTEGER
);

-- `keys revoke PREFIX`.
CREATE INDEX api_keys_prefix ON api_keys(prefix);
