#!/usr/bin/env python3
"""Score encoded rows with an exported XGBoost JSON model, for parity tests against @churn/ml.

    PY="$(bash scripts/pyenv.sh)"
    "$PY" bench/python/xgb_parity.py model.json rows.csv [--contribs] [--margin] [--leaves]
                                                          [--resave out.json]

model.json  a model written by exportXGBoostJson / toXGBoostJsonString (packages/ml), or any
            XGBoost JSON model.
rows.csv    encoded feature rows with a header of feature names, in any column order: numeric
            features as raw values, categorical features as the category index (a number),
            empty cell (or NaN / nan / NA) = missing.

Prints one JSON object on stdout:
    {"xgboost_version": "3.2.0", "feature_names": [...],
     "probabilities": [p, ...],                       # always
     "margins": [m, ...],                             # --margin: raw log-odds
     "contribs": [[c_0, ..., c_{F-1}, bias], ...],    # --contribs: pred_contribs (TreeSHAP)
     "leaves": [[node id per tree], ...],             # --leaves: pred_leaf
     "resave": {"path": ..., "max_abs_diff": d}}      # --resave: save_model, reload, re-predict

Numbers are parsed with Python's float() (exact round trip of the writer's shortest repr); XGBoost
then converts them to float32 itself, as it does for any input.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys

import numpy as np
import xgboost as xgb

MISSING_CELLS = {"", "nan", "NaN", "NA", "N/A", "null", "NULL"}


def read_rows(path: str, feature_names: list[str]) -> np.ndarray:
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header is None:
            raise SystemExit(f"{path}: empty file")
        header = [h.strip() for h in header]
        missing = [f for f in feature_names if f not in header]
        if missing:
            raise SystemExit(f"{path}: missing feature columns {missing}")
        cols = [header.index(f) for f in feature_names]
        rows: list[list[float]] = []
        for line_no, rec in enumerate(reader, start=2):
            if not rec:
                continue
            row = []
            for c in cols:
                cell = rec[c].strip() if c < len(rec) else ""
                try:
                    row.append(math.nan if cell in MISSING_CELLS else float(cell))
                except ValueError:
                    raise SystemExit(f"{path}:{line_no}: not a number: {cell!r}") from None
            rows.append(row)
    return np.array(rows, dtype=np.float64).reshape(len(rows), len(feature_names))


def dmatrix(x: np.ndarray, names: list[str], types: list[str]) -> xgb.DMatrix:
    # Model files say "float" for numeric features; DMatrix takes "q" (or "float" on newer
    # versions). "c" marks categorical features, whose values are category indices.
    dm_types = ["c" if t == "c" else "q" for t in types]
    return xgb.DMatrix(
        x,
        missing=np.nan,
        feature_names=names,
        feature_types=dm_types,
        enable_categorical="c" in dm_types,
    )


def as_floats(a: np.ndarray) -> list:
    return np.asarray(a, dtype=np.float64).tolist()


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model", help="XGBoost JSON model file")
    ap.add_argument("rows", help="CSV of encoded feature rows")
    ap.add_argument("--contribs", action="store_true", help="also output pred_contribs (TreeSHAP)")
    ap.add_argument("--margin", action="store_true", help="also output raw margins (log-odds)")
    ap.add_argument("--leaves", action="store_true", help="also output pred_leaf node ids")
    ap.add_argument("--resave", metavar="PATH", help="save_model to PATH, reload and re-predict")
    args = ap.parse_args(argv)

    booster = xgb.Booster()
    booster.load_model(args.model)
    with open(args.model, encoding="utf-8") as fh:
        learner = json.load(fh)["learner"]
    names = list(learner.get("feature_names") or booster.feature_names or [])
    types = list(learner.get("feature_types") or ["float"] * len(names))
    if not names:
        raise SystemExit(f"{args.model}: the model has no feature names")

    x = read_rows(args.rows, names)
    dm = dmatrix(x, names, types)
    prob = booster.predict(dm)
    out: dict = {
        "xgboost_version": xgb.__version__,
        "feature_names": names,
        "probabilities": as_floats(prob),
    }
    if args.margin:
        out["margins"] = as_floats(booster.predict(dm, output_margin=True))
    if args.contribs:
        out["contribs"] = as_floats(booster.predict(dm, pred_contribs=True))
    if args.leaves:
        leaves = np.asarray(booster.predict(dm, pred_leaf=True)).astype(np.int64)
        out["leaves"] = leaves.reshape(len(x), -1).tolist()
    if args.resave:
        booster.save_model(args.resave)
        again = xgb.Booster()
        again.load_model(args.resave)
        prob2 = again.predict(dmatrix(x, names, types))
        diff = float(np.max(np.abs(prob2 - prob))) if len(x) else 0.0
        out["resave"] = {"path": args.resave, "max_abs_diff": diff}
    json.dump(out, sys.stdout, allow_nan=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
