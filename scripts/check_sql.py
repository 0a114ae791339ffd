#!/usr/bin/env python3
"""Runs `cxstat sql` queries in a real engine and compares `cxstat merge PLAN RESULT` with the
local command on the same file, byte for byte (CSV and JSON output).

    python3 scripts/check_sql.py BINARY [--engine duckdb|spark] [--ansi] [--work DIR] [--only NAME|NAME…]

Each case loads a CSV file into the engine as a table, twice: every column as text (as an export
lands) and with the engine's own type detection (integers, doubles, dates, timestamps), runs the
query that `cxstat sql COMMAND --dialect ENGINE` prints, writes the result as the engine writes
CSV, and merges it. The files are the bundled examples, fixtures, and a generated messy file
(blanks, NA codes, invalid and padded values, Chinese keys, impossible dates), made here from a
fixed seed. Prints one line per case and exits 1 on any difference.

DuckDB comes from PyPI (`pip install duckdb`); Spark is pyspark from PyPI with a Java runtime.
"""
import argparse
import csv
import datetime
import difflib
import json
import os
import random
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EX = os.path.join(ROOT, "examples", "data")
FX = os.path.join(ROOT, "fixtures")


def messy_responses(path, n=3000, seed=11):
    """A survey export with what real ones have: blanks, NA codes (-99, N/A), scores out of scale
    or not whole, padded values, dates of several days and impossible ones, Chinese segments,
    weights with invalid values, a yes/no column with unknown words."""
    rnd = random.Random(seed)
    segments = ["consumer", "enterprise", "小微企业", "政府", " consumer", ""]
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["response_id", "customer_id", "submitted_at", "segment", "region", "csat", "nps", "ces", "weight", "designation"])
        for i in range(n):
            # Days from 2025-01-01 as ISO dates (or timestamps), a few unreadable or impossible.
            date = datetime.date(2025, 1, 1) + datetime.timedelta(days=rnd.randrange(0, 700))
            r = rnd.random()
            if r < 0.02:
                submitted = ""
            elif r < 0.03:
                submitted = "2026-02-30"
            elif r < 0.04:
                submitted = "not a date"
            elif r < 0.3:
                submitted = date.isoformat() + "T" + "%02d:%02d:00" % (rnd.randrange(24), rnd.randrange(60))
            elif r < 0.35:
                submitted = " " + date.isoformat() + " "
            else:
                submitted = date.isoformat()

            def score(low, high):
                r = rnd.random()
                if r < 0.08:
                    return ""
                if r < 0.10:
                    return "-99"
                if r < 0.11:
                    return str(high + 1)
                if r < 0.12:
                    return "3.5"
                if r < 0.13:
                    return " %d " % rnd.randint(low, high)
                if r < 0.14:
                    return "%d.0" % rnd.randint(low, high)
                return str(rnd.randint(low, high))

            weight = rnd.choice(["1", "0.5", "2.25", "1.5", "3", "", "0", "-1", "1e10", "abc"]) if rnd.random() < 0.2 else rnd.choice(["1", "0.5", "2", "1.25"])
            designation = rnd.choice(["yes", "no", "Y", "是", "否", "", "n/a", "maybe", "1", "0"])
            w.writerow([
                "R%06d" % i,
                "C%05d" % rnd.randrange(800),
                submitted,
                rnd.choice(segments),
                rnd.choice(["east", "west", "北"]),
                score(1, 5),
                score(0, 10),
                score(1, 7),
                weight,
                designation,
            ])


def messy_orders(path, n=4000, seed=12):
    """An orders export as they come: repeated order ids (copies of the row), refunds (negative
    amounts), amounts with currency signs and thousands separators or not numbers, blank and
    padded customers, timestamps, dates missing or impossible."""
    rnd = random.Random(seed)
    rows = []
    for i in range(n):
        day = datetime.date(2024, 11, 1) + datetime.timedelta(days=rnd.randrange(0, 730))
        r = rnd.random()
        if r < 0.01:
            ordered = ""
        elif r < 0.02:
            ordered = "2025-02-29"
        elif r < 0.25:
            ordered = day.isoformat() + " %02d:%02d:%02d" % (rnd.randrange(24), rnd.randrange(60), rnd.randrange(60))
        else:
            ordered = day.isoformat()
        amount = round(rnd.uniform(5, 3000), 2)
        r = rnd.random()
        if r < 0.05:
            amount_text = "-%.2f" % round(rnd.uniform(5, 200), 2)
        elif r < 0.07:
            amount_text = "¥{:,.2f}".format(amount)
        elif r < 0.08:
            amount_text = "n/a"
        elif r < 0.10:
            amount_text = ""
        else:
            amount_text = "%.2f" % amount
        customer = "C%04d" % int(rnd.paretovariate(1.2) * 10 % 1500)
        r = rnd.random()
        if r < 0.01:
            customer = ""
        elif r < 0.02:
            customer = " " + customer + " "
        rows.append(["O%06d" % i, customer, ordered, amount_text, rnd.choice(["web", "app", "门店"])])
        if rnd.random() < 0.02:
            rows.append(list(rows[-1]))
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["order_id", "customer_id", "ordered_at", "amount", "channel"])
        w.writerows(rows)


# Columns whose values are sums of amounts: the engine sums them exactly (as decimals), cxstat as
# floating-point numbers in its own order, so the last digits may differ (README: "Data larger
# than one machine"); they must agree to 1e-12 relative.
INEXACT = {"revenue", "avg_order_value", "refund_amount"}


def repeat_cases(messy):
    o = os.path.join(EX, "orders.csv")
    return [
        ("repeat by month", o, "orders", []),
        ("repeat by quarter, as of", o, "orders", ["--period", "quarter", "--as-of", "2026-06-30"]),
        ("repeat by week, window", o, "orders", ["--period", "week", "--from", "2026-01-01", "--to", "2026-03-31", "--no-total"]),
        ("repeat by year, confidence", o, "orders", ["--period", "year", "--confidence", "0.8"]),
        ("repeat by day, span", o, "orders", ["--period", "day", "--from", "2026-10-01", "--as-of", "2026-10-20"]),
        ("repeat small", os.path.join(FX, "orders_small.csv"), "orders", []),
        ("repeat log", os.path.join(FX, "orders_repeat_log.csv"), "orders", ["--period", "month"]),
        ("messy repeat", messy, "orders", ["--period", "month"]),
        ("messy repeat, quarter span", messy, "orders", ["--period", "quarter", "--from", "2025-01-01", "--to", "2025-12-31", "--as-of", "2026-03-31"]),
    ]


def same_numbers(local, merged, fmt):
    """Whether two outputs agree: every value byte for byte, but those of INEXACT columns to 1e-12."""
    def close(a, b):
        try:
            x, y = float(a), float(b)
        except (TypeError, ValueError):
            return a == b
        return abs(x - y) <= 1e-12 * max(abs(x), abs(y), 1.0)

    if fmt == "csv":
        a = list(csv.reader(local.decode().splitlines()))
        b = list(csv.reader(merged.decode().splitlines()))
        if len(a) != len(b) or (a and a[0] != b[0]):
            return False
        head = a[0] if a else []
        for ra, rb in zip(a[1:], b[1:]):
            if len(ra) != len(rb):
                return False
            for h, x, y in zip(head, ra, rb):
                if x != y and not (h in INEXACT and close(x, y)):
                    return False
        return True
    ja, jb = json.loads(local), json.loads(merged)

    def walk(x, y, key=None):
        if isinstance(x, dict) and isinstance(y, dict):
            return x.keys() == y.keys() and all(walk(x[k], y[k], k) for k in x)
        if isinstance(x, list) and isinstance(y, list):
            return len(x) == len(y) and all(walk(p, q, key) for p, q in zip(x, y))
        return x == y or (key in INEXACT and close(x, y))

    return walk(ja, jb)


def messy_complaints(path, n=3000, seed=13):
    """A ticket export as they come: repeated ids (copies), timestamps with T, without seconds,
    with fractions or zones, impossible or unreadable ones, responses before the opening, open
    tickets, statuses in other spellings (Closed, closed_with_explanation, In Progress, 已解决,
    unknown ones), severities with spaces, yes/no columns in several wordings."""
    rnd = random.Random(seed)
    statuses = ["closed", "Closed", "resolved", "in progress", "In-Progress", "received", "follow_up", "closed_with_explanation", "已解决", "待处理", "escalated", ""]
    rows = []
    for i in range(n):
        opened = datetime.datetime(2025, 1, 1) + datetime.timedelta(minutes=rnd.randrange(0, 60 * 24 * 600))

        def stamp(t):
            r = rnd.random()
            if r < 0.1:
                return t.strftime("%Y-%m-%dT%H:%M:%S")
            if r < 0.15:
                return t.strftime("%Y-%m-%d %H:%M")
            if r < 0.18:
                return t.strftime("%Y-%m-%d %H:%M:%S") + ".250"
            if r < 0.2:
                return t.strftime("%Y-%m-%dT%H:%M:%S") + "+08:00"
            if r < 0.21:
                return t.strftime("%Y-%m-%d")
            return t.strftime("%Y-%m-%d %H:%M:%S")

        opened_text = stamp(opened)
        r = rnd.random()
        if r < 0.01:
            opened_text = "2025-02-30 10:00:00"
        elif r < 0.015:
            opened_text = ""
        responded = opened + datetime.timedelta(minutes=rnd.randrange(-30, 60 * 30))
        resolved = responded + datetime.timedelta(minutes=rnd.randrange(0, 60 * 24 * 9))
        responded_text = stamp(responded) if rnd.random() < 0.85 else ""
        resolved_text = stamp(resolved) if rnd.random() < 0.7 else ""
        if rnd.random() < 0.01:
            resolved_text = "soon"
        rows.append([
            "K%06d" % i,
            "C%04d" % rnd.randrange(900),
            opened_text,
            responded_text,
            resolved_text,
            rnd.choice(["delivery", "billing", "product quality", "服务态度"]),
            rnd.choice(["low", "medium", "high", "critical", "Critical ", "urgent", ""]),
            rnd.choice(statuses),
            rnd.choice(["true", "false", "yes", "no", "是", "", "maybe"]),
            rnd.choice(["true", "false", "1", "0", "", "n/a"]),
        ])
        if rnd.random() < 0.02:
            rows.append(list(rows[-1]))
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["complaint_id", "customer_id", "opened_at", "first_response_at", "resolved_at", "category", "severity", "status", "reopened", "first_contact_resolution"])
        w.writerows(rows)


def complaint_cases(messy):
    c = os.path.join(EX, "complaints.csv")
    o = os.path.join(EX, "orders.csv")
    small = os.path.join(FX, "complaints_small.csv")
    orders = ([("orders", o)], ["--orders-table", "orders"], ["--orders", o])
    return [
        ("complaints by category and month", c, "complaints", ["--by", "category", "--period", "month"]),
        ("complaints ungrouped, SLAs", c, "complaints", ["--sla-response", "4h", "--sla-resolve", "72h"]),
        ("complaints by quarter, window, as of", c, "complaints", ["--period", "quarter", "--from", "2025-07-01", "--to", "2026-06-30", "--as-of", "2026-07-15 00:00:00"]),
        ("complaints funnel by severity", c, "complaints", ["--funnel", "--by", "severity"]),
        ("complaints with orders by month", c, "complaints", ["--period", "month", "--by", "channel"], orders),
        ("complaints with orders, no period", c, "complaints", ["--from", "2026-01-01", "--sla-response", "8h"], orders),
        ("complaints small, severity targets", small, "complaints", ["--config", os.path.join(FX, "sla_severity.toml"), "--by", "category"]),
        ("messy complaints", messy, "complaints", ["--by", "category", "--period", "month", "--sla-response", "2h", "--sla-resolve", "3d"]),
        ("messy complaints, fold case, week", messy, "complaints", ["--by", "severity", "--fold-case", "--period", "week", "--from", "2026-01-01"]),
        ("messy complaints, funnel", messy, "complaints", ["--funnel", "--period", "quarter"]),
    ]


def survey_cases(messy):
    r = os.path.join(EX, "responses.csv")
    return [
        ("survey by segment and month", r, "responses", ["--by", "segment", "--period", "month"]),
        ("survey ungrouped", r, "responses", []),
        ("survey by quarter, window", r, "responses", ["--period", "quarter", "--from", "2025-10-01", "--to", "2026-09-30"]),
        ("survey by week, two keys", r, "responses", ["--period", "week", "--by", "channel,segment", "--no-total", "--min-n", "5"]),
        ("survey by day", r, "responses", ["--period", "day"]),
        ("survey by year, confidence", r, "responses", ["--period", "year", "--confidence", "0.9", "--nps-interval", "adjusted-wald"]),
        ("survey window without period", r, "responses", ["--from", "2026-01-01", "--by", "region"]),
        ("survey NA values", os.path.join(FX, "survey_invalid.csv"), "responses", ["--na-values", "-99,0"]),
        ("survey small", os.path.join(FX, "survey_small.csv"), "responses", ["--by", "segment", "--period", "month"]),
        ("survey Chinese keys", os.path.join(FX, "survey_zh.csv"), "responses", ["--by", "渠道"]),
        ("survey weighted (Kish)", os.path.join(FX, "survey_weighted.csv"), "responses", ["--weight", "weight", "--variance", "kish", "--by", "segment"]),
        ("messy survey", messy, "responses", ["--by", "segment", "--period", "month", "--na-values", "-99", "--max-invalid", "50"]),
        ("messy survey, fold case", messy, "responses", ["--by", "segment", "--fold-case", "--period", "quarter", "--na-values", "-99", "--max-invalid", "50"]),
        ("messy survey, designation", messy, "responses", ["--col", "designation=designation", "--period", "year", "--na-values", "-99", "--max-invalid", "50"]),
        ("messy survey, weighted", messy, "responses", ["--weight", "weight", "--variance", "kish", "--by", "region", "--na-values", "-99", "--max-invalid", "50"]),
    ]


class DuckDB:
    name = "duckdb"

    def __init__(self):
        import duckdb

        self.con = duckdb.connect()

    def load(self, table, path, typed):
        self.con.execute(f'DROP VIEW IF EXISTS "{table}"')
        how = "header=true" if typed else "header=true, all_varchar=true"
        if typed:
            # A column of times written with zones (+08:00) is typed TIMESTAMP WITH TIME ZONE,
            # which moves each time to the session's zone; cxstat takes times as written, zone
            # ignored (README, "Data larger than one machine"): such a column stays text.
            kinds = self.con.execute(f"DESCRIBE SELECT * FROM read_csv('{path}', header=true)").fetchall()
            zoned = {name: "VARCHAR" for name, kind, *_ in kinds if "TIME ZONE" in kind}
            if zoned:
                how += ", types=" + repr(zoned).replace('"', "'")
        self.con.execute(f"CREATE VIEW \"{table}\" AS SELECT * FROM read_csv('{path}', {how})")

    def run(self, query, out):
        if out.endswith(".parquet"):
            self.con.execute(f"COPY ({query}) TO '{out}' (FORMAT parquet)")
        else:
            self.con.execute(f"COPY ({query}) TO '{out}' (HEADER)")


class Spark:
    name = "spark"

    def __init__(self, ansi):
        from pyspark.sql import SparkSession

        self.spark = (
            SparkSession.builder.master("local[2]")
            .appName("cxstat-check")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.ansi.enabled", "true" if ansi else "false")
            .getOrCreate()
        )
        self.spark.sparkContext.setLogLevel("ERROR")

    def load(self, table, path, typed):
        from pyspark.sql.functions import col

        read = lambda infer: (
            self.spark.read.option("header", True).option("multiLine", True).option("escape", '"').option("inferSchema", infer).csv(path)
        )
        df = read(typed)
        if typed:
            # As for DuckDB: times written with zones stay text (a timestamp type moves them to
            # the session's zone; cxstat takes times as written).
            text = read(False)
            zoned = [
                f.name
                for f in df.schema.fields
                if f.dataType.typeName().startswith("timestamp")
                and text.filter(col(f.name).rlike("[T ][0-9]{2}:[0-9]{2}(:[0-9]{2})?([.][0-9]+)?(Z|[+-][0-9]{2}:?[0-9]{2})$")).count() > 0
            ]
            if zoned:
                schema = ", ".join(f"`{f.name}` {'STRING' if f.name in zoned else f.dataType.simpleString()}" for f in df.schema.fields)
                df = self.spark.read.option("header", True).option("multiLine", True).option("escape", '"').schema(schema).csv(path)
        df.createOrReplaceTempView(table)

    def run(self, query, out):
        # Spark's CSV writer trims spaces around values unless told not to (a key ' consumer'
        # would become 'consumer'); Parquet keeps them as they are.
        w = self.spark.sql(query).coalesce(1).write.mode("overwrite")
        if out.endswith(".parquet"):
            w.parquet(out)
        else:
            w.option("header", True).option("ignoreLeadingWhiteSpace", False).option("ignoreTrailingWhiteSpace", False).csv(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--engine", choices=["duckdb", "spark"], default="duckdb")
    ap.add_argument("--work")
    ap.add_argument("--only", help="the cases whose title contains one of these (separated by |)")
    ap.add_argument("--ansi", action="store_true", help="Spark with spark.sql.ansi.enabled (the default of Spark 4)")
    a = ap.parse_args()
    work = a.work or tempfile.mkdtemp(prefix="cxstat-sql-")
    os.makedirs(work, exist_ok=True)
    messy = os.path.join(work, "messy_responses.csv")
    messy_responses(messy)
    orders = os.path.join(work, "messy_orders.csv")
    messy_orders(orders)
    tickets = os.path.join(work, "messy_complaints.csv")
    messy_complaints(tickets)

    engine = DuckDB() if a.engine == "duckdb" else Spark(a.ansi)
    failures = 0
    cases = survey_cases(messy) + repeat_cases(orders) + complaint_cases(tickets)
    for k, case in enumerate(cases):
        title, path, table, flags = case[:4]
        extra, sql_flags, local_flags = case[4] if len(case) > 4 else ([], [], [])
        if a.only and not any(o in title for o in a.only.split("|")):
            continue
        command = title.split()[0] if not title.startswith("messy") else title.split()[1].rstrip(",")
        for typed in (False, True):
            tag = f"{title} [{'typed' if typed else 'text'}]"
            d = os.path.join(work, f"case{k}{'t' if typed else ''}")
            os.makedirs(d, exist_ok=True)
            plan, sql = os.path.join(d, "plan.json"), os.path.join(d, "query.sql")
            p = subprocess.run([a.binary, "sql", command, "--dialect", engine.name, "--table", table, "--emit-plan", plan, "-o", sql, path] + flags + sql_flags, capture_output=True, text=True)
            if p.returncode != 0:
                print(f"FAIL {tag}: cxstat sql exited {p.returncode}: {p.stderr.strip()}")
                failures += 1
                continue
            engine.load(table, path, typed)
            for other, other_path in extra:
                engine.load(other, other_path, typed)
            # The text loads write CSV, the typed ones Parquet: both as the engine writes them.
            result = os.path.join(d, "result.parquet" if typed else "result.csv")
            try:
                engine.run(open(sql, encoding="utf-8").read(), result)
            except Exception as e:  # the engine's own message says what it could not run
                print(f"FAIL {tag}: the engine could not run the query: {str(e)[:2000]}")
                failures += 1
                continue
            same, inexact = True, False
            for fmt in ("csv", "json"):
                merged = subprocess.run([a.binary, "merge", plan, result, "--format", fmt], capture_output=True)
                local = subprocess.run([a.binary, command, path, "--format", fmt] + flags + local_flags, capture_output=True)
                exact = merged.stdout == local.stdout
                inexact = inexact or not exact
                if merged.returncode != local.returncode or not (exact or same_numbers(local.stdout, merged.stdout, fmt)):
                    same = False
                    print(f"FAIL {tag} ({fmt}): merge exited {merged.returncode}, local {local.returncode}")
                    print(merged.stderr.decode(errors="replace")[:2000])
                    diff = difflib.unified_diff(
                        local.stdout.decode(errors="replace").splitlines(),
                        merged.stdout.decode(errors="replace").splitlines(),
                        "local",
                        "merged",
                        lineterm="",
                        n=0,
                    )
                    print("\n".join(list(diff)[:40]))
            if same:
                print(f"ok   {tag}" + (" (sums of amounts within 1e-12, the rest byte for byte)" if inexact else ""))
            else:
                failures += 1
    print(f"{failures} case(s) differ" if failures else "every merged table is the local command's, byte for byte (sums of amounts to 1e-12)")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
