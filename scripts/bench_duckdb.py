#!/usr/bin/env python3
"""One part of the benchmark workload in DuckDB: python3 bench_duckdb.py PART DATA_DIR OUT.csv

Runs the part of scripts/bench.sql named PART (survey, complaints, complaints_full, repeat, or
all: survey, complaints and repeat in one process) on 2 threads and writes the result as CSV
(for "all", OUT.csv is a prefix).
"""
import os
import re
import sys

import duckdb


def parts(sql):
    found = {}
    for chunk in re.split(r"^-- part: ", sql, flags=re.M)[1:]:
        name, body = chunk.split("\n", 1)
        found[name.strip()] = body
    return found


def main(part, data, out):
    sql = parts(open(os.path.join(os.path.dirname(__file__), "bench.sql"), encoding="utf-8").read())
    con = duckdb.connect()
    con.execute("SET threads = 2")
    # "all": the workload's three parts (not complaints_full, the same command counted in full)
    names = [n for n in sql if not n.endswith("_full")] if part == "all" else [part]
    for name in names:
        query = sql[name].replace("{dir}", data).strip().rstrip(";")
        target = f"{out}.{name}.csv" if part == "all" else out
        con.execute(f"COPY ({query}) TO '{target}' (HEADER, DELIMITER ',')")


if __name__ == "__main__":
    main(*sys.argv[1:4])
