#!/usr/bin/env bash
# Builds the binaries the benchmarks measure (release profile, the collector static) and runs
# every benchmark once: bench/results/latest.md and latest.json. Run as root from anywhere:
#   bench/run.sh [extra nodesnap-bench run options, e.g. --scenes 100 --snapshots 1000 --no-sos]
# Takes about 20 minutes on an idle 2-core machine: sos report is given up to 10 minutes per
# node and takes most of it. `--no-sos` saves that.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
target="${CARGO_TARGET_DIR:-$repo/target}"
static_flags="-C target-feature=+crt-static -C relocation-model=static"

echo "== building the static collector" >&2
RUSTFLAGS="$static_flags" cargo build --release -p collector --target x86_64-unknown-linux-gnu

echo "== building the static hello world (same profile)" >&2
RUSTFLAGS="$static_flags" cargo build --release --manifest-path bench/hello/Cargo.toml \
    --target x86_64-unknown-linux-gnu --target-dir "$target/hello"

echo "== building the analyzer, the scene builder and the bench" >&2
cargo build --release -p analyzer -p nodesnap-tests -p bench

work="${BENCH_WORK:-/tmp/nodesnap-bench}"
exec "$target/release/nodesnap-bench" run \
    --collector "$target/x86_64-unknown-linux-gnu/release/collector" \
    --analyzer "$target/release/analyzer" \
    --scene "$target/release/scene" \
    --hello "$target/hello/x86_64-unknown-linux-gnu/release/hello" \
    --work "$work" \
    --out "$repo/bench/results" \
    "$@"
