#!/usr/bin/env python3
"""Writes fixtures/survey_design.csv: 90 responses of a stratified cluster sample: 3 regions
(strata) with 4, 3 and 5 stores (clusters, the primary sampling units), store ids repeated across
regions (read within their region, as svydesign(nest = TRUE)), weights that differ by region and
store, two segments that cut across the stores, two months, and CSAT 1-5, NPS 0-10, CES 1-7 and a
yes/no "asked by name" with a few blanks and one invalid answer. Satisfaction follows the store
(clusters matter) and the weight (Kish's method misses that). Deterministic (seeded);
`python3 scripts/make_design_fixture.py > fixtures/survey_design.csv`.
"""
import csv
import random
import sys

rng = random.Random(2029)
clip = lambda v, lo, hi: max(lo, min(hi, int(round(v))))
w = csv.writer(sys.stdout, lineterminator="\n")
w.writerow(["response_id", "submitted_at", "region", "store", "segment", "weight", "csat", "nps", "ces", "asked_by_name"])
stores = {"north": 4, "south": 3, "west": 5}
i = 0
for region, n_stores in stores.items():
    base = {"north": 1.5, "south": 3.0, "west": 0.8}[region]
    for s in range(n_stores):
        store_effect = rng.gauss(0, 0.7)
        weight = round(base * (1 + 0.4 * s) * rng.uniform(0.8, 1.2), 3)
        for _ in range(rng.randint(5, 10)):
            i += 1
            sat = store_effect + rng.gauss(0, 1) + 0.15 * weight
            row = [
                f"R{i:03d}",
                f"2026-{9 + i % 2:02d}-{1 + i % 28:02d}",
                region,
                f"S{s + 1}",
                ["retail", "business"][rng.random() < 0.4],
                weight,
                clip(3.6 + 0.8 * sat, 1, 5),
                clip(7.4 + 1.6 * sat, 0, 10),
                clip(4.8 + 1.0 * sat, 1, 7),
                ["no", "yes"][rng.random() < 0.5 + 0.1 * sat],
            ]
            if i in (7, 30, 61):
                row[6] = ""
            if i in (12, 50):
                row[7] = ""
            if i == 44:
                row[8] = ""
            if i == 71:
                row[9] = ""
            w.writerow(row)
