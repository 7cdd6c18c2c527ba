#!/usr/bin/env python3
"""A scoring file for the batch-scoring benchmark (issue 12): ROWS rows of an id and the 50 features
f0…f49 of the `binary_200x6` XGBoost fixture, values as a CRM export gives them (three decimals), about
2 % of cells empty (missing). The same seed and size give the same bytes.

    python3 bench/score_data.py --rows 1000000 --out /tmp/score-1m.csv
"""

import argparse

import numpy as np
import pandas as pd

ap = argparse.ArgumentParser()
ap.add_argument("--rows", type=int, default=1_000_000)
ap.add_argument("--out", required=True)
args = ap.parse_args()

rng = np.random.default_rng(12)
x = np.round(rng.normal(size=(args.rows, 50)), 3)
x[rng.random(size=x.shape) < 0.02] = np.nan
df = pd.DataFrame(x, columns=[f"f{i}" for i in range(50)])
df.insert(0, "id", [f"lead-{i}" for i in range(args.rows)])
df.to_csv(args.out, index=False, float_format="%.3f")
