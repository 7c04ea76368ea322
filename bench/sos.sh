#!/usr/bin/env bash
# The sosreport benchmark of docs/PERFORMANCE.md ("Analyzer on sosreports of a 2,000-process
# node"): builds a live scene of 2,000 processes (400 pods of five, `scene up`) beside this
# machine's own, has the real sos write an sosreport of it, tears the scene down, then times the
# release analyzer reading and modelling each archive (`analyzer summary`: load, model,
# findings; `analyzer model -o FILE`: the same plus the JSON export), runs of the archives
# alternated, each measured by wait4 (`nodesnap-bench measure-child`). Run as root:
#
#   bench/sos.sh [SOS_SOURCE]
#
# Debian's sos (package `sosreport`) always; with SOS_SOURCE, a checkout or sdist of
# sosreport/sos (`pip download --no-deps --no-binary :all: sos==4.12.0`, unpacked) run from
# its source by /usr/bin/python3 (it needs python3-packaging). Both with the plugins that
# matter here: process and cgroups (the scene has no runtime daemon). Environment:
# SOS_BENCH_PROCESSES (2000), SOS_BENCH_RUNS (7), BENCH_WORK (/tmp/nodesnap-bench-sos),
# SOS_BENCH_REUSE=1 (no scene and no sos: time the analyzer on the archives of the last run).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
sos_source=${1:-}
[ -z "$sos_source" ] || sos_source=$(cd "$sos_source" && pwd)
processes=${SOS_BENCH_PROCESSES:-2000}
runs=${SOS_BENCH_RUNS:-7}
work=${BENCH_WORK:-/tmp/nodesnap-bench-sos}
target="${CARGO_TARGET_DIR:-$repo/target}"

cd "$repo"
echo "== building the analyzer, the scene builder and the bench (release)" >&2
if [ "${SOS_BENCH_REUSE:-0}" = 1 ]; then
    cargo build -q --release -p analyzer -p bench
else
    cargo build -q --release -p analyzer -p nodesnap-tests -p bench
fi
analyzer="$target/release/analyzer"
scene="$target/release/scene"
bench="$target/release/nodesnap-bench"

scene_pid=""
if [ "${SOS_BENCH_REUSE:-0}" = 1 ]; then
    # Time the analyzer again on the archives of the last run (a new analyzer, a quieter machine).
    rm -f "$work"/*-summary-*.json "$work"/*-model-*.json
else
rm -rf "$work"
mkdir -p "$work"
cleanup() {
    if [ -n "$scene_pid" ]; then
        kill -TERM "$scene_pid" 2>/dev/null || true
        wait "$scene_pid" 2>/dev/null || true
        "$scene" down --state "$work/scene.json" >/dev/null 2>&1 || true
    fi
}
trap cleanup EXIT

echo "== scene of $processes processes" >&2
"$scene" up --pods $((processes / 5)) --procs-per-pod 5 --state "$work/scene.json" \
    >"$work/scene.log" 2>&1 &
scene_pid=$!
for _ in $(seq 1 1800); do
    grep -q '^ready:' "$work/scene.log" && break
    kill -0 "$scene_pid" 2>/dev/null || { cat "$work/scene.log" >&2; exit 1; }
    sleep 0.5
done
grep -q '^ready:' "$work/scene.log" || { echo "the scene did not come up" >&2; exit 1; }
echo "node processes: $(ls -d /proc/[0-9]* | wc -l)" >&2

options=(report --batch -o process,cgroups -k process.lsof=off -k process.samples=0)
sos_run() {
    local name=$1
    shift
    mkdir -p "$work/$name"
    local start=$SECONDS
    "$@" "${options[@]}" --tmp-dir "$work/$name" >"$work/$name.log" 2>&1 \
        || { cat "$work/$name.log" >&2; exit 1; }
    echo "$name: sos took $((SECONDS - start)) s" >&2
}
echo "== sos report (Debian)" >&2
sos_run debian sos
if [ -n "$sos_source" ]; then
    echo "== sos report (from $sos_source)" >&2
    sos_run current env PYTHONPATH="$sos_source" /usr/bin/python3 "$sos_source/bin/sos"
fi
cleanup
scene_pid=""
fi

archives=()
for name in debian current; do
    [ -d "$work/$name" ] || continue
    archives+=("$(ls "$work/$name"/sosreport-*.tar.xz)")
done

echo "== analyzer, $runs runs of each, archives alternated" >&2
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for i in $(seq 1 "$runs"); do
    for archive in "${archives[@]}"; do
        name=$(basename "$(dirname "$archive")")
        "$bench" measure-child --limit-ms 120000 --report "$work/$name-summary-$i.json" \
            "$analyzer" summary "$archive" >"$work/$name-summary.txt"
        "$bench" measure-child --limit-ms 120000 --report "$work/$name-model-$i.json" \
            "$analyzer" model "$archive" -o "$work/$name-model.json"
    done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

/usr/bin/python3 - "$work" "${archives[@]}" <<'EOF'
import json, os, statistics, sys, glob

work, archives = sys.argv[1], sys.argv[2:]
def secs(d):
    return d["secs"] + d["nanos"] / 1e9
print("| sosreport | archive | processes in the model | command | wall median (min-max) | CPU median | peak RSS |")
print("|---|---|---|---|---|---|---|")
for archive in archives:
    name = os.path.basename(os.path.dirname(archive))
    model = json.load(open(os.path.join(work, f"{name}-model.json")))
    version = model["collection"]["collector_version"]
    cut = [g["detail"] for g in model["gaps"] if "process list cut" in (g.get("detail") or "")]
    for command in ("summary", "model"):
        runs = [json.load(open(p)) for p in glob.glob(os.path.join(work, f"{name}-{command}-*.json"))]
        assert all(r["exit_code"] == 0 and not r["timed_out"] for r in runs), runs
        wall = [secs(r["wall"]) for r in runs]
        cpu = [secs(r["user"]) + secs(r["system"]) for r in runs]
        rss = max(r["peak_rss_bytes"] for r in runs)
        print(f"| {version} | {os.path.getsize(archive) / 1e6:.1f} MB | {len(model['processes']):,}"
              f"{' (cut)' if cut else ''} | `analyzer {command}` | {statistics.median(wall) * 1000:.0f} ms"
              f" ({min(wall) * 1000:.0f}-{max(wall) * 1000:.0f}) | {statistics.median(cpu) * 1000:.0f} ms"
              f" | {rss / 2**20:.0f} MiB |")
    for detail in cut:
        print(f"\n{version}: {detail}")
EOF
