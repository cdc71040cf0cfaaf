#!/usr/bin/env bash
# Regenerates the nmap fixtures in importer/testdata/real/ with the real
# Debian nmap against services.py (the fake "Acme R100" device):
#
#   nmap-loopback.xml   -sV + NSE scripts against 127.0.0.1
#   nmap-loopback6.xml  the same against ::1 (when ::1 can be bound)
#   nmap-truncated.xml  nmap-loopback.xml cut in the middle of its second
#                       <port> element, as an interrupted scan leaves it
#
# Network: packets go only to 127.0.0.1 / ::1. By default both services.py
# and nmap run inside a network namespace of our own (cpt-nmap) whose
# loopback is private, so nothing else listening on the host's 127.0.0.1:8080
# can answer instead of services.py (and nothing of ours collides with it).
# CPT_NMAP_NETNS=0 runs on the host's loopback instead.
#
# Usage (as root, from anywhere): importer/testdata/regen/nmap.sh
set -euo pipefail

REGEN=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$REGEN/../../.." && pwd)
OUT=importer/testdata/real          # relative: it appears in nmap's args attribute
NS=cpt-nmap
STATE=/tmp/cpt-regen-nmap
USE_NETNS=${CPT_NMAP_NETNS:-1}
PORTS=8080,8443,2222,2323,9
SCRIPTS=http-title,http-server-header,http-favicon,ssl-cert,ssh-hostkey,banner

cd "$ROOT"
mkdir -p "$OUT" "$STATE"

if ! command -v nmap >/dev/null; then
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nmap
fi

in_ns() {
	if [[ $USE_NETNS == 1 ]]; then ip netns exec "$NS" "$@"; else "$@"; fi
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
	stop_services
	if [[ $USE_NETNS == 1 ]] && ip netns list | grep -qw "^$NS"; then
		ip netns del "$NS"
	fi
}
trap cleanup EXIT
cleanup   # leftovers of an earlier, interrupted run

if [[ $USE_NETNS == 1 ]]; then
	ip netns add "$NS"
	ip -n "$NS" link set lo up
	# lo's ::1 appears a moment after lo goes up.
	for _ in $(seq 20); do ip -n "$NS" -6 addr show dev lo | grep -q '::1' && break; sleep 0.1; done
fi

BINDS=(--bind 127.0.0.1)
HAVE_V6=0
if in_ns python3 -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1", 0))' 2>/dev/null; then
	BINDS+=(--bind ::1)
	HAVE_V6=1
fi

# setsid: services.py gets its own process group, so an interrupted run's
# Ctrl-C reaches the script (whose trap stops it) rather than both at once.
in_ns setsid python3 "$REGEN/services.py" "${BINDS[@]}" --ready-file "$STATE/ready" \
	</dev/null >"$STATE/services.log" 2>&1 &
echo $! >"$STATE/services.pid"
for _ in $(seq 100); do [[ -s $STATE/ready ]] && break; sleep 0.1; done
if [[ ! -s $STATE/ready ]]; then
	echo "services.py did not start:" >&2
	cat "$STATE/services.log" >&2
	exit 1
fi
# ip netns exec execs, so $! is services.py itself; the ready file has its pid too.
cp "$STATE/ready" "$STATE/services.pid"

nmap --version | sed -n 1p
set -x
in_ns nmap -sV -Pn -p "$PORTS" --script "$SCRIPTS" -oX "$OUT/nmap-loopback.xml" 127.0.0.1
if [[ $HAVE_V6 == 1 ]]; then
	in_ns nmap -6 -sV -Pn -p "$PORTS" --script "$SCRIPTS" -oX "$OUT/nmap-loopback6.xml" ::1
else
	echo "::1 cannot be bound here; nmap-loopback6.xml not regenerated" >&2
fi
{ set +x; } 2>/dev/null

# An interrupted scan: cut the file in the middle of its second <port>
# element, halfway between its "<port " and its "</port>".
cut_at=$(python3 - "$OUT/nmap-loopback.xml" <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
first = data.index(b"<port ")
second = data.index(b"<port ", first + 1)
end = data.index(b"</port>", second)
print(second + (end - second) // 2)
PY
)
head -c "$cut_at" "$OUT/nmap-loopback.xml" >"$OUT/nmap-truncated.xml"
echo "nmap-truncated.xml: first $cut_at bytes of nmap-loopback.xml"
ls -l "$OUT"/nmap-*.xml
