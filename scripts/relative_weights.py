#!/usr/bin/env python3
"""Independent check of cxstat's key-driver numbers with numpy (and scipy for Spearman).

    python3 scripts/relative_weights.py --example
        Johnson's relative weights for the small correlation matrices used in the unit tests
        of src/stats/drivers.rs.
    python3 scripts/relative_weights.py FILE.csv TARGET DRIVER [DRIVER ...]
        Means, Pearson and Spearman correlations, relative weights and R² on the rows of FILE
        complete on the target and every driver (blank or non-numeric cells drop the row), to
        compare with `cxstat drivers FILE --target-col TARGET --drivers DRIVER,...`.

Needs numpy (pip install numpy==2.1.3 scipy==1.14.1). The method (Johnson 2000): with the
predictors' correlation matrix Rxx = V diag(l) V', Lambda = V diag(sqrt l) V', beta = Lambda^-1 rxy,
raw weight_j = sum_k Lambda_jk^2 beta_k^2. The R^2 is also checked against least squares.
"""
import csv
import sys

import numpy as np


def relative_weights(rxx, rxy):
    values, vectors = np.linalg.eigh(rxx)
    lam = vectors @ np.diag(np.sqrt(values)) @ vectors.T
    beta = np.linalg.solve(lam, rxy)
    raw = (lam ** 2) @ (beta ** 2)
    return raw, float(beta @ beta)


def example():
    cases = [
        ("two", [[1, 0.5], [0.5, 1]], [0.6, 0.4]),
        ("three", [[1, 0.4, 0.3], [0.4, 1, 0.5], [0.3, 0.5, 1]], [0.6, 0.45, 0.5]),
    ]
    for name, rxx, rxy in cases:
        rxx, rxy = np.array(rxx, float), np.array(rxy, float)
        raw, r2 = relative_weights(rxx, rxy)
        # R² of the standardised regression, another way: r' Rxx^-1 r.
        assert abs(r2 - rxy @ np.linalg.solve(rxx, rxy)) < 1e-12
        print(f"{name}: R2 {r2:.6f} raw " + " ".join(f"{w:.6f}" for w in raw)
              + " pct " + " ".join(f"{100 * w / r2:.4f}" for w in raw))


def number(text):
    try:
        v = float(text.strip())
    except ValueError:
        return None
    return v if np.isfinite(v) else None


def from_file(path, target, drivers):
    from scipy.stats import spearmanr

    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    names = [target] + drivers
    data = []
    for row in rows:
        values = [number(row.get(n) or "") for n in names]
        if all(v is not None for v in values):
            data.append(values)
    x = np.array(data, float)
    r = np.corrcoef(x, rowvar=False)
    raw, r2 = relative_weights(r[1:, 1:], r[1:, 0])
    design = np.column_stack([np.ones(len(x)), x[:, 1:]])
    fitted = design @ np.linalg.lstsq(design, x[:, 0], rcond=None)[0]
    ols_r2 = 1 - ((x[:, 0] - fitted) ** 2).sum() / ((x[:, 0] - x[:, 0].mean()) ** 2).sum()
    print(f"n {len(x)}  R2 {r2:.6f}  (least squares {ols_r2:.6f})")
    print("driver,mean,pearson,spearman,weight,weight_pct")
    for j, name in enumerate(drivers, start=1):
        rho = spearmanr(x[:, 0], x[:, j]).statistic
        print(f"{name},{x[:, j].mean():.6f},{r[0, j]:.6f},{rho:.6f},{raw[j - 1]:.6f},{100 * raw[j - 1] / r2:.4f}")


if __name__ == "__main__":
    if sys.argv[1:] == ["--example"]:
        example()
    elif len(sys.argv) >= 4:
        from_file(sys.argv[1], sys.argv[2], sys.argv[3:])
    else:
        sys.exit(__doc__)
