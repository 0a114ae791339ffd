#!/usr/bin/env python3
"""`cxstat themes` against a pandas + jieba script doing the same keyword matching, on the
responses of the monthly workload (BENCHMARKS.md, "Themes").

  python3 scripts/bench_themes.py --data target/bench/data-2m --binary /path/to/release/cxstat [--runs 5]
  python3 scripts/bench_themes.py --pandas RESPONSES.csv OUT.csv     # the reference alone

The reference reads the comment and score columns with pandas, segments and matches each
distinct comment once (jieba, and the rules of scripts/check_themes.py), maps each row to its
comment's themes, and computes per theme the mentions, the NPS, CSAT % and CES mean of the
mentioners and of the other commenters, the detractor share and the NPS impact, with pandas'
vectorised operations. Before any timing is printed, its numbers are compared with cxstat's
(relative tolerance 1e-9). Wall time and peak RSS from /usr/bin/time -v, medians of --runs.
"""
import argparse
import csv
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_run import timed  # noqa: E402  (one run under /usr/bin/time -v: seconds, peak MB)
KEYS = ["mentions", "nps", "nps_others", "detractor_pct", "nps_impact", "csat_pct", "csat_pct_others", "ces_mean", "ces_mean_others"]


def reference(responses, out):
    import numpy as np
    import pandas as pd
    from check_themes import clauses, has_text, kw_matches, themes

    defs = themes()
    names = sorted(defs)
    df = pd.read_csv(responses, usecols=["comment", "nps", "csat", "ces"], dtype=str, keep_default_na=False)

    def scores(column, lo, hi):
        x = pd.to_numeric(df[column].str.strip(), errors="coerce")
        return x.where((x >= lo) & (x <= hi) & (x == x.round()))

    nps, csat, ces = scores("nps", 0, 10), scores("csat", 1, 5), scores("ces", 1, 7)
    masks = {}
    for text in df["comment"].unique():
        if not has_text(text):
            continue
        lower = text.lower()
        cls = clauses(lower)
        bits = 1 << 40  # "has text"; below 2^53, as the map goes through floats
        for i, n in enumerate(names):
            if any(kw_matches(k, lower, cls) for k in defs[n][0]) and not any(kw_matches(k, lower, cls) for k in defs[n][1]):
                bits |= 1 << i
        masks[text] = bits
    mask = df["comment"].map(masks).fillna(0).astype(np.int64)
    commenter = mask != 0
    promoter = (nps >= 9).astype(float).where(nps.notna())
    detractor = (nps <= 6).astype(float).where(nps.notna())
    top = (csat >= 4).astype(float).where(csat.notna())
    rows = []
    for i, n in enumerate(names):
        m = commenter & ((mask & (1 << i)) != 0)
        o = commenter & ~m

        def nps_of(sel):
            k = nps[sel].notna().sum()
            return (100 * (promoter[sel].sum() - detractor[sel].sum()) / k if k else None), k

        (nm, km), (no, ko) = nps_of(m), nps_of(o)
        rows.append({
            "theme": n, "mentions": int(m.sum()), "nps": nm, "nps_others": no,
            "detractor_pct": 100 * detractor[m].sum() / km if km else None,
            "nps_impact": km / (km + ko) * (nm - no) if km and ko else None,
            "csat_pct": 100 * top[m].mean() if top[m].notna().any() else None,
            "csat_pct_others": 100 * top[o].mean() if top[o].notna().any() else None,
            "ces_mean": ces[m].mean() if ces[m].notna().any() else None,
            "ces_mean_others": ces[o].mean() if ces[o].notna().any() else None,
        })
    pd.DataFrame(rows).to_csv(out, index=False)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data")
    ap.add_argument("--binary")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--out", default="target/bench")
    ap.add_argument("--pandas", nargs=2, metavar=("RESPONSES", "OUT"))
    a = ap.parse_args()
    if a.pandas:
        reference(*a.pandas)
        return 0
    responses = f"{a.data}/responses.csv"
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    commands = {
        "cxstat": [a.binary, "themes", responses, "--format", "csv", "--output", str(out / "themes_cxstat.csv")],
        "pandas": [sys.executable, __file__, "--pandas", responses, str(out / "themes_pandas.csv")],
    }
    results = {tool: [timed(c) for _ in range(a.runs)] for tool, c in commands.items()}
    with open(out / "themes_cxstat.csv", newline="", encoding="utf-8") as f:
        got = {r["theme"]: r for r in csv.DictReader(f)}
    with open(out / "themes_pandas.csv", newline="", encoding="utf-8") as f:
        want = {r["theme"]: r for r in csv.DictReader(f)}
    checked, problems = 0, []
    for theme, w in want.items():
        for k in KEYS:
            g, v = got[theme][k], w[k]
            if (g == "") != (v == ""):
                problems.append(f"{theme}.{k}: cxstat {g!r}, pandas {v!r}")
            elif g != "" and abs(float(g) - float(v)) > 1e-9 * max(1.0, abs(float(v))):
                problems.append(f"{theme}.{k}: cxstat {g}, pandas {v}")
            checked += 1
    if problems:
        sys.exit("cxstat and pandas disagree:\n  " + "\n  ".join(problems))
    med = {t: (statistics.median(r[0] for r in rs), statistics.median(r[1] for r in rs)) for t, rs in results.items()}
    print(f"agreed on {len(want)} themes × {len(KEYS)} values ({checked})")
    print("| tool | s | MB | runs (s) |")
    print("|---|---:|---:|---|")
    for t, (s, mb) in med.items():
        print(f"| {t} | {s:.2f} | {mb:.0f} | {', '.join(f'{r[0]:.2f}' for r in results[t])} |")
    print(f"pandas / cxstat: {med['pandas'][0] / med['cxstat'][0]:.1f}×")
    return 0


if __name__ == "__main__":
    sys.exit(main())
