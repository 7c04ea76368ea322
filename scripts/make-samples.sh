#!/usr/bin/env bash
# Regenerates samples/<name>.tar.gz from every fixture node tree under tests/fixtures/ by running
# the real collector against it (`collector --root tests/fixtures/<name>`).
#
#   scripts/make-samples.sh             # every fixture tree
#   scripts/make-samples.sh seed-node   # only the named ones
#
# The fixture trees themselves come from
# `cargo run -p nodesnap-fixtures --bin make-fixtures -- tests/fixtures`; run that first when a
# layout changed. The collector is built in release mode (the binary that ships to nodes), or
# taken from $COLLECTOR when that names a built binary.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ -n "${COLLECTOR:-}" ]]; then
  # A prebuilt collector (CI's static build, or one from another checkout).
  collector="$COLLECTOR"
else
  cargo build --release -q -p collector --bin collector
  target_dir="$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
  collector="${target_dir:-target}/release/collector"
fi
if [[ ! -x "$collector" ]]; then
  echo "make-samples: collector binary not found at $collector" >&2
  exit 1
fi

if [[ $# -gt 0 ]]; then
  names=("$@")
else
  names=()
  for dir in tests/fixtures/*/; do
    names+=("$(basename "$dir")")
  done
fi

mkdir -p samples
status=0
for name in "${names[@]}"; do
  root="tests/fixtures/$name"
  if [[ ! -d "$root/proc" ]]; then
    echo "make-samples: $root is not a fixture node tree (no proc/)" >&2
    status=1
    continue
  fi
  # Write beside the final name, then rename, so a failed run never leaves half a sample.
  partial="samples/.$name.tar.gz.partial"
  if "$collector" --root "$root" -o "$partial" --no-nice --quiet; then
    mv -f "$partial" "samples/$name.tar.gz"
    echo "samples/$name.tar.gz ($(wc -c <"samples/$name.tar.gz") bytes)"
  else
    rc=$?
    rm -f "$partial"
    echo "make-samples: collector failed on $root (exit $rc)" >&2
    status=1
  fi
done
exit "$status"
