// Package fingerprint normalises what scanners report about a service into
// the observation vocabulary of SPEC, so that the same service described by
// fingerprintx, nmap, ZGrab2 or masscan yields the same fields: header
// names lower-cased, hashes as lower-case hex SHA-256, certificates parsed,
// volatile values (dates, ETags, cookies, nonces) left out, and every
// string cleaned and bounded, because scanned devices write what they like.
package fingerprint

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/certprint/certprint/registry"
)

// Bounds on what one observation may hold. They keep a hostile device from
// filling the database, and are far above what identifies a model.
const (
	MaxValue  = 1024 // bytes of one field value, after cleaning
	MaxName   = 96   // bytes of one field name
	MaxFields = 64   // fields of one observation
)

// Fields collects the fields of one observation, cleaning and bounding as
// it goes. The zero value is not usable; make one with make or a literal.
type Fields map[string]string

// Set stores a cleaned, bounded value under name; empty values are
// dropped, and so is any field past MaxFields (the first ones win, and
// readers set the identifying fields first).
func (f Fields) Set(name, value string) {
	value = Clean(value)
	if value == "" || len(name) > MaxName {
		return
	}
	if _, exists := f[name]; !exists && len(f) >= MaxFields {
		return
	}
	f[name] = value
}

// SetText is Set for one-line text such as titles and server names:
// whitespace runs, line breaks included, become one space.
func (f Fields) SetText(name, value string) {
	if !isOneLine(value) {
		value = strings.Join(strings.Fields(value), " ")
	}
	f.Set(name, value)
}

// isOneLine reports whether s is already in SetText's form, so the common
// case allocates nothing.
func isOneLine(s string) bool {
	if s == "" {
		return true
	}
	if s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 || c < ' ' || c == ' ' && s[i+1] == ' ' {
			return false
		}
	}
	return true
}

// SetList stores a list whose order means nothing (CPE names, detected
// technologies; some scanners take them from a map, so their order changes
// from run to run): sorted, without duplicates or empty entries, joined
// with sep. It sorts values in place.
func (f Fields) SetList(name string, values []string, sep string) {
	slices.Sort(values)
	values = slices.Compact(values)
	if len(values) > 0 && values[0] == "" {
		values = values[1:]
	}
	f.Set(name, strings.Join(values, sep))
}

// SetIfAbsent is Set unless the field already has a value: when two parts
// of a record carry the same fact, the reader's preferred source wins.
func (f Fields) SetIfAbsent(name, value string) {
	if _, ok := f[name]; !ok {
		f.Set(name, value)
	}
}

// Clean makes text from a device safe to store, show and compare: CRLF
// becomes LF, other control characters and bytes that are not UTF-8 are
// kept as \xHH escapes (information is not lost, and a terminal or page is
// not driven by them), surrounding space is trimmed and the result is cut
// at MaxValue bytes on a character boundary.
func Clean(s string) string {
	s = strings.TrimSpace(s)
	if isPlain(s) && len(s) <= MaxValue {
		return s
	}
	var b strings.Builder
	b.Grow(min(len(s), MaxValue))
	for i := 0; i < len(s) && b.Len() < MaxValue; {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			writeEscape(&b, s[i])
		case r == '\r' && i+1 < len(s) && s[i+1] == '\n':
			// dropped: the LF that follows stands for the line break
		case r == '\n' || r == '\t':
			b.WriteRune(r)
		case unicode.IsControl(r) || r == utf8.RuneError:
			if r < 0x100 {
				writeEscape(&b, byte(r))
			} else {
				fmt.Fprintf(&b, "\\u%04x", r)
			}
		default:
			if b.Len()+size > MaxValue {
				return strings.TrimSpace(b.String())
			}
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	out := b.String()
	if len(out) > MaxValue {
		out = truncate(out, MaxValue)
	}
	return strings.TrimSpace(out)
}

// isPlain reports whether s is printable UTF-8 with no escapes needed.
func isPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 && c != '\t' && c != '\n' || c == 0x7f || c >= 0x80 {
			if c >= 0x80 {
				return utf8.ValidString(s[i:]) && !hasControl(s[i:])
			}
			return false
		}
	}
	return true
}

func hasControl(s string) bool {
	for _, r := range s {
		if unicode.IsControl(r) && r != '\t' && r != '\n' {
			return true
		}
	}
	return false
}

const hexDigits = "0123456789abcdef"

func writeEscape(b *strings.Builder, c byte) {
	b.WriteString(`\x`)
	b.WriteByte(hexDigits[c>>4])
	b.WriteByte(hexDigits[c&0xf])
}

// truncate cuts s to at most n bytes without splitting a character.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// FromLatin1 undoes a format that writes each byte as the character of the
// same number (masscan's \u00XX escapes): the result holds the original
// bytes, which Clean then keeps as UTF-8 or escapes.
func FromLatin1(s string) string {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if r < 0x100 {
			b = append(b, byte(r))
		} else {
			b = utf8.AppendRune(b, r)
		}
	}
	return string(b)
}

// Finish checks an observation a reader built and puts it in canonical
// form: protocol name, TLS flag, bounded fields. It returns a rejection
// reason and message, or "" when the observation is fine.
func Finish(o *registry.Observation) (reason string, msg string) {
	if !o.IP.IsValid() {
		return "bad-address", "no valid IP address"
	}
	o.IP = o.IP.Unmap().WithZone("")
	if o.Port == 0 {
		return "bad-port", "port 0"
	}
	o.Transport = strings.ToLower(o.Transport)
	if o.Transport != "tcp" && o.Transport != "udp" {
		return "bad-transport", "transport " + quote(o.Transport) + " is neither tcp nor udp"
	}
	proto, tls := Protocol(o.Protocol)
	o.Protocol, o.TLS = proto, o.TLS || tls
	interpretBanner(o)
	if len(o.Fields) == 0 {
		o.Fields = nil
	}
	return "", ""
}

func quote(s string) string {
	return `"` + Clean(truncate(s, 64)) + `"`
}
