#!/usr/bin/env python3
"""Writes fixtures/loyalty_adjust_responses.csv and fixtures/loyalty_adjust_orders.csv: 400
customers with one survey each (2026-01-01 … 2026-03-31), a segment and a channel, and orders
whose chance of coming within 90 days follows the segment strongly and the NPS group a little
(satisfaction also follows the segment, so the unadjusted test overstates it). Orders run to
2026-09-30. Deterministic (seeded): `python3 scripts/make_loyalty_fixture.py fixtures`.
"""
import csv
import datetime as dt
import math
import random
import sys

out = sys.argv[1] if len(sys.argv) > 1 else "fixtures"
rng = random.Random(2931)
start = dt.date(2026, 1, 1)
responses = [["response_id", "customer_id", "submitted_at", "segment", "channel", "nps", "csat"]]
orders = [["order_id", "customer_id", "ordered_at", "amount"]]
k = 0
for i in range(400):
    segment = rng.choice(["consumer", "consumer", "smb", "vip"])
    channel = rng.choice(["web", "phone", "store"])
    lift = {"consumer": -0.8, "smb": 0.0, "vip": 1.2}[segment]
    nps = max(0, min(10, round(7 + 1.5 * lift + rng.gauss(0, 2))))
    csat = max(1, min(5, round(3.6 + 0.5 * lift + rng.gauss(0, 0.9))))
    day = start + dt.timedelta(days=rng.randrange(90))
    cid = f"C{i + 1:04d}"
    responses.append([f"R{i + 1:04d}", cid, day.isoformat(), segment, channel, nps, csat])
    group = 1 if nps >= 9 else (0 if nps >= 7 else -1)
    p = 1 / (1 + math.exp(-(-0.3 + lift + 0.25 * group + (0.3 if channel == "store" else 0.0))))
    if rng.random() < p:
        for _ in range(rng.randint(1, 3)):
            k += 1
            orders.append([f"O{k:05d}", cid, (day + dt.timedelta(days=rng.randint(1, 90))).isoformat(), f"{rng.uniform(10, 200):.2f}"])
    if rng.random() < 0.5:
        k += 1
        orders.append([f"O{k:05d}", cid, (day + dt.timedelta(days=rng.randint(91, 180))).isoformat(), f"{rng.uniform(10, 200):.2f}"])
k += 1
orders.append([f"O{k:05d}", "C9999", "2026-09-30", "1.00"])
for name, rows in [("loyalty_adjust_responses.csv", responses), ("loyalty_adjust_orders.csv", orders)]:
    with open(f"{out}/{name}", "w", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
