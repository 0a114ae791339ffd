#!/usr/bin/env python3
"""Checks `cxstat drivers --bootstrap` against an independent bootstrap in numpy: rows resampled
with replacement (numpy's own generator, not cxstat's), Johnson's relative weights of each
resample (scripts/relative_weights.py), percentile intervals (numpy.quantile, type 7). The two
bootstraps draw different resamples, so their bounds agree only to Monte Carlo error: each bound
must be within 4 of its Monte Carlo standard errors (estimated from the numpy replicates by the
order-statistic method).

Usage: python3 scripts/check_drivers_bootstrap.py FILE TARGET CXSTAT DRIVER [DRIVER ...]
       [--replicates 4000]
"""
import csv
import io
import subprocess
import sys

import numpy as np

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from relative_weights import number, relative_weights  # noqa: E402

args = [a for a in sys.argv[1:] if not a.startswith("--")]
replicates = 4000
if "--replicates" in sys.argv:
    replicates = int(sys.argv[sys.argv.index("--replicates") + 1])
    args.remove(str(replicates))
path, target, binary, drivers = args[0], args[1], args[2], args[3:]
with open(path, newline="", encoding="utf-8-sig") as f:
    complete = [[number(r.get(c) or "") for c in [target] + drivers] for r in csv.DictReader(f)]
rows = np.array([r for r in complete if all(v is not None for v in r)], float)


def percent(sample):
    r = np.corrcoef(sample, rowvar=False)
    raw, r2 = relative_weights(r[1:, 1:], r[1:, 0])
    return 100 * raw / r2


rng = np.random.default_rng(12345)
n = len(rows)
reps = np.array([percent(rows[rng.integers(0, n, n)]) for _ in range(replicates)])
out = subprocess.run(
    [binary, "drivers", path, "--col", f"csat={target}", "--drivers", ",".join(drivers), "--bootstrap", str(replicates), "--format", "csv"],
    capture_output=True, text=True, check=True,
).stdout
got = {r["driver"]: r for r in csv.DictReader(io.StringIO(out))}
bad = 0
for j, d in enumerate(drivers):
    values = np.sort(reps[:, j])
    for key, p in [("weight_pct_low", 0.025), ("weight_pct_high", 0.975)]:
        ours = np.quantile(values, p)
        # Monte Carlo SE of a quantile: the spread of the order statistics ±√(B p (1 − p)) around it.
        k = np.sqrt(replicates * p * (1 - p))
        lo, hi = np.quantile(values, max(0, p - k / replicates)), np.quantile(values, min(1, p + k / replicates))
        mc = (hi - lo) / 2
        diff = abs(float(got[d][key]) - ours)
        ok = diff <= 4 * mc + 1e-9
        bad += not ok
        print(f"{d} {key}: cxstat {float(got[d][key]):.4f}, numpy {ours:.4f}, |diff| {diff:.4f} ({diff / mc if mc else 0:.1f} MC SE){'' if ok else '  <-- too far'}")
print(f"{len(drivers) * 2} bounds compared, {bad} beyond 4 Monte Carlo standard errors")
sys.exit(1 if bad else 0)
