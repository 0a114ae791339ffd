#!/usr/bin/env python3
"""Runs the benchmark workload (see scripts/bench.sh, which prepares everything) and prints the
table of BENCHMARKS.md: median wall time and peak RSS per tool and part, from /usr/bin/time -v.

Each run is a fresh process, as a user or cron job runs it. The outputs of the last run of each
tool are compared value by value (relative tolerance 1e-9) before any figure is printed.
"""
import argparse
import csv
import os
import re
import statistics
import subprocess
import sys
import time

# The workload's three parts, and complaints_full: the same cxstat command (timed once), against
# DuckDB and pandas computing every counted column of its output rather than the five,
# with its subtotals and total (see bench.sql).
PARTS = ["survey", "complaints", "repeat"]
KEYS = {"survey": ("period", "segment"), "complaints": ("period", "category"), "repeat": ("period",)}
KEYS["complaints_full"] = KEYS["complaints"]
VALUES = {
    "survey": ["n", "csat_pct", "csat_mean", "nps", "nps_moe", "ces_mean"],
    "complaints": ["n", "response_h_median", "resolve_h_p90", "resolved_pct", "reopen_pct", "per_1000_orders"],
    "complaints_full": [
        "n", "open_at_end", "resolved_n", "resolved_pct", "fcr_n", "fcr_pct", "reopen_n", "reopen_pct",
        "response_n", "response_h_median", "response_h_p90", "response_h_mean",
        "resolve_n", "resolve_h_median", "resolve_h_p90", "resolve_h_mean",
        "orders", "ordering_customers", "per_1000_orders", "per_1000_customers",
    ],
    "repeat": ["active_customers", "returning_customers", "repeat_rate"],
}


def cxstat_command(binary, data, part, out):
    d = data
    args = {
        "survey": ["survey", f"{d}/responses.csv", "--by", "segment", "--period", "month"],
        "complaints": ["complaints", f"{d}/complaints.csv", "--by", "category", "--period", "month", "--orders", f"{d}/orders.csv"],
        "repeat": ["repeat", f"{d}/orders.csv", "--period", "month"],
    }[part]
    return [binary, *args, "--format", "csv", "--output", out]


def timed(command):
    """One run under /usr/bin/time -v: (seconds, peak RSS in MB)."""
    done = subprocess.run(["/usr/bin/time", "-v", *command], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        sys.exit(f"failed ({done.returncode}): {' '.join(command)}\n{done.stderr}")
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", done.stderr).group(1)
    seconds = sum(float(x) * 60**i for i, x in enumerate(reversed(wall.split(":"))))
    rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr).group(1))
    return seconds, rss_kb / 1024


def median_run(command, runs):
    results = [timed(command) for _ in range(runs)]
    return statistics.median(r[0] for r in results), statistics.median(r[1] for r in results)


def read(path, part, cxstat):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    out = {}
    for r in rows:
        key = tuple(r[k] for k in KEYS[part])
        if cxstat and "Total" in key and part != "complaints_full":  # subtotals and total: cxstat only
            continue
        out[key] = r
    return out


def undefined(value):
    """A value with no definition (0 of 0) as "": cxstat and pandas write it blank, DuckDB -nan."""
    return "" if value.strip().lower() in ("nan", "-nan") else value


def agree(part, mine, theirs, who):
    differences = 0
    if set(mine) != set(theirs):
        print(f"{part}: groups differ from {who}: {sorted(set(mine) ^ set(theirs))[:5]}", file=sys.stderr)
        return 1
    for key, row in mine.items():
        for column in VALUES[part]:
            a, b = undefined(row[column]), undefined(theirs[key][column])
            if a == "" or b == "":
                same = a == b
            else:
                x, y = float(a), float(b)
                same = abs(x - y) <= 1e-9 * max(1.0, abs(x), abs(y))
            if not same:
                differences += 1
                if differences <= 5:
                    print(f"{part} {key} {column}: cxstat {a}, {who} {b}", file=sys.stderr)
    print(f"{part}: {len(mine)} groups × {len(VALUES[part])} values agree with {who}" if not differences
          else f"{part}: {differences} differences with {who}", file=sys.stderr)
    return differences


def cold_start(binary, small, runs=21):
    """Median wall time of `cxstat survey` on a 1,000-row file (perf_counter: finer than time -v)."""
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run([binary, "survey", f"{small}/responses.csv", "--format", "csv"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", required=True)
    p.add_argument("--small", required=True)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--binary", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--tools", default="cxstat,duckdb,pandas")
    a = p.parse_args()
    tools = a.tools.split(",")
    here = os.path.dirname(os.path.abspath(__file__))
    commands = {
        "cxstat": lambda part, out: cxstat_command(a.binary, a.data, part, out),
        "duckdb": lambda part, out: [sys.executable, f"{here}/bench_duckdb.py", part, a.data, out],
        "pandas": lambda part, out: [sys.executable, f"{here}/bench_pandas.py", part, a.data, out],
    }
    results = {}
    differences = 0
    for part in PARTS[:2] + ["complaints_full"] + PARTS[2:]:
        outputs = {}
        for tool in tools:
            out = os.path.join(a.out, f"{tool}_{part}.csv")
            if tool == "cxstat" and part == "complaints_full":  # the same command: timed once
                results[(tool, part)] = results[(tool, "complaints")]
                outputs[tool] = os.path.join(a.out, "cxstat_complaints.csv")
                continue
            results[(tool, part)] = median_run(commands[tool](part, out), a.runs)
            outputs[tool] = out
            print(f"{tool} {part}: {results[(tool, part)][0]:.2f} s, {results[(tool, part)][1]:.0f} MB", file=sys.stderr)
        mine = read(outputs["cxstat"], part, True)
        for tool in tools[1:]:
            differences += agree(part, mine, read(outputs[tool], part, False), tool)
    if "duckdb" in tools:
        results[("duckdb", "one process")] = median_run(commands["duckdb"]("all", os.path.join(a.out, "duckdb_all")), a.runs)
    if differences:
        sys.exit(f"{differences} values differ: no timings reported")

    def cell(tool, part):
        r = results.get((tool, part))
        return ("–", "–") if r is None else (f"{r[0]:.2f}", f"{r[1]:.0f}")

    lines = [
        "| part | cxstat s | cxstat MB | DuckDB s | DuckDB MB | pandas s | pandas MB | cxstat / DuckDB | pandas / cxstat |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    full = ["survey", "complaints_full", "repeat"]
    for part in PARTS + ["total", "complaints_full", "total_full"]:
        if part.startswith("total"):
            for tool in tools:
                q = PARTS if part == "total" else full
                results[(tool, part)] = (sum(results[(tool, x)][0] for x in q), max(results[(tool, x)][1] for x in q))
        c, d, pd_ = cell("cxstat", part), cell("duckdb", part), cell("pandas", part)
        ratio = f"{results[('cxstat', part)][0] / results[('duckdb', part)][0]:.2f}×" if ("duckdb", part) in results else "–"
        speed = f"{results[('pandas', part)][0] / results[('cxstat', part)][0]:.1f}×" if ("pandas", part) in results else "–"
        name = {"complaints_full": "complaints, every column", "total_full": "total, every column"}.get(part, part)
        lines.append(f"| {name} | {c[0]} | {c[1]} | {d[0]} | {d[1]} | {pd_[0]} | {pd_[1]} | {ratio} | {speed} |")
    if ("duckdb", "one process") in results:
        d = cell("duckdb", "one process")
        lines.append(f"| total, DuckDB in one process | | | {d[0]} | {d[1]} | | | {results[('cxstat', 'total')][0] / results[('duckdb', 'one process')][0]:.2f}× | |")
    lines.append("")
    lines.append(f"Cold start (`cxstat survey` on 1,000 rows, median of 21): {1000 * cold_start(a.binary, a.small):.1f} ms")
    table = "\n".join(lines)
    print(table)
    with open(os.path.join(a.out, "results.md"), "w", encoding="utf-8") as f:
        f.write(table + "\n")


if __name__ == "__main__":
    main()
