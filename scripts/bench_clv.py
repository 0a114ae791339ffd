#!/usr/bin/env python3
"""`cxstat clv` against the Python `lifetimes` package doing the same fit and predictions, on
the orders of the monthly workload.

  python3 scripts/make_clv_fixture.py target/bench/clv-6m/orders.csv 1360000
  python3 scripts/bench_clv.py --orders target/bench/clv-6m/orders.csv --binary /path/to/release/cxstat [--runs 3]
  python3 scripts/bench_clv.py --lifetimes ORDERS.csv AS_OF OUT_DIR      # the reference alone

The orders: 6 million drawn from the BG/NBD and Gamma-Gamma models (make_clv_fixture.py with
1,360,000 customers). On the monthly workload's orders (gen_data.py) lifetimes does not fit
BG/NBD at all: those customers never leave, the maximum is on the boundary a → 0, and
lifetimes raises ConvergenceError (cxstat reports the limit with a warning).

The reference (pandas + lifetimes 0.11.3): reads the orders, leaves out repeated order ids and
refunds, builds the customers' histories with summary_data_from_transaction_data (freq "D",
weeks), fits BetaGeoFitter and GammaGammaFitter on the distinct histories (weights, as cxstat
does), and predicts per customer P(alive), the expected purchases over 52 weeks, the expected
spend and the CLV (monthly steps, 10% a year; see scripts/check_clv.py), written to CSV. Before
timings are printed the parameters are compared (1e-4 relative). Wall time and peak RSS from
/usr/bin/time -v, medians of --runs.
"""
import argparse
import json
import math
import statistics
import sys
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_run import timed  # noqa: E402


def reference(orders_path, as_of, out_dir):
    import numpy as np
    import pandas as pd
    from lifetimes import BetaGeoFitter, GammaGammaFitter
    from lifetimes.utils import summary_data_from_transaction_data

    warnings.simplefilter("ignore")
    date = "ordered_at" if "ordered_at" in pd.read_csv(orders_path, nrows=0).columns else "order_date"
    o = pd.read_csv(orders_path, usecols=["order_id", "customer_id", date, "amount"],
                    dtype={"order_id": str, "customer_id": str}).rename(columns={date: "ordered_at"})
    o = o[~o["order_id"].duplicated(keep="first")]
    o = o[o["amount"] >= 0]
    o["ordered_at"] = pd.to_datetime(o["ordered_at"].str.slice(0, 10), format="%Y-%m-%d")
    o = o[o["ordered_at"] <= pd.Timestamp(as_of)]
    s = summary_data_from_transaction_data(o, "customer_id", "ordered_at", monetary_value_col="amount",
                                           observation_period_end=pd.Timestamp(as_of), freq="D", freq_multiplier=7)
    g = s.groupby(["frequency", "recency", "T"]).size().reset_index(name="w")
    bgf = BetaGeoFitter().fit(g["frequency"], g["recency"], g["T"], weights=g["w"])
    rep = s[s["frequency"] > 0]
    gm = rep.groupby(["frequency", "monetary_value"]).size().reset_index(name="w")
    ggf = GammaGammaFitter()
    # GammaGammaFitter.fit takes no weights: the distinct pairs repeated as often as they occur
    # is the same likelihood; fit on the customers as they are.
    ggf.fit(rep["frequency"], rep["monetary_value"])
    x, tx, T, mv = s["frequency"], s["recency"], s["T"], s["monetary_value"]
    alive = bgf.conditional_probability_alive(x, tx, T)
    expected = bgf.conditional_expected_number_of_purchases_up_to_time(52.0, x, tx, T)
    spend = ggf.conditional_expected_average_profit(x, mv)
    month, year, horizon = 365.25 / 12 / 7, 365.25 / 7, 52.0
    disc = np.zeros(len(s))
    before = np.zeros(len(s))
    for k in range(1, math.ceil(horizon / month) + 1):
        end = min(k * month, horizon)
        upto = np.asarray(bgf.conditional_expected_number_of_purchases_up_to_time(end, x, tx, T))
        disc += (upto - before) / 1.1 ** (end / year)
        before = upto
    out = pd.DataFrame({"p_alive": np.asarray(alive), "expected_purchases": np.asarray(expected),
                        "expected_spend": np.asarray(spend), "clv": np.asarray(spend) * disc}, index=s.index)
    out.to_csv(Path(out_dir) / "clv_lifetimes_customers.csv")
    params = {**bgf.params_.to_dict(), "p": ggf.params_["p"], "q": ggf.params_["q"], "gamma": ggf.params_["v"]}
    with open(Path(out_dir) / "clv_lifetimes.json", "w") as f:
        json.dump({"parameters": params, "weights": int(gm["w"].sum())}, f)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--orders")
    ap.add_argument("--binary")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--out", default="target/bench")
    ap.add_argument("--as-of", default=None)
    ap.add_argument("--lifetimes", nargs=3, metavar=("ORDERS", "AS_OF", "OUT_DIR"))
    a = ap.parse_args()
    if a.lifetimes:
        reference(*a.lifetimes)
        return 0
    orders = a.orders
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    cx_json = out / "clv_cxstat.json"
    base = [a.binary, "clv", orders, "--format", "json", "--output", str(cx_json), "--customers", str(out / "clv_cxstat_customers.csv")]
    results = {"cxstat": [timed(base) for _ in range(a.runs)]}
    with open(cx_json) as f:
        got = json.load(f)
    as_of = got["as_of"]
    results["lifetimes"] = [timed([sys.executable, __file__, "--lifetimes", orders, as_of, str(out)]) for _ in range(a.runs)]
    with open(out / "clv_lifetimes.json") as f:
        want = json.load(f)["parameters"]
    bad = [f"{k}: cxstat {got['parameters'][k]}, lifetimes {v}" for k, v in want.items()
           if abs(got["parameters"][k] - v) > 1e-4 * abs(v)]
    if bad:
        sys.exit("parameters disagree:\n  " + "\n  ".join(bad))
    med = {t: (statistics.median(r[0] for r in rs), statistics.median(r[1] for r in rs)) for t, rs in results.items()}
    print(f"parameters agree to 1e-4 (as of {as_of}, {got['customers']} customers): "
          + ", ".join(f"{k} {got['parameters'][k]:.6g}/{v:.6g}" for k, v in want.items()))
    print("| tool | s | MB | runs (s) |")
    print("|---|---:|---:|---|")
    for t, (sec, mb) in med.items():
        print(f"| {t} | {sec:.2f} | {mb:.0f} | {', '.join(f'{r[0]:.2f}' for r in results[t])} |")
    print(f"lifetimes / cxstat: {med['lifetimes'][0] / med['cxstat'][0]:.1f}×")
    return 0


if __name__ == "__main__":
    sys.exit(main())
