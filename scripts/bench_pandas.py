#!/usr/bin/env python3
"""One part of the benchmark workload in pandas: python3 bench_pandas.py PART DATA_DIR OUT.csv

The same definitions as scripts/bench.sql, written as a pandas user would (read_csv with the
needed columns, groupby). Writes the result as CSV with the same columns.
"""
import sys

import numpy as np
import pandas as pd


def survey(data):
    r = pd.read_csv(f"{data}/responses.csv", usecols=["submitted_at", "segment", "csat", "nps", "ces"])
    r["period"] = r["submitted_at"].str.slice(0, 7)
    r["top"] = (r["csat"] >= 4).astype(float).where(r["csat"].notna())
    r["promoter"] = (r["nps"] >= 9).astype(float).where(r["nps"].notna())
    r["detractor"] = (r["nps"] <= 6).astype(float).where(r["nps"].notna())
    g = r.groupby(["period", "segment"])
    out = pd.DataFrame({
        "n": g.size(),
        "csat_pct": 100 * g["top"].mean(),
        "csat_mean": g["csat"].mean(),
        "promoters": g["promoter"].mean(),
        "detractors": g["detractor"].mean(),
        "nps_n": g["nps"].count(),
        "ces_mean": g["ces"].mean(),
    })
    p, d = out.pop("promoters"), out.pop("detractors")
    out.insert(3, "nps", 100 * (p - d))
    out.insert(4, "nps_moe", 100 * 1.959963984540054 * np.sqrt((p + d - (p - d) ** 2) / out.pop("nps_n")))
    cols = ["n", "csat_pct", "csat_mean", "nps", "nps_moe", "ces_mean"]
    return out[cols].reset_index()


def purchases(data, columns):
    o = pd.read_csv(f"{data}/orders.csv", usecols=["order_id", "amount", *columns])
    o = o.drop_duplicates("order_id")
    return o[o["amount"] >= 0]


TIMESTAMPS = ["opened_at", "first_response_at", "resolved_at"]


def opened_complaints(data, columns):
    """The complaints (first row of each id) with their timestamps, `columns` and month of opening."""
    usecols = ["complaint_id", *TIMESTAMPS, "category", *columns]
    c = pd.read_csv(f"{data}/complaints.csv", usecols=usecols, parse_dates=TIMESTAMPS)
    c = c.drop_duplicates("complaint_id")
    c["period"] = c["opened_at"].dt.strftime("%Y-%m")
    return c


def complaints(data):
    c = opened_complaints(data, ["reopened"])
    c["response_h"] = (c["first_response_at"] - c["opened_at"]).dt.total_seconds() / 3600
    c["resolve_h"] = (c["resolved_at"] - c["opened_at"]).dt.total_seconds() / 3600
    c["resolved"] = c["resolved_at"].notna()
    c["reopen"] = (c["reopened"] == True).astype(float).where(c["resolved"])  # noqa: E712 (booleans with blanks)
    g = c.groupby(["period", "category"])
    out = pd.DataFrame({
        "n": g.size(),
        "response_h_median": g["response_h"].median(),
        "resolve_h_p90": g["resolve_h"].quantile(0.9),
        "resolved_pct": 100 * g["resolved"].mean(),
        "reopen_pct": 100 * g["reopen"].mean(),
    }).reset_index()
    o = purchases(data, ["ordered_at"])
    per_month = o.groupby(o["ordered_at"].str.slice(0, 7)).size().rename("orders")
    out = out.join(per_month, on="period")
    out["per_1000_orders"] = 1000 * out["n"] / out.pop("orders")
    return out


def complaints_full(data):
    """complaints_full of bench.sql: every counted column, with the months' subtotals and the total."""
    c = opened_complaints(data, ["reopened", "first_contact_resolution"])
    opened = c["opened_at"]
    c["resolved"] = c["resolved_at"].notna()
    month_end = opened.dt.to_period("M").dt.to_timestamp() + pd.DateOffset(months=1)
    c["open_end"] = ~c["resolved"] | (c["resolved_at"] >= month_end)
    c["not_resolved"] = ~c["resolved"]
    for name, at in [("response_h", "first_response_at"), ("resolve_h", "resolved_at")]:
        h = (c[at] - opened).dt.total_seconds() / 3600
        c[name] = h.where(h >= 0)
    for name, column in [("fcr", "first_contact_resolution"), ("reopen", "reopened")]:
        known = c[column].notna() & c["resolved"]
        c[f"{name}_known"] = known
        c[f"{name}_yes"] = known & (c[column] == True)  # noqa: E712 (booleans with blanks)

    def measures(g, total):
        out = pd.DataFrame({
            "n": g.size(),
            "open_at_end": g["not_resolved" if total else "open_end"].sum(),
            "resolved_n": g["resolved"].sum(),
            "resolved_pct": 100 * g["resolved"].mean(),
            "fcr_n": g["fcr_known"].sum(),
            "fcr_pct": 100 * g["fcr_yes"].sum() / g["fcr_known"].sum(),
            "reopen_n": g["reopen_known"].sum(),
            "reopen_pct": 100 * g["reopen_yes"].sum() / g["reopen_known"].sum(),
            "response_n": g["response_h"].count(),
            "response_h_median": g["response_h"].median(),
            "response_h_p90": g["response_h"].quantile(0.9),
            "response_h_mean": g["response_h"].mean(),
            "resolve_n": g["resolve_h"].count(),
            "resolve_h_median": g["resolve_h"].median(),
            "resolve_h_p90": g["resolve_h"].quantile(0.9),
            "resolve_h_mean": g["resolve_h"].mean(),
        })
        return out.reset_index()

    c["all"] = "Total"
    groups = measures(c.groupby(["period", "category"]), False)
    months = measures(c.groupby("period"), False).assign(category="Total")
    total = measures(c.groupby("all"), True).rename(columns={"all": "period"}).assign(category="Total")
    out = pd.concat([groups, months, total], ignore_index=True)
    o = purchases(data, ["customer_id", "ordered_at"])
    o["period"] = o["ordered_at"].str.slice(0, 7)
    per_month = o.groupby("period").agg(orders=("customer_id", "size"), ordering_customers=("customer_id", "nunique"))
    per_month.loc["Total"] = [len(o), o["customer_id"].nunique()]
    out = out.join(per_month, on="period")
    out["per_1000_orders"] = 1000 * out["n"] / out["orders"]
    out["per_1000_customers"] = 1000 * out["n"] / out["ordering_customers"]
    return out.sort_values(["period", "category"])


def repeat(data):
    o = purchases(data, ["customer_id", "ordered_at"])
    d = pd.to_datetime(o["ordered_at"], format="%Y-%m-%d")
    o["month"] = d.dt.year * 12 + d.dt.month - 1  # a number: min() of strings is slow in pandas
    first = o.groupby("customer_id")["month"].min().rename("first_month")
    a = o[["month", "customer_id"]].drop_duplicates().join(first, on="customer_id")
    a["returning"] = a["first_month"] < a["month"]
    g = a.groupby("month")
    out = pd.DataFrame({"active_customers": g.size(), "returning_customers": g["returning"].sum()})
    out["repeat_rate"] = 100 * out["returning_customers"] / out["active_customers"]
    out.index = [f"{m // 12}-{m % 12 + 1:02d}" for m in out.index]
    return out.rename_axis("period").reset_index()


if __name__ == "__main__":
    part, data, out = sys.argv[1:4]
    {"survey": survey, "complaints": complaints, "complaints_full": complaints_full, "repeat": repeat}[part](data).to_csv(out, index=False)
