package fingerprint

import (
	"bytes"
	"net/netip"
	"slices"
	"strings"

	"github.com/certprint/certprint/registry"
)

// Which services of an address belong together, when no profile says:
// devices name themselves. A router's title, its FTP greeting, its telnet
// prompt ("rn8000-3a9f1c login:") and its certificate's common name carry
// the same model number, and a camera forwarded through the same address
// carries another. identityValues reads those names, so that services the
// registry's profiles do not explain still go with the device that shows
// the same name, and those that show another name form a device of their
// own.

// identityFields are the fields where devices write their names. Server
// headers are left out: they name the software stack ("H264DVR 1.0",
// "HiIpcam/V100R003"), which many devices share; so are hashes, versions
// and scanner-derived fields, whose hex and version tokens look like model
// numbers.
var identityFields = [...]string{
	registry.FieldHTTPTitle, registry.FieldHTTPWWWAuthenticate,
	registry.FieldTLSSubjectCN, registry.FieldTLSSubject, registry.FieldSSHBanner,
	registry.FieldFTPBanner, registry.FieldTelnetBanner, registry.FieldSMTPBanner,
	registry.FieldPOP3Banner, registry.FieldIMAPBanner, registry.FieldBanner,
	registry.FieldUPnPModelName, registry.FieldUPnPModelNumber, registry.FieldUPnPFriendlyName,
	registry.FieldSNMPSysDescr,
}

// maxIdentityKeys bounds the names read from one service.
const maxIdentityKeys = 16

// identityValues are the identity fields of one service, kept in the
// order of identityFields, which decides the names kept when a service
// shows too many (maxIdentityKeys).
type identityValues struct {
	value [len(identityFields)]string
	has   [len(identityFields)]bool
}

// set records field's value if it is an identity field.
func (v *identityValues) set(field, value string) {
	if i := identityRank[field]; i > 0 {
		v.value[i-1], v.has[i-1] = value, true
	}
}

// appendKeys appends to keys (which it takes as empty) the
// model-number-like names the service shows, lower-cased without hyphens
// ("NE-2816" and the prompt "ne-2816-37C348 login:" both give "ne2816"),
// reading each text's names with textKeysOf.
func (v *identityValues) appendKeys(keys []string, textKeysOf func(string) []string) []string {
	start := len(keys)
	for i, field := range identityFields {
		if !v.has[i] || !namesDevice(field, v.value[i]) {
			continue
		}
		for _, k := range textKeysOf(v.value[i]) {
			if len(keys)-start == maxIdentityKeys {
				return keys
			}
			if !slices.Contains(keys[start:], k) {
				keys = append(keys, k)
			}
		}
	}
	return keys
}

// identityRank numbers the identity fields from 1.
var identityRank = func() map[string]int {
	m := map[string]int{}
	for i, f := range identityFields {
		m[f] = i + 1
	}
	return m
}()

// namesDevice reports whether the value of an identity field may name
// the device. An RTSP or HTTP response in a raw banner names its server
// software ("LIVE555 Streaming Media"), not the device.
func namesDevice(field, value string) bool {
	return field != registry.FieldBanner || !isResponseHead(value)
}

// textKeys appends to keys the model-number-like names in one text. It
// runs on every name a scan shows, so it allocates only for a key it
// adds.
func textKeys(keys []string, text string) []string {
	if !mixed(text) {
		return keys // no word of it can mix letters and digits
	}
	var stack [32]string
	var buf [64]byte
	for _, t := range compoundTokens(stack[:0], withoutAddresses(text)) {
		if !modelNumber(t) {
			continue
		}
		var lb [64]byte
		lower := appendLower(lb[:0], t)
		keys = addKey(keys, appendKey(buf[:0], lower))
		first, rest, multi := bytes.Cut(lower, []byte("-"))
		if !multi {
			continue
		}
		if second, _, ok := bytes.Cut(rest, []byte("-")); ok {
			keys = addKey(keys, append(append(buf[:0], first...), second...))
		}
		for part := range bytes.SplitSeq(lower, []byte("-")) {
			if modelNumber(string(part)) {
				keys = addKey(keys, part)
			}
		}
	}
	return keys
}

// appendKey appends a lower-cased token without its hyphens.
func appendKey(b []byte, lower []byte) []byte {
	for i := 0; i < len(lower); i++ {
		if lower[i] != '-' {
			b = append(b, lower[i])
		}
	}
	return b
}

// addKey adds key to keys unless it is too short, already there, or keys
// is full.
func addKey(keys []string, key []byte) []string {
	if len(key) < 4 || len(keys) >= maxIdentityKeys {
		return keys
	}
	for _, k := range keys {
		if k == string(key) {
			return keys
		}
	}
	return append(keys, string(key))
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
func isIdentityField(field string) bool { return identityRank[field] > 0 }

// modelNumber reports whether a token reads as a model number: letters
// and digits, at least four of them, and not a version ("v20210629").
func modelNumber(t string) bool {
	if !mixed(t) {
		return false
	}
	var buf [32]byte
	if technicalTokens[string(appendLower(buf[:0], t))] {
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
	// ^(?i)v[0-9]+(r[0-9]+)?(c[0-9]+)?(spc[0-9]+)?$, without the
	// regular expression machinery: every token of every name asks.
	rest, ok := digitsAfter(t, "v")
	if !ok {
		return false
	}
	for _, part := range [...]string{"r", "c", "spc"} {
		if r, ok := digitsAfter(rest, part); ok {
			rest = r
		}
	}
	return rest == ""
}

// digitsAfter cuts from s a prefix (any case) followed by at least one
// digit, and the digits.
func digitsAfter(s, prefix string) (string, bool) {
	if len(s) <= len(prefix) || !strings.EqualFold(s[:len(prefix)], prefix) {
		return s, false
	}
	i := len(prefix)
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == len(prefix) {
		return s, false
	}
	return s[i:], true
}

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
