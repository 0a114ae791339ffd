#!/usr/bin/env python3
"""Times `cxstat survey --weight --strata --cluster --by segment` against the same Taylor
linearisation in pandas, after comparing every design figure (estimate, SE, design effect, df) of
both to 1e-9. The workload's responses get a weight (0.37 + 0.113 × (row mod 17)); strata are the
regions and clusters the customers (a customer's answers are not independent).

Usage: python3 scripts/bench_design.py --responses RESPONSES.csv --binary CXSTAT [--runs 3]
Writes the weighted copy beside the input (RESPONSES.weighted.csv) once.
"""
import argparse
import io
import math
import os
import resource
import subprocess
import sys
import time

import numpy as np
import pandas as pd

ap = argparse.ArgumentParser()
ap.add_argument("--responses", required=True)
ap.add_argument("--binary", required=True)
ap.add_argument("--runs", type=int, default=3)
a = ap.parse_args()

weighted = a.responses.replace(".csv", ".weighted.csv")
if not os.path.exists(weighted):
    d = pd.read_csv(a.responses, dtype=str, keep_default_na=False)
    d["weight"] = [f"{0.37 + 0.113 * (i % 17):.3f}" for i in range(len(d))]
    d.to_csv(weighted, index=False)


def reference(path):
    d = pd.read_csv(path, usecols=["customer_id", "segment", "region", "csat", "nps", "ces", "weight"])
    d["segment"] = d["segment"].fillna("").astype(str).str.strip()
    n_h = d.groupby("region")["customer_id"].nunique()
    values = {
        "csat": np.where(d["csat"].between(1, 5) & (d["csat"] % 1 == 0), (d["csat"] >= 4).astype(float), np.nan),
        "nps": np.where(d["nps"].between(0, 10) & (d["nps"] % 1 == 0), (d["nps"] >= 9).astype(float) - (d["nps"] <= 6), np.nan),
        "ces": np.where(d["ces"].between(1, 7) & (d["ces"] % 1 == 0), d["ces"], np.nan),
    }
    out = {}
    for domain in ["Total"] + sorted(s for s in d["segment"].unique() if s):
        rows = d["segment"].eq(domain) if domain != "Total" else pd.Series(True, index=d.index)
        for metric, y in values.items():
            keep = rows & ~np.isnan(y)
            w, yy = d["weight"][keep], y[keep]
            W = w.sum()
            mean = (w * yy).sum() / W
            z = pd.DataFrame({"h": d["region"][keep], "c": d["customer_id"][keep], "z": w * (yy - mean) / W})
            psu = z.groupby(["h", "c"])["z"].sum().reset_index()
            per = psu.groupby("h")["z"].agg(["sum", lambda s: (s * s).sum(), "size"])
            per.columns = ["s1", "s2", "psus"]
            nh = n_h.loc[per.index]
            v = (nh / (nh - 1) * (per["s2"] - per["s1"] ** 2 / nh)).sum()
            n = keep.sum()
            s2 = n / (n - 1) * ((w * yy * yy).sum() / W - mean * mean)
            unit = 1.0 if metric == "ces" else 100.0
            out[(domain, metric)] = (unit * mean, unit * math.sqrt(v), v / (s2 / n), per["psus"].sum() - len(per))
    return out


def cxstat(path):
    args = [a.binary, "survey", path, "--weight", "weight", "--strata", "region", "--cluster", "customer_id", "--by", "segment", "--format", "csv"]
    return subprocess.run(args, capture_output=True, check=True).stdout


def timed(f):
    t = time.perf_counter()
    f()
    return time.perf_counter() - t


got = pd.read_csv(io.BytesIO(cxstat(weighted)), keep_default_na=False)
ref = reference(weighted)
names = {"csat": "csat_pct", "nps": "nps", "ces": "ces_mean"}
bad = 0
for (domain, metric), (est, se, deff, df) in ref.items():
    row = got[got["segment"].astype(str) == domain].iloc[0]
    for key, want in [(names[metric], est), (f"{metric}_se", se), (f"{metric}_deff", deff), (f"{metric}_df", df)]:
        if abs(float(row[key]) - want) > 1e-9 * max(1.0, abs(want)):
            bad += 1
            print(f"{domain} {key}: cxstat {row[key]}, pandas {want}", file=sys.stderr)
print(f"{len(ref) * 4} values compared, {bad} differences")
if bad:
    sys.exit(1)

for name, run in [("cxstat", lambda: cxstat(weighted)), ("pandas", lambda: reference(weighted))]:
    times = sorted(timed(run) for _ in range(a.runs))
    print(f"{name}: median {times[len(times) // 2]:.2f} s (min {times[0]:.2f}, max {times[-1]:.2f})")
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(f"cxstat peak RSS {peak:.0f} MB")
