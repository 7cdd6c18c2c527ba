#!/usr/bin/env python3
"""What `leadsmith score` is measured against (issue 12): pandas reads the scoring file, XGBoost's native
predictor scores it (`Booster.inplace_predict`, all cores), pandas writes id and score.

    python3 bench/score_xgboost_pandas.py MODEL.json INPUT.csv OUT.csv
"""

import sys

import pandas as pd
import xgboost as xgb

model, path, out = sys.argv[1:4]
booster = xgb.Booster()
booster.load_model(model)
df = pd.read_csv(path)
features = [f"f{i}" for i in range(booster.num_features())]
scores = booster.inplace_predict(df[features])
pd.DataFrame({"id": df["id"], "score": scores}).to_csv(out, index=False)
