#!/usr/bin/env bash
# Batch scoring end to end (issue 12): `leadsmith score` (release build) on a ROWS-row, 50-feature CSV with
# the 200-tree depth-6 XGBoost fixture, against pandas + XGBoost's native predictor on the same file. Each
# side is a whole process, timed from start to exit, best of RUNS; the two sides' scores are compared.
#
#   bench/score_bench.sh                 # 1,000,000 rows, best of 3
#   ROWS=100000 RUNS=5 bench/score_bench.sh
#
# Needs python3 with pandas and xgboost (pip install pandas xgboost). The data file is made once per size
# (bench/score_data.py) and kept in $WORK (default /tmp/leadsmith-score-bench).
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS="${ROWS:-1000000}"
RUNS="${RUNS:-3}"
WORK="${WORK:-/tmp/leadsmith-score-bench}"
mkdir -p "$WORK"
cargo build --release --quiet
BIN="$PWD/target/release/leadsmith"
MODEL="$PWD/crates/model/fixtures/xgboost/binary_200x6.json"
DATA="$WORK/score-$ROWS.csv"
[ -f "$DATA" ] || python3 bench/score_data.py --rows "$ROWS" --out "$DATA"
# The fixture stores no feature names: a manifest names them, each allowed to be missing (empty cells).
python3 -c 'import json; print(json.dumps({"name": "bench-200x6", "version": "1",
  "features": [{"name": f"f{i}", "default": None} for i in range(50)]}))' > "$WORK/model.manifest.json"
echo "input: $DATA ($(du -m "$DATA" | cut -f1) MB, $ROWS rows)"

best() { # best wall seconds of RUNS runs of "$@"
  local best=""
  for _ in $(seq "$RUNS"); do
    local t0 t1 s
    t0=$(date +%s.%N); "$@" >/dev/null 2>"$WORK/stderr" || { cat "$WORK/stderr" >&2; exit 1; }; t1=$(date +%s.%N)
    s=$(echo "$t1 - $t0" | bc)
    if [ -z "$best" ] || (( $(echo "$s < $best" | bc) )); then best=$s; fi
  done
  echo "$best"
}

ls_s=$(best "$BIN" --db "sqlite://$WORK/bench.db" score --model "$MODEL" --manifest "$WORK/model.manifest.json" \
  --input "$DATA" --out "$WORK/leadsmith.csv")
py_s=$(best python3 bench/score_xgboost_pandas.py "$MODEL" "$DATA" "$WORK/pandas.csv")
python3 - "$WORK/leadsmith.csv" "$WORK/pandas.csv" <<'PY'
import sys
import numpy as np
import pandas as pd
a, b = pd.read_csv(sys.argv[1]), pd.read_csv(sys.argv[2])
assert len(a) == len(b) and (a["id"] == b["id"]).all(), "different rows"
diff = np.abs(a["score"].to_numpy() - b["score"].to_numpy()).max()
print(f"same predictions: {len(a)} rows, largest difference {diff:.2e}")
assert diff < 1e-6
PY
echo "leadsmith score:          ${ls_s} s  $(echo "$ROWS / $ls_s" | bc) rows/s"
echo "pandas + XGBoost native:  ${py_s} s  $(echo "$ROWS / $py_s" | bc) rows/s"
echo "speed-up: $(echo "scale=2; $py_s / $ls_s" | bc)x"
