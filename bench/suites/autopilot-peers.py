"""scikit-learn / XGBoost default-parameter peers for `npm run bench -- autopilot --quality`.

Reads one JSON job from stdin: {"file", "target", "task", "classes", "train": [row indices]}; the other rows are the
test rows. Prints one JSON line: {"hgb": metric, "rf": metric, "xgb": metric, "seconds": {...}} with AUC (binary),
log loss (multiclass) or RMSE (regression) on the test rows. Every model uses its library defaults; categorical
columns are ordinal-encoded (HGB gets them as categorical features, XGBoost as pandas categories), and RF, which
cannot take missing values in scikit-learn 1.2, gets median / most-frequent imputation.
"""
import json
import sys
import time

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor, RandomForestClassifier, RandomForestRegressor
from sklearn.metrics import log_loss, roc_auc_score
import xgboost as xgb


def fmt(v):
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def main():
    job = json.loads(sys.stdin.read())
    df = pd.read_csv(job["file"])
    target = job["target"]
    task = job["task"]
    y_raw = df[target]
    X = df.drop(columns=[target])
    cat_cols = [c for c in X.columns if X[c].dtype == object or X[c].dtype == bool]
    X_ord = X.copy()
    for c in cat_cols:
        X_ord[c] = X_ord[c].astype("category").cat.codes.replace(-1, np.nan).astype(float)
    X_cat = X.copy()
    for c in cat_cols:
        X_cat[c] = X_cat[c].astype("category")
    if task == "regression":
        y = y_raw.to_numpy(dtype=float)
    else:
        index = {c: i for i, c in enumerate(job["classes"])}
        y = np.array([index[fmt(v)] for v in y_raw])
    n = len(df)
    mask = np.zeros(n, dtype=bool)
    mask[job["train"]] = True
    k = len(job["classes"]) if task != "regression" else 0

    def score(proba_or_pred, classes_seen=None):
        yt = y[~mask]
        if task == "regression":
            return float(np.sqrt(np.mean((proba_or_pred - yt) ** 2)))
        full = np.zeros((len(yt), k))
        full[:, classes_seen] = proba_or_pred
        if task == "binary":
            return float(roc_auc_score(yt, full[:, 1]))
        return float(log_loss(yt, np.clip(full, 1e-15, 1), labels=list(range(k))))

    out = {"seconds": {}}
    cat_mask = np.array([c in cat_cols for c in X.columns])
    # HistGradientBoosting defaults (categorical features declared).
    t0 = time.perf_counter()
    if task == "regression":
        m = HistGradientBoostingRegressor(categorical_features=cat_mask if cat_mask.any() else None, random_state=0).fit(X_ord[mask], y[mask])
        out["hgb"] = score(m.predict(X_ord[~mask]))
    else:
        m = HistGradientBoostingClassifier(categorical_features=cat_mask if cat_mask.any() else None, random_state=0).fit(X_ord[mask], y[mask])
        out["hgb"] = score(m.predict_proba(X_ord[~mask]), m.classes_)
    out["seconds"]["hgb"] = time.perf_counter() - t0
    # RandomForest defaults on imputed ordinal features.
    t0 = time.perf_counter()
    X_imp = X_ord.copy()
    med = X_imp[mask].median()
    X_imp = X_imp.fillna(med).fillna(0)
    if task == "regression":
        m = RandomForestRegressor(random_state=0, n_jobs=1).fit(X_imp[mask], y[mask])
        out["rf"] = score(m.predict(X_imp[~mask]))
    else:
        m = RandomForestClassifier(random_state=0, n_jobs=1).fit(X_imp[mask], y[mask])
        out["rf"] = score(m.predict_proba(X_imp[~mask]), m.classes_)
    out["seconds"]["rf"] = time.perf_counter() - t0
    # XGBoost defaults (hist, native categoricals).
    t0 = time.perf_counter()
    common = dict(tree_method="hist", enable_categorical=True, n_jobs=1, random_state=0)
    if task == "regression":
        m = xgb.XGBRegressor(**common).fit(X_cat[mask], y[mask])
        out["xgb"] = score(m.predict(X_cat[~mask]))
    else:
        # XGBoost wants labels 0..m-1 present in training; remap to the classes seen.
        seen = np.unique(y[mask])
        remap = {c: i for i, c in enumerate(seen)}
        m = xgb.XGBClassifier(**common).fit(X_cat[mask], np.array([remap[v] for v in y[mask]]))
        proba = m.predict_proba(X_cat[~mask])
        if proba.ndim == 1:
            proba = np.stack([1 - proba, proba], axis=1)
        out["xgb"] = score(proba, seen)
    out["seconds"]["xgb"] = time.perf_counter() - t0
    print(json.dumps(out))


if __name__ == "__main__":
    main()
