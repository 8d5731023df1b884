#!/usr/bin/env python3
"""Time XGBoost's TreeSHAP (`predict(pred_contribs=True)`) on an exported model, for bench:explain.

    PY="$(bash scripts/pyenv.sh)"
    "$PY" bench/explain/xgb_contribs.py model.json rows.f64 --rows N --features F \
        [--nthread 2] [--reps 3] [--out contribs.f64]
    "$PY" bench/explain/xgb_contribs.py model.json rows.f64 --rows N --features F \
        --one-row --warmup W [--nthreads 1,2] [--out contribs.f64]

model.json  an XGBoost JSON model (toXGBoostJsonString of a @churn/ml model).
rows.f64    encoded rows, row-major little-endian float64 (NaN = missing), in the model's
            feature order: numeric values raw, categorical values as the category index.

Batch (default): builds one DMatrix (not timed), then calls pred_contribs once cold and --reps
more times; prints one JSON line with the timings, and writes the values of the first call to
--out (float64, rows × (features + 1), the last column the bias) for the equality check.

--one-row: one explanation per call, as a service would make it: each call builds a one-row
DMatrix and calls pred_contribs. One Booster per --nthreads value; for each row, every variant
runs in turn (the order rotating from row to row, so that none always runs first):
pred_contribs on each Booster, and plain predict of the same one-row DMatrix (the Python, DMatrix
and call overhead, to set against the SHAP time). The first W rows warm up and are not recorded.
Prints one JSON line with every call's wall time and process CPU time in ms (CPU time counts
every thread), and writes the recorded rows' values from the first Booster to --out.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np
import xgboost as xgb


def load(path: str, nthread: int) -> xgb.Booster:
    booster = xgb.Booster()
    booster.load_model(path)
    booster.set_param({"nthread": nthread})
    return booster


def batch(args, booster: xgb.Booster, dmatrix) -> dict:
    dm = dmatrix(args.x, args.nthread)
    t = time.perf_counter()
    first = booster.predict(dm, pred_contribs=True)
    cold = time.perf_counter() - t
    warm = []
    for _ in range(args.reps):
        t = time.perf_counter()
        booster.predict(dm, pred_contribs=True)
        warm.append(time.perf_counter() - t)
    if args.out:
        np.asarray(first, dtype="<f8").tofile(args.out)
    return {
        "nthread": args.nthread,
        "cold_seconds": cold,
        "warm_seconds": warm,
        "shape": list(np.shape(first)),
    }


def one_row(args, dmatrix) -> dict:
    nthreads = [int(n) for n in args.nthreads.split(",")]
    t = time.perf_counter()
    boosters = [load(args.model, n) for n in nthreads]
    load_seconds = (time.perf_counter() - t) / len(boosters)
    variants = []
    for n, booster in zip(nthreads, boosters):
        variants.append((f"contribs_nthread{n}", n, booster, True))
    for n, booster in zip(nthreads, boosters):
        variants.append((f"predict_nthread{n}", n, booster, False))
    wall = {name: [] for name, *_ in variants}
    cpu = {name: [] for name, *_ in variants}
    kept = []
    for i in range(args.n_rows):
        row = args.x[i : i + 1]
        for k in range(len(variants)):
            name, n, booster, contribs = variants[(i + k) % len(variants)]
            t = time.perf_counter()
            c = time.process_time()
            values = booster.predict(dmatrix(row, n), pred_contribs=contribs)
            c = time.process_time() - c
            t = time.perf_counter() - t
            if i < args.warmup:
                continue
            wall[name].append(t * 1000)
            cpu[name].append(c * 1000)
            if name == variants[0][0]:
                kept.append(np.asarray(values, dtype="<f8").reshape(-1))
    if args.out:
        np.concatenate(kept).tofile(args.out)
    return {
        "nthreads": nthreads,
        "warmup_rows": args.warmup,
        "recorded_rows": args.n_rows - args.warmup,
        "load_seconds": load_seconds,
        "wall_ms": wall,
        "cpu_ms": cpu,
    }


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model")
    ap.add_argument("rows")
    ap.add_argument("--rows", dest="n_rows", type=int, required=True)
    ap.add_argument("--features", type=int, required=True)
    ap.add_argument("--nthread", type=int, default=2)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--one-row", action="store_true", help="one row per call (see above)")
    ap.add_argument("--warmup", type=int, default=10, help="--one-row: rows not recorded")
    ap.add_argument("--nthreads", default="1,2", help="--one-row: one Booster per value")
    ap.add_argument("--out")
    args = ap.parse_args(argv)

    with open(args.model, encoding="utf-8") as fh:
        learner = json.load(fh)["learner"]
    names = list(learner["feature_names"])
    types = ["c" if t == "c" else "q" for t in learner["feature_types"]]
    if len(names) != args.features:
        raise SystemExit(f"the model has {len(names)} features, the rows {args.features}")
    if args.one_row and not 0 <= args.warmup < args.n_rows:
        raise SystemExit(f"--warmup must be below --rows ({args.n_rows}), got {args.warmup}")
    args.x = np.fromfile(args.rows, dtype="<f8").reshape(args.n_rows, args.features)

    def dmatrix(x: np.ndarray, nthread: int) -> xgb.DMatrix:
        return xgb.DMatrix(
            x,
            missing=np.nan,
            feature_names=names,
            feature_types=types,
            enable_categorical="c" in types,
            nthread=nthread,
        )

    load_avg = round(os.getloadavg()[0], 2)
    if args.one_row:
        out = one_row(args, dmatrix)
    else:
        out = batch(args, load(args.model, args.nthread), dmatrix)
    json.dump(
        {
            "xgboost_version": xgb.__version__,
            "rows": args.n_rows,
            **out,
            "load1m_start": load_avg,
            "load1m_end": round(os.getloadavg()[0], 2),
        },
        sys.stdout,
    )
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
