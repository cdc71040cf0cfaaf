package fingerprint

import (
	"net/netip"
	"regexp"
	"slices"
	"strings"

	"github.com/certprint/certprint/registry"
)

// Which services of an address belong together, when no profile says:
// devices name themselves. A router's title, its FTP greeting, its telnet
// prompt ("rn8000-3a9f1c login:") and its certificate's common name carry
// the same model number, and a camera forwarded through the same address
// carries another. identityKeys reads those names, so that services the
// registry's profiles do not explain still go with the device that shows
// the same name, and those that show another name form a device of their
// own.

// identityFields are the fields where devices write their names. Server
// headers are left out: they name the software stack ("H264DVR 1.0",
// "HiIpcam/V100R003"), which many devices share; so are hashes, versions
// and scanner-derived fields, whose hex and version tokens look like model
// numbers.
var identityFields = []string{
	registry.FieldHTTPTitle, registry.FieldHTTPWWWAuthenticate,
	registry.FieldTLSSubjectCN, registry.FieldTLSSubject, registry.FieldSSHBanner,
	registry.FieldFTPBanner, registry.FieldTelnetBanner, registry.FieldSMTPBanner,
	registry.FieldPOP3Banner, registry.FieldIMAPBanner, registry.FieldBanner,
	registry.FieldUPnPModelName, registry.FieldUPnPModelNumber, registry.FieldUPnPFriendlyName,
	registry.FieldSNMPSysDescr,
}

// maxIdentityKeys bounds the names read from one service.
const maxIdentityKeys = 16

// identityKeys returns the model-number-like names a service shows,
// lower-cased without hyphens: "NE-2816" and the prompt
// "ne-2816-37C348 login:" both give "ne2816".
func identityKeys(o *registry.Observation) []string {
	var keys []string
	for _, field := range identityFields {
		value, ok := o.Fields[field]
		if !ok || field == registry.FieldBanner && isResponseHead(value) {
			// An RTSP or HTTP response names its server software
			// ("LIVE555 Streaming Media"), not the device.
			continue
		}
		keys = textKeys(keys, value)
	}
	return keys
}

// textKeys appends to keys the model-number-like names in one text.
func textKeys(keys []string, text string) []string {
	add := func(k string) {
		if len(k) >= 4 && !slices.Contains(keys, k) && len(keys) < maxIdentityKeys {
			keys = append(keys, k)
		}
	}
	var stack [32]string
	for _, t := range compoundTokens(stack[:0], withoutAddresses(text)) {
		if !modelNumber(t) {
			continue
		}
		parts := strings.Split(strings.ToLower(t), "-")
		add(strings.Join(parts, ""))
		if len(parts) > 2 {
			add(parts[0] + parts[1])
		}
		for _, p := range parts {
			if len(parts) > 1 && modelNumber(p) {
				add(p)
			}
		}
	}
	return keys
}

// withoutAddresses returns text with its IPv6 addresses blanked. Devices
// greet with the address they were reached on ("220 bftpd 2.2.1 at
// 2001:db8:5e2f::85cc ready."), and an IPv6 address's groups ("5e2f",
// "85cc") read as model numbers, which would make the greeting name
// another device than its own title. IPv4 addresses are digits only and
// never read as names.
func withoutAddresses(text string) string {
	if strings.IndexByte(text, ':') < 0 {
		return text
	}
	var b []byte
	for i := 0; i < len(text); {
		if !isAddressByte(text[i]) {
			i++
			continue
		}
		j := i
		for j < len(text) && isAddressByte(text[j]) {
			j++
		}
		if n := addressLen(text[i:j]); n > 0 {
			b = blank(b, text, i, i+n)
		}
		i = j
	}
	return blanked(b, text)
}

// maxAddressRun is the longest run of address bytes that can hold an
// IPv6 address: 45 for "0000:…:ffff:255.255.255.255", a full stop and a
// port's colon after it. A longer run (a device's hostile kilobyte of
// colons) is no address and is not parsed.
const maxAddressRun = 47

// addressLen returns the length of the IPv6 address run starts with, a
// sentence's full stop or a port's colon after it left out, or 0.
func addressLen(run string) int {
	if len(run) > maxAddressRun || strings.Count(run, ":") < 2 {
		return 0
	}
	for n := len(run); n > 0; n-- {
		if a, err := netip.ParseAddr(run[:n]); err == nil && a.Is6() {
			return n
		}
		if c := run[n-1]; c != '.' && c != ':' {
			return 0
		}
	}
	return 0
}

// blank returns b, a copy of text made on the first call, with text[from:to]
// turned to spaces: text keeps its length, so the offsets of what follows
// stay valid.
func blank(b []byte, text string, from, to int) []byte {
	if b == nil {
		b = []byte(text)
	}
	for k := from; k < to; k++ {
		b[k] = ' '
	}
	return b
}

// blanked is the text blank made of text, or text itself when nothing was
// blanked.
func blanked(b []byte, text string) string {
	if b == nil {
		return text
	}
	return string(b)
}

func isAddressByte(c byte) bool {
	return c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'f' || c == ':' || c == '.'
}

// isIdentityField reports whether devices write their names in field.
func isIdentityField(field string) bool { return slices.Contains(identityFields, field) }

// modelNumber reports whether a token reads as a model number: letters
// and digits, at least four of them, and not a version ("v20210629").
func modelNumber(t string) bool {
	if !mixed(t) || technicalTokens[strings.ToLower(t)] {
		return false
	}
	alnum := 0
	for i := 0; i < len(t); i++ {
		if t[i] != '-' {
			alnum++
		}
	}
	return alnum >= 4 && !versionToken(t)
}

// versionToken reports whether t is a version written as letters and
// digits: "v2", "v20210629", "V100R003C10" (the VRC scheme of embedded
// vendors).
func versionToken(t string) bool {
	return versionPattern.MatchString(t)
}

var versionPattern = regexp.MustCompile(`^(?i)v[0-9]+(r[0-9]+)?(c[0-9]+)?(spc[0-9]+)?$`)

// sharesKey reports whether two key lists meet.
func sharesKey(a, b []string) bool {
	for _, k := range a {
		if slices.Contains(b, k) {
			return true
		}
	}
	return false
}

// portTypes are the device types that conventionally answer on a port:
// an open port that says nothing still says what kind of device listens
// (RTSP is a camera's, 9100 a printer's), which places it among the
// devices of a NAT. The types are the registry's device_type values.
var portTypes = map[uint16][]string{
	554: {"camera", "nvr", "dvr"}, 8554: {"camera", "nvr", "dvr"}, 10554: {"camera", "nvr", "dvr"},
	37777: {"nvr", "dvr", "camera"}, 34567: {"nvr", "dvr", "camera"}, 8000: {"camera", "nvr", "dvr"},
	9100: {"printer"}, 515: {"printer"}, 631: {"printer"},
	445: {"nas"}, 139: {"nas"}, 548: {"nas"}, 2049: {"nas"}, 5000: {"nas"}, 5001: {"nas"},
	7547: {"router"}, 8291: {"router"}, 53: {"router"},
	1883: {"hub"}, 8883: {"hub"},
}

// typeAnswers reports whether a device of type deviceType conventionally
// answers on the service's port.
func typeAnswers(o *registry.Observation, deviceType string) bool {
	if o.Transport != "tcp" || deviceType == "" {
		return false
	}
	return slices.Contains(portTypes[o.Port], strings.ToLower(deviceType))
}

// seriesPrefix is the letters a model number starts with, its product
// line: "sk" of "sk5300plus".
func seriesPrefix(key string) string {
	i := 0
	for i < len(key) && key[i] >= 'a' && key[i] <= 'z' {
		i++
	}
	return key[:i]
}

// isResponseHead reports whether a banner is an RTSP or HTTP response.
func isResponseHead(b string) bool {
	return strings.HasPrefix(b, "RTSP/1.") || strings.HasPrefix(b, "HTTP/1.")
}
