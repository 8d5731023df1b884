"""Anchor models for `npm run bench:ml`: scikit-learn Random Forest and XGBoost on the same CSV files
as the TypeScript engine, one model per process so that peak RSS is that model's alone.

    python bench/python/ml_anchor.py --spec bench/.work/gen-spec.json --model rf|xgb

The spec (written by bench/ml/run.mjs) names the train/test CSVs, the target and positive label,
and the feature list with kinds and categories exactly as the TypeScript loader read the training
file, so both sides see the same features and the same category dictionaries:

- numeric features: float, missing cells (empty, whitespace, NA, N/A, NaN, nan, null, NULL, ?) as NaN;
- categorical features: for scikit-learn, ordinal codes in the training dictionary's order with
  missing / unseen as NaN (RandomForestClassifier supports NaN since 1.4); for XGBoost, pandas
  `category` dtype with the training dictionary as categories (unseen values become NaN).

Measures, like bench/ml/ts-model.mjs: fit wall time (best of --train-reps fits, default 3), AUC and log-loss on the test file, batch
scoring rows/s (best of 15; scikit-learn `predict_proba` on the prepared float32 array, XGBoost
`inplace_predict` on the prepared DataFrame — never cached DMatrix predictions), single-row latency
(one-row calls, median and p99; this includes Python's per-call overhead, which is what a Python
serving process pays), and peak RSS (getrusage ru_maxrss, read after the first fit and batch scoring, before the
latency rows and the extra timing-only fits). Prints one JSON line on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import time

import numpy as np
import pandas as pd

MISSING = {"", "NA", "N/A", "NaN", "nan", "null", "NULL", "?"}


def peak_rss_mb() -> float:
    # Linux reports ru_maxrss in KiB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def load(path: str, spec: dict) -> tuple[pd.DataFrame, np.ndarray]:
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)
    target = raw[spec["target"]].str.strip()
    y = (target == str(spec["positiveLabel"])).to_numpy(dtype=np.int8)
    cols: dict[str, pd.Series] = {}
    for f in spec["features"]:
        s = raw[f["name"]].str.strip()
        present = s.where(~s.isin(MISSING))
        if f["kind"] == "numeric":
            cols[f["name"]] = pd.to_numeric(present, errors="raise").astype(np.float64)
        else:
            cols[f["name"]] = pd.Series(pd.Categorical(present, categories=f["categories"]), index=raw.index)
    return pd.DataFrame(cols), y


def ordinal_matrix(df: pd.DataFrame, spec: dict) -> np.ndarray:
    """Features as a float32 matrix: numeric values, categories as their code, NaN for missing."""
    out = np.empty((len(df), len(spec["features"])), dtype=np.float32)
    for j, f in enumerate(spec["features"]):
        col = df[f["name"]]
        if f["kind"] == "numeric":
            out[:, j] = col.to_numpy(dtype=np.float64)
        else:
            codes = col.cat.codes.to_numpy().astype(np.float32)
            codes[codes < 0] = np.nan
            out[:, j] = codes
    return np.ascontiguousarray(out)


def latency(call, rows: list, calls: int, budget_s: float, warmup: int = 50) -> dict:
    """Time `calls` single-row calls (cycling through `rows`), stopping early after `budget_s`."""
    for i in range(min(warmup, calls)):
        call(rows[i % len(rows)])
    times = []
    deadline = time.perf_counter() + budget_s
    for i in range(calls):
        r = rows[i % len(rows)]
        t = time.perf_counter_ns()
        call(r)
        times.append((time.perf_counter_ns() - t) / 1000.0)
        if time.perf_counter() > deadline:
            break
    a = np.sort(np.asarray(times))
    return {
        "calls": int(a.size),
        "p50Us": float(a[min(a.size - 1, int(0.5 * a.size))]),
        "p99Us": float(a[min(a.size - 1, int(0.99 * a.size))]),
        "meanUs": float(a.mean()),
    }


def timed_fit(fit) -> tuple[float, float]:
    """Wall and process CPU seconds (all threads) of one fit."""
    c, t = time.process_time(), time.perf_counter()
    fit()
    return time.perf_counter() - t, time.process_time() - c


def best_of(fn, reps: int) -> tuple[float, list[float]]:
    fn()  # warm-up
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times), times


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--spec", required=True)
    ap.add_argument("--model", choices=["rf", "xgb"], required=True)
    ap.add_argument("--latency-calls", type=int, default=2000)
    ap.add_argument("--latency-budget", type=float, default=10.0, help="seconds per latency variant")
    ap.add_argument("--batch-reps", type=int, default=15)
    ap.add_argument("--train-reps", type=int, default=3, help="fits timed; the best is reported")
    args = ap.parse_args()
    with open(args.spec, encoding="utf-8") as fh:
        spec = json.load(fh)

    from sklearn.metrics import log_loss, roc_auc_score

    t = time.perf_counter()
    train_df, y_train = load(spec["train"], spec)
    test_df, y_test = load(spec["test"], spec)
    load_seconds = time.perf_counter() - t
    n_test = len(test_df)
    result: dict = {"engine": "python", "trainRows": len(train_df), "testRows": n_test,
                    "features": len(spec["features"]), "loadSeconds": load_seconds}
    n_rows_cycle = min(256, n_test)

    if args.model == "rf":
        import sklearn
        from sklearn.ensemble import RandomForestClassifier

        X_train = ordinal_matrix(train_df, spec)
        X_test = ordinal_matrix(test_df, spec)
        del train_df
        clf = RandomForestClassifier(n_estimators=100, max_depth=15, n_jobs=2, random_state=0)
        fit_seconds, fit_cpu = timed_fit(lambda: clf.fit(X_train, y_train))
        p = clf.predict_proba(X_test)[:, 1]
        best, all_t = best_of(lambda: clf.predict_proba(X_test), args.batch_reps)
        peak_before_latency = peak_rss_mb()
        rows = [X_test[i : i + 1] for i in range(n_rows_cycle)]
        lat_trained = latency(lambda r: clf.predict_proba(r), rows, args.latency_calls, args.latency_budget)
        clf.n_jobs = 1
        lat_1 = latency(lambda r: clf.predict_proba(r), rows, args.latency_calls, args.latency_budget)
        clf.n_jobs = 2
        fit_all = [fit_seconds]
        for _ in range(args.train_reps - 1):
            extra = RandomForestClassifier(n_estimators=100, max_depth=15, n_jobs=2, random_state=0)
            fit_all.append(timed_fit(lambda: extra.fit(X_train, y_train))[0])
            del extra
        result.update(
            model="scikit-learn RandomForestClassifier",
            algorithm="random-forest",
            library=f"scikit-learn {sklearn.__version__}",
            params={"n_estimators": 100, "max_depth": 15, "n_jobs": 2, "random_state": 0},
            trees=len(clf.estimators_),
            nodes=int(sum(e.tree_.node_count for e in clf.estimators_)),
            batchInput="predict_proba on a prepared float32 ndarray (n_jobs=2)",
            batchThreads=2,
            singleRow=lat_1,
            singleRowAsTrained=lat_trained,
            singleRowNote="predict_proba on a 1-row float32 ndarray with n_jobs=1 (as trained, n_jobs=2: see singleRowAsTrained); includes Python/sklearn per-call overhead",
        )
    else:
        import xgboost as xgb

        clf = xgb.XGBClassifier(
            tree_method="hist", n_estimators=200, learning_rate=0.1, max_depth=6, n_jobs=2,
            enable_categorical=True,
        )
        fit_seconds, fit_cpu = timed_fit(lambda: clf.fit(train_df, y_train))
        booster = clf.get_booster()
        p = booster.inplace_predict(test_df)
        best, all_t = best_of(lambda: booster.inplace_predict(test_df), args.batch_reps)
        # Cross-check against the scikit-learn API path.
        p_api = clf.predict_proba(test_df)[:, 1]
        if float(np.max(np.abs(p_api - p))) > 1e-6:
            print("warning: inplace_predict and predict_proba disagree", file=sys.stderr)
        peak_before_latency = peak_rss_mb()
        rows = [test_df.iloc[i : i + 1] for i in range(n_rows_cycle)]
        lat_df = latency(lambda r: booster.inplace_predict(r), rows, args.latency_calls, args.latency_budget)
        fit_all = [fit_seconds]
        for _ in range(args.train_reps - 1):
            extra = xgb.XGBClassifier(
                tree_method="hist", n_estimators=200, learning_rate=0.1, max_depth=6, n_jobs=2,
                enable_categorical=True,
            )
            fit_all.append(timed_fit(lambda: extra.fit(train_df, y_train))[0])
            del extra
        # Reference only (not used by the targets): one single-threaded fit. OpenMP threads spin-wait,
        # so on a shared 2-core machine the n_jobs=2 fit time swings with other processes' load.
        one = xgb.XGBClassifier(
            tree_method="hist", n_estimators=200, learning_rate=0.1, max_depth=6, n_jobs=1,
            enable_categorical=True,
        )
        result["trainSecondsOneThread"] = timed_fit(lambda: one.fit(train_df, y_train))[0]
        del one
        result.update(
            model="XGBoost XGBClassifier",
            algorithm="gradient-boosting",
            library=f"xgboost {xgb.__version__}",
            params={"tree_method": "hist", "n_estimators": 200, "learning_rate": 0.1, "max_depth": 6,
                    "n_jobs": 2, "enable_categorical": True},
            trees=int(booster.num_boosted_rounds()),
            batchInput="booster.inplace_predict on the prepared pandas DataFrame (category dtypes), nthread=2",
            batchThreads=2,
            singleRow=lat_df,
            singleRowNote="booster.inplace_predict on a 1-row pandas DataFrame (category dtypes); includes Python/pandas per-call overhead",
        )

    y_test_f = y_test.astype(np.float64)
    result.update(
        auc=float(roc_auc_score(y_test_f, p)),
        logLoss=float(log_loss(y_test_f, np.clip(p, 0, 1), labels=[0, 1])),
        trainSeconds=min(fit_all),
        trainSecondsFirst=fit_seconds,
        trainSecondsAll=fit_all,
        trainCpuSeconds=fit_cpu,
        batchSeconds=best,
        batchSecondsAll=all_t,
        batchRowsPerSec=n_test / best,
        latencyCalls=result["singleRow"]["calls"],
        singleRowP50Us=result["singleRow"]["p50Us"],
        singleRowP99Us=result["singleRow"]["p99Us"],
        peakRssMb=peak_before_latency,
        peakRssMbAfterLatency=peak_rss_mb(),
        python=platform.python_version(),
        env={k: os.environ.get(k) for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OMP_NUM_THREADS")},
    )
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
