#!/usr/bin/env python3
"""`cxstat index FILE --items q_* --scale 1-5 --by segment` against a pandas + scipy script doing the
same (complete rows, 0-100 index with its t interval, Cronbach's alpha with Feldt's interval,
standardised alpha, per segment and in total). Every value is compared (1e-9 relative) before the
timings are printed; wall time and peak RSS from /usr/bin/time -v, medians of --runs.

  python3 scripts/bench_index.py --responses target/bench/data-2m/responses.csv --binary target/release/cxstat
"""
import argparse
import csv
import io
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_run import timed  # noqa: E402

ITEMS = ["q_speed", "q_staff", "q_price", "q_quality"]


def reference(path):
    import numpy as np
    import pandas as pd
    from scipy import stats

    d = pd.read_csv(path, usecols=["segment"] + ITEMS)
    for c in ITEMS:
        d[c] = pd.to_numeric(d[c], errors="coerce")
        d.loc[~d[c].isin([1, 2, 3, 4, 5]), c] = np.nan
    d = d.dropna(subset=ITEMS)
    out = []
    for name, g in list(d.groupby("segment")) + [("Total", d)]:
        x = g[ITEMS].to_numpy(float)
        n, k = x.shape
        cov = np.cov(x, rowvar=False)
        a = k / (k - 1) * (1 - np.trace(cov) / cov.sum())
        r = np.corrcoef(x, rowvar=False)
        rbar = (r.sum() - k) / (k * (k - 1))
        idx = ((x - 1) / 4 * 100).mean(axis=1)
        m, se = idx.mean(), idx.std(ddof=1) / np.sqrt(n)
        t = stats.t.ppf(0.975, n - 1)
        f = stats.f
        out.append({"segment": name, "n": n, "index": m, "index_low": m - t * se, "index_high": m + t * se, "alpha": a,
                    "alpha_low": 1 - (1 - a) * f.ppf(0.975, n - 1, (n - 1) * (k - 1)),
                    "alpha_high": 1 - (1 - a) * f.ppf(0.025, n - 1, (n - 1) * (k - 1)),
                    "std_alpha": k * rbar / (1 + (k - 1) * rbar)})
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--responses", required=True)
    ap.add_argument("--binary", required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--reference", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.reference:
        reference(a.responses)
        return 0
    cmd = [a.binary, "index", a.responses, "--items", "q_*", "--scale", "1-5", "--by", "segment", "--format", "csv"]
    got = {r["segment"]: r for r in csv.DictReader(io.StringIO(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout))}
    bad = []
    for want in reference(a.responses):
        row = got[want["segment"]]
        for key, v in want.items():
            if key != "segment" and abs(float(row[key]) - v) > 1e-9 * max(1.0, abs(v)):
                bad.append(f"{want['segment']} {key}: cxstat {row[key]}, pandas {v}")
    if bad:
        sys.exit("values disagree:\n  " + "\n  ".join(bad))
    ref = [sys.executable, __file__, "--reference", "--responses", a.responses, "--binary", a.binary]
    results = {"cxstat": [timed(cmd) for _ in range(a.runs)], "pandas + scipy": [timed(ref) for _ in range(a.runs)]}
    print(f"all values agree to 1e-9 ({len(got)} rows)")
    print("| tool | s | MB | runs (s) |\n|---|---:|---:|---|")
    med = {}
    for tool, rs in results.items():
        med[tool] = statistics.median(r[0] for r in rs)
        print(f"| {tool} | {med[tool]:.2f} | {statistics.median(r[1] for r in rs):.0f} | {', '.join(f'{r[0]:.2f}' for r in rs)} |")
    print(f"pandas / cxstat: {med['pandas + scipy'] / med['cxstat']:.1f}×")
    return 0


if __name__ == "__main__":
    sys.exit(main())
