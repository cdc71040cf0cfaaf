#!/usr/bin/env python3
"""Composes the ZGrab2 fixtures in this directory (see README.md).

Standard library only, plus the openssl command for the certificates:

    python3 compose.py

Every record is written by hand in the shape zgrab2's modules write
(FORMATS.md A.3); none was captured from a real zgrab2 run. Hashes are
computed from the values they describe, so the importer's outputs can be
checked against them.
"""

import base64
import hashlib
import json
import os
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
REGEN = os.path.join(HERE, "..", "regen")


def der_b64(pem_path):
    der = subprocess.run(["openssl", "x509", "-in", pem_path, "-outform", "DER"],
                         check=True, capture_output=True).stdout
    return base64.b64encode(der).decode(), hashlib.sha256(der).hexdigest()


def serial(pem_path):
    out = subprocess.run(["openssl", "x509", "-in", pem_path, "-noout", "-serial"],
                         check=True, capture_output=True, text=True).stdout
    return str(int(out.strip().split("=", 1)[1], 16))


def line(obj):
    # zgrab2 writes Go's encoding/json: compact, <>& escaped.
    s = json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
    return s.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def tls_log(pem_path, subject, issuer, raw=True, version="TLSv1.2",
            suite=("0xC02B", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", 49195)):
    b64, sha = der_b64(pem_path)
    dn = lambda d: ", ".join("%s=%s" % (k, v[0]) for k, v in
                             (("CN", d.get("common_name")), ("O", d.get("organization")),
                              ("OU", d.get("organizational_unit")), ("C", d.get("country"))) if v)
    cert = {"parsed": {
        "version": 3, "serial_number": serial(pem_path),
        "issuer": issuer, "issuer_dn": dn(issuer),
        "subject": subject, "subject_dn": dn(subject),
        "signature": {"valid": True, "self_signed": True},
        "fingerprint_sha256": sha, "validation_level": "unknown", "redacted": False}}
    if raw:
        cert = {"raw": b64, **cert}
    return {"handshake_log": {
        "client_hello": {"version": {"name": "TLSv1.2", "value": 771}},
        "server_hello": {"version": {"name": version, "value": 771},
                         "random": base64.b64encode(hashlib.sha256(b"random" + pem_path.encode()).digest()).decode(),
                         "cipher_suite": {"hex": suite[0], "name": suite[1], "value": suite[2]}},
        "server_certificates": {"certificate": cert,
                                "validation": {"browser_trusted": False, "browser_error": "x509: certificate signed by unknown authority"}}}}


# --- loopback.jsonl: the services of ../regen/services.py on 127.0.0.1 ---

BODY = "<html><head><title>Acme R100 (fw 1.2.3)</title></head><body>login</body></html>"
ETAG = '"' + hashlib.sha1(BODY.encode()).hexdigest()[:16] + '"'
ACME = os.path.join(REGEN, "acme-r100.crt")
ACME_NAME = {"common_name": ["acme-r100.local"], "organization": ["Acme Corp"], "country": ["JP"]}


def acme_response(scheme, port, cookie, tls=None):
    request = {"url": {"scheme": scheme, "host": "127.0.0.1:%d" % port, "path": "/"}, "method": "GET",
               "headers": {"unknown": [{"key": "accept", "value": ["*/*"]},
                                       {"key": "user_agent", "value": ["Mozilla/5.0 zgrab/0.x"]}]},
               "host": "127.0.0.1:%d" % port}
    if tls:
        request["tls_log"] = tls
    return {"response": {
        "status_line": "200 OK", "status_code": 200, "protocol": "HTTP/1.1",
        "protocol_major": 1, "protocol_minor": 1,
        "headers": {"content_length": [str(len(BODY))], "content_type": ["text/html; charset=utf-8"],
                    "etag": [ETAG], "server": ["Acme-httpd/1.0"],
                    "set_cookie": ["sid=%s; Path=/; HttpOnly" % cookie]},
        "body": BODY, "body_sha256": hashlib.sha256(BODY.encode()).hexdigest(),
        "content_length": len(BODY), "request": request}}


loopback = [
    {"ip": "127.0.0.1", "data": {
        "http8080": {"status": "success", "protocol": "http", "port": 8080,
                     "result": acme_response("http", 8080, "3f9a0c5e1b7d4a2f8e6c0b9a7d5e3f1a"),
                     "timestamp": "2026-11-23T06:23:06Z"},
        "https8443": {"status": "success", "protocol": "http", "port": 8443,
                      "result": acme_response("https", 8443, "b2e4d6f8a0c2e4f6a8b0c2d4e6f8a0b2",
                                              tls_log(ACME, ACME_NAME, ACME_NAME)),
                      "timestamp": "2026-11-23T06:23:06Z"},
        "ssh2222": {"status": "handshake-error", "protocol": "ssh", "port": 2222,
                    "result": {"server_id": {"raw": "SSH-2.0-AcmeSSH_1.0", "version": "2.0",
                                             "software": "AcmeSSH_1.0"}},
                    "timestamp": "2026-11-23T06:23:16Z",
                    "error": "ssh: handshake failed: read tcp 127.0.0.1:51734-\u003e127.0.0.1:2222: i/o timeout"},
        "banner2323": {"status": "success", "protocol": "banner", "port": 2323,
                       "result": {"banner": "Acme R100 login: ", "length": 17},
                       "timestamp": "2026-11-23T06:23:17Z"},
        "banner9": {"status": "connection-refused", "protocol": "banner", "port": 9,
                    "timestamp": "2026-11-23T06:23:17Z",
                    "error": "dial tcp 127.0.0.1:9: connect: connection refused"},
    }},
]

# --- modules.jsonl: every module and status the reader handles ---

NVR = os.path.join(HERE, "nvr.crt")
NVR_NAME = {"common_name": ["nvr.example"], "organization": ["Example Video"],
            "organizational_unit": ["NVR"], "country": ["TW"]}
HOSTKEY = "AAAAC3NzaC1lZDI1NTE5AAAAIOkbxFOmwqMyzziWUgE9Q40X91Q85bagd2y2bKXDeB+9"
HOSTKEY_SHA = hashlib.sha256(base64.b64decode(HOSTKEY)).hexdigest()
NVR_BODY = "<html><head><title>NVR &amp; DVR\n  Login</title></head><body>...</body></html>"
ROUTER_BODY = "<!DOCTYPE html><html><head><TITLE>Router Admin</TITLE></head></html>"
KEX = ["curve25519-sha256", "curve25519-sha256@libssh.org", "ecdh-sha2-nistp256",
       "diffie-hellman-group14-sha256", "kex-strict-s-v00@openssh.com"]

modules = [
    # 1: http as the 2018 sample writes it: protocol object, no port anywhere
    # (default 80), unknown headers, upper-case body_sha256, +09:00 offset.
    {"ip": "198.51.100.7", "domain": "nvr.example", "data": {"http": {
        "status": "success", "protocol": "http",
        "result": {"response": {
            "status_line": "200 OK", "status_code": 200,
            "protocol": {"name": "HTTP/1.1", "major": 1, "minor": 1},
            "headers": {"content_type": ["text/html"], "server": ["Boa/0.94.14rc21"],
                        "www_authenticate": ['Basic realm="NVR"'], "x_frame_options": ["SAMEORIGIN"],
                        "unknown": [{"key": "x_generator", "value": ["DVR-WebUI"]},
                                    {"key": "date", "value": ["Wed, 01 May 2024 01:00:00 GMT"]},
                                    {"key": "x_powered_by", "value": ["PHP/5.2", "DVR"]}]},
            "body": NVR_BODY, "body_sha256": hashlib.sha256(NVR_BODY.encode()).hexdigest().upper(),
            "request": {"url": {"scheme": "http", "host": "198.51.100.7", "path": "/"}, "method": "GET"}}},
        "timestamp": "2024-05-01T19:00:00+09:00"}}},
    # 2: a redirect followed: the final response counts; the port is the
    # record's; body_sha256 in the --compute-decoded-body-hash form is left out.
    {"ip": "198.51.100.8", "port": 8080, "data": {"http": {
        "status": "success", "protocol": "http",
        "result": {"redirect_response_chain": [{"status_line": "302 Found", "status_code": 302,
                                                "headers": {"location": ["/admin/"], "server": ["Old/1"]}}],
                   "response": {"status_line": "200 OK", "status_code": 200, "protocol": "HTTP/1.0",
                                "headers": {"server": ["mini_httpd/1.19 19dec2003"]},
                                "body": ROUTER_BODY, "body_sha256": "sha256:0123",
                                "request": {"url": {"scheme": "http", "host": "198.51.100.8:8080",
                                                    "path": "/admin/"}, "method": "GET"}}},
        "timestamp": "2024-05-01T10:00:01Z"}}},
    # 3: IPv6, a scanner named "https" with no protocol member and no port
    # (default 443), a certificate given only parsed.
    {"ip": "2001:db8::10", "data": {"https": {
        "status": "success",
        "result": {"response": {"status_line": "401 Unauthorized", "status_code": 401,
                                "headers": {"server": ["lighttpd"],
                                            "www_authenticate": ['Digest realm="cam", nonce="abc"']},
                                "request": {"url": {"scheme": "https", "host": "[2001:db8::10]", "path": "/"},
                                            "tls_log": tls_log(NVR, NVR_NAME, NVR_NAME, raw=False)}}},
        "timestamp": "2024-05-01T10:00:02Z"}}},
    # 4: the tls module with the certificate's DER.
    {"ip": "203.0.113.5", "data": {"tls": {
        "status": "success", "protocol": "tls", "port": 443,
        "result": dict(tls_log(NVR, NVR_NAME, NVR_NAME,
                               suite=("0xC02F", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", 49199)),
                       handshake_completed_successfully=True),
        "timestamp": "2024-05-01T10:00:03Z"}}},
    # 5: ssh with the host key blob; 6: with only its fingerprint.
    {"ip": "203.0.113.6", "data": {"ssh": {
        "status": "success", "protocol": "ssh", "port": 22,
        "result": {"server_id": {"raw": "SSH-2.0-dropbear_2020.81", "version": "2.0", "software": "dropbear_2020.81"},
                   "server_key_exchange": {"cookie": "dl2LAEeZ7cvx0xQrjs3PXw==", "kex_algorithms": KEX,
                                           "host_key_algorithms": ["ssh-ed25519"]},
                   "algorithm_selection": {"dh_kex_algorithm": "curve25519-sha256", "host_key_algorithm": "ssh-ed25519"},
                   "key_exchange": {"server_host_key": {"raw": HOSTKEY, "algorithm": "ssh-ed25519",
                                                        "fingerprint_sha256": HOSTKEY_SHA}}},
        "timestamp": "2024-05-01T10:00:04Z"}}},
    {"ip": "203.0.113.7", "data": {"ssh2200": {
        "status": "success", "protocol": "ssh", "port": 2200,
        "result": {"server_id": {"raw": "SSH-2.0-OpenSSH_8.9p1 Ubuntu-3", "version": "2.0"},
                   "key_exchange": {"server_host_key": {"algorithm": "ecdsa-sha2-nistp256",
                                                        "fingerprint_sha256": HOSTKEY_SHA.upper()}}},
        "timestamp": "2024-05-01T10:00:05Z"}}},
    # 7: the banner module: plain, --hex, --base64, --tls; and a pattern
    # that did not match (protocol-error, result kept).
    {"ip": "203.0.113.8", "data": {
        "banner5000": {"status": "success", "protocol": "banner", "port": 5000,
                       "result": {"banner": "220 FOO-BOX ready\r\n", "length": 19},
                       "timestamp": "2024-05-01T10:00:06Z"},
        "banner5001": {"status": "success", "protocol": "banner", "port": 5001,
                       "result": {"banner": b"\x00\x01HELLO\xff".hex(), "length": 8},
                       "timestamp": "2024-05-01T10:00:06Z"},
        "banner5002": {"status": "success", "protocol": "banner", "port": 5002,
                       "result": {"banner": base64.b64encode(b"RFB 003.008\n").decode(), "length": 12},
                       "timestamp": "2024-05-01T10:00:06Z"},
        "banner4433": {"status": "success", "protocol": "banner", "port": 4433,
                       "result": {"banner": "HTTP/1.0 400 Bad Request\r\n\r\n", "length": 28,
                                  "tls": tls_log(NVR, NVR_NAME, NVR_NAME)},
                       "timestamp": "2024-05-01T10:00:06Z"},
        "banner5003": {"status": "protocol-error", "protocol": "banner", "port": 5003,
                       "result": {"banner": "deadbeef", "length": 8},
                       "timestamp": "2024-05-01T10:00:06Z", "error": "pattern did not match"},
    }},
    # 8: ftp, plain and with AUTH TLS (the port stays plain); telnet.
    {"ip": "203.0.113.9", "data": {
        "ftp": {"status": "success", "protocol": "ftp", "port": 21,
                "result": {"banner": "220 (vsFTPd 3.0.3)\r\n"}, "timestamp": "2024-05-01T10:00:07Z"},
        "ftp2121": {"status": "success", "protocol": "ftp", "port": 2121,
                    "result": {"banner": "220 NAS FTP server ready.\r\n", "auth_tls": "234 AUTH TLS OK.\r\n",
                               "tls": tls_log(NVR, NVR_NAME, NVR_NAME)},
                    "timestamp": "2024-05-01T10:00:07Z"},
        "telnet": {"status": "success", "protocol": "telnet", "port": 23,
                   "result": {"banner": "\r\nBusyBox v1.19.4 (2019-01-01) built-in shell\r\nCAM-100 login: ",
                              "will": [{"name": "Echo", "value": 1}], "do": [{"name": "Terminal Type", "value": 24}]},
                   "timestamp": "2024-05-01T10:00:07Z"},
    }},
    # 9: modules the reader has no parser for: name kept, no fields; ntp is
    # UDP; mqtt has no default port here.
    {"ip": "203.0.113.10", "data": {
        "smtp": {"status": "success", "protocol": "smtp", "port": 25,
                 "result": {"banner": "220 mail ESMTP"}, "timestamp": "2024-05-01T10:00:08Z"},
        "ntp": {"status": "success", "protocol": "ntp", "port": 123,
                "result": {"version": 4}, "timestamp": "2024-05-01T10:00:08Z"},
        "mqtt": {"status": "success", "protocol": "mqtt", "timestamp": "2024-05-01T10:00:08Z"},
    }},
    # 10: what each status says of the port.
    {"ip": "203.0.113.11", "data": {
        "http80": {"status": "connection-refused", "protocol": "http", "port": 80,
                   "timestamp": "2024-05-01T10:00:09Z", "error": "connection refused"},
        "http81": {"status": "connection-timeout", "protocol": "http", "port": 81, "result": {},
                   "timestamp": "2024-05-01T10:00:09Z", "error": "dial timeout"},
        "http82": {"status": "io-timeout", "protocol": "http", "port": 82,
                   "timestamp": "2024-05-01T10:00:09Z", "error": "i/o timeout"},
        "banner83": {"status": "io-timeout", "protocol": "banner", "port": 83,
                     "result": {"banner": "login: ", "length": 7},
                     "timestamp": "2024-05-01T10:00:09Z", "error": "i/o timeout"},
        "http84": {"status": "handshake-error", "protocol": "http", "port": 84,
                   "timestamp": "2024-05-01T10:00:09Z", "error": "tls: handshake failure"},
        "http85": {"status": "application-error", "protocol": "http", "port": 85,
                   "result": {"response": {"status_line": "500 Internal Server Error", "status_code": 500,
                                           "headers": {"server": ["GoAhead-Webs"]}}},
                   "timestamp": "2024-05-01T10:00:09Z"},
        "tls86": {"status": "post-tls-application-error", "protocol": "tls", "port": 86,
                  "result": tls_log(NVR, NVR_NAME, NVR_NAME), "timestamp": "2024-05-01T10:00:09Z"},
        "ssh87": {"status": "unknown-error", "protocol": "ssh", "port": 87,
                  "timestamp": "2024-05-01T10:00:09Z", "error": "?"},
        "ssh88": {"status": "blocklisted-target", "protocol": "ssh", "port": 88,
                  "timestamp": "2024-05-01T10:00:09Z"},
        "banner89": {"status": "protocol-error", "protocol": "banner",
                     "timestamp": "2024-05-01T10:00:09Z"},
    }},
]

# --- notime.jsonl: records without timestamps (dated by --observed) ---

notime = [
    {"ip": "192.0.2.1", "data": {"http": {"status": "success", "protocol": "http", "port": 80,
                                          "result": {"response": {"status_code": 200,
                                                                  "headers": {"server": ["Acme-httpd/1.0"]}}}}}},
    {"ip": "192.0.2.2", "data": {"banner": {"status": "success", "protocol": "banner", "port": 2323,
                                            "result": {"banner": "Acme R100 login: ", "length": 17}}}},
]

for name, records in (("loopback.jsonl", loopback), ("modules.jsonl", modules), ("notime.jsonl", notime)):
    with open(os.path.join(HERE, name), "w") as f:
        for r in records:
            f.write(line(r) + "\n")
