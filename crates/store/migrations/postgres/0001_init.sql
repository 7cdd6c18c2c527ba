-- leadsmith PostgreSQL store, schema version 1: the tables of migrations/sqlite/0001_init.sql with
-- PostgreSQL types (BIGSERIAL ids, JSONB documents, unix-ms BIGINT times, RFC 3339 TEXT timestamps).
-- Tables are created unqualified: they land in the first schema of the connection's search_path.

CREATE TABLE imports (
    id          BIGSERIAL PRIMARY KEY,
    source      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    rows_read   BIGINT NOT NULL DEFAULT 0,
    imported    BIGINT NOT NULL DEFAULT 0,
    merged      BIGINT NOT NULL DEFAULT 0,
    unchanged   BIGINT NOT NULL DEFAULT 0,
    rejected    BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE leads (
    id          BIGSERIAL PRIMARY KEY,
    company     TEXT,
    domain      TEXT,
    data        JSONB NOT NULL,            -- LeadInput
    source_rows INTEGER NOT NULL DEFAULT 1,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX leads_domain ON leads(domain);

-- Exact-match keys (domain:…, phone:…, external:…) that dedupe merges on; one lead per key.
CREATE TABLE lead_keys (
    key      TEXT PRIMARY KEY,
    lead_id  BIGINT NOT NULL REFERENCES leads(id)
);
CREATE INDEX lead_keys_lead ON lead_keys(lead_id);

-- Every imported row, linked to the lead it became or merged into; the fingerprint makes re-imports
-- idempotent. It holds the whole raw row, which can outgrow a btree entry (~2.7 kB), so it is unique by hash.
CREATE TABLE lead_sources (
    id          BIGSERIAL PRIMARY KEY,
    lead_id     BIGINT NOT NULL REFERENCES leads(id),
    import_id   BIGINT NOT NULL REFERENCES imports(id),
    line        BIGINT NOT NULL,
    fingerprint TEXT NOT NULL,
    raw         TEXT NOT NULL,
    matched_on  TEXT
);
CREATE UNIQUE INDEX lead_sources_fingerprint ON lead_sources(md5(fingerprint));
CREATE INDEX lead_sources_lead ON lead_sources(lead_id);

-- One result per (lead, stage): a stage that runs twice overwrites, never duplicates.
CREATE TABLE stage_results (
    lead_id     BIGINT NOT NULL REFERENCES leads(id),
    stage       TEXT NOT NULL,
    status      TEXT NOT NULL,
    data        JSONB NOT NULL,
    job_id      BIGINT,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (lead_id, stage)
);

-- Fetched pages, for the crawl cache (TTL is applied by the reader). Unique by hash: URLs can be long.
CREATE TABLE pages (
    url         TEXT NOT NULL,
    fetched_at  BIGINT NOT NULL,
    data        TEXT NOT NULL
);
CREATE UNIQUE INDEX pages_url ON pages(md5(url));

CREATE TABLE runs (
    id          BIGSERIAL PRIMARY KEY,
    source      TEXT NOT NULL,
    params      JSONB NOT NULL DEFAULT '{}',
    status      TEXT NOT NULL DEFAULT 'running',
    created_at  TEXT NOT NULL,
    finished_at TEXT
);

-- The durable queue. state: ready | running | done | dead | cancelled. Times are unix milliseconds.
CREATE TABLE jobs (
    id           BIGSERIAL PRIMARY KEY,
    kind         TEXT NOT NULL,
    lead_id      BIGINT,
    run_id       BIGINT,
    payload      JSONB NOT NULL DEFAULT '{}',
    unique_key   TEXT UNIQUE,
    state        TEXT NOT NULL DEFAULT 'ready',
    priority     INTEGER NOT NULL DEFAULT 0,
    attempts     INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL DEFAULT 3,
    run_at       BIGINT NOT NULL,
    lease_until  BIGINT,
    worker       TEXT,
    last_error   TEXT,
    errors       JSONB NOT NULL DEFAULT '[]',
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
-- Claim path, in the claim's own order so LIMIT stops early: any kind, and one kind.
CREATE INDEX jobs_ready ON jobs(priority DESC, run_at, id) WHERE state = 'ready';
CREATE INDEX jobs_ready_kind ON jobs(kind, priority DESC, run_at, id) WHERE state = 'ready';
-- Lease expiry scan (every claim runs it) and crash recovery.
CREATE INDEX jobs_running ON jobs(lease_until) WHERE state = 'running';
CREATE INDEX jobs_run ON jobs(run_id, state);
