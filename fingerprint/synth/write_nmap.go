package synth

import (
	"crypto/md5"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// nmapWriter writes nmap -oX as nmap 7.93 does: a -sS -sU -sV scan with
// the http-title, http-server-header, ssl-cert, ssh-hostkey, banner and
// upnp-info scripts.
type nmapWriter struct {
	w     io.Writer
	b     []byte
	start time.Time
	up    int
	last  time.Time
}

const nmapArgs = "nmap -sS -sU -sV -Pn -n -T4 -p T:21-23,25,80-88,443,445,554,587,631,1723,2121,2222,2323,4443,5000,5001,5050,5060,7547,8000-8100,8291,8443,8554,8888,9000,9100,9443,10000,10022,10554,30005,34567,37777,49152,U:1900 --script http-title,http-server-header,ssl-cert,ssh-hostkey,banner,upnp-info -iL targets.txt -oX scan.xml"

func (w *nmapWriter) begin() error {
	ts := w.start.Unix()
	_, err := fmt.Fprintf(w.w, `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE nmaprun>
<?xml-stylesheet href="file:///usr/bin/../share/nmap/nmap.xsl" type="text/xsl"?>
<!-- Nmap 7.93 scan initiated %s as: %s -->
<nmaprun scanner="nmap" args="%s" start="%d" startstr="%s" version="7.93" xmloutputversion="1.05">
<scaninfo type="syn" protocol="tcp" numservices="77" services="21-23,25,80-88,443,445,554,587,631,1723,2121,2222,2323,4443,5000-5001,5050,5060,7547,8000-8100,8291,8443,8554,8888,9000,9100,9443,10000,10022,10554,30005,34567,37777,49152"/>
<scaninfo type="udp" protocol="udp" numservices="1" services="1900"/>
<verbose level="0"/>
<debugging level="0"/>
`, nmapTime(w.start), strings.ReplaceAll(nmapArgs, "--", "-&#45;"), strings.ReplaceAll(nmapArgs, "--", "-&#45;"), ts, nmapTime(w.start))
	return err
}

func nmapTime(t time.Time) string { return t.UTC().Format("Mon Jan _2 15:04:05 2006") }

func (w *nmapWriter) host(h *host, show func(*instance) bool) error {
	var ports []*instance
	for _, d := range h.devices {
		for _, in := range d.svcs {
			if show(in) {
				ports = append(ports, in)
			}
		}
	}
	if len(ports) == 0 {
		return nil
	}
	sortInstances(ports)
	w.up++
	end := h.start.Add(time.Duration(20+len(ports)*7) * time.Second)
	if end.After(w.last) {
		w.last = end
	}
	b := w.b[:0]
	b = fmt.Appendf(b, "<host starttime=\"%d\" endtime=\"%d\"><status state=\"up\" reason=\"user-set\" reason_ttl=\"0\"/>\n", h.start.Unix(), end.Unix())
	kind := "ipv4"
	if h.ip.Is6() {
		kind = "ipv6"
	}
	b = fmt.Appendf(b, "<address addr=\"%s\" addrtype=\"%s\"/>\n<hostnames>\n</hostnames>\n<ports>", h.ip, kind)
	tcp := 0
	for _, in := range ports {
		if !in.udp {
			tcp++
		}
	}
	b = fmt.Appendf(b, "<extraports state=\"filtered\" count=\"%d\">\n<extrareasons reason=\"no-response\" count=\"%d\" proto=\"tcp\" ports=\"\"/>\n</extraports>\n", 76-tcp, 76-tcp)
	for _, in := range ports {
		b = w.port(b, h, in)
	}
	b = fmt.Appendf(b, "</ports>\n<times srtt=\"%d\" rttvar=\"%d\" to=\"100000\"/>\n</host>\n", 8000+int(h.start.UnixNano()%40000), 2000+int(h.start.UnixNano()%5000))
	w.b = b
	_, err := w.w.Write(b)
	return err
}

func (w *nmapWriter) port(b []byte, h *host, in *instance) []byte {
	proto := "tcp"
	if in.udp {
		proto = "udp"
	}
	reason := `reason="syn-ack" reason_ttl="52"`
	if in.udp {
		reason = `reason="udp-response" reason_ttl="52"`
	}
	b = fmt.Appendf(b, "<port protocol=\"%s\" portid=\"%d\"><state state=\"open\" %s/>", proto, in.port, reason)
	t := in.t
	if in.silent {
		if t.nmapName != "" && t.kind == kindBare {
			return fmt.Appendf(b, "<service name=\"%s\" method=\"table\" conf=\"3\"/></port>\n", t.nmapName)
		}
		return append(b, "<service name=\"tcpwrapped\" method=\"probed\" conf=\"8\"/></port>\n"...)
	}
	b = append(b, `<service name="`...)
	name := t.nmapName
	if name == "" {
		name = "unknown"
	}
	if name == "https" {
		name = "http"
	}
	b = appendXML(b, name)
	b = append(b, '"')
	attr := func(key, value string) {
		if value != "" {
			b = append(b, ' ')
			b = append(b, key...)
			b = append(b, `="`...)
			b = appendXML(b, value)
			b = append(b, '"')
		}
	}
	attr("product", t.product)
	attr("version", t.version)
	attr("extrainfo", t.info)
	attr("ostype", t.os)
	if t.tls {
		attr("tunnel", "ssl")
	}
	b = append(b, ` method="probed" conf="10"`...)
	if t.cpe != "" {
		b = append(b, "><cpe>"...)
		b = appendXML(b, t.cpe)
		b = append(b, "</cpe></service>"...)
	} else {
		b = append(b, "/>"...)
	}
	fields := carried(Nmap, in)
	switch t.kind {
	case kindHTTP:
		if loc, ok := fields["http.location"]; ok {
			b = script(b, "http-title", "Did not follow redirect to "+loc, [][2]string{{"redirect_url", loc}})
		} else if _, ok := fields["http.title"]; ok {
			raw := in.title
			if in.location != "" {
				raw = in.finalTitle
			}
			out := strings.Join(strings.Fields(raw), " ")
			if len(out) > 65 {
				out = out[:62] + "..."
			}
			b = script(b, "http-title", out, [][2]string{{"title", htmlEscape(raw)}})
		} else {
			b = script(b, "http-title", "Site doesn't have a title (text/html).", nil)
		}
		if in.server != "" {
			b = script(b, "http-server-header", in.server, [][2]string{{"", in.server}})
		}
		if in.cert != nil {
			b = sslCert(b, in)
		}
	case kindSSH:
		b = script(b, "banner", in.t.ssh, nil)
		b = sshHostKey(b, in.hostKey, in.t.keyType)
	case kindTelnet:
		// BusyBox telnetd opens with its option negotiation.
		b = script(b, "banner", bannerText(telnetOptions+strings.TrimRight(in.text, " ")), nil)
	case kindFTP, kindSMTP:
		b = script(b, "banner", bannerText(strings.TrimSpace(in.text)), nil)
	case kindUPnP:
		u := in.upnp
		out := fmt.Sprintf("\n  Server: %s\n  Location: http://%s:%d/rootDesc.xml\n    Webserver: %s\n    Name: %s\n    Manufacturer: %s\n    Model Descr: %s\n    Model Name: %s\n    Model Version: %s\n",
			u.server, h.ip, 49152, u.server, u.friendly, u.manufacturer, u.modelName, u.modelName, u.modelNumber)
		b = script(b, "upnp-info", out, nil)
	}
	return append(b, "</port>\n"...)
}

// telnetOptions is what telnet servers send first: WILL ECHO, WILL
// SUPPRESS-GO-AHEAD, DO NAWS.
const telnetOptions = "\xff\xfb\x01\xff\xfb\x03\xff\xfd\x1f"

// bannerText is what the banner script prints of a service's bytes: every
// byte that is not printable ASCII as \xHH, line ends included, so that the
// only newlines in its output are its own line wrapping.
func bannerText(s string) string {
	const hexd = "0123456789ABCDEF"
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c > 0x7e {
			b = append(b, '\\', 'x', hexd[c>>4], hexd[c&0xf])
			continue
		}
		b = append(b, c)
	}
	return string(b)
}

var htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// htmlEscape is the title as the page's source has it.
func htmlEscape(s string) string {
	if !strings.ContainsAny(s, "&<>") {
		return s
	}
	return htmlEscaper.Replace(s)
}

// script appends one NSE script element: its output text and keyed (or,
// key "", unkeyed) elems.
func script(b []byte, id, output string, elems [][2]string) []byte {
	b = append(b, `<script id="`...)
	b = append(b, id...)
	b = append(b, `" output="`...)
	b = appendXML(b, nseText(output))
	b = append(b, '"')
	if len(elems) == 0 {
		return append(b, "/>"...)
	}
	b = append(b, '>')
	for _, e := range elems {
		if e[0] == "" {
			b = append(b, "<elem>"...)
		} else {
			b = append(b, `<elem key="`...)
			b = append(b, e[0]...)
			b = append(b, `">`...)
		}
		b = appendXML(b, nseText(e[1]))
		b = append(b, "</elem>\n"...)
	}
	return append(b, "</script>"...)
}

// sslCert appends ssl-cert's output for a certificate.
func sslCert(b []byte, in *instance) []byte {
	md5sum := md5.Sum(in.cert)
	sha1sum := sha1.Sum(in.cert)
	name := func(dn []string, key string, parts *[]string, table *[]byte) {
		for _, v := range dn {
			*parts = append(*parts, key+"="+v)
			*table = append(*table, `<elem key="`+key+`">`...)
			*table = appendXML(*table, nseText(v))
			*table = append(*table, "</elem>\n"...)
		}
	}
	dnTable := func(key string, cn, o, ou, c []string) (string, []byte) {
		var parts []string
		t := []byte(`<table key="` + key + "\">\n")
		name(cn, "commonName", &parts, &t)
		name(c, "countryName", &parts, &t)
		name(o, "organizationName", &parts, &t)
		name(ou, "organizationalUnitName", &parts, &t)
		return strings.Join(parts, "/"), append(t, "</table>\n"...)
	}
	subj, subjT := dnTable("subject", in.subject.CommonName, in.subject.Organization, in.subject.OrganizationalUnit, in.subject.Country)
	iss, issT := dnTable("issuer", in.issuer.CommonName, in.issuer.Organization, in.issuer.OrganizationalUnit, in.issuer.Country)
	const iso = "2006-01-02T15:04:05"
	out := fmt.Sprintf("Subject: %s\nIssuer: %s\nPublic Key type: ec\nPublic Key bits: 256\nSignature Algorithm: ecdsa-with-SHA256\nNot valid before: %s\nNot valid after:  %s\nMD5:   %x\nSHA-1: %x",
		subj, iss, in.notBefore.Format(iso), in.notAfter.Format(iso), md5sum, sha1sum)
	b = append(b, `<script id="ssl-cert" output="`...)
	b = appendXML(b, nseText(out))
	b = append(b, "\">"...)
	b = append(b, subjT...)
	b = append(b, issT...)
	b = append(b, "<table key=\"pubkey\">\n<elem key=\"type\">ec</elem>\n<elem key=\"bits\">256</elem>\n<table key=\"ecdhparams\">\n<table key=\"curve_params\">\n<elem key=\"ec_curve_type\">namedcurve</elem>\n<elem key=\"curve\">prime256v1</elem>\n</table>\n</table>\n</table>\n"...)
	b = append(b, "<elem key=\"sig_algo\">ecdsa-with-SHA256</elem>\n<table key=\"validity\">\n"...)
	b = fmt.Appendf(b, "<elem key=\"notBefore\">%s</elem>\n<elem key=\"notAfter\">%s</elem>\n</table>\n", in.notBefore.Format(iso), in.notAfter.Format(iso))
	b = fmt.Appendf(b, "<elem key=\"md5\">%x</elem>\n<elem key=\"sha1\">%x</elem>\n<elem key=\"pem\">", md5sum, sha1sum)
	b = appendXML(b, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: in.cert})))
	return append(b, "</elem>\n</script>"...)
}

// sshHostKey appends ssh-hostkey's output: one table per key, the blob in
// base64 and the MD5 fingerprint nmap prints.
func sshHostKey(b []byte, blob []byte, typ string) []byte {
	sum := md5.Sum(blob)
	fp := hex.EncodeToString(sum[:])
	var colons []string
	for i := 0; i < len(fp); i += 2 {
		colons = append(colons, fp[i:i+2])
	}
	bits, label := "2048", "RSA"
	switch typ {
	case "ssh-ed25519":
		bits, label = "256", "ED25519"
	case "ecdsa-sha2-nistp256":
		bits, label = "256", "ECDSA"
	}
	out := "\n  " + bits + " " + strings.Join(colons, ":") + " (" + label + ")"
	b = append(b, `<script id="ssh-hostkey" output="`...)
	b = appendXML(b, out)
	b = append(b, "\"><table>\n<elem key=\"key\">"...)
	b = append(b, base64.StdEncoding.EncodeToString(blob)...)
	b = append(b, "</elem>\n<elem key=\"type\">"+typ+"</elem>\n<elem key=\"bits\">"+bits+"</elem>\n<elem key=\"fingerprint\">"+fp+"</elem>\n</table>\n</script>"...)
	return b
}

func (w *nmapWriter) end() error {
	if w.last.IsZero() {
		w.last = w.start
	}
	elapsed := w.last.Sub(w.start).Seconds()
	_, err := fmt.Fprintf(w.w, "<runstats><finished time=\"%d\" timestr=\"%s\" summary=\"Nmap done at %s; %d IP addresses (%d hosts up) scanned in %s seconds\" elapsed=\"%s\" exit=\"success\"/><hosts up=\"%d\" down=\"0\" total=\"%d\"/>\n</runstats>\n</nmaprun>\n",
		w.last.Unix(), nmapTime(w.last), nmapTime(w.last), w.up, w.up, strconv.FormatFloat(elapsed, 'f', 2, 64), strconv.FormatFloat(elapsed, 'f', 2, 64), w.up, w.up)
	return err
}
