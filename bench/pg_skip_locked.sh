#!/usr/bin/env bash
# The raw `FOR UPDATE SKIP LOCKED` limit of a PostgreSQL server, for comparison with `leadsmith bench queue`:
# pgbench clients each run one transaction that enqueues a job and one that claims and completes a job, on
# a bare table with the same partial index shape as leadsmith's job table. Prints transactions per second;
# jobs/s = tps / 2 (each job is one enqueue transaction and one claim-and-complete transaction).
#
#   bench/pg_skip_locked.sh [URL] [CLIENTS] [SECONDS]
set -euo pipefail
url=${1:-postgres://postgres@127.0.0.1:5432/test}
clients=${2:-4}
secs=${3:-10}
here=$(cd "$(dirname "$0")" && pwd)
psql -q "$url" <<'SQL'
DROP SCHEMA IF EXISTS pgbench_queue CASCADE;
CREATE SCHEMA pgbench_queue;
CREATE TABLE pgbench_queue.q (
    id BIGSERIAL PRIMARY KEY,
    state TEXT NOT NULL DEFAULT 'ready',
    priority INT NOT NULL DEFAULT 0,
    run_at BIGINT NOT NULL DEFAULT 0,
    payload JSONB NOT NULL DEFAULT '{}'
);
CREATE INDEX q_ready ON pgbench_queue.q (priority DESC, run_at, id) WHERE state = 'ready';
INSERT INTO pgbench_queue.q (payload) SELECT '{}' FROM generate_series(1, 10000);
SQL
PGOPTIONS='-c search_path=pgbench_queue' pgbench -n -M prepared -c "$clients" -j "$clients" -T "$secs" \
    -f "$here/pg_enqueue.sql" -f "$here/pg_claim_complete.sql" "$url"
psql -q "$url" -c 'DROP SCHEMA pgbench_queue CASCADE'
