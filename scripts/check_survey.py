#!/usr/bin/env python3
"""Independent check of `cxstat survey --by segment --period month --format csv`.

Recomputes every metric from the responses CSV with the Python standard library only
(its own CSV parser, date handling, Wilson/NPS/t formulas and Student-t quantile) and
compares with cxstat's output to 1e-9.

  python3 scripts/check_survey.py RESPONSES.csv CXSTAT_OUTPUT.csv
Exit 0 when every value agrees; 1 with the differences listed otherwise.
"""
import csv
import math
import re
import sys
from collections import defaultdict
from statistics import NormalDist

TOL = 1e-9
Z = NormalDist().inv_cdf(0.975)


def betacf(a, b, x):
    """Continued fraction for the regularised incomplete beta (Lentz's method)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 10000):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-16:
            break
    return h


def betainc(a, b, x):
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    lbeta = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log(1.0 - x)
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(lbeta) * betacf(a, b, x) / a
    return 1.0 - math.exp(lbeta) * betacf(b, a, 1.0 - x) / b


def t_cdf(t, df):
    x = df / (df + t * t)
    tail = 0.5 * betainc(df / 2.0, 0.5, x)
    return 1.0 - tail if t > 0 else tail


def t_quantile(p, df):
    lo, hi = 0.0, 1e3
    for _ in range(200):
        mid = (lo + hi) / 2.0
        if t_cdf(mid, df) < p:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2.0


def score(raw, low, high):
    raw = raw.strip()
    if raw == "":
        return None
    v = float(raw)
    assert low <= v <= high and v == int(v), f"unexpected value {raw!r}"
    return int(v)


def month(raw):
    m = re.match(r"^(\d{4})-(\d{2})-(\d{2})", raw.strip())
    return f"{m.group(1)}-{m.group(2)}"


def metrics(rows):
    out = {"n": float(len(rows))}
    csat = [r["csat"] for r in rows if r["csat"] is not None]
    nps = [r["nps"] for r in rows if r["nps"] is not None]
    ces = [r["ces"] for r in rows if r["ces"] is not None]
    if csat:
        n = len(csat)
        top = sum(1 for v in csat if v >= 4)
        p = top / n
        centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
        half = Z / (1 + Z * Z / n) * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
        out.update(csat_n=n, csat_pct=100 * p, csat_low=100 * max(0.0, centre - half),
                   csat_high=100 * min(1.0, centre + half), csat_mean=sum(csat) / n)
    if nps:
        n = len(nps)
        pro = sum(1 for v in nps if v >= 9) / n
        det = sum(1 for v in nps if v <= 6) / n
        value = pro - det
        moe = Z * math.sqrt(max(0.0, pro + det - value * value) / n)
        out.update(nps_n=n, promoters_pct=100 * pro, passives_pct=100 * (1 - pro - det),
                   detractors_pct=100 * det, nps=100 * value, nps_moe=100 * moe,
                   nps_low=max(-100.0, 100 * (value - moe)), nps_high=min(100.0, 100 * (value + moe)))
    if ces:
        n = len(ces)
        mean = sum(ces) / n
        out.update(ces_n=n, ces_mean=mean, ces_low=None, ces_high=None,
                   ces_easy_pct=100 * sum(1 for v in ces if v >= 5) / n)
        if n >= 2:  # a t interval needs two answers; cxstat leaves the cells empty below that
            var = sum((v - mean) ** 2 for v in ces) / (n - 1)
            half = t_quantile(0.975, n - 1) * math.sqrt(var / n)
            # clipped to the 1-7 scale, as cxstat documents: a mean of 1-7 answers lies in 1-7
            out.update(ces_low=max(1.0, mean - half), ces_high=min(7.0, mean + half))
    return out


def main():
    responses, produced = sys.argv[1], sys.argv[2]
    groups = defaultdict(list)
    with open(responses, newline="", encoding="utf-8-sig") as f:
        for r in csv.DictReader(f):
            row = {"csat": score(r["csat"], 1, 5), "nps": score(r["nps"], 0, 10), "ces": score(r["ces"], 1, 7)}
            m = month(r["submitted_at"])
            groups[(m, r["segment"])].append(row)
            groups[(m, "Total")].append(row)
            groups[("Total", "Total")].append(row)
    expected = {key: metrics(rows) for key, rows in groups.items()}
    with open(produced, newline="", encoding="utf-8") as f:
        got = {(r["period"], r["segment"]): r for r in csv.DictReader(f)}
    problems = []
    if set(got) != set(expected):
        problems.append(f"groups differ: only cxstat {sorted(set(got) - set(expected))}, "
                        f"only here {sorted(set(expected) - set(got))}")
    compared = 0
    for key in sorted(set(got) & set(expected)):
        for column, want in expected[key].items():
            cell = got[key][column]
            compared += 1
            if want is None or cell == "":
                if not (want is None and cell == ""):
                    problems.append(f"{key} {column}: cxstat {cell!r}, expected {want!r}")
                continue
            have = float(cell)
            if abs(have - want) > TOL:
                problems.append(f"{key} {column}: cxstat {have!r}, expected {want!r}")
    for p in problems:
        print(p)
    print(f"{len(expected)} groups, {compared} values compared, {len(problems)} differences (tolerance {TOL})")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
