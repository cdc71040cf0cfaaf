#!/usr/bin/env python3
"""Composes the nmap XML fixtures in this directory:

    python3 compose.py

  composed.xml            every script the reader knows, the composed example
                          of FORMATS.md A.2, an IPv6 host, ports nmap only
                          guessed (method="table"), closed and open|filtered
                          ports, a host without starttime, a host down
  cut-between-hosts.xml   composed.xml cut right after its second </host>,
                          as an interrupted scan can leave it
  hostile.xml.gz          control bytes, mojibake, a 2 MB title, a nesting
                          bomb, an undefined entity, a character reference
                          XML forbids, bad ports and transports; gzip, which
                          the importer reads by magic number

Standard library only, plus the openssl command for the certificate. Every
record is written by hand in the shape nmap 7.93 writes (FORMATS.md A.2);
none was captured from a real run (those are in ../real). Text goes through
the two escapes nmap applies: NSE's protect_xml (bytes below 0x20 but tab,
CR and LF, and above 0x7e, as \\xHH) for script output, and the core's XML
escape (xml.cc: one &#xNN; per byte outside printable ASCII) for all text.
The SSH key blobs are made-up bytes in the wire format; the script prints
the SHA-256 each one must import as.
"""

import base64
import gzip
import hashlib
import os
import struct
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
REGEN = os.path.join(HERE, "..", "regen")


def core(s):
    """nmap's xml.cc escape(): markup characters, then every byte below
    0x20 or above 0x7f as a hexadecimal character reference."""
    if isinstance(s, str):
        s = s.encode("utf-8")
    out = []
    prev = None
    for c in s:
        ch = chr(c)
        if ch == "<":
            out.append("&lt;")
        elif ch == ">":
            out.append("&gt;")
        elif ch == "&":
            out.append("&amp;")
        elif ch == '"':
            out.append("&quot;")
        elif ch == "'":
            out.append("&apos;")
        elif ch == "-" and prev == ord("-"):
            out.append("&#45;")
        elif c < 0x20 or c > 0x7F:
            out.append("&#x%x;" % c)
        else:
            out.append(ch)
        prev = c
    return "".join(out)


def protect(b):
    """NSE's protect_xml: unprintable bytes as \\xHH, tab, CR and LF kept."""
    if isinstance(b, str):
        b = b.encode("utf-8")
    out = bytearray()
    for c in b:
        if (c < 0x20 and c not in (9, 10, 13)) or c > 0x7E:
            out += b"\\x%02X" % c
        else:
            out.append(c)
    return bytes(out)


def nse(b):
    """A script value as it appears in the XML."""
    return core(protect(b))


def banner_output(data):
    """banner.nse's output(): every byte outside 32..126 as \\xHH, cut to
    63 characters at verbosity 0 ("..." past it), wrapped at 63 then 71."""
    s = "".join(chr(c) if 32 <= c <= 126 else "\\x%02X" % c for c in data)
    total = 63
    if len(s) > total:
        while len(s) > total:
            if len(s) >= 4 and s[-4:-2] == "\\x":
                s = s[:-4]
            else:
                s = s[:-1]
        s = s[: total - 3] + "..."
    lines, ptr = [], 63
    while True:
        if len(s) >= ptr:
            lines.append(s[:ptr])
            s = s[ptr:]
            ptr = 71
        else:
            lines.append(s)
            break
    return "\n".join(lines)


def ssh_string(b):
    return struct.pack(">I", len(b)) + b


def key_blob(kind):
    seed = hashlib.sha256(kind.encode()).digest()
    if kind == "ssh-ed25519":
        blob = ssh_string(b"ssh-ed25519") + ssh_string(seed)
    elif kind == "ecdsa-sha2-nistp256":
        point = b"\x04" + seed + hashlib.sha256(seed).digest()
        blob = ssh_string(b"ecdsa-sha2-nistp256") + ssh_string(b"nistp256") + ssh_string(point)
    else:
        n = b"\x00" + b"".join(hashlib.sha256(seed + bytes([i])).digest() for i in range(8))
        blob = ssh_string(b"ssh-rsa") + ssh_string(b"\x01\x00\x01") + ssh_string(n)
    return base64.b64encode(blob).decode(), hashlib.sha256(blob).hexdigest()


def hostkey_script(kinds):
    tables, lines = [], []
    bits = {"ssh-ed25519": 256, "ecdsa-sha2-nistp256": 256, "ssh-rsa": 2048}
    for kind in kinds:
        b64, sha = key_blob(kind)
        md5 = hashlib.md5(base64.b64decode(b64)).hexdigest()
        print("ssh key %-22s sha256 %s" % (kind, sha))
        lines.append("  %d %s (%s)" % (bits[kind], ":".join(md5[i:i + 2] for i in range(0, 32, 2)), kind))
        tables.append('<table>\n<elem key="key">%s</elem>\n<elem key="bits">%d</elem>\n'
                      '<elem key="type">%s</elem>\n<elem key="fingerprint">%s</elem>\n</table>\n'
                      % (b64, bits[kind], kind, md5))
    return '<script id="ssh-hostkey" output="%s">%s</script>' % (core("\n" + "\n".join(lines)), "".join(tables))


def pem(path):
    text = open(path).read()
    der = subprocess.run(["openssl", "x509", "-in", path, "-outform", "DER"],
                         check=True, capture_output=True).stdout
    print("certificate %s sha256 %s" % (os.path.basename(path), hashlib.sha256(der).hexdigest()))
    return text


def port(proto, portid, state, service="", scripts="", reason="syn-ack"):
    return ('<port protocol="%s" portid="%s"><state state="%s" reason="%s" reason_ttl="64"/>%s%s</port>\n'
            % (proto, portid, state, reason, service, scripts))


def service(name, method="probed", conf=10, cpes=(), **attrs):
    a = "".join(' %s="%s"' % (k, core(v)) for k, v in attrs.items())
    head = '<service name="%s"%s method="%s" conf="%d"' % (name, a, method, conf)
    if not cpes:
        return head + "/>"
    return head + ">" + "".join("<cpe>%s</cpe>" % core(c) for c in cpes) + "</service>"


def script(sid, output, children=""):
    return '<script id="%s" output="%s">%s</script>' % (sid, output, children)


def host(addrs, ports, start=1700000000, status="up", extra=""):
    st = ' starttime="%d" endtime="%d"' % (start, start + 42) if start else ""
    a = "".join('<address addr="%s" addrtype="%s"%s/>\n' % (addr, kind, vendor) for addr, kind, vendor in addrs)
    p = "<ports>" + "".join(ports) + "</ports>\n" if ports else ""
    return ('<host%s><status state="%s" reason="syn-ack" reason_ttl="0"/>\n%s'
            '<hostnames>\n<hostname name="device.example" type="PTR"/>\n</hostnames>\n%s%s'
            '<times srtt="100" rttvar="50" to="100000"/>\n</host>\n' % (st, status, a, p, extra))


HEAD = '''<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE nmaprun>
<?xml-stylesheet href="file:///usr/bin/../share/nmap/nmap.xsl" type="text/xsl"?>
<!-- Nmap 7.93 scan initiated as: nmap -sV -sU -sS -&#45;script default,banner composed -->
<nmaprun scanner="nmap" args="nmap -sV -sU -sS -&#45;script default,banner composed" start="1699999990" startstr="composed" version="7.93" xmloutputversion="1.05">
<scaninfo type="syn" protocol="tcp" numservices="1000" services="1-1000"/>
<scaninfo type="udp" protocol="udp" numservices="2" services="161,1900"/>
<verbose level="0"/>
<debugging level="0"/>
'''
TAIL = '''<runstats><finished time="1700000100" timestr="composed" summary="composed" elapsed="110" exit="success"/><hosts up="4" down="1" total="5"/>
</runstats>
</nmaprun>
'''


def composed():
    acme = pem(os.path.join(REGEN, "acme-r100.crt"))
    # The composed example of FORMATS.md A.2, with real key blobs: nmap
    # lists keys in the order the server offers them, RSA first here.
    synology = host(
        [("192.168.1.20", "ipv4", ""), ("00:11:32:AA:BB:CC", "mac", ' vendor="Synology Incorporated"')],
        [port("tcp", 5000, "open", service("http", product="nginx", cpes=["cpe:/a:igor_sysoev:nginx"]),
              script("http-title", "Synology DiskStation", '<elem key="title">Synology&#xa0;DiskStation</elem>')),
         port("tcp", 22, "open", service("ssh", product="OpenSSH", version="8.2", extrainfo="protocol 2.0",
                                         ostype="Linux", cpes=["cpe:/o:linux:linux_kernel", "cpe:/a:openbsd:openssh:8.2"]),
              hostkey_script(["ssh-rsa", "ecdsa-sha2-nistp256", "ssh-ed25519"])),
         port("tcp", 139, "closed", service("netbios-ssn", method="table", conf=3), reason="reset"),
         port("udp", 161, "open|filtered", service("snmp", method="table", conf=3), reason="no-response")],
        extra='<os><osmatch name="Linux 4.15 - 5.8" accuracy="96" line="67000"><osclass type="general purpose" '
              'vendor="Linux" osfamily="Linux" osgen="4.X" accuracy="96"><cpe>cpe:/o:linux:linux_kernel:4</cpe>'
              '</osclass></osmatch></os>\n'
              '<hostscript><script id="smb-os-discovery" output="OS: Linux"/></hostscript>\n')

    telnet = b"\xff\xfb\x01\xff\xfb\x03\xff\xfd\x18Acme R100 \xe3\x83\xab\xe3\x83\xbc\xe3\x82\xbf\r\nlogin: "
    ftp = b"220 Acme FTP server (R100 fw 1.2.3) ready."
    smtp = b"220 mail.acme.example ESMTP Acme-MTA 4.2; pid 12345 long long long long line"
    subject_only = ('<table key="subject">\n<elem key="commonName">cam.acme.example</elem>\n'
                    '<elem key="countryName">JP</elem>\n<elem key="localityName">Osaka</elem>\n'
                    '<elem key="organizationName">Acme, Inc.</elem>\n'
                    '<elem key="organizationalUnitName">Cameras</elem>\n'
                    '<elem key="serialNumber">SN-0042</elem>\n'
                    '<elem key="stateOrProvinceName">%s</elem>\n</table>\n'
                    '<table key="issuer">\n<elem key="commonName">Acme Device CA</elem>\n'
                    '<elem key="organizationName">Acme, Inc.</elem>\n</table>\n'
                    '<table key="validity">\n<elem key="notBefore">2024-01-02T03:04:05</elem>\n'
                    '<elem key="notAfter">2034-01-02T03:04:05</elem>\n</table>\n'
                    '<elem key="md5">0123456789abcdef0123456789abcdef</elem>\n' % nse("\u5927\u962a\u5e9c"))
    upnp = ("\n  Server: Linux/4.14 UPnP/1.0 Acme-UPnP/2.1\n  Location: http://192.0.2.1:49152/desc.xml\n"
            "    Webserver: Acme-UPnP/2.1\n    Name: Acme R100 (Living room)\n    Manufacturer: Acme Corp\n"
            "    Model Descr: Acme home router\n    Model Name: R100\n    Model Version: R100-JP\n"
            "    Name: WANDevice\n    Manufacturer: Acme Subsidiary")
    acme_v6 = host(
        [("2001:db8::10", "ipv6", "")],
        [port("tcp", 443, "open", service("http", product="lighttpd", version="1.4.59", tunnel="ssl",
                                          devicetype="broadband router",
                                          cpes=["cpe:/a:lighttpd:lighttpd:1.4.59", "cpe:/h:acme:r100", "cpe:/a:lighttpd:lighttpd:1.4.59"]),
              script("ssl-cert", core("Subject: commonName=acme-r100.local/organizationName=Acme Corp/countryName=JP"),
                     '<table key="subject">\n<elem key="commonName">acme-r100.local</elem>\n</table>\n'
                     '<elem key="pem">%s</elem>\n' % core(acme))
              + script("http-title", "Acme R100 (fw 1.2.3) &amp;amp; more", '<elem key="title">%s</elem>\n' % nse(
                  "  Acme R100\r\n\t(fw 1.2.3) &amp; more  "))
              + script("http-server-header", "Acme-httpd/1.0",
                       '<table key="Server">\n<elem>Acme-httpd/1.0</elem>\n<elem>lighttpd/1.4.59</elem>\n</table>\n')
              + script("http-favicon", "Acme router")),
         port("tcp", 8443, "open", service("ssl"),
              script("ssl-cert", core("Subject: commonName=cam.acme.example"), subject_only)),
         port("tcp", 8081, "open", service("http", product="Acme-httpd"),
              script("http-title", core("Did not follow redirect to https://[2001:db8::10]:8443/login"),
                     '<elem key="redirect_url">https://[2001:db8::10]:8443/login</elem>\n')),
         port("tcp", 80, "open", service("http", product="Acme-httpd"),
              script("http-title", "Site doesn&apos;t have a title (text/html).")
              + script("http-favicon", "Unknown favicon MD5: D6792AF7692D4718B41CE826F736FE3C")
              + script("http-server-header", "Acme-httpd/1.0", "<elem>Acme-httpd/1.0</elem>\n")),
         port("tcp", 23, "open", service("telnet", product="Acme R100 telnetd"),
              script("banner", core(banner_output(telnet)))),
         port("tcp", 21, "open", service("ftp"), script("banner", core(banner_output(ftp)))),
         port("tcp", 25, "open", service("smtp", product="Acme-MTA", version="4.2"),
              script("banner", core(banner_output(smtp)))
              + script("ssl-cert", core("Subject: commonName=cam.acme.example"), subject_only)),
         port("tcp", 3389, "open", service("ms-wbt-server", method="table", conf=3)),
         port("tcp", 8888, "open", service("sun-answerbook", method="table", conf=3),
              script("http-title", "Acme setup", '<elem key="title">Acme setup</elem>\n')),
         port("tcp", 4444, "open", service("krb524", method="table", conf=3),
              script("banner", core(banner_output(b"SSH-2.0-dropbear_2019.78")))),
         port("tcp", 9999, "open"),
         port("tcp", 7547, "open", service("tcpwrapped")),
         port("udp", 161, "open", service("snmp", product="SNMPv1 server", extrainfo="public"),
              script("snmp-sysdescr", nse("Acme R100 router, firmware 1.2.3\r\nBuild 2024-03-01\n"
                                          "  System uptime: 12 days, 3:04:05.06 (104664506 timeticks)"))),
         port("udp", 1900, "open", service("upnp"), script("upnp-info", nse(upnp))),
         port("sctp", 5060, "open", service("sip")),
         port("tcp", 0, "open", service("http")),
         ])
    down = host([("192.168.1.21", "ipv4", "")], [], status="down")
    no_start = host([("192.168.1.22", "ipv4", "")],
                    [port("tcp", 80, "open", service("http", product="GoAhead WebServer"))], start=0)
    bad_addr = host([("999.1.1.1", "ipv4", "")], [port("tcp", 80, "open", service("http"))])
    hosts = [synology, acme_v6, down, no_start, bad_addr]
    body = HEAD + '<hosthint><status state="up" reason="unknown-response" reason_ttl="0"/>\n' \
                  '<address addr="192.168.1.20" addrtype="ipv4"/>\n<hostnames>\n</hostnames>\n</hosthint>\n'
    body += "".join(hosts) + TAIL
    with open(os.path.join(HERE, "composed.xml"), "w") as f:
        f.write(body)
    cut = body.index("</host>", body.index("</host>") + 1) + len("</host>\n")
    with open(os.path.join(HERE, "cut-between-hosts.xml"), "w") as f:
        f.write(body[:cut])


def hostile():
    hosts = []
    # Control bytes and escape sequences in every script value, as nmap
    # writes them (\xHH from protect_xml): they come out escaped by Clean.
    hosts.append(host([("198.51.100.1", "ipv4", "")], [
        port("tcp", 80, "open", service("http", product="Caf\u00e9\tserver", version=b"lat\xe9"),
             script("http-title", "x", '<elem key="title">%s</elem>' % nse(b"evil \x1b[31mred\x1b[0m \x07bell \xff\xfe title"))
             + script("http-server-header", "x", "<elem>%s</elem>" % nse(b"srv\x00\x01 \xc3\xa9"))),
        port("tcp", 22, "open", service("ssh"),
             script("ssh-hostkey", "x", "".join('<table><elem key="key">not base64 %d!</elem><elem key="type">ssh-ed25519</elem></table>' % i
                                                for i in range(20)))
             + script("banner", core(banner_output(b"SSH-2.0-Evil\x1b]0;pwned\x07")))),
    ]))
    # A 2 MB title: kept to fingerprint.MaxValue bytes, the host imported.
    hosts.append(host([("198.51.100.2", "ipv4", "")], [
        port("tcp", 80, "open", service("http"),
             script("http-title", "A...", '<elem key="title">%s</elem>' % ("A" * (2 << 20)))),
    ]))
    # A character reference XML 1.0 forbids: the host is malformed.
    hosts.append(host([("198.51.100.3", "ipv4", "")], [
        port("tcp", 80, "open", service("http"), script("http-title", "x", '<elem key="title">a&#x1;b</elem>'))]))
    # An entity no one defined (and no DTD may define one).
    hosts.append(host([("198.51.100.4", "ipv4", "")], [
        port("tcp", 80, "open", service("http"), script("http-title", "x", '<elem key="title">&xxe;</elem>'))]))
    # A nesting bomb, far below the size bound.
    hosts.append(host([("198.51.100.5", "ipv4", "")], [
        port("tcp", 80, "open", service("http"), script("http-title", "x", "<table>" * 5000 + "</table>" * 5000))]))
    # Bad ports and transports, beside a good one.
    hosts.append(host([("198.51.100.6", "ipv4", "")], [
        port("tcp", 70000, "open", service("http")),
        port("tcp", "-1", "open", service("http")),
        port("ip", 6, "open"),
        port("udp", 53, "open", service("domain")),
        port("tcp", 443, "open", service("https", method="table", conf=3)),
    ]))
    # An out-of-range starttime (year > 9999): the run's start instead.
    hosts.append(host([("198.51.100.7", "ipv4", "")], [port("tcp", 80, "open", service("http"))],
                      start=99999999999999))
    # Mismatched end tag: malformed, and the resync finds the next host.
    hosts.append('<host starttime="1700000000"><address addr="198.51.100.8" addrtype="ipv4"/>'
                 '<ports><port protocol="tcp" portid="80"><state state="open"/></ports></host>\n')
    hosts.append(host([("198.51.100.9", "ipv4", "")], [port("tcp", 8080, "open", service("http-proxy"))]))
    # Scripts with more items than the bound, namespaced look-alikes.
    hosts.append(host([("2001:db8::9", "ipv6", "")], [
        port("tcp", 80, "open", service("http"),
             script("http-server-header", "x", "<elem>first/1.0</elem>" + "<elem>x</elem>" * 600)
             + '<x:script xmlns:x="urn:x" id="http-title"><elem key="title">not this</elem></x:script>'),
    ]))
    body = HEAD + "".join(hosts)  # and no </nmaprun>: cut between hosts
    with open(os.path.join(HERE, "hostile.xml.gz"), "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as f:
            f.write(body.encode())


composed()
hostile()
