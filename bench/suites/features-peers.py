"""pandas peer for `npm run bench -- features`: the point-in-time join as pandas.merge_asof on the same data.

Reads raw little-endian arrays written by bench/suites/features.ts from DIR (feature ids int32, times float64 ms,
values float64; entity ids int32, times float64 ms), joins each entity row to the latest feature record of its id
with time <= the row's time, writes the matched values in entity order to DIR/pandas_out.f64 and prints JSON timings.
"""
import json, sys, time
import numpy as np
import pandas as pd

d = sys.argv[1]
repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
feat = pd.DataFrame({
    "id": np.fromfile(f"{d}/feat_ids.i32", dtype="<i4"),
    "t": np.fromfile(f"{d}/feat_times.f64", dtype="<f8").astype("int64"),
    "v": np.fromfile(f"{d}/feat_vals.f64", dtype="<f8"),
})
ent = pd.DataFrame({
    "id": np.fromfile(f"{d}/ent_ids.i32", dtype="<i4"),
    "t": np.fromfile(f"{d}/ent_times.f64", dtype="<f8").astype("int64"),
})
ent["row"] = np.arange(len(ent))

def join():
    # merge_asof needs both sides sorted by the "on" key; the sorts are part of the join's cost.
    left = ent.sort_values("t", kind="stable")
    right = feat.sort_values("t", kind="stable")
    out = pd.merge_asof(left, right, on="t", by="id", direction="backward", allow_exact_matches=True)
    return out.sort_values("row")["v"].to_numpy(dtype="float64")

best = float("inf")
for _ in range(repeats):
    t0 = time.perf_counter()
    values = join()
    best = min(best, (time.perf_counter() - t0) * 1000)
values.astype("<f8").tofile(f"{d}/pandas_out.f64")
print(json.dumps({"ms": best, "rows": int(len(values)), "matched": int(np.isfinite(values).sum()), "pandas": pd.__version__}))
