#!/usr/bin/env bash
# Regenerates tests/fixtures/sos/: sosreports of one real node, made by the real sos, with a
# nodesnap snapshot of the same node taken between them.
#
#   scripts/make-sos-fixtures.sh SOS_SOURCE [OUT]
#
# SOS_SOURCE is a checkout of sosreport/sos at a release tag (bin/ and sos/ are enough: `git
# archive 4.12.0 bin sos | tar -x -C DIR`); nothing of it is committed. OUT defaults to
# tests/fixtures/sos. Needs root, Debian's runtimes (the real-node harness: containerd with
# CRI pods, dockerd on its own containerd, podman), Debian's sosreport (4.0) and
# python3-packaging for the current sos.
#
# The node's runtimes live under its own directory, not at the default paths, so sos is pointed
# at them the way their clients are: DOCKER_HOST, CONTAINERD_ADDRESS, CONTAINERS_CONF and
# CONTAINERS_STORAGE_CONF. Which container plugins run is sos's own choice for this
# distribution: Debian's 4.0 has none for Debian; 4.12 runs docker and containerd (its podman
# and crio plugins are for Red Hat and Ubuntu only).
#
# Each archive is trimmed before it is committed, and the list below says what goes: files that
# are large and that no reader of nodesnap uses (kernel symbols, sysctl and dmesg dumps, sos's
# own HTML/JSON/text renderings of the same data), the sos process's environment and the system
# plugin's outputs (variable names, loader diagnostics), the kernel command line, systemd-cgls
# (it shows every process's arguments, cut) and the per-process stack files; then the arguments of this
# machine's own control processes are cut (scrub-fixture-cmdlines.py). What remains is the files
# as sos wrote them, repacked with xz as sos packs them.
set -euo pipefail

sos_source=${1:?usage: $0 SOS_SOURCE [OUT]}
sos_source=$(cd "$sos_source" && pwd)
repo=$(cd "$(dirname "$0")/.." && pwd)
out=${2:-$repo/tests/fixtures/sos}
mkdir -p "$out"
out=$(cd "$out" && pwd)

cd "$repo"
cargo build -q -p nodesnap-tests --bin realnode -p collector
work=$(mktemp -d /tmp/nodesnap-sos-fixtures.XXXXXX)
node="$work/node"
realnode="$repo/target/debug/realnode"

cleanup() {
    "$realnode" down --dir "$node" >/dev/null 2>&1 || true
    if [ -n "${up_pid:-}" ]; then
        kill "$up_pid" 2>/dev/null || true
        wait "$up_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

: >"$work/up.log"
"$realnode" up --dir "$node" >"$work/up.log" 2>&1 &
up_pid=$!
for _ in $(seq 1 600); do
    grep -q '^ready:' "$work/up.log" && break
    kill -0 "$up_pid" 2>/dev/null || { cat "$work/up.log"; exit 1; }
    sleep 0.5
done
grep -q '^ready:' "$work/up.log" || { echo "the real node did not come up" >&2; exit 1; }

export DOCKER_HOST="unix://$node/docker/docker.sock"
export CONTAINERD_ADDRESS="$node/containerd/containerd.sock"
export CONTAINERS_CONF="$node/podman/containers.conf"
export CONTAINERS_STORAGE_CONF="$node/podman/storage.conf"

wanted="process,cgroups,containerd,crio,docker,podman,kubernetes,system,host,kernel,date,memory,release"
# sos refuses a plugin it does not have for this distribution: ask each release which it has.
plugins_of() {
    "$@" report -l 2>/dev/null | awk '/^The following plugins are currently enabled/,/^The following plugin options/' \
        | awk '{print $1}' | tr '\n' ' '
}
only() {
    local have=" $1 " list=()
    for plugin in ${wanted//,/ }; do
        [[ $have == *" $plugin "* ]] && list+=("$plugin")
    done
    (IFS=,; echo "${list[*]}")
}
options=(--batch -k process.lsof=off -k process.samples=0)

debian_sos=(sos)
current_sos=(env PYTHONPATH="$sos_source" python3 "$sos_source/bin/sos")
current_version=$("${current_sos[@]}" --version 2>/dev/null | awk '/version/ {print $NF}')

mkdir -p "$work/debian" "$work/current"
"${debian_sos[@]}" report "${options[@]}" --tmp-dir "$work/debian" \
    -o "$(only "$(plugins_of "${debian_sos[@]}")")" >"$work/debian.log" 2>&1
"$repo/target/debug/collector" --root / --quiet -o "$work/nodesnap.tar.gz"
"${current_sos[@]}" report "${options[@]}" --tmp-dir "$work/current" \
    -o "$(only "$(plugins_of "${current_sos[@]}")")" >"$work/current.log" 2>&1

trim() {
    local archive=$1 name=$2 dir="$work/trim-$2"
    mkdir -p "$dir"
    tar -xJf "$archive" -C "$dir"
    local top
    top=$(ls "$dir")
    (
        cd "$dir/$top"
        rm -rf environment proc/kallsyms proc/sys/net proc/slabinfo proc/zoneinfo \
            proc/buddyinfo proc/locks proc/softirqs proc/driver proc/misc \
            sos_reports/sos.html sos_reports/sos.json sos_reports/sos.txt \
            sos_commands/kernel/dmesg* sos_commands/kernel/sysctl_-a sos_commands/kernel/ls_* \
            sos_commands/docker/docker_events* sos_commands/*/journalctl_* \
            sos_commands/docker/images proc/cmdline sos_commands/cgroups/systemd-cgls \
            sos_commands/system
        find proc -maxdepth 2 -name stack -delete
        find sos_logs -type f -delete
    )
    # A secret-looking line in what is left stops the run: check it by hand.
    if grep -rIlE '(PASSWORD|SECRET|TOKEN|PRIVATE KEY)' "$dir/$top" >"$work/secrets" 2>/dev/null; then
        echo "secret-looking text in $name:" >&2
        cat "$work/secrets" >&2
        exit 1
    fi
    tar -C "$dir" --sort=name --owner=0 --group=0 --numeric-owner -cJf "$out/$name.tar.xz" "$top"
}
trim "$(ls "$work"/debian/*.tar.xz)" "sosreport-debian-4.0"
trim "$(ls "$work"/current/*.tar.xz)" "sosreport-$current_version"
cp "$work/nodesnap.tar.gz" "$out/nodesnap.tar.gz"
# This machine's own control processes are no part of the node: their arguments go.
python3 "$repo/scripts/scrub-fixture-cmdlines.py" "$out"/*.tar.xz "$out/nodesnap.tar.gz"
ls -l "$out"
