#!/usr/bin/env python3
"""Time XGBoost's TreeSHAP (`predict(pred_contribs=True)`) on an exported model, for bench:explain.

    PY="$(bash scripts/pyenv.sh)"
    "$PY" bench/explain/xgb_contribs.py model.json rows.f64 --rows N --features F \
        [--nthread 2] [--reps 3] [--out contribs.f64]

model.json  an XGBoost JSON model (toXGBoostJsonString of a @churn/ml boosting model).
rows.f64    encoded rows, row-major little-endian float64 (NaN = missing), in the model's
            feature order: numeric values raw, categorical values as the category index.

Builds one DMatrix (not timed), then calls pred_contribs once cold and --reps more times; prints
one JSON line with the timings, and writes the values of the first call to --out (float64,
rows × (features + 1), the last column the bias) for the equality check.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np
import xgboost as xgb


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model")
    ap.add_argument("rows")
    ap.add_argument("--rows", dest="n_rows", type=int, required=True)
    ap.add_argument("--features", type=int, required=True)
    ap.add_argument("--nthread", type=int, default=2)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--out")
    args = ap.parse_args(argv)

    booster = xgb.Booster()
    booster.load_model(args.model)
    booster.set_param({"nthread": args.nthread})
    with open(args.model, encoding="utf-8") as fh:
        learner = json.load(fh)["learner"]
    names = list(learner["feature_names"])
    types = ["c" if t == "c" else "q" for t in learner["feature_types"]]
    if len(names) != args.features:
        raise SystemExit(f"the model has {len(names)} features, the rows {args.features}")
    x = np.fromfile(args.rows, dtype="<f8").reshape(args.n_rows, args.features)
    dm = xgb.DMatrix(
        x,
        missing=np.nan,
        feature_names=names,
        feature_types=types,
        enable_categorical="c" in types,
        nthread=args.nthread,
    )
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
    json.dump(
        {
            "xgboost_version": xgb.__version__,
            "nthread": args.nthread,
            "rows": args.n_rows,
            "cold_seconds": cold,
            "warm_seconds": warm,
            "shape": list(np.shape(first)),
        },
        sys.stdout,
    )
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
