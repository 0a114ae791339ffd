#!/usr/bin/env python3
"""Recomputes `cxstat compare FILE --segments COL` (unweighted) with scipy and statsmodels and
compares every difference, interval, statistic, p-value, effect size and detectable difference:

- shares: two-proportion z (statsmodels `test_proportions_2indep(method="score")` is the pooled z
  here), Newcombe's hybrid score interval (`confint_proportions_2indep(method="newcomb")`), Cohen's h
  (`proportion_effectsize`);
- NPS: the +1/0/−1 scores, z with SE² = Var₁/n₁ + Var₂/n₂ (or adjusted Wald: ¾, ¾, 3 added),
  Cohen's d with the pooled SD;
- CES: Welch's t (`scipy.stats.ttest_ind(equal_var=False)`), Cohen's d;
- distributions: chi-square (`scipy.stats.chi2_contingency(correction=False)`), Cramér's V
  (`scipy.stats.contingency.association`);
- detectable difference at 80% power: statsmodels' `NormalIndPower().power` of cxstat's detectable
  difference (in units of the test's SE, for nobs1 and ratio) must be 0.8 to 1e-9 (its own
  `solve_power` stops at a root-finder tolerance of about 1e-6).

Usage: python3 scripts/check_compare.py RESPONSES.csv SEGMENT_COLUMN CXSTAT_BINARY [--adjusted]
Prints the number of values compared and every difference above 1e-9 (relative); exit 1 if any.
"""
import csv
import math
import subprocess
import sys

import numpy as np
from scipy import stats
from scipy.stats import contingency
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_effectsize

path, column, binary = sys.argv[1:4]
adjusted = "--adjusted" in sys.argv
args = [binary, "compare", path, "--segments", column, "--format", "csv", "--adjust", "none"]
if adjusted:
    args += ["--nps-interval", "adjusted-wald"]
out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
rows = list(csv.DictReader(out.splitlines()))

data = list(csv.DictReader(open(path, encoding="utf-8")))


def scores(name, low, high):
    out = []
    for r in data:
        v = (r.get(name) or "").strip()
        try:
            x = float(v)
        except ValueError:
            continue
        if x == int(x) and low <= x <= high:
            out.append((r[column].strip() or "(blank)", int(x)))
    return out


csat, nps, ces = scores("csat", 1, 5), scores("nps", 0, 10), scores("ces", 1, 7)
segments = sorted({s for s, _ in csat + nps + ces})
alpha, power = 0.05, 0.8
problems, compared = [], 0


def check_power(segment, metric, se, n1, n2):
    """The power of a two-sided z-test against cxstat's detectable difference (SE units)."""
    global compared
    row = next(r for r in rows if r[column] == segment and r["metric"] == metric)
    k = float(row["detectable_80"]) / se
    # statsmodels' effect is in σ units with nobs = n1·ratio/(1 + ratio), σ/√nobs the test's SE.
    ratio = n2 / n1
    nobs = n1 * ratio / (1 + ratio)
    got = NormalIndPower().power(effect_size=k / math.sqrt(nobs), nobs1=n1, alpha=alpha, ratio=ratio)
    compared += 1
    if abs(got - power) > 1e-9:
        problems.append(f"{segment} {metric} detectable_80: power {got}, not {power}")


def check(segment, metric, key, expected):
    global compared
    row = next(r for r in rows if r[column] == segment and r["metric"] == metric)
    got = row[key]
    if expected is None:
        ok = got == ""
    else:
        ok = got != "" and abs(float(got) - expected) <= 1e-9 * max(1.0, abs(expected))
    compared += 1
    if not ok:
        problems.append(f"{segment} {metric} {key}: cxstat {got}, reference {expected}")


for seg in segments:
    # Shares: CSAT top-2 (4–5 of 1–5).
    a = np.array([v >= 4 for s, v in csat if s == seg], dtype=float)
    b = np.array([v >= 4 for s, v in csat if s != seg], dtype=float)
    x1, n1, x2, n2 = a.sum(), len(a), b.sum(), len(b)
    p = (x1 + x2) / (n1 + n2)
    se0 = math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2))
    z = (x1 / n1 - x2 / n2) / se0
    low, high = confint_proportions_2indep(x1, n1, x2, n2, method="newcomb", compare="diff", alpha=alpha)
    check(seg, "csat_pct", "difference", 100 * (x1 / n1 - x2 / n2))
    check(seg, "csat_pct", "diff_low", 100 * low)
    check(seg, "csat_pct", "diff_high", 100 * high)
    check(seg, "csat_pct", "statistic", z)
    check(seg, "csat_pct", "p_value", 2 * stats.norm.sf(abs(z)))
    check(seg, "csat_pct", "effect_size", proportion_effectsize(x1 / n1, x2 / n2))
    check_power(seg, "csat_pct", 100 * se0, n1, n2)
    # NPS: +1/0/−1.
    a = np.array([(v >= 9) - (v <= 6) for s, v in nps if s == seg], dtype=float)
    b = np.array([(v >= 9) - (v <= 6) for s, v in nps if s != seg], dtype=float)

    def side(x):
        pro, det, n = (x == 1).sum(), (x == -1).sum(), len(x)
        if adjusted:
            pro, det, n = pro + 0.75, det + 0.75, n + 3
        m = (pro - det) / n
        return m, (pro + det) / n - m * m, n

    (ma, va, na), (mb, vb, nb) = side(a), side(b)
    se = math.sqrt(va / na + vb / nb)
    zq = stats.norm.ppf(1 - alpha / 2)
    check(seg, "nps", "difference", 100 * (a.mean() - b.mean()))
    check(seg, "nps", "diff_low", 100 * (ma - mb - zq * se))
    check(seg, "nps", "diff_high", 100 * (ma - mb + zq * se))
    check(seg, "nps", "statistic", (ma - mb) / se)
    pooled = math.sqrt(((len(a) - 1) * a.var(ddof=1) + (len(b) - 1) * b.var(ddof=1)) / (len(a) + len(b) - 2))
    check(seg, "nps", "effect_size", (a.mean() - b.mean()) / pooled)
    check_power(seg, "nps", 100 * se, len(a), len(b))
    # CES: Welch.
    a = np.array([v for s, v in ces if s == seg], dtype=float)
    b = np.array([v for s, v in ces if s != seg], dtype=float)
    t = stats.ttest_ind(a, b, equal_var=False)
    se = math.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
    check(seg, "ces_mean", "statistic", t.statistic)
    check(seg, "ces_mean", "p_value", t.pvalue)
    ci = t.confidence_interval(1 - alpha)
    check(seg, "ces_mean", "diff_low", ci.low)
    check(seg, "ces_mean", "diff_high", ci.high)
    pooled = math.sqrt(((len(a) - 1) * a.var(ddof=1) + (len(b) - 1) * b.var(ddof=1)) / (len(a) + len(b) - 2))
    check(seg, "ces_mean", "effect_size", (a.mean() - b.mean()) / pooled)
    check_power(seg, "ces_mean", se, len(a), len(b))
    # Distributions.
    for metric, values, low, high in [("csat_distribution", csat, 1, 5), ("nps_distribution", nps, 0, 10), ("ces_distribution", ces, 1, 7)]:
        table = np.array([[sum(1 for s, v in values if (s == seg) == side and v == k) for k in range(low, high + 1)] for side in (True, False)])
        table = table[:, table.sum(axis=0) > 0]
        chi2, p, dof, _ = stats.chi2_contingency(table, correction=False)
        check(seg, metric, "statistic", chi2)
        check(seg, metric, "p_value", p)
        check(seg, metric, "effect_size", contingency.association(table, method="cramer", correction=False))
        check(seg, metric, "detectable_80", None)

print(f"{compared} values compared, {len(problems)} differences")
for p in problems:
    print(p)
sys.exit(1 if problems else 0)
