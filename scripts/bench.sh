#!/usr/bin/env bash
# The monthly workload of BENCHMARKS.md: cxstat against DuckDB and pandas on the same files.
#
#   bash scripts/bench.sh            # medians of 5 runs
#   RUNS=3 bash scripts/bench.sh     # fewer runs
#
# Generates the data once (cached under target/bench/, about 480 MB), builds the release binary,
# installs DuckDB and pandas for the current user when they are missing, runs every part with
# /usr/bin/time -v, checks that the three tools agree on every number, and prints one table
# (also written to target/bench/results.md).
set -euo pipefail
cd "$(dirname "$0")/.."

GEN="${GEN:-../shared/gen/gen_data.py}"
DATA="${DATA:-target/bench/data-2m}"
SMALL="target/bench/data-1k"
RUNS="${RUNS:-5}"

if [ ! -f "$DATA/orders.csv" ]; then
    echo "generating $DATA (2,000,000 responses, 300,000 complaints, 6,000,000 orders) ..." >&2
    mkdir -p "$DATA.tmp"
    python3 "$GEN" --out "$DATA.tmp" --responses 2000000 --complaints 300000 --orders 6000000 --seed 7
    mv "$DATA.tmp" "$DATA"
fi
if [ ! -f "$SMALL/responses.csv" ]; then
    mkdir -p "$SMALL"
    python3 "$GEN" --out "$SMALL" --responses 1000 --complaints 1000 --orders 1000 --seed 7
fi
python3 -c "import duckdb, pandas" 2>/dev/null \
    || python3 -m pip install --quiet --user "duckdb==2.0.0" "pandas==3.1.1" "numpy==2.1.3"
[ -x /usr/bin/time ] || { echo "bench.sh needs GNU time (/usr/bin/time): apt-get install time" >&2; exit 2; }
cargo build --release --locked >&2

exec python3 scripts/bench_run.py --data "$DATA" --small "$SMALL" --runs "$RUNS" \
    --binary target/release/cxstat --out target/bench
