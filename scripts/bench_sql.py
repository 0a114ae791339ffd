#!/usr/bin/env python3
"""The SQL path of issue 30 against the local commands and DuckDB's own queries, on the monthly
workload (BENCHMARKS.md, "cxstat sql"):

    python3 scripts/bench_sql.py BINARY DATA_DIR [--runs 3]

For survey, complaints (with orders) and repeat: the local command; DuckDB running the query of
`cxstat sql COMMAND --dialect duckdb` over the CSV read with its type detection, writing the
result; `cxstat merge PLAN RESULT`; and DuckDB's own query of the same part (scripts/bench.sql).
Each in a fresh process under /usr/bin/time -v (wall time, peak RSS), medians of --runs. Before
timing, the merged table is compared with the local command's (CSV; sums of amounts to 1e-12).
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from check_sql import same_numbers  # noqa: E402

PARTS = {
    "survey": (["--by", "segment", "--period", "month"], [], [("responses", "responses.csv")]),
    "complaints": (
        ["--by", "category", "--period", "month"],
        ["--orders-table", "orders"],
        [("complaints", "complaints.csv"), ("orders", "orders.csv")],
    ),
    "repeat": (["--period", "month"], [], [("orders", "orders.csv")]),
}

RUNNER = """
import duckdb, sys
con = duckdb.connect()
con.execute("SET threads = 2")
for entry in sys.argv[3:]:
    name, path = entry.split("=", 1)
    con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_csv('{path}', header=true)")
con.execute(f"COPY ({open(sys.argv[1]).read()}) TO '{sys.argv[2]}' (HEADER)")
"""


def timed(command):
    done = subprocess.run(["/usr/bin/time", "-v", *command], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed: {done.stderr[-2000:]}")
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", done.stderr).group(1)
    parts = [float(p) for p in wall.split(":")]
    seconds = parts[-1] + 60 * parts[-2] + (3600 * parts[-3] if len(parts) > 2 else 0)
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr).group(1)) / 1024
    return seconds, rss, done.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("data")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--sql-binary", help="the cxstat that writes the queries [default: BINARY]")
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="cxstat-bench-sql-")
    rows = []
    for part, (flags, sql_flags, tables) in PARTS.items():
        main_file = os.path.join(a.data, tables[0][1])
        local_flags = ["--orders", os.path.join(a.data, "orders.csv")] if part == "complaints" else []
        plan, query, result = (os.path.join(work, f"{part}.{e}") for e in ("plan.json", "sql", "csv"))
        subprocess.run([a.sql_binary or a.binary, "sql", part, "--dialect", "duckdb", "--table", tables[0][0], "--emit-plan", plan, "-o", query] + flags + sql_flags, check=True)
        views = [f"{t}={os.path.join(a.data, f)}" for t, f in tables]
        commands = {
            "local": [a.binary, part, main_file, "--format", "csv"] + flags + local_flags,
            "engine": ["python3", "-c", RUNNER, query, result] + views,
            "merge": [a.binary, "merge", plan, result, "--format", "csv"],
            "duckdb": ["python3", os.path.join(HERE, "bench_duckdb.py"), part, a.data, os.path.join(work, f"{part}.ref.csv")],
        }
        # The check before any timing: the merged table is the local one.
        _, _, local_out = timed(commands["local"])
        timed(commands["engine"])
        _, _, merged_out = timed(commands["merge"])
        if not (local_out == merged_out or same_numbers(local_out.encode(), merged_out.encode(), "csv")):
            sys.exit(f"{part}: the merged table differs from the local command's")
        times = {k: [] for k in commands}
        for _ in range(a.runs):
            for k, c in commands.items():
                times[k].append(timed(c)[:2])
        med = {k: (statistics.median(t for t, _ in v), statistics.median(m for _, m in v)) for k, v in times.items()}
        rows.append((part, med, local_out == merged_out))
    print("| part | local cxstat s (MB) | DuckDB on cxstat's query s (MB) | merge s (MB) | engine + merge s | DuckDB's own query s (MB) | same bytes |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for part, m, exact in rows:
        cell = lambda k: f"{m[k][0]:.2f} ({m[k][1]:.0f})"
        both = m["engine"][0] + m["merge"][0]
        print(f"| {part} | {cell('local')} | {cell('engine')} | {cell('merge')} | {both:.2f} | {cell('duckdb')} | {'yes' if exact else 'amount sums to 1e-12'} |")


if __name__ == "__main__":
    main()
