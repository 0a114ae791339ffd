#!/usr/bin/env python3
"""Independent check of `cxstat clv` with the Python `lifetimes` package (0.11.3): the customers'
histories, the fitted parameters (BG/NBD and Gamma-Gamma), their standard errors and
log-likelihoods, and, given cxstat's parameters, every customer's P(alive), expected purchases,
expected spend and CLV.

  pip install lifetimes==0.11.3
  cxstat clv ORDERS.csv --format json -o clv.json --customers customers.csv [--horizon 52w --discount 10% --margin 1]
  python3 scripts/check_clv.py ORDERS.csv clv.json customers.csv [--horizon-days 364 --discount 0.1 --margin 1]

Columns of ORDERS.csv: order_id, customer_id, order_date (YYYY-MM-DD), amount. Purchases as
cxstat counts them: repeated order ids left out (the first kept), refunds (negative amounts) left
out, orders up to the latest purchase day; lifetimes sums one customer's orders of a day into one
purchase (freq "D"), times in weeks (freq_multiplier 7).

CLV is written here again from its definition (README): the horizon in steps of a month
(365.25/12 days), the expected purchases of each step (differences of lifetimes'
conditional_expected_number_of_purchases_up_to_time) discounted from the step's end at the
annual rate, times the Gamma-Gamma expected spend and the margin.
Exit 0 when all agree (parameters 1e-4 relative, the rest 1e-9); 1 otherwise.
"""
import argparse
import json
import math
import sys
import warnings

import numpy as np
import pandas as pd
from lifetimes import BetaGeoFitter, GammaGammaFitter
from lifetimes.utils import summary_data_from_transaction_data

warnings.simplefilter("ignore")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("orders")
    ap.add_argument("clv_json")
    ap.add_argument("customers_csv")
    ap.add_argument("--horizon-days", type=float, default=364.0)
    ap.add_argument("--discount", type=float, default=0.1)
    ap.add_argument("--margin", type=float, default=1.0)
    ap.add_argument("--show", default="", help="customer ids (comma-separated): print lifetimes' own figures for them, for the tests")
    a = ap.parse_args()

    orders = pd.read_csv(a.orders, dtype={"order_id": str, "customer_id": str})
    orders = orders[~orders["order_id"].duplicated(keep="first")]
    orders = orders[orders["amount"] >= 0]
    orders["order_date"] = pd.to_datetime(orders["order_date"])
    as_of = orders["order_date"].max()
    s = summary_data_from_transaction_data(
        orders, "customer_id", "order_date", monetary_value_col="amount",
        observation_period_end=as_of, freq="D", freq_multiplier=7,
    ).sort_index()
    with open(a.clv_json, encoding="utf-8") as f:
        out = json.load(f)
    cust = pd.read_csv(a.customers_csv, dtype={"customer_id": str}).set_index("customer_id").sort_index()

    failures = []
    checked = 0

    def check(what, got, want, rel):
        nonlocal checked
        checked += 1
        if not (abs(got - want) <= rel * max(abs(want), 1e-12)):
            failures.append(f"{what}: cxstat {got!r}, reference {want!r}")

    assert list(cust.index) == list(s.index), "customers differ"
    for col, ref in [("frequency", "frequency"), ("recency", "recency"), ("T", "T"), ("monetary", "monetary_value")]:
        for cid, got, want in zip(s.index, cust[col], s[ref]):
            check(f"{cid} {col}", got, want, 1e-12)

    bgf = BetaGeoFitter().fit(s["frequency"], s["recency"], s["T"])
    fitted = dict(bgf.params_)
    p = out["parameters"]
    se = out["standard_errors"]
    for k, ref in [("r", "r"), ("alpha", "alpha"), ("a", "a"), ("b", "b")]:
        check(f"BG/NBD {k}", p[k], bgf.params_[ref], 1e-4)
        check(f"BG/NBD SE {k}", se[k], bgf.standard_errors_[ref], 1e-4)
    repeat = s[s["frequency"] > 0]
    ggf = GammaGammaFitter().fit(repeat["frequency"], repeat["monetary_value"])
    fitted.update({k: ggf.params_[k] for k in ["p", "q", "v"]})
    fitted_se = {**dict(bgf.standard_errors_), **dict(ggf.standard_errors_)}
    for k, ref in [("p", "p"), ("q", "q"), ("gamma", "v")]:
        check(f"Gamma-Gamma {k}", p[k], ggf.params_[ref], 1e-4)
        check(f"Gamma-Gamma SE {k}", se[k], ggf.standard_errors_[ref], 1e-4)

    # The log-likelihoods at cxstat's parameters, in weeks (lifetimes' mean negative
    # log-likelihood, in log parameters, times the customers).
    n = len(s)
    lp = np.log([p["r"], p["alpha"], p["a"], p["b"]])
    ll = -BetaGeoFitter._negative_log_likelihood(lp, s["frequency"].values, s["recency"].values, s["T"].values, np.ones(n), 0.0) * n
    check("BG/NBD log-likelihood", out["log_likelihood"]["bgnbd"], ll, 1e-9)
    lg = np.log([p["p"], p["q"], p["gamma"]])
    m = len(repeat)
    llg = -GammaGammaFitter._negative_log_likelihood(lg, repeat["frequency"].values, repeat["monetary_value"].values, np.ones(m), 0.0) * m
    check("Gamma-Gamma log-likelihood", out["log_likelihood"]["gamma_gamma"], llg, 1e-9)

    def clv_of(x, tx, T, mv, bg, gg):
        month, year, horizon = 365.25 / 12 / 7, 365.25 / 7, a.horizon_days / 7.0
        total, before = 0.0, 0.0
        for k in range(1, math.ceil(horizon / month) + 1):
            end = min(k * month, horizon)
            upto = float(np.asarray(bg.conditional_expected_number_of_purchases_up_to_time(end, x, tx, T)))
            total += (upto - before) / (1 + a.discount) ** (end / year)
            before = upto
        return a.margin * float(np.asarray(gg.conditional_expected_average_profit(x, mv))) * total

    if a.show:
        ll_own = -BetaGeoFitter._negative_log_likelihood(np.log(bgf.params_.values), s["frequency"].values, s["recency"].values,
                                                         s["T"].values, np.ones(len(s)), 0.0) * len(s)
        print(f"lifetimes: parameters {fitted}; standard errors {fitted_se}; BG/NBD log-likelihood {ll_own!r}")
        for cid in a.show.split(","):
            r = s.loc[cid]
            x, tx, T, mv = r["frequency"], r["recency"], r["T"], r["monetary_value"]
            print(cid, dict(x=x, recency=tx, T=T, monetary=mv,
                            p_alive=float(np.asarray(bgf.conditional_probability_alive(x, tx, T))[0]),
                            expected=float(np.asarray(bgf.conditional_expected_number_of_purchases_up_to_time(a.horizon_days / 7.0, x, tx, T))),
                            spend=float(np.asarray(ggf.conditional_expected_average_profit(x, mv))),
                            clv=clv_of(x, tx, T, mv, bgf, ggf)))

    # Given cxstat's parameters, the predictions per customer.
    bgf.params_ = pd.Series({"r": p["r"], "alpha": p["alpha"], "a": p["a"], "b": p["b"]})
    ggf.params_ = pd.Series({"p": p["p"], "q": p["q"], "v": p["gamma"]})
    x, tx, T, mv = s["frequency"], s["recency"], s["T"], s["monetary_value"]
    alive = bgf.conditional_probability_alive(x, tx, T)
    horizon = a.horizon_days / 7.0
    expected = bgf.conditional_expected_number_of_purchases_up_to_time(horizon, x, tx, T)
    spend = ggf.conditional_expected_average_profit(x, mv)
    month = 365.25 / 12 / 7
    year = 365.25 / 7
    steps = math.ceil(horizon / month)
    disc = np.zeros(n)
    before = np.zeros(n)
    for k in range(1, steps + 1):
        end = min(k * month, horizon)
        upto = np.asarray(bgf.conditional_expected_number_of_purchases_up_to_time(end, x, tx, T))
        disc += (upto - before) / (1 + a.discount) ** (end / year)
        before = upto
    clv = a.margin * np.asarray(spend) * disc
    for i, cid in enumerate(s.index):
        row = cust.loc[cid]
        check(f"{cid} p_alive", row["p_alive"], float(np.asarray(alive)[i]), 1e-9)
        check(f"{cid} expected_purchases", row["expected_purchases"], float(np.asarray(expected)[i]), 1e-9)
        check(f"{cid} expected_spend", row["expected_spend"], float(np.asarray(spend)[i]), 1e-9)
        check(f"{cid} clv", row["clv"], float(clv[i]), 1e-9)

    for k, ref in [("r", "r"), ("alpha", "alpha"), ("a", "a"), ("b", "b"), ("p", "p"), ("q", "q"), ("gamma", "v")]:
        print(f"{k:6} cxstat {p[k]:.10g} (SE {se[k]:.6g})  lifetimes {fitted[ref]:.10g} (SE {fitted_se[ref]:.6g})  "
              f"relative difference {abs(p[k] - fitted[ref]) / fitted[ref]:.1e}")
    for f in failures[:20]:
        print("DIFFERENT", f)
    print(f"{checked} values checked, {len(failures)} differences")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
