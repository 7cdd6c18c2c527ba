#!/usr/bin/env bash
# POST /api/v1/score under load: `leadsmith serve` (release build, API only, embedded store) with the
# 200-tree depth-6 XGBoost fixture over 50 features, one lead per request, loaded by wrk on this machine.
#
#   bench/serve_wrk.sh                      # 1 wrk thread, 32 connections, 20 s
#   THREADS=2 CONNECTIONS=64 DURATION=30s SERVER_THREADS=2 bench/serve_wrk.sh
#
# Needs wrk (`apt-get install wrk`). Rate limiting is switched off for the benchmark's key; the key
# cache is on (its default), as in production.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }
cargo build --release --quiet
BIN="$PWD/target/release/leadsmith"
MODEL="$PWD/crates/model/fixtures/xgboost/binary_200x6.json"
INPUTS="$PWD/crates/model/fixtures/xgboost/binary_200x6.inputs.csv"
PORT="${PORT:-18088}"
WORK="$(mktemp -d)"
PID=""
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

# The fixture stores no feature names: a manifest names them f0…f49 (its CSV header).
python3 - "$INPUTS" > "$WORK/model.manifest.json" <<'PY'
import csv, json, sys
names = next(csv.reader(open(sys.argv[1])))
print(json.dumps({"name": "bench-200x6", "version": "1", "features": [{"name": n} for n in names]}))
PY
cat > "$WORK/leadsmith.toml" <<TOML
[serve]
bind = "127.0.0.1:$PORT"
model = "$MODEL"
manifest = "$WORK/model.manifest.json"

[serve.rate_limit]
per_second = 0
TOML
export LEADSMITH_DB="$WORK/bench.db" LEADSMITH_CONFIG="$WORK/leadsmith.toml"
LEADSMITH_BENCH_KEY="$("$BIN" keys create --name bench --scope read)"
export LEADSMITH_BENCH_KEY
# The fixture's first row as one lead of 50 features.
python3 - "$INPUTS" > "$WORK/body.json" <<'PY'
import csv, json, sys
rows = list(csv.reader(open(sys.argv[1])))
names, values = rows[0], rows[1]
features = {n: (float(v) if v != "" else None) for n, v in zip(names, values)}
print(json.dumps({"lead_id": "bench-1", "features": features}))
PY
export LEADSMITH_BENCH_BODY="$WORK/body.json"

TOKIO_WORKER_THREADS="${SERVER_THREADS:-2}" "$BIN" serve --no-workers 2>"$WORK/serve.log" &
PID=$!
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$PORT/health/ready" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fs "http://127.0.0.1:$PORT/health/ready" >/dev/null || { cat "$WORK/serve.log" >&2; exit 1; }
# One request by hand: the answer must be a score.
curl -fs -H "x-api-key: $LEADSMITH_BENCH_KEY" -H 'content-type: application/json' \
  --data @"$WORK/body.json" "http://127.0.0.1:$PORT/api/v1/score"
echo
# Warm up, then measure.
wrk -t1 -c8 -d2s -s bench/score.lua "http://127.0.0.1:$PORT/api/v1/score" >/dev/null
wrk -t"${THREADS:-1}" -c"${CONNECTIONS:-32}" -d"${DURATION:-20s}" --latency -s bench/score.lua \
  "http://127.0.0.1:$PORT/api/v1/score"
