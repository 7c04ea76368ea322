#!/usr/bin/env bash
# Collects samples/real-runtimes.tar.gz from the real node of the end-to-end tests
# (tests/src/realnode): containerd with three CRI pods, dockerd with its own containerd and
# three containers, podman with a container and a pod, side by side on this kernel. Needs root
# and Debian's containerd, runc, docker.io, podman, conmon, busybox-static and gcc.
#
# The node and the collector run in a pid and mount namespace of their own (`realnode up
# --isolated`), so that the snapshot holds the node's processes and none of the machine's
# others; both binaries run from a neutral directory so that no path of this checkout shows.
# The collector is the release build (the binary that ships), or $COLLECTOR. After a new
# sample: update the ids and pids in tests/tests/samples.rs (mod real_runtimes) and run
# `UPDATE_GOLDEN=1 cargo test -p nodesnap-tests --test integration golden samples`.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ -n "${COLLECTOR:-}" ]]; then
  collector="$COLLECTOR"
else
  cargo build --release -q -p collector --bin collector
  collector=target/release/collector
fi
cargo build -q -p nodesnap-tests --bin realnode

stage=/tmp/nodesnap-sample
rm -rf "$stage"
mkdir -p "$stage"
trap 'rm -rf "$stage"' EXIT
cp "$collector" "$stage/collector"
cp target/debug/realnode "$stage/realnode"
(cd "$stage" && ./realnode up --dir /tmp/nodesnap-realnode --isolated --once \
  --collector ./collector --output real-runtimes.tar.gz --truth-output truth.json)
mv -f "$stage/real-runtimes.tar.gz" samples/real-runtimes.tar.gz
# What the runtimes said about the sample's node: tests/tests/samples.rs compares the model of
# the sample with it (the list of mismatches is tests/golden/real-runtimes/mismatches.txt).
mv -f "$stage/truth.json" tests/realnode/real-runtimes-sample.truth.json
echo "samples/real-runtimes.tar.gz ($(wc -c <samples/real-runtimes.tar.gz) bytes)"
