package synth

import (
	"fmt"

	"github.com/certprint/certprint/fingerprint"
	"github.com/certprint/certprint/registry"
)

// Format names a scan file format, as `scan import --format` spells it.
type Format string

// The formats synth writes.
const (
	Fingerprintx Format = "fingerprintx"
	Nmap         Format = "nmap"
	ZGrab2       Format = "zgrab2"
	Masscan      Format = "masscan"
)

// Formats lists the formats synth writes.
var Formats = []Format{Fingerprintx, Nmap, ZGrab2, Masscan}

// ParseFormat checks a --format value.
func ParseFormat(s string) (Format, error) {
	for _, f := range Formats {
		if string(f) == s {
			return f, nil
		}
	}
	return "", fmt.Errorf("unknown format %q (want fingerprintx, nmap, zgrab2 or masscan)", s)
}

// FileName is the scan file synth writes in format f.
func (f Format) FileName() string {
	switch f {
	case Nmap:
		return "scan.xml"
	case Masscan:
		return "scan.json"
	}
	return "scan.jsonl"
}

// What each scanner carries, and no more (FORMATS.md):
//
//   - nmap -sV with the http-title, http-server-header, ssl-cert,
//     ssh-hostkey, banner and (UDP 1900) upnp-info scripts: every open
//     port, the title of the page a same-host redirect leads to, the
//     Server header, the certificate, host key and first bytes; never a
//     WWW-Authenticate header or an RTSP server.
//   - ZGrab2 (http with --max-redirects, ssh, telnet, ftp modules; banner
//     for RTSP and SMTP): every header and the page title of the page a
//     redirect on the device leads to, an RTSP reply whose Server header
//     the importer reads as the RTSP server; a port that sends nothing
//     leaves no record.
//   - masscan --banners: every open TCP port; on HTTP ports the head,
//     Server and title, on TLS ports only the certificate, the first
//     bytes of SSH, FTP, telnet and SMTP; nothing of RTSP or UDP.
//   - fingerprintx: one record per identified TCP service over IPv4 (its
//     target syntax refuses IPv6 literals), HTTP headers without title or
//     body, telnet's first read (mostly option negotiation).

// masscanHTTPPorts are the ports masscan sends its HTTP request to.
var masscanHTTPPorts = map[uint16]bool{80: true, 81: true, 88: true, 5000: true, 8000: true, 8001: true, 8008: true, 8080: true, 8081: true, 8088: true, 8888: true, 9000: true, 9090: true}

// masscanTLSPorts are the ports masscan sends a TLS ClientHello to.
var masscanTLSPorts = map[uint16]bool{443: true, 4443: true, 5001: true, 8443: true, 9443: true}

// appears reports whether a service leaves a record in format f.
func appears(f Format, h *host, in *instance) bool {
	switch f {
	case Nmap:
		return true
	case ZGrab2:
		return !in.udp && !in.silent && in.t.kind != kindUPnP && in.t.kind != kindBare
	case Masscan:
		return !in.udp
	case Fingerprintx:
		if h.ip.Is6() || in.udp || in.silent {
			return false
		}
		switch in.t.kind {
		case kindHTTP, kindSSH, kindTelnet, kindFTP, kindRTSP, kindSMTP:
			return true
		}
	}
	return false
}

// carried returns the fields of a service that format f shows, as the
// importers store them: the fields that can show a firmware version or
// name a model. The writers write exactly this; a test holds the import
// against it.
func carried(f Format, in *instance) map[string]string {
	out := map[string]string{}
	if in.silent {
		return out
	}
	set := func(name, value string) {
		if v := canonical(in.t.kind, name, value); v != "" {
			out[name] = v
		}
	}
	setCert := func() {
		if in.cert != nil {
			set(registry.FieldTLSSubjectCN, in.subject.CommonName[0])
			set(registry.FieldTLSIssuer, in.issuerText)
		}
	}
	switch in.t.kind {
	case kindHTTP:
		switch f {
		case Nmap:
			// http-title follows a redirect on the same host and reports
			// where another one leads.
			switch {
			case in.location == "":
				set(registry.FieldHTTPTitle, in.title)
			case in.finalTitle != "":
				set(registry.FieldHTTPTitle, in.finalTitle)
			default:
				set(registry.FieldHTTPLocation, in.location)
			}
			set(registry.FieldHTTPServer, in.server)
			setCert()
		case ZGrab2:
			// Run with --max-redirects: a redirect on the device leads
			// to the page it names, which is the response recorded.
			switch {
			case in.location == "":
				set(registry.FieldHTTPTitle, in.title)
				set(registry.FieldHTTPWWWAuthenticate, in.realm)
			case in.finalTitle != "":
				set(registry.FieldHTTPTitle, in.finalTitle)
			default:
				set(registry.FieldHTTPLocation, in.location)
			}
			set(registry.FieldHTTPServer, in.server)
			setCert()
		case Masscan:
			switch {
			case in.t.tls || masscanTLSPorts[in.port]:
				setCert()
			case masscanHTTPPorts[in.port]:
				if in.location == "" {
					set(registry.FieldHTTPTitle, in.title)
				}
				set(registry.FieldHTTPServer, in.server)
				set(registry.FieldHTTPWWWAuthenticate, in.realm)
				set(registry.FieldHTTPLocation, in.location)
			}
		case Fingerprintx:
			set(registry.FieldHTTPServer, in.server)
			set(registry.FieldHTTPWWWAuthenticate, in.realm)
			set(registry.FieldHTTPLocation, in.location)
		}
	case kindSSH:
		set(registry.FieldSSHBanner, in.t.ssh)
	case kindTelnet:
		if f != Fingerprintx || in.fxText {
			set(registry.FieldTelnetBanner, in.text)
		}
	case kindFTP:
		set(registry.FieldFTPBanner, in.text)
	case kindSMTP:
		if f == ZGrab2 {
			set(registry.FieldBanner, in.text)
		} else {
			set(registry.FieldSMTPBanner, in.text)
		}
	case kindRTSP:
		switch f {
		case Fingerprintx:
			set(registry.FieldRTSPServer, in.text)
		case ZGrab2:
			// The importer reads the Server header of the reply into
			// rtsp.server, as a protocol-aware scanner would write it.
			out[registry.FieldBanner] = fingerprint.Clean(rtspReply(in.text))
			set(registry.FieldRTSPServer, in.text)
		}
	case kindUPnP:
		if f == Nmap {
			set(registry.FieldUPnPServer, in.upnp.server)
			set(registry.FieldUPnPManufacturer, in.upnp.manufacturer)
			set(registry.FieldUPnPModelName, in.upnp.modelName)
			set(registry.FieldUPnPModelNumber, in.upnp.modelNumber)
			set(registry.FieldUPnPFriendlyName, in.upnp.friendly)
		}
	}
	return out
}

// rtspReply is a camera's answer to OPTIONS.
func rtspReply(server string) string {
	return "RTSP/1.0 200 OK\r\nCSeq: 1\r\nServer: " + server + "\r\nPublic: OPTIONS, DESCRIBE, SETUP, TEARDOWN, PLAY, PAUSE, GET_PARAMETER\r\n\r\n"
}

// shown reports whether the scan shows device d's firmware: a service of
// it in the file carries a value from which its model's profile reads the
// version.
func shown(f Format, h *host, d *device) bool {
	if d.md == nil || len(d.md.captures) == 0 {
		return false
	}
	for _, in := range d.svcs {
		if !appears(f, h, in) {
			continue
		}
		fields := carried(f, in)
		for _, c := range d.md.captures {
			v, ok := fields[c.field]
			if !ok {
				continue
			}
			if m := c.re.FindStringSubmatch(v); m != nil && m[c.re.SubexpIndex(registry.VersionGroup)] != "" {
				return true
			}
		}
	}
	return false
}
