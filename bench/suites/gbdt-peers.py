"""XGBoost peer for `npm run bench -- gbdt` (not a suite: bench/run.ts only loads .ts/.js files).

Reads one JSON job from stdin, prints one JSON result line. Jobs:
  {"mode": "quality", "file", "target", "task", "classes", "splits": [[train rows], ...], "rounds", "lr"}
      -> {"metrics": [...]} one metric per split (AUC binary, log loss multiclass, RMSE regression), rows not in
         a split's train list are its test rows.
  {"mode": "speed", "x": raw float32 file (rows x cols, row-major), "y": raw float32 file, "rows", "cols",
   "rounds", "leaves", "bins", "threads", "predict_rows"}
      -> {"fit_s", "fit_cpu_s", "predict_rows_per_s", "predict_rows_per_cpu_s", "peak_rss_mb"} (wall and CPU time)
"""
import json
import resource
import sys
import time

import numpy as np
import xgboost as xgb


def quality(job):
    import pandas as pd

    df = pd.read_csv(job["file"])
    target = job["target"]
    y_raw = df[target]
    X = df.drop(columns=[target])
    for c in X.columns:
        if X[c].dtype == object:
            X[c] = X[c].astype("category")
    task = job["task"]
    if task == "regression":
        y = y_raw.to_numpy(dtype=float)
    else:
        index = {c: i for i, c in enumerate(job["classes"])}
        y = np.array([index[fmt(v)] for v in y_raw])
    n = len(df)
    out = []
    for train in job["splits"]:
        mask = np.zeros(n, dtype=bool)
        mask[train] = True
        common = dict(n_estimators=job["rounds"], learning_rate=job["lr"], tree_method="hist", enable_categorical=True,
                      n_jobs=1, max_cat_to_onehot=4)
        if task == "regression":
            m = xgb.XGBRegressor(**common).fit(X[mask], y[mask])
            p = m.predict(X[~mask])
            out.append(float(np.sqrt(np.mean((p - y[~mask]) ** 2))))
        else:
            m = xgb.XGBClassifier(**common).fit(X[mask], y[mask])
            proba = m.predict_proba(X[~mask])
            yt = y[~mask]
            if task == "binary":
                from sklearn.metrics import roc_auc_score
                out.append(float(roc_auc_score(yt, proba[:, 1])))
            else:
                full = np.zeros((len(yt), len(job["classes"])))
                full[:, m.classes_] = proba
                p = np.clip(full[np.arange(len(yt)), yt], 1e-15, 1)
                out.append(float(-np.mean(np.log(p))))
    return {"metrics": out}


def fmt(v):
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def speed(job):
    rows, cols = job["rows"], job["cols"]
    X = np.fromfile(job["x"], dtype=np.float32).reshape(rows, cols)
    y = np.fromfile(job["y"], dtype=np.float32)
    params = {"objective": "binary:logistic", "tree_method": "hist", "grow_policy": "lossguide", "max_leaves": job["leaves"],
              "max_depth": 0, "max_bin": job["bins"], "eta": 0.1, "nthread": job["threads"], "min_child_weight": 1e-3}
    t0 = time.perf_counter()
    c0 = time.process_time()
    d = xgb.DMatrix(X, label=y, nthread=job["threads"])
    booster = xgb.train(params, d, num_boost_round=job["rounds"])
    fit_s = time.perf_counter() - t0
    fit_cpu_s = time.process_time() - c0
    pr = min(job["predict_rows"], rows)
    dp = xgb.DMatrix(X[:pr], nthread=job["threads"])
    t0 = time.perf_counter()
    c0 = time.process_time()
    booster.predict(dp)
    pred_s = time.perf_counter() - t0
    pred_cpu_s = time.process_time() - c0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"fit_s": fit_s, "fit_cpu_s": fit_cpu_s, "predict_rows_per_s": pr / pred_s, "predict_rows_per_cpu_s": pr / pred_cpu_s,
            "peak_rss_mb": rss}


if __name__ == "__main__":
    job = json.loads(sys.stdin.read())
    result = quality(job) if job["mode"] == "quality" else speed(job)
    print(json.dumps(result))
