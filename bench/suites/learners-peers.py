"""Peers for bench/suites/learners.ts: scikit-learn HistGradientBoosting, RandomForest, LogisticRegression /
Ridge, and XGBoost hist (500 trees, learning rate 0.05) on the same splits as our learners.

Usage: python3 learners-peers.py SPEC.json  ->  prints one JSON object {learner: {"metric": [...], "seconds": [...]}}
SPEC: {"file", "target", "task", "classes", "splits": [{"train": [...], "test": [...]}], "seeds": [...]}
"""
import json
import sys
import time

import numpy as np
import pandas as pd


def main():
    spec = json.load(open(sys.argv[1]))
    df = pd.read_csv(spec["file"], keep_default_na=True)
    target = spec["target"]
    task = spec["task"]
    y_all = df.pop(target)
    cat_cols = [c for c in df.columns if df[c].dtype == object or df[c].dtype == bool]
    num_cols = [c for c in df.columns if c not in cat_cols]
    for c in cat_cols:
        df[c] = df[c].astype("string")
    classes = spec.get("classes")
    if task != "regression":
        y_all = y_all.astype(str).map({c: i for i, c in enumerate(classes)}).values
    else:
        y_all = y_all.values.astype(float)
    out = {}

    def record(name, metric, seconds):
        out.setdefault(name, {"metric": [], "seconds": []})
        out[name]["metric"].append(metric)
        out[name]["seconds"].append(seconds)

    from sklearn.metrics import log_loss, mean_squared_error, roc_auc_score

    def score(y, proba_or_pred, model_classes=None):
        if task == "regression":
            return float(np.sqrt(mean_squared_error(y, proba_or_pred)))
        k = len(classes)
        full = np.full((len(y), k), 0.0)
        full[:, model_classes] = proba_or_pred
        if task == "binary":
            return float(roc_auc_score(y, full[:, 1]))
        return float(log_loss(y, np.clip(full, 1e-15, 1), labels=list(range(k))))

    for split, seed in zip(spec["splits"], spec["seeds"]):
        tr, te = np.array(split["train"]), np.array(split["test"])
        Xtr, Xte = df.iloc[tr].copy(), df.iloc[te].copy()
        ytr, yte = y_all[tr], y_all[te]
        model_classes = np.unique(ytr) if task != "regression" else None

        # Ordinal codes for categoricals (train categories; unseen/missing -> NaN).
        def ordinal(frame):
            o = frame.copy()
            for c in cat_cols:
                cats = pd.Categorical(Xtr[c]).categories
                o[c] = pd.Categorical(frame[c], categories=cats).codes.astype(float)
                o.loc[o[c] < 0, c] = np.nan
            return o.astype(float)

        Otr, Ote = ordinal(Xtr), ordinal(Xte)
        cat_mask = [c in cat_cols for c in df.columns]

        from sklearn.ensemble import (HistGradientBoostingClassifier, HistGradientBoostingRegressor,
                                      RandomForestClassifier, RandomForestRegressor)
        t0 = time.perf_counter()
        if task == "regression":
            m = HistGradientBoostingRegressor(categorical_features=cat_mask if any(cat_mask) else None, random_state=seed)
            m.fit(Otr, ytr)
            record("sk_hgb", score(yte, m.predict(Ote)), time.perf_counter() - t0)
        else:
            m = HistGradientBoostingClassifier(categorical_features=cat_mask if any(cat_mask) else None, random_state=seed)
            m.fit(Otr, ytr)
            record("sk_hgb", score(yte, m.predict_proba(Ote), m.classes_), time.perf_counter() - t0)

        # Random forest: sklearn 1.2 has no NaN support, so median-impute numerics and use -1 for missing codes.
        med = Otr.median()
        Itr, Ite = Otr.fillna(med).fillna(-1), Ote.fillna(med).fillna(-1)
        t0 = time.perf_counter()
        if task == "regression":
            m = RandomForestRegressor(n_estimators=100, random_state=seed, n_jobs=2).fit(Itr, ytr)
            record("sk_rf", score(yte, m.predict(Ite)), time.perf_counter() - t0)
        else:
            m = RandomForestClassifier(n_estimators=100, random_state=seed, n_jobs=2).fit(Itr, ytr)
            record("sk_rf", score(yte, m.predict_proba(Ite), m.classes_), time.perf_counter() - t0)

        from sklearn.compose import ColumnTransformer
        from sklearn.impute import SimpleImputer
        from sklearn.linear_model import LogisticRegression, Ridge
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import OneHotEncoder, StandardScaler
        pre = ColumnTransformer([
            ("num", make_pipeline(SimpleImputer(strategy="median", add_indicator=True), StandardScaler()), num_cols),
            ("cat", make_pipeline(SimpleImputer(strategy="constant", fill_value="__missing__"),
                                  OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=5)), cat_cols),
        ])
        Ltr = Xtr.astype({c: object for c in cat_cols})
        Lte = Xte.astype({c: object for c in cat_cols})
        for frame in (Ltr, Lte):
            for c in cat_cols:
                frame[c] = frame[c].where(frame[c].notna(), np.nan)
        t0 = time.perf_counter()
        if task == "regression":
            m = make_pipeline(pre, Ridge()).fit(Ltr, ytr)
            record("sk_linear", score(yte, m.predict(Lte)), time.perf_counter() - t0)
        else:
            m = make_pipeline(pre, LogisticRegression(max_iter=2000)).fit(Ltr, ytr)
            record("sk_linear", score(yte, m.predict_proba(Lte), m.classes_), time.perf_counter() - t0)

        try:
            import xgboost as xgb
        except ImportError:
            continue
        Ctr, Cte = Xtr.copy(), Xte.copy()
        for c in cat_cols:
            cats = pd.Categorical(Xtr[c].dropna()).categories
            Ctr[c] = pd.Categorical(Xtr[c], categories=cats)
            Cte[c] = pd.Categorical(Xte[c], categories=cats)
        params = dict(n_estimators=500, learning_rate=0.05, tree_method="hist", enable_categorical=True,
                      random_state=seed, n_jobs=2, max_cat_to_onehot=1)
        t0 = time.perf_counter()
        if task == "regression":
            m = xgb.XGBRegressor(**params).fit(Ctr, ytr)
            record("xgboost", score(yte, m.predict(Cte)), time.perf_counter() - t0)
        else:
            # XGBoost needs labels 0..k-1 present in training: remap to the classes seen.
            remap = {c: i for i, c in enumerate(model_classes)}
            m = xgb.XGBClassifier(**params).fit(Ctr, np.array([remap[v] for v in ytr]))
            record("xgboost", score(yte, m.predict_proba(Cte), model_classes), time.perf_counter() - t0)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
