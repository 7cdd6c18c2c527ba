#!/usr/bin/env bash
# The raw `FOR UPDATE SKIP LOCKED` limit of a PostgreSQL server, for comparison with `leadsmith bench queue`:
# pgbench clients alternate a transaction that enqueues and one that claims and completes (a single
# `UPDATE … FROM (SELECT … FOR UPDATE SKIP LOCKED)`), on a bare table with the same partial index shape as
# leadsmith's job table: the floor of what any queue on this server pays.
#   single: one job per transaction; jobs/s = tps / 2.
#   batch:  100 jobs per enqueue, 64 per claim-and-complete (leadsmith's batch shape); jobs/s is the claim
#           script's tps × 64 (the enqueue side runs ahead, see its own tps × 100).
#
#   bench/pg_skip_locked.sh [single|batch] [URL] [CLIENTS] [SECONDS]
set -euo pipefail
mode=${1:-single}
url=${2:-postgres://postgres@127.0.0.1:5432/test}
clients=${3:-4}
secs=${4:-10}
case $mode in
    single) scripts=(-f "pg_enqueue.sql" -f "pg_claim_complete.sql") ;;
    batch) scripts=(-f "pg_enqueue_batch.sql" -f "pg_claim_complete_batch.sql") ;;
    *) echo "mode must be single or batch" >&2; exit 2 ;;
esac
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
cd "$here"
PGOPTIONS='-c search_path=pgbench_queue' pgbench -n -M prepared -c "$clients" -j "$clients" -T "$secs" \
    "${scripts[@]}" "$url"
psql -q "$url" -c 'DROP SCHEMA pgbench_queue CASCADE'
