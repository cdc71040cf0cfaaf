#!/usr/bin/env bash
# Creates the self-signed TEST certificate and key that services.py serves on
# 8443. Run once; the result is committed so the fixtures are reproducible.
# The key is a test key only: it protects nothing.
# Refuses to overwrite an existing pair unless --force is given (a new key
# changes the ssl-cert fingerprints and PEM in every fixture).
set -euo pipefail
cd "$(dirname "$0")"
if [[ -e acme-r100.crt && "${1:-}" != "--force" ]]; then
	echo "acme-r100.crt exists; pass --force to replace it" >&2
	exit 0
fi
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout acme-r100.key -out acme-r100.crt -days 36500 \
	-subj "/C=JP/O=Acme Corp/CN=acme-r100.local" \
	-addext "subjectAltName=DNS:acme-r100.local"
openssl x509 -in acme-r100.crt -noout -subject -issuer -dates -fingerprint -sha256
