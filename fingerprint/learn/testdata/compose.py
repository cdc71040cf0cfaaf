#!/usr/bin/env python3
"""Writes the captures of one model at three firmware versions.

Each file is what `nmap -sT -sV --script ...` (nmap 7.93) writes for one
unit of the fictional Acme R100 router: a web interface on 80 and 443 whose
title and Server header carry the firmware version, a Basic realm, a
certificate, an SSH server whose version string carries it too, and a
telnet login prompt. Each unit has its own SSH host key. The element
layout copies real nmap 7.93 output (importer/testdata/real/).

Usage: python3 fingerprint/learn/testdata/compose.py  (from the repository root or anywhere)
"""
import base64
import hashlib
import html
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
CERT = os.path.join(HERE, "..", "..", "..", "importer", "testdata", "regen", "acme-r100.crt")
FIRMWARE = ["1.2.3", "1.2.10", "1.3.0"]


def ed25519_blob(seed):
    # A well-formed ssh-ed25519 public key blob; the 32 key bytes are a
    # hash of the seed (no private key exists, none is needed).
    key = hashlib.sha256(seed.encode()).digest()
    name = b"ssh-ed25519"
    return base64.b64encode(struct.pack(">I", len(name)) + name + struct.pack(">I", len(key)) + key).decode()


def esc(s):
    return html.escape(s, quote=True).replace("\n", "&#xa;")


def port(portid, service, scripts):
    return (f'<port protocol="tcp" portid="{portid}"><state state="open" reason="syn-ack" reason_ttl="0"/>'
            f"{service}{''.join(scripts)}</port>\n")


def script(sid, output, body=""):
    return f'<script id="{sid}" output="{esc(output)}">{body}</script>'


def capture(fw, unit, start):
    pem = open(CERT).read()
    title = f"Acme R100 (fw {fw})"
    server = f"Acme-httpd/{fw}"
    banner = f"SSH-2.0-AcmeSSH_{fw}"
    http_scripts = [
        script("http-server-header", server, f"<elem>{esc(server)}</elem>"),
        script("http-title", title, f'<elem key="title">{esc(title)}</elem>'),
        script("http-favicon", "Unknown favicon MD5: 6B7E0C1BD05C3D4ECB9AE2C5E0F1D2A3"),
        script("http-auth", "\nHTTP/1.1 401 Unauthorized\r\n  Basic realm=Acme R100\n",
               '<table>\n<elem key="scheme">Basic</elem>\n<table key="params">\n<elem key="realm">Acme R100</elem>\n</table>\n</table>\n'),
    ]
    ports = [
        port(22, f'<service name="ssh" extrainfo="protocol 2.0" method="probed" conf="10"/>',
             [script("banner", banner),
              script("ssh-hostkey", "\n  256 00 (ED25519)",
                     f'<table>\n<elem key="key">{ed25519_blob(unit)}</elem>\n<elem key="bits">256</elem>\n'
                     f'<elem key="type">ssh-ed25519</elem>\n</table>\n')]),
        port(23, '<service name="telnet" method="probed" conf="10"/>', [script("banner", "Acme R100 login:\\x20")]),
        port(80, f'<service name="http" product="Acme-httpd" version="{fw}" method="probed" conf="10"/>', http_scripts),
        port(443, f'<service name="http" product="Acme-httpd" version="{fw}" tunnel="ssl" method="probed" conf="10"/>',
             http_scripts + [script("ssl-cert", "Subject: commonName=acme-r100.local",
                                    f'<elem key="pem">{esc(pem)}</elem>\n')]),
    ]
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE nmaprun>
<nmaprun scanner="nmap" args="nmap -sT -sV --version-intensity 9 -Pn -n -p T:22,23,80,443 --script http-title,http-server-header,http-favicon,http-auth,ssl-cert,ssh-hostkey,banner -oX - 192.0.2.10" start="{start}" version="7.93" xmloutputversion="1.05">
<scaninfo type="connect" protocol="tcp" numservices="4" services="22-23,80,443"/>
<host starttime="{start}" endtime="{start + 20}"><status state="up" reason="user-set" reason_ttl="0"/>
<address addr="192.0.2.10" addrtype="ipv4"/>
<ports>{''.join(ports)}</ports>
</host>
<runstats><finished time="{start + 20}"/><hosts up="1" down="0" total="1"/></runstats>
</nmaprun>
"""


for i, fw in enumerate(FIRMWARE):
    path = os.path.join(HERE, f"acme-r100-fw{fw}.xml")
    with open(path, "w") as f:
        f.write(capture(fw, f"unit-{i}", 1790000000 + i * 86400 * 30))
    print(path)
