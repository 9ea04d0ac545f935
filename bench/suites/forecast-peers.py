"""Peer for bench/suites/forecast.ts: statsmodels ETS (ETSModel, additive errors) with the configuration chosen by
AICc among trend none/additive/additive damped x season none/additive/multiplicative (multiplicative only for
positive series, seasonal only with two full seasons) -- the same search space as tabpilot's ets candidate --
fitted on exactly the backtest histories tabpilot uses.

Usage: /usr/bin/python3 forecast-peers.py SPEC.json  ->  prints {"forecasts": [{"item", "window", "mean", "quantiles"}], "seconds"}
SPEC: {"period", "horizon", "quantiles", "items": [{"y": [...], "windows": [{"window", "cut"}]}]}
"""
import json
import sys
import time
import warnings

import numpy as np
import pandas as pd
from statsmodels.tsa.exponential_smoothing.ets import ETSModel


def configurations(y, m):
    trends = [(None, False), ("add", False), ("add", True)] if len(y) >= 8 else [(None, False)]
    seasons = [None]
    if m > 1 and len(y) >= 2 * m + 2:
        seasons.append("add")
        if np.all(y > 0):
            seasons.append("mul")
    return [(t, d, s) for s in seasons for (t, d) in trends]


def fit_best(y, m):
    best = None
    for trend, damped, season in configurations(y, m):
        try:
            model = ETSModel(pd.Series(y), error="add", trend=trend, damped_trend=damped, seasonal=season, seasonal_periods=m if season else None)
            res = model.fit(disp=False, maxiter=2000)
        except Exception:  # a configuration that does not fit is skipped, as in auto ETS
            continue
        if not np.isfinite(res.aicc):
            continue
        if best is None or res.aicc < best.aicc:
            best = res
    return best


def main():
    spec = json.load(open(sys.argv[1]))
    m, h, quantiles = spec["period"], spec["horizon"], spec["quantiles"]
    out = []
    t0 = time.time()
    warnings.simplefilter("ignore")
    for index, item in enumerate(spec["items"]):
        y_all = np.asarray(item["y"], dtype=float)
        for w in item["windows"]:
            y = y_all[: w["cut"]]
            res = fit_best(y, m)
            if res is None:
                mean = np.repeat(y[-1], h)
                qs = [mean.tolist() for _ in quantiles]
            else:
                pred = res.get_prediction(start=len(y), end=len(y) + h - 1)
                mean = np.asarray(pred.predicted_mean, dtype=float)
                qs = []
                for q in quantiles:
                    if abs(q - 0.5) < 1e-12:
                        qs.append(mean.tolist())
                        continue
                    frame = pred.summary_frame(alpha=2 * min(q, 1 - q))
                    qs.append(np.asarray(frame["pi_lower" if q < 0.5 else "pi_upper"]).tolist())
            out.append({"item": index, "window": w["window"], "mean": np.asarray(mean).tolist(), "quantiles": qs})
    print(json.dumps({"forecasts": out, "seconds": time.time() - t0}))


if __name__ == "__main__":
    main()
