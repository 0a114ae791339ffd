#!/usr/bin/env python3
"""Makes fixtures/clv_orders.csv: an order log drawn from the BG/NBD and Gamma-Gamma models
(seeded, so the file is the same on every run), with what real exports carry: several order
lines on one day, refunds (negative amounts), a repeated order id and a channel column.

  python3 scripts/make_clv_fixture.py fixtures/clv_orders.csv
  python3 scripts/make_clv_fixture.py target/bench/clv-6m/orders.csv 1360000   # the benchmark's
                                                                                   # 6 million orders

The true parameters (weeks): r = 0.9, α = 6, a = 0.8, b = 2.5; spend p = 5, q = 4, γ = 150.
1,500 customers, first purchases from 2025-01-01 to 2026-03-31, the log ends 2026-06-30.
"""
import csv
import datetime as dt
import random
import sys

R, ALPHA, A, B = 0.9, 6.0, 0.8, 2.5
P, Q, GAMMA = 5.0, 4.0, 150.0
START, LAST_FIRST, END = dt.date(2025, 1, 1), dt.date(2026, 3, 31), dt.date(2026, 6, 30)


def main(out, customers=1500):
    rng = random.Random(20261205)
    rows = []
    span = (LAST_FIRST - START).days
    for c in range(customers):
        first = START + dt.timedelta(days=rng.randrange(span + 1))
        age_weeks = (END - first).days / 7.0
        rate = rng.gammavariate(R, 1.0 / ALPHA)
        drop = rng.betavariate(A, B)
        nu = rng.gammavariate(Q, 1.0 / GAMMA)
        channel = rng.choice(["web", "app", "store"])
        times = [0.0]
        t = 0.0
        while True:
            t += rng.expovariate(rate)
            if t > age_weeks:
                break
            times.append(t)
            if rng.random() < drop:
                break
        for t in times:
            day = first + dt.timedelta(days=int(t * 7.0))
            amount = round(rng.gammavariate(P, 1.0 / nu), 2)
            if rng.random() < 0.04:
                part = round(amount * 0.3, 2)
                rows.append([f"C{c:07d}" if customers > 99999 else f"C{c:05d}", day, part, channel])
                amount = round(amount - part, 2)
            cid = f"C{c:07d}" if customers > 99999 else f"C{c:05d}"
            rows.append([cid, day, amount, channel])
            if rng.random() < 0.02:
                rows.append([cid, day + dt.timedelta(days=3), -amount, channel])
    rows.sort(key=lambda r: (r[1], r[0]))
    with open(out, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["order_id", "customer_id", "order_date", "amount", "channel"])
        for i, (cust, day, amount, channel) in enumerate(rows):
            w.writerow([f"O{i + 1:06d}", cust, day.isoformat(), f"{amount:.2f}", channel])
            if i == 100:
                # The same order exported twice.
                w.writerow([f"O{i + 1:06d}", cust, day.isoformat(), f"{amount:.2f}", channel])


if __name__ == "__main__":
    main(sys.argv[1], *(int(a) for a in sys.argv[2:3]))
