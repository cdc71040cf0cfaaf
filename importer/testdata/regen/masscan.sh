#!/usr/bin/env bash
# Regenerates the masscan fixtures in importer/testdata/real/ with the real
# Debian masscan against services.py (the fake "Acme R100" device):
#
#   masscan-banners.json    -oJ with --banners
#   masscan-banners.ndjson  -oD (ndjson) with --banners
#   masscan-status.json     -oJ without --banners (status records only)
#
# masscan cannot scan the loopback interface (it sends raw Ethernet frames
# through libpcap), so this builds a two-namespace lab of its own:
#
#   netns cpt-scan                          netns cpt-target
#   veth-scan 10.77.0.1/24  <--- veth --->  veth-target 10.77.0.2/24
#   02:77:00:00:00:01                       02:77:00:00:00:02
#   masscan, --source-ip 10.77.0.3          services.py on 10.77.0.2
#
# 10.77.0.0/24 exists only inside these two namespaces; no packet leaves
# them. masscan uses 10.77.0.3, an address the cpt-scan kernel does not have,
# so that kernel drops (and does not RST) the SYN-ACKs that masscan's own TCP
# stack handles; masscan answers the target's ARP requests for 10.77.0.3.
# The namespaces, and the services, are removed on exit.
#
# Usage (as root, from anywhere): importer/testdata/regen/masscan.sh
set -euo pipefail

REGEN=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$REGEN/../../.." && pwd)
OUT=importer/testdata/real
STATE=/tmp/cpt-regen-masscan
NS_SCAN=cpt-scan
NS_TARGET=cpt-target
SCAN_IP=10.77.0.1
TARGET_IP=10.77.0.2
SOURCE_IP=10.77.0.3
SCAN_MAC=02:77:00:00:00:01
TARGET_MAC=02:77:00:00:00:02
PORTS=8080,8443,2222,2323

cd "$ROOT"
mkdir -p "$OUT" "$STATE"

need=()
command -v masscan >/dev/null || need+=(masscan)
command -v ping >/dev/null || need+=(iputils-ping)
command -v ip >/dev/null || need+=(iproute2)
if ((${#need[@]})); then
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
fi

stop_pinger() {
	local pidfile=$STATE/ping.pid pid
	[[ -f $pidfile ]] || return 0
	pid=$(cat "$pidfile")
	if [[ -n $pid ]] && grep -qs ping "/proc/$pid/cmdline"; then
		kill "$pid" 2>/dev/null || true
	fi
	rm -f "$pidfile"
}

stop_services() {
	local pidfile=$STATE/services.pid pid
	[[ -f $pidfile ]] || return 0
	pid=$(cat "$pidfile")
	# Only ever our own services.py, found by the pid we recorded.
	if [[ -n $pid ]] && grep -qs services.py "/proc/$pid/cmdline"; then
		kill "$pid" 2>/dev/null || true
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	fi
	rm -f "$pidfile" "$STATE/ready"
}

cleanup() {
	stop_pinger
	stop_services
	local ns
	for ns in "$NS_SCAN" "$NS_TARGET"; do
		if ip netns list | grep -qw "^$ns"; then ip netns del "$ns"; fi
	done
}
trap cleanup EXIT
cleanup   # leftovers of an earlier, interrupted run

# --- the lab -----------------------------------------------------------------
ip netns add "$NS_SCAN"
ip netns add "$NS_TARGET"
# Created inside cpt-scan with its peer moved straight into cpt-target, so the
# host's own namespace never sees either end.
ip -n "$NS_SCAN" link add veth-scan address "$SCAN_MAC" type veth \
	peer name veth-target address "$TARGET_MAC" netns "$NS_TARGET"
ip -n "$NS_SCAN" addr add "$SCAN_IP/24" dev veth-scan
ip -n "$NS_TARGET" addr add "$TARGET_IP/24" dev veth-target
for ns in "$NS_SCAN" "$NS_TARGET"; do
	ip -n "$ns" link set lo up
done
ip -n "$NS_SCAN" link set veth-scan up
ip -n "$NS_TARGET" link set veth-target up
# No IPv6 chatter (router solicitations, DAD) on the veth pair.
for ns in "$NS_SCAN" "$NS_TARGET"; do
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
done

ip netns exec "$NS_TARGET" setsid python3 "$REGEN/services.py" --bind "$TARGET_IP" \
	--ready-file "$STATE/ready" </dev/null >"$STATE/services.log" 2>&1 &
echo $! >"$STATE/services.pid"
for _ in $(seq 100); do [[ -s $STATE/ready ]] && break; sleep 0.1; done
if [[ ! -s $STATE/ready ]]; then
	echo "services.py did not start:" >&2
	cat "$STATE/services.log" >&2
	exit 1
fi
cp "$STATE/ready" "$STATE/services.pid"
# The lab works at all: the scan side reaches the target's HTTP service.
ip netns exec "$NS_SCAN" python3 -c 'import socket,sys; socket.create_connection((sys.argv[1], 8080), 3).close()' "$TARGET_IP"

# --- the scans ---------------------------------------------------------------
# masscan's receive thread sits in libpcap, whose read timeout on Linux only
# runs once a packet has arrived: on a link that falls silent, masscan never
# notices that --wait is over and hangs (seen: "waiting -604-secs"), and
# packets it should answer wait too. A ping from the target to the scan
# side's own kernel address keeps a frame on veth-scan every 0.2 s. masscan
# ignores it (it is not addressed to 10.77.0.3).
ip netns exec "$NS_TARGET" ping -q -i 0.2 "$SCAN_IP" >/dev/null 2>&1 &
echo $! >"$STATE/ping.pid"

{ masscan --version || true; } | sed -n "/version/p"   # it exits 1 after printing
MASSCAN=(timeout 300 ip netns exec "$NS_SCAN" masscan --adapter veth-scan
	--source-ip "$SOURCE_IP" --router-mac "$TARGET_MAC" -p"$PORTS" --wait 3)
set -x
"${MASSCAN[@]}" --banners -oJ "$OUT/masscan-banners.json" "$TARGET_IP"
"${MASSCAN[@]}" --banners -oD "$OUT/masscan-banners.ndjson" "$TARGET_IP"
"${MASSCAN[@]}" -oJ "$OUT/masscan-status.json" "$TARGET_IP"
{ set +x; } 2>/dev/null

for f in masscan-banners.json masscan-banners.ndjson masscan-status.json; do
	if [[ ! -s $OUT/$f ]]; then
		echo "$f is empty: masscan found nothing" >&2
		exit 1
	fi
done
ls -l "$OUT"/masscan-*
