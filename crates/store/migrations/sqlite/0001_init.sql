-- leadsmith embedded store, schema version 1.

CREATE TABLE imports (
    id          INTEGER PRIMARY KEY,
    source      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    rows_read   INTEGER NOT NULL DEFAULT 0,
    imported    INTEGER NOT NULL DEFAULT 0,
    merged      INTEGER NOT NULL DEFAULT 0,
    unchanged   INTEGER NOT NULL DEFAULT 0,
    rejected    INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE leads (
    id          INTEGER PRIMARY KEY,
    company     TEXT,
    domain      TEXT,
    data        TEXT NOT NULL,             -- LeadInput as JSON
    source_rows INTEGER NOT NULL DEFAULT 1,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX leads_domain ON leads(domain);

-- Exact-match keys (domain:…, phone:…, external:…) that dedupe merges on; one lead per key.
CREATE TABLE lead_keys (
    key      TEXT PRIMARY KEY,
    lead_id  INTEGER NOT NULL REFERENCES leads(id)
) WITHOUT ROWID;
CREATE INDEX lead_keys_lead ON lead_keys(lead_id);

-- Every imported row, linked to the lead it became or merged into; the fingerprint makes re-imports idempotent.
CREATE TABLE lead_sources (
    id          INTEGER PRIMARY KEY,
    lead_id     INTEGER NOT NULL REFERENCES leads(id),
    import_id   INTEGER NOT NULL REFERENCES imports(id),
    line        INTEGER NOT NULL,
    fingerprint TEXT NOT NULL UNIQUE,
    raw         TEXT NOT NULL,
    matched_on  TEXT
);
CREATE INDEX lead_sources_lead ON lead_sources(lead_id);

-- One result per (lead, stage): a stage that runs twice overwrites, never duplicates.
CREATE TABLE stage_results (
    lead_id     INTEGER NOT NULL REFERENCES leads(id),
    stage       TEXT NOT NULL,
    status      TEXT NOT NULL,
    data        TEXT NOT NULL,
    job_id      INTEGER,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (lead_id, stage)
) WITHOUT ROWID;

-- Fetched pages, for the crawl cache (TTL is applied by the reader).
CREATE TABLE pages (
    url         TEXT PRIMARY KEY,
    fetched_at  INTEGER NOT NULL,
    data        TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE runs (
    id          INTEGER PRIMARY KEY,
    source      TEXT NOT NULL,
    params      TEXT NOT NULL DEFAULT '{}',
    status      TEXT NOT NULL DEFAULT 'running',
    created_at  TEXT NOT NULL,
    finished_at TEXT
);

-- The durable queue. state: ready | running | done | dead. Times are unix milliseconds.
CREATE TABLE jobs (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL,
    lead_id      INTEGER,
    run_id       INTEGER,
    payload      TEXT NOT NULL DEFAULT '{}',
    unique_key   TEXT UNIQUE,
    state        TEXT NOT NULL DEFAULT 'ready',
    priority     INTEGER NOT NULL DEFAULT 0,
    attempts     INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL DEFAULT 3,
    run_at       INTEGER NOT NULL,
    lease_until  INTEGER,
    worker       TEXT,
    last_error   TEXT,
    errors       TEXT NOT NULL DEFAULT '[]',
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
-- Claim path: ready jobs of a kind by priority and due time.
CREATE INDEX jobs_ready ON jobs(kind, priority DESC, run_at, id) WHERE state = 'ready';
-- Lease expiry scan.
CREATE INDEX jobs_running ON jobs(lease_until) WHERE state = 'running';
CREATE INDEX jobs_run ON jobs(run_id, state);
