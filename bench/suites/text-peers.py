"""Peer for bench/suites/text.ts: scikit-learn TfidfVectorizer + LogisticRegression on the same splits.

Reads a JSON job {csv, text, label, positive, splits: [{seed, train: [...], test: [...]}]} from argv[1] and prints
one JSON line per (config, split): fit and predict seconds, process CPU seconds of both (all threads) and
P(positive) for the test rows, in test order. Timing covers vectorizing and fitting (fit) and vectorizing and
predicting (predict), as on the TypeScript side.
"""
import csv
import json
import sys
import time

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

CONFIGS = {
    # What a user gets from the two classes with their defaults (max_iter raised so lbfgs converges).
    "sklearn-default": lambda: make_pipeline(TfidfVectorizer(), LogisticRegression(max_iter=1000)),
    # The same settings as tabpilot's text-linear defaults: unigrams + bigrams, min_df 2, sublinear tf, C = 10.
    "sklearn-same-config": lambda: make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, token_pattern=r"(?u)\b\w+\b"),
        LogisticRegression(C=10, max_iter=1000),
    ),
}


def main() -> None:
    job = json.load(open(sys.argv[1]))
    with open(job["csv"], newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    text = np.array([r[job["text"]] for r in rows], dtype=object)
    y = np.array([1 if r[job["label"]] == job["positive"] else 0 for r in rows])
    for name, make in CONFIGS.items():
        for split in job["splits"]:
            train, test = split["train"], split["test"]
            model = make()
            c0 = time.process_time()
            t0 = time.perf_counter()
            model.fit(text[train], y[train])
            t1 = time.perf_counter()
            proba = model.predict_proba(text[test])[:, 1]
            t2 = time.perf_counter()
            cpu = time.process_time() - c0
            print(json.dumps({"config": name, "seed": split["seed"], "fitSeconds": t1 - t0, "predictSeconds": t2 - t1, "cpuSeconds": cpu, "proba": proba.tolist()}))


if __name__ == "__main__":
    main()
