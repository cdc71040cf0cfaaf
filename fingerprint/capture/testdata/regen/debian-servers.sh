#!/usr/bin/env bash
# Regenerates fingerprint/capture/testdata/debian-servers.xml: generic
# servers as Debian packages them (lighttpd, mini-httpd, dropbear), run on
# high ports of 127.0.0.1 with their stock pages and keys, captured with
# the real nmap exactly as `certprint profile capture` runs it. Embedded
# devices ship the same servers; a registry of such devices must leave
# these plain servers unknown, and this file is that background.
#
# Network: only 127.0.0.1, only the three ports below. Nothing is left
# running: the servers are started in the foreground of this script's
# children and stopped by the pids recorded here, and package installs do
# not start the Debian services (a policy-rc.d refuses them for the
# duration of the install).
#
# Usage (as root, from anywhere): fingerprint/capture/testdata/regen/debian-servers.sh
set -euo pipefail

REGEN=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$REGEN/../../../.." && pwd)
OUT=fingerprint/capture/testdata/debian-servers.xml
STATE=$(mktemp -d /tmp/cpt-debian-servers.XXXXXX)
LIGHTTPD_PORT=18080
MINI_HTTPD_PORT=18081
DROPBEAR_PORT=12222
# What capture.arguments builds for these ports (keep them in step).
SCRIPTS=http-title,http-server-header,http-favicon,http-auth,ssl-cert,ssh-hostkey,banner

cd "$ROOT"

install_packages() {
	local missing=()
	command -v nmap >/dev/null || missing+=(nmap)
	command -v lighttpd >/dev/null || [[ -x /usr/sbin/lighttpd ]] || missing+=(lighttpd)
	[[ -x /usr/sbin/mini_httpd ]] || missing+=(mini-httpd)
	# dropbear-bin: the server and dropbearkey, without the initramfs hooks
	# of the dropbear metapackage.
	[[ -x /usr/sbin/dropbear ]] || missing+=(dropbear-bin)
	[[ ${#missing[@]} -eq 0 ]] && return
	local policy=/usr/sbin/policy-rc.d created=0
	if [[ ! -e $policy ]]; then
		printf '#!/bin/sh\nexit 101\n' >"$policy"
		chmod +x "$policy"
		created=1
	fi
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
	if [[ $created == 1 ]]; then rm -f "$policy"; fi
}

pids=()
cleanup() {
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${pids[@]}"; do
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	done
	rm -rf "$STATE"
}
trap cleanup EXIT

port_free() {
	! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

wait_port() {
	for _ in $(seq 50); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.1
	done
	echo "nothing listens on 127.0.0.1:$1" >&2
	return 1
}

install_packages
for p in $LIGHTTPD_PORT $MINI_HTTPD_PORT $DROPBEAR_PORT; do
	port_free "$p" || { echo "127.0.0.1:$p is taken; stop what listens there first" >&2; exit 1; }
done

# The stock pages: Debian's lighttpd placeholder, and a bare directory for
# mini_httpd (it lists it, as it does out of the box).
mkdir -p "$STATE/lighttpd" "$STATE/mini"
if [[ -f /var/www/html/index.lighttpd.html ]]; then
	cp /var/www/html/index.lighttpd.html "$STATE/lighttpd/index.html"
else
	echo '<html><head><title>Placeholder page</title></head><body>lighttpd</body></html>' >"$STATE/lighttpd/index.html"
fi
cat >"$STATE/lighttpd.conf" <<CONF
server.document-root = "$STATE/lighttpd"
server.bind = "127.0.0.1"
server.port = $LIGHTTPD_PORT
server.errorlog = "$STATE/lighttpd.log"
index-file.names = ("index.html")
mimetype.assign = (".html" => "text/html")
CONF
/usr/sbin/lighttpd -D -f "$STATE/lighttpd.conf" &
pids+=($!)
/usr/sbin/mini_httpd -D -h 127.0.0.1 -p $MINI_HTTPD_PORT -d "$STATE/mini" -l "$STATE/mini.log" &
pids+=($!)
/usr/bin/dropbearkey -t ed25519 -f "$STATE/dropbear_ed25519" >/dev/null 2>&1
/usr/sbin/dropbear -F -E -s -p 127.0.0.1:$DROPBEAR_PORT -r "$STATE/dropbear_ed25519" 2>"$STATE/dropbear.log" &
pids+=($!)
wait_port $LIGHTTPD_PORT
wait_port $MINI_HTTPD_PORT
wait_port $DROPBEAR_PORT

nmap --version | sed -n 1p
set -x
nmap -sT -sV --version-intensity 9 -Pn -n --noninteractive -p T:$LIGHTTPD_PORT,$MINI_HTTPD_PORT,$DROPBEAR_PORT \
	--script "$SCRIPTS" -oX - 127.0.0.1 >"$STATE/out.xml"
{ set +x; } 2>/dev/null
mv "$STATE/out.xml" "$OUT"
ls -l "$OUT"
