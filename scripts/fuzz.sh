#!/usr/bin/env bash
# Fuzzes cxstat's readers (issue 25), each target for SECONDS (default 1800), one after another.
# Needs nightly Rust and cargo-fuzz (`cargo install cargo-fuzz --locked`); CI does not run it.
#
#   bash scripts/fuzz.sh [SECONDS] [TARGET...]     targets: decode read values merge config
#
# Each target starts from its seeds in fuzz/seeds/TARGET and grows fuzz/corpus/TARGET (not
# committed). A find (a panic, an exit-1 error, a message showing a library's internals, a run
# over 20 s or 4 GB) is written to fuzz/artifacts/TARGET/ and stops that target; replay it with
#   cargo +nightly fuzz run -s none -a TARGET fuzz/artifacts/TARGET/crash-…
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds=${1:-1800}
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(decode read values merge config)
# No sanitizer: the code is safe Rust, and polars built with ASan is slow to build and run.
# Debug assertions on, so that an integer overflow is a find.
cargo +nightly fuzz build -s none -a
for target in "${targets[@]}"; do
  mkdir -p "corpus/$target"
  echo "fuzzing $target for $seconds s" >&2
  cargo +nightly fuzz run -s none -a "$target" "corpus/$target" "seeds/$target" -- \
    -max_total_time="$seconds" -timeout=20 -rss_limit_mb=4096 -print_final_stats=1
done
