#!/bin/sh
# Issue 14's target "a 3-sample collection of the 10,000-process scene within 1.5x of one
# sample's time plus the intervals": builds the static collector and the scene (2,000 pods of
# five processes), then alternates `collector` and `collector --samples 3 --interval 1`
# ROUNDS times (default 3) under /usr/bin/time, printing wall, user, sys and peak RSS with the
# load average before each run, and tears the scene down. Run as root.
#   bench/samples.sh [ROUNDS]
set -eu
rounds=${1:-3}
cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-target}
RUSTFLAGS="-C target-feature=+crt-static -C relocation-model=static" \
    cargo build --release -p collector --target x86_64-unknown-linux-gnu
cargo build --release -p nodesnap-tests --bin scene --bin scene-proc
collector="$target/x86_64-unknown-linux-gnu/release/collector"
work=$(mktemp -d)
"$target/release/scene" up --pods 2000 --procs-per-pod 5 --state "$work/scene.json" \
    >"$work/scene.log" 2>&1 &
scene=$!
trap 'kill -TERM $scene 2>/dev/null; wait $scene 2>/dev/null; rm -rf "$work"' EXIT
until grep -q '^ready:' "$work/scene.log"; do
    kill -0 $scene 2>/dev/null || { cat "$work/scene.log" >&2; exit 1; }
    sleep 2
done
grep '^ready:' "$work/scene.log"
for round in $(seq 1 "$rounds"); do
    for samples in 1 3; do
        set --
        [ "$samples" = 3 ] && set -- --samples 3 --interval 1
        load=$(cut -d' ' -f1-3 /proc/loadavg)
        /usr/bin/time -f "samples=$samples wall=%e user=%U sys=%S rss_kb=%M load=$load" \
            "$collector" -q "$@" -o "$work/s$samples-$round.tar.gz"
    done
done
ls -l "$work"/*.tar.gz
