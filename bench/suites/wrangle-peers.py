"""pandas peer for `npm run bench -- wrangle`: the same six steps on the same CSV; prints JSON timings."""
import json, sys, time
import pandas as pd

path = sys.argv[1]
t0 = time.perf_counter()
df = pd.read_csv(path, parse_dates=["created"])
read_ms = (time.perf_counter() - t0) * 1000

def run(df):
    df = df.copy()
    # 1. impute mean
    df["amount"] = df["amount"].fillna(df["amount"].mean())
    # 2. one-hot (missing gets its own column, like tabpilot's Keep)
    dummies = pd.get_dummies(df["category"], prefix="category", dummy_na=True, dtype="float64")
    df = pd.concat([df.drop(columns=["category"]), dummies], axis=1)
    # 3. standard scale (sample std)
    for c in ["amount", "score"]:
        df[c] = (df[c] - df[c].mean()) / df[c].std()
    # 4. date components
    d = df["created"].dt
    df["created_year"] = d.year
    df["created_month"] = d.month
    df["created_day"] = d.day
    df["created_day_of_week"] = d.dayofweek
    df["created_hour"] = d.hour
    # 5. formula
    df["ratio"] = (df["amount"] / df["qty"]).where(df["qty"] > 0, 0.0)
    # 6. drop duplicates
    df = df.drop_duplicates()
    return df

best = float("inf")
for _ in range(int(sys.argv[2]) if len(sys.argv) > 2 else 2):
    t0 = time.perf_counter()
    out = run(df)
    best = min(best, (time.perf_counter() - t0) * 1000)
print(json.dumps({"read_ms": read_ms, "ms": best, "rows_out": int(len(out)), "columns_out": int(out.shape[1]), "pandas": pd.__version__}))
