#!/bin/sh
# The real node's CNI plugin (tests/src/realnode): changes nothing on the host. containerd 1.6's
# CRI plugin insists on an IP for eth0 in the pod's network namespace, so ADD makes a veth pair
# whose both ends live inside that namespace (eth0 and eth0-peer; the kernel here has no dummy
# driver) and answers with an address from 198.51.100.0/24 (TEST-NET-2, never routed: no
# traffic leaves the namespace). Installed under two names: `loopback`, which containerd runs
# for every pod before the network of its conf list, sets lo up; anything else handles eth0.
# DEL succeeds when the namespace is already gone, as the CNI spec asks.
set -eu

config=$(cat)
version=$(printf '%s' "$config" | sed -n 's/.*"cniVersion" *: *"\([^"]*\)".*/\1/p')
[ -n "$version" ] || version=1.0.0
kind=$(basename "$0")

error() {
    printf '{"cniVersion":"%s","code":%s,"msg":"%s"}\n' "$version" "$1" "$2"
    exit 1
}

in_netns() {
    nsenter --net="$CNI_NETNS" "$@"
}

case "${CNI_COMMAND:-}" in
VERSION)
    printf '{"cniVersion":"%s","supportedVersions":["0.3.0","0.3.1","0.4.0","1.0.0"]}\n' "$version"
    ;;
ADD)
    [ -n "${CNI_NETNS:-}" ] || error 4 "no CNI_NETNS"
    if [ "$kind" = loopback ]; then
        in_netns ip link set lo up || error 11 "cannot set lo up in $CNI_NETNS"
        printf '{"cniVersion":"%s","interfaces":[{"name":"lo","sandbox":"%s"}],"ips":[{"address":"127.0.0.1/8","interface":0}],"dns":{}}\n' \
            "$version" "$CNI_NETNS"
        exit 0
    fi
    ifname=${CNI_IFNAME:-eth0}
    # One address per sandbox, from its id: the pods never talk to each other.
    host=$(( $(printf '%s' "$CNI_CONTAINERID" | cksum | cut -d' ' -f1) % 250 + 2 ))
    address=198.51.100.$host/24
    in_netns ip link add "$ifname" type veth peer name "$ifname-peer" ||
        error 11 "cannot add $ifname in $CNI_NETNS"
    in_netns ip addr add "$address" dev "$ifname" || error 11 "cannot address $ifname"
    in_netns ip link set "$ifname-peer" up || error 11 "cannot set $ifname-peer up"
    in_netns ip link set "$ifname" up || error 11 "cannot set $ifname up"
    mac=$(in_netns cat "/sys/class/net/$ifname/address" 2>/dev/null || true)
    printf '{"cniVersion":"%s","interfaces":[{"name":"%s","mac":"%s","sandbox":"%s"}],"ips":[{"address":"%s","interface":0}],"dns":{}}\n' \
        "$version" "$ifname" "$mac" "$CNI_NETNS" "$address"
    ;;
DEL)
    if [ "$kind" != loopback ] && [ -n "${CNI_NETNS:-}" ] && [ -e "$CNI_NETNS" ]; then
        in_netns ip link del "${CNI_IFNAME:-eth0}" 2>/dev/null || true
    fi
    ;;
CHECK)
    [ -n "${CNI_NETNS:-}" ] || error 4 "no CNI_NETNS"
    if [ "$kind" = loopback ]; then
        in_netns ip link show lo >/dev/null || error 11 "no lo in $CNI_NETNS"
    else
        in_netns ip link show "${CNI_IFNAME:-eth0}" >/dev/null || error 11 "no eth0 in $CNI_NETNS"
    fi
    ;;
GC | STATUS)
    ;;
*)
    error 4 "unknown CNI_COMMAND '${CNI_COMMAND:-}'"
    ;;
esac
