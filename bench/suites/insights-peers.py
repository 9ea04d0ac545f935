"""Python peer for `npm run bench -- insights`: the reference implementation's steps (SageMaker's
sagemaker-data-insights uses pandas statistics, XGBoost per-feature and quick models, and scikit-learn's
IsolationForest) on the same CSV, sample size and target. Prints JSON timings in milliseconds by section."""
import json, sys, time
import numpy as np
import pandas as pd
from sklearn.ensemble import IsolationForest
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import OrdinalEncoder
import xgboost as xgb

path, target, task, sample, workers = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
df = pd.read_csv(path)
t = {}
start = time.perf_counter()
def lap(name):
    global start
    now = time.perf_counter()
    t[name] = (now - start) * 1000
    start = now

if len(df) > sample:
    df = df.sample(n=sample, random_state=0)
lap("sampling")
for c in df.columns:
    s = df[c]
    if s.dtype.kind in "fi":
        s.describe(); s.skew(); s.kurtosis(); s.value_counts()
        x = s.dropna().to_numpy(); p5, p95 = np.percentile(x, [5, 95]); np.clip(x, p5, p95).std()
    else:
        s.astype(str).str.strip().value_counts()
lap("statistics")
df.duplicated(keep=False).mean()
lap("duplicates")

X = df.drop(columns=[target])
cat = [c for c in X.columns if X[c].dtype.kind not in "fi"]
if cat:
    X[cat] = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1).fit_transform(X[cat].astype(str))
if task == "regression":
    y = df[target].to_numpy(dtype=float); strat = None
else:
    y = pd.factorize(df[target])[0]; strat = y
Xtr, Xva, ytr, yva = train_test_split(X, y, test_size=0.2, random_state=0, stratify=strat)
obj = {"regression": "reg:squarederror", "binary": "binary:logistic", "multiclass": "multi:softprob"}[task]
for c in X.columns:
    m = xgb.XGBRegressor if task == "regression" else xgb.XGBClassifier
    # one thread: a one-feature model is too small to gain from threads, and idle OpenMP threads spin
    model = m(n_estimators=50, early_stopping_rounds=10, n_jobs=1, tree_method="hist", objective=obj)
    model.fit(Xtr[[c]], ytr, eval_set=[(Xva[[c]], yva)], verbose=False)
lap("predictionPower")
m = xgb.XGBRegressor if task == "regression" else xgb.XGBClassifier
# one thread, like one tabpilot pool worker training one fold (OpenMP threads spin badly on a loaded machine)
model = m(n_estimators=400, learning_rate=0.1, early_stopping_rounds=10, n_jobs=1, tree_method="hist", objective=obj)
model.fit(Xtr, ytr, eval_set=[(Xva, yva)], verbose=False)
model.predict(Xva)
lap("quickModel")
IsolationForest(n_estimators=100, max_samples=256, random_state=0, n_jobs=workers).fit(X.fillna(X.median())).decision_function(X.fillna(X.median()))
lap("samples")
print(json.dumps(t))
