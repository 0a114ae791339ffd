#!/usr/bin/env python3
"""Times `cxstat compare --segments segment --weight --strata region --cluster customer_id` against
the same Taylor linearisation of each segment's difference from the rest in pandas, after
comparing every difference, t statistic and degrees of freedom of both (1e-9 relative). The
responses are the weighted copy that scripts/bench_design.py writes (RESPONSES.weighted.csv).

The reference computes the 12 differences (CSAT top-box share, NPS, CES mean for each segment)
only; cxstat also computes the 12 Rao–Scott tests of the score distributions, so the timing is on
cxstat's side of fair.

For each segment s: side a = the answers in s, side b = the answers elsewhere; θ_a − θ_b has the
linearised value zᵢ = wᵢ(yᵢ − θ_a)/W_a on side a and −wᵢ(yᵢ − θ_b)/W_b on side b, summed per
(region, customer); V = Σ_h n_h/(n_h − 1)·(Σ_c z_hc² − (Σ_c z_hc)²/n_h) with n_h the customers of
region h in the whole design; t = d/√V on (customers with answers − regions − 1) df (svyttest).

Usage: python3 scripts/bench_compare_design.py --responses RESPONSES.weighted.csv --binary CXSTAT [--runs 3]
"""
import argparse
import io
import math
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


def reference(path):
    d = pd.read_csv(path, usecols=["customer_id", "segment", "region", "csat", "nps", "ces", "weight"])
    d["segment"] = d["segment"].fillna("").astype(str).str.strip()
    n_h = d.groupby("region")["customer_id"].nunique()
    values = {
        "csat_pct": np.where(d["csat"].between(1, 5) & (d["csat"] % 1 == 0), (d["csat"] >= 4).astype(float), np.nan),
        "nps": np.where(d["nps"].between(0, 10) & (d["nps"] % 1 == 0), (d["nps"] >= 9).astype(float) - (d["nps"] <= 6), np.nan),
        "ces_mean": np.where(d["ces"].between(1, 7) & (d["ces"] % 1 == 0), d["ces"], np.nan),
    }
    out = {}
    for segment in sorted(s for s in d["segment"].unique() if s):
        in_a = d["segment"].eq(segment).to_numpy()
        for metric, y in values.items():
            answered = ~np.isnan(y)
            w = d["weight"].to_numpy()
            side_a, side_b = answered & in_a, answered & ~in_a
            wa, wb = w[side_a].sum(), w[side_b].sum()
            ta, tb = (w[side_a] * y[side_a]).sum() / wa, (w[side_b] * y[side_b]).sum() / wb
            z = np.where(side_a, w * (y - ta) / wa, np.where(side_b, -w * (y - tb) / wb, 0.0))
            frame = pd.DataFrame({"h": d["region"][answered], "c": d["customer_id"][answered], "z": z[answered]})
            psu = frame.groupby(["h", "c"])["z"].sum().reset_index()
            per = psu.groupby("h")["z"].agg(["sum", lambda s: (s * s).sum(), "size"])
            per.columns = ["s1", "s2", "psus"]
            nh = n_h.loc[per.index]
            v = (nh / (nh - 1) * (per["s2"] - per["s1"] ** 2 / nh)).sum()
            unit = 1.0 if metric == "ces_mean" else 100.0
            diff = unit * (ta - tb)
            out[(segment, metric)] = (diff, diff / (unit * math.sqrt(v)), per["psus"].sum() - len(per) - 1)
    return out


def cxstat(path):
    args = [a.binary, "compare", path, "--segments", "segment", "--weight", "weight", "--strata", "region", "--cluster", "customer_id"]
    return subprocess.run(args + ["--format", "csv"], capture_output=True, check=True).stdout


def timed(f):
    t = time.perf_counter()
    f()
    return time.perf_counter() - t


got = pd.read_csv(io.BytesIO(cxstat(a.responses)), keep_default_na=False)
ref = reference(a.responses)
bad = 0
for (segment, metric), (diff, t, df) in ref.items():
    row = got[(got["segment"].astype(str) == segment) & (got["metric"] == metric)].iloc[0]
    for key, want in [("difference", diff), ("statistic", t), ("df", df)]:
        if abs(float(row[key]) - want) > 1e-9 * max(1.0, abs(want)):
            bad += 1
            print(f"{segment} {metric} {key}: cxstat {row[key]}, pandas {want}", file=sys.stderr)
print(f"{len(ref) * 3} values compared, {bad} differences")
if bad:
    sys.exit(1)

for name, run in [("cxstat", lambda: cxstat(a.responses)), ("pandas", lambda: reference(a.responses))]:
    times = sorted(timed(run) for _ in range(a.runs))
    print(f"{name}: median {times[len(times) // 2]:.2f} s (min {times[0]:.2f}, max {times[-1]:.2f})")
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(f"cxstat peak RSS {peak:.0f} MB")
