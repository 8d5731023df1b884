"""scipy anchor for bench/drift/run.mjs: ks_2samp / chi2_contingency per feature on the same CSVs.

Usage: drift_anchor.py REF.csv CUR.csv SPEC.json RUNS
SPEC.json: {"numeric": [names], "categorical": [names]}. Prints one JSON line: per-feature
statistic and p-value, and the wall time of each full pass over the features (after one warm-up).
"""
import json
import sys
import time

import numpy as np
import pandas as pd
import scipy
from scipy.stats import chi2_contingency, ks_2samp


def check(ref, cur, spec):
    out = {}
    for name in spec["numeric"]:
        a = ref[name].dropna().to_numpy(dtype=float)
        b = cur[name].dropna().to_numpy(dtype=float)
        r = ks_2samp(a, b)
        out[name] = {"test": "ks", "statistic": float(r.statistic), "p_value": float(r.pvalue)}
    for name in spec["categorical"]:
        a = ref[name].dropna().astype(str).value_counts()
        b = cur[name].dropna().astype(str).value_counts()
        cats = sorted(set(a.index) | set(b.index))
        table = np.array([[a.get(c, 0) for c in cats], [b.get(c, 0) for c in cats]], dtype=float)
        table = table[:, table.sum(axis=0) > 0]
        if table.shape[1] < 2:
            out[name] = {"test": "chi2", "statistic": 0.0, "p_value": 1.0}
            continue
        r = chi2_contingency(table)
        out[name] = {"test": "chi2", "statistic": float(r.statistic), "p_value": float(r.pvalue)}
    return out


def main():
    ref_path, cur_path, spec_path, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    spec = json.load(open(spec_path))
    ref = pd.read_csv(ref_path, keep_default_na=True)
    cur = pd.read_csv(cur_path, keep_default_na=True)
    result = check(ref, cur, spec)  # warm-up
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        check(ref, cur, spec)
        times.append((time.perf_counter() - t0) * 1000)
    print(json.dumps({"scipy": scipy.__version__, "numpy": np.__version__, "features": result, "ms": times}))


main()
