#!/usr/bin/env bash
# Runs a command inside a fresh network namespace built to catch traffic leaving the machine:
#  - loopback up; IPv6 off (no router solicitations or DAD of our own);
#  - a dummy interface (a veth pair where the kernel has no dummy driver) holding the default
#    route, so any packet for an outside address is counted in its TX counter;
#  - /etc/netns/NAME/resolv.conf (mounted by `ip netns exec`) pointing at 127.0.0.1, where a
#    recorder logs every DNS query to a file.
# The tests read TEST_DNS_LOG and TEST_EGRESS_IF and assert that both stay empty/zero.
# Without CAP_NET_ADMIN (not root) the command runs as is, and the egress tests skip saying so.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ] || ! ip netns add "ecs-probe-$$" 2>/dev/null; then
  echo "[netns] cannot create network namespaces (needs root/CAP_NET_ADMIN): running without isolation" >&2
  exec "$@"
fi
ip netns del "ecs-probe-$$"

ns="ecs-test-$$"
workdir=$(mktemp -d)
dns_log="$workdir/dns-queries.log"
recorder_pid=""
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
  [ -n "$recorder_pid" ] && kill "$recorder_pid" 2>/dev/null && wait "$recorder_pid" 2>/dev/null
  ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
  ip netns del "$ns" 2>/dev/null
  rm -rf "/etc/netns/$ns" "$workdir"
}
trap cleanup EXIT

ip netns add "$ns"
ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
ip netns exec "$ns" ip link set lo up
if ip netns exec "$ns" ip link add egress0 type dummy 2>/dev/null; then
  kind=dummy
else
  ip netns exec "$ns" ip link add egress0 type veth peer name egress0p
  ip netns exec "$ns" ip link set egress0p up
  kind="veth (no dummy driver in this kernel)"
fi
# 192.0.2.0/24 is TEST-NET-1 (RFC 5737): documentation only, nothing answers there.
ip netns exec "$ns" ip addr add 192.0.2.2/24 dev egress0
ip netns exec "$ns" ip link set egress0 up
ip netns exec "$ns" ip route add default via 192.0.2.1 dev egress0
mkdir -p "/etc/netns/$ns"
printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' > "/etc/netns/$ns/resolv.conf"

: > "$dns_log"
ip netns exec "$ns" node test/helpers/dnsRecorder.mjs "$dns_log" &
recorder_pid=$!
for _ in $(seq 50); do grep -q '^# listening' "$dns_log" && break; sleep 0.1; done
grep -q '^# listening' "$dns_log" || { echo "[netns] DNS recorder did not start" >&2; exit 1; }
echo "[netns] $ns: default route via $kind egress0, resolver 127.0.0.1 (recorder log $dns_log)"

set +e
ip netns exec "$ns" env TEST_NETNS="$ns" TEST_DNS_LOG="$dns_log" TEST_EGRESS_IF=egress0 "$@"
rc=$?
set -e
queries=$(grep -vc '^#' "$dns_log" || true)
tx=$(ip netns exec "$ns" cat /sys/class/net/egress0/statistics/tx_packets)
echo "[netns] DNS queries recorded: $queries; packets sent on egress0: $tx"
exit "$rc"
