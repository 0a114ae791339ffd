#!/usr/bin/env python3
"""Runs the queries that `cxstat sql` or `cxstat scorecard --emit-sql` wrote, in DuckDB, over
tables read from files, and writes each result beside its query (NAME.sql -> NAME.csv), as a
warehouse job would. For trying the SQL path on a laptop, and for the tests.

    python3 scripts/run_sql.py DIR TABLE=FILE [TABLE=FILE ...] [--parquet]

Each FILE (CSV with a header, or Parquet) becomes a view TABLE; every column of a CSV is read as
text, as an export lands. Needs `pip install duckdb`.
"""
import glob
import os
import sys

import duckdb


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    parquet = "--parquet" in sys.argv
    if len(args) < 2:
        sys.exit(__doc__)
    folder, tables = args[0], args[1:]
    con = duckdb.connect()
    for entry in tables:
        name, path = entry.split("=", 1)
        source = f"read_parquet('{path}')" if path.endswith(".parquet") else f"read_csv('{path}', header=true, all_varchar=true)"
        con.execute(f'CREATE VIEW "{name}" AS SELECT * FROM {source}')
    for sql in sorted(glob.glob(os.path.join(folder, "*.sql"))):
        stem = sql[: -len(".sql")]
        query = open(sql, encoding="utf-8").read()
        if parquet:
            con.execute(f"COPY ({query}) TO '{stem}.parquet' (FORMAT parquet)")
        else:
            con.execute(f"COPY ({query}) TO '{stem}.csv' (HEADER)")
        print(f"{sql} -> {stem}.{'parquet' if parquet else 'csv'}", file=sys.stderr)


if __name__ == "__main__":
    main()
