#!/usr/bin/env python3
"""Writes fixtures/index_survey.csv: 60 responses with a three-item satisfaction construct on
1-10 (CUSA1-3), a four-item service construct on 1-5 whose last item is scored the other way
round (S4_neg), and SERVQUAL items on 1-7 for three dimensions (expected E_*, perceived P_*) with
each respondent's importance points (IMP_*, summing to 100). A few answers are blank or "N/A".
Deterministic (seeded); `python3 scripts/make_index_fixture.py > fixtures/index_survey.csv`.
"""
import csv
import random
import sys

rng = random.Random(29)
clip = lambda v, lo, hi: max(lo, min(hi, int(round(v))))
w = csv.writer(sys.stdout, lineterminator="\n")
head = ["response_id", "submitted_at", "segment", "csat", "CUSA1", "CUSA2", "CUSA3", "S1", "S2", "S3", "S4_neg"]
dims = ["tan", "rel", "res"]
for d in dims:
    head += [f"E_{d}1", f"E_{d}2", f"P_{d}1", f"P_{d}2"]
head += [f"IMP_{d}" for d in dims]
w.writerow(head)
for i in range(60):
    sat = rng.gauss(0, 1)
    row = [f"R{i + 1:03d}", f"2026-{1 + i % 3:02d}-{1 + i % 27:02d}", ["retail", "business"][i % 2]]
    row.append(clip(3.5 + sat * 0.9 + rng.gauss(0, 0.6), 1, 5))
    row += [clip(7 + sat * 1.5 + rng.gauss(0, 1.2), 1, 10) for _ in range(3)]
    s = [clip(3.4 + sat * 0.8 + rng.gauss(0, 0.8), 1, 5) for _ in range(3)]
    s.append(clip(2.6 - sat * 0.8 + rng.gauss(0, 0.8), 1, 5))
    row += s
    for k, d in enumerate(dims):
        e = [clip(5.8 + rng.gauss(0, 0.8), 1, 7) for _ in range(2)]
        p = [clip(5.2 - 0.4 * k + sat * 0.7 + rng.gauss(0, 0.9), 1, 7) for _ in range(2)]
        row += e + p
    a = rng.randint(10, 60)
    b = rng.randint(10, 90 - a)
    row += [a, b, 100 - a - b]
    if i in (4, 17, 33):
        row[5] = ""
    if i == 21:
        row[9] = "N/A"
    if i in (8, 40):
        row[head.index("P_rel2")] = ""
    if i == 50:
        row[head.index("IMP_res")] = ""
    w.writerow(row)
