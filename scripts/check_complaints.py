#!/usr/bin/env python3
"""Independent check of `cxstat complaints` and `cxstat repeat` (standard library only).

  python3 scripts/check_complaints.py COMPLAINTS.csv ORDERS.csv COMPLAINTS_OUT.csv REPEAT_OUT.csv

COMPLAINTS_OUT: cxstat complaints COMPLAINTS --period month --orders ORDERS --sla-response 4h
                --sla-resolve 72h --as-of "2026-10-31 23:59:59" --format csv
REPEAT_OUT:     cxstat repeat ORDERS --as-of 2026-10-31 --format csv
Compares every monthly value at 1e-9 and exits 1 on any difference.
"""
import csv, sys, datetime as dt

TOL = 1e-9
AS_OF = dt.datetime(2026, 10, 31, 23, 59, 59)

def ts(s):
    s = s.strip()
    if not s:
        return None
    return dt.datetime.strptime(s[:19], "%Y-%m-%d %H:%M:%S") if len(s) > 10 else dt.datetime.strptime(s, "%Y-%m-%d")

def quantile(v, p):  # linear interpolation between closest ranks (numpy's default)
    v = sorted(v)
    if not v:
        return None
    pos = (len(v) - 1) * p
    lo = int(pos)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (pos - lo)

def month(d):
    return d.strftime("%Y-%m")

def main(cpath, opath, cout, rout):
    # orders: purchases per month (first row of an id, no refunds)
    seen, orders, custs, buys = set(), {}, {}, []
    with open(opath, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["order_id"] in seen:
                continue
            seen.add(r["order_id"])
            amt = float(r["amount"])
            if amt < 0:
                continue
            d = dt.datetime.strptime(r["ordered_at"][:10], "%Y-%m-%d").date()
            m = month(d)
            orders[m] = orders.get(m, 0) + 1
            custs.setdefault(m, set()).add(r["customer_id"])
            if d <= AS_OF.date():
                buys.append((r["customer_id"], d, amt))
    groups, seen = {}, set()
    with open(cpath, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["complaint_id"] in seen:
                continue
            seen.add(r["complaint_id"])
            groups.setdefault(month(ts(r["opened_at"])), []).append(r)
    want = {}
    for m, rows in groups.items():
        n = len(rows)
        resolved = [r for r in rows if ts(r["resolved_at"])]
        fcr = [r for r in resolved if r["first_contact_resolution"].strip()]
        resp, resol, sla_r, sla_s = [], [], [], []
        for r in rows:
            o, fr, rs = ts(r["opened_at"]), ts(r["first_response_at"]), ts(r["resolved_at"])
            age = (AS_OF - o).total_seconds() / 3600
            if fr:
                h = (fr - o).total_seconds() / 3600
                resp.append(h)
                sla_r.append(h <= 4)
            elif age > 4:
                sla_r.append(False)
            if rs:
                h = (rs - o).total_seconds() / 3600
                resol.append(h)
                sla_s.append(h <= 72)
            elif age > 72:
                sla_s.append(False)
        want[m] = {
            "n": n,
            "resolved_pct": 100 * len(resolved) / n,
            "fcr_pct": 100 * sum(r["first_contact_resolution"] == "true" for r in fcr) / len(fcr) if fcr else None,
            "reopen_pct": 100 * sum(r["reopened"] == "true" for r in resolved) / len(resolved) if resolved else None,
            "response_h_median": quantile(resp, 0.5),
            "response_h_p90": quantile(resp, 0.9),
            "response_h_mean": sum(resp) / len(resp) if resp else None,
            "resolve_h_median": quantile(resol, 0.5),
            "resolve_h_p90": quantile(resol, 0.9),
            "resolve_h_mean": sum(resol) / len(resol) if resol else None,
            "sla_response_pct": 100 * sum(sla_r) / len(sla_r) if sla_r else None,
            "sla_resolve_pct": 100 * sum(sla_s) / len(sla_s) if sla_s else None,
            "per_1000_orders": 1000 * n / orders[m] if orders.get(m) else None,
            "per_1000_customers": 1000 * n / len(custs[m]) if custs.get(m) else None,
        }
    # repeat: per month, active / new / repeat, return and repeat-customer rates
    first = {}
    for c, d, _ in buys:
        first[c] = min(first.get(c, d), d)
    active = {}
    for c, d, _ in buys:
        active.setdefault(month(d), set()).add(c)
    months = sorted(active)
    rep = {}
    for m in months:
        a = active[m]
        returning = sum(1 for c in a if month(first[c]) < m)
        y, mo = int(m[:4]), int(m[5:])
        prev = f"{y - 1}-12" if mo == 1 else f"{y}-{mo - 1:02d}"
        p = active.get(prev, set())
        days = {}
        for c, d, _ in buys:
            if month(d) == m:
                days.setdefault(c, set()).add(d)
        repeaters = sum(1 for ds in days.values() if len(ds) >= 2)
        rep[m] = {
            "active_customers": len(a),
            "returning_customers": returning,
            "repeat_rate": 100 * returning / len(a),
            "return_rate": 100 * len(a & p) / len(p) if p else None,
            "repeat_customers": repeaters,
            "repeat_customer_pct": 100 * repeaters / len(a),
        }
    # the Total row: customers with purchases on two or more distinct days, over all months
    days = {}
    for c, d, _ in buys:
        days.setdefault(c, set()).add(d)
    repeaters = sum(1 for ds in days.values() if len(ds) >= 2)
    rep["Total"] = {
        "active_customers": len(days),
        "repeat_customers": repeaters,
        "repeat_customer_pct": 100 * repeaters / len(days),
    }
    return compare(cout, want, "period") + compare(rout, rep, "period")

def compare(path, want, key):
    values = diffs = 0
    with open(path, newline="", encoding="utf-8") as f:
        got = {r[key]: r for r in csv.DictReader(f)}
    for m, expected in want.items():
        if m not in got:
            print(f"{path}: missing period {m}")
            diffs += 1
            continue
        for col, v in expected.items():
            g = got[m][col]
            values += 1
            if v is None:
                if g != "":
                    print(f"{path} {m} {col}: cxstat {g}, expected blank")
                    diffs += 1
            elif g == "" or abs(float(g) - v) > TOL * max(1.0, abs(v)):
                print(f"{path} {m} {col}: cxstat {g}, expected {v}")
                diffs += 1
    print(f"{path}: {len(want)} periods, {values} values, {diffs} differences")
    return diffs

if __name__ == "__main__":
    sys.exit(1 if main(*sys.argv[1:5]) else 0)
