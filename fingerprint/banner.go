package fingerprint

import (
	"strings"

	"github.com/certprint/certprint/registry"
)

// interpretBanner reads what a raw first-bytes banner says when a scanner
// grabbed it without knowing the protocol (ZGrab2's banner module on an
// RTSP port, nmap's banner script, masscan): an RTSP or HTTP response
// names its server in a header, an SSH greeting is the SSH banner. The
// fields it fills are those a protocol-aware scanner would have written,
// so that the same service reads the same whoever grabbed it; a field
// already set is left alone, and the banner itself is kept.
func interpretBanner(o *registry.Observation) {
	b, ok := o.Fields[registry.FieldBanner]
	if !ok {
		return
	}
	f := Fields(o.Fields)
	switch {
	case strings.HasPrefix(b, "RTSP/1."): // isResponseHead
		setProtocol(o, "rtsp")
		if s := headerValue(b, "server"); s != "" {
			f.SetIfAbsent(registry.FieldRTSPServer, s)
		}
	case strings.HasPrefix(b, "HTTP/1."):
		setProtocol(o, "http")
		if s := headerValue(b, "server"); s != "" {
			f.SetIfAbsent(registry.FieldHTTPServer, s)
		}
	case strings.HasPrefix(b, "SSH-"):
		setProtocol(o, "ssh")
		line, _, _ := strings.Cut(b, "\n")
		f.SetIfAbsent(registry.FieldSSHBanner, strings.TrimSpace(line))
	}
}

func setProtocol(o *registry.Observation, p string) {
	if o.Protocol == registry.ProtocolUnknown || o.Protocol == "" {
		o.Protocol = p
	}
}

// headerValue returns the value of the first header called name (lower
// case) in a response's head, or "".
func headerValue(head, name string) string {
	for _, line := range strings.Split(head, "\n")[1:] {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			if strings.TrimSpace(line) == "" {
				return "" // the end of the head
			}
			continue
		}
		if strings.EqualFold(strings.TrimSpace(k), name) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
