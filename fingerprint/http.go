package fingerprint

import (
	"bytes"
	"html"
	"strconv"
	"strings"

	"github.com/certprint/certprint/registry"
)

// volatileHeaders change from one response to the next, or from one device
// to the next of the same model: they are not identity and never evidence.
var volatileHeaders = setOf(
	"date", "expires", "last-modified", "age", "etag", "set-cookie", "set-cookie2", "cookie",
	"content-length", "content-md5", "keep-alive", "transfer-encoding", "connection", "retry-after",
	"x-request-id", "x-correlation-id", "x-amz-request-id", "x-amz-id-2", "x-runtime", "request-id",
	"x-trace-id", "traceparent", "cf-ray", "x-served-by", "x-timer", "x-cache", "x-cache-hits",
	"nel", "report-to",
	// often carry a per-response nonce
	"content-security-policy", "x-xss-nonce",
)

func setOf(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// MaxHeaders bounds the http.header.* fields of one response.
const MaxHeaders = 24

// HeaderName is the canonical name of an HTTP header: lower case with
// hyphens. ZGrab2 writes underscores where the header had hyphens.
func HeaderName(name string) string {
	for i := 0; i < len(name); i++ {
		if c := name[i]; c >= 'A' && c <= 'Z' || c == '_' || c == ' ' || c == '\t' {
			return strings.ReplaceAll(strings.ToLower(strings.TrimSpace(name)), "_", "-")
		}
	}
	return name
}

// IsVolatileHeader reports whether a header (canonical name) is left out
// of observations, so a reader can skip it before building its value.
func IsVolatileHeader(name string) bool { return volatileHeaders[name] }

// SetHeader files one response header: Server, WWW-Authenticate and
// Location under their own fields, a volatile header nowhere, any other
// under http.header.<name> while there is room. Several values of one
// header are joined with ", " as HTTP allows.
func (f Fields) SetHeader(name string, values ...string) {
	name = HeaderName(name)
	if name == "" || volatileHeaders[name] || len(values) == 0 {
		return
	}
	value := strings.Join(values, ", ")
	switch name {
	case "server":
		f.SetText(registry.FieldHTTPServer, value)
	case "www-authenticate":
		f.SetText(registry.FieldHTTPWWWAuthenticate, value)
	case "location":
		f.SetText(registry.FieldHTTPLocation, value)
	default:
		// Counting needs a walk over the map, and only matters once the
		// observation has that many fields at all.
		if !validHeaderName(name) || len(f) >= MaxHeaders && f.headerCount() >= MaxHeaders {
			return
		}
		f.SetText(registry.FieldHTTPHeaderPrefix+name, value)
	}
}

func (f Fields) headerCount() int {
	n := 0
	for k := range f {
		if strings.HasPrefix(k, registry.FieldHTTPHeaderPrefix) {
			n++
		}
	}
	return n
}

// validHeaderName accepts RFC 9110 token characters, bounded: anything
// else came from a broken or hostile response and would make a field name
// no profile can write.
func validHeaderName(name string) bool {
	if len(name) > 64 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}

// SetStatus stores the HTTP status code alone ("200"), whatever the format
// wrote: a code, or a status line such as "200 OK" or "HTTP/1.1 200 OK".
func (f Fields) SetStatus(status string) {
	s := strings.TrimSpace(status)
	if strings.HasPrefix(s, "HTTP/") {
		_, s, _ = strings.Cut(s, " ")
	}
	code, _, _ := strings.Cut(strings.TrimSpace(s), " ")
	if n, err := strconv.Atoi(code); err == nil && n >= 100 && n <= 999 {
		f.Set(registry.FieldHTTPStatus, code)
	}
}

// SetStatusCode is SetStatus for formats that carry the code as a number.
func (f Fields) SetStatusCode(code int) {
	if code >= 100 && code <= 999 {
		f.Set(registry.FieldHTTPStatus, strconv.Itoa(code))
	}
}

// SetTitle stores a page title: entities decoded, whitespace collapsed.
func (f Fields) SetTitle(title string) {
	f.SetText(registry.FieldHTTPTitle, html.UnescapeString(title))
}

// titleScan bounds how far into a body Title looks.
const titleScan = 64 << 10

// Title finds the text of the first <title> element in an HTML body; it
// reads at most the first 64 KiB, as a browser would show the tab title
// early.
func Title(body []byte) (string, bool) {
	if len(body) > titleScan {
		body = body[:titleScan]
	}
	start := indexFold(body, "<title")
	if start < 0 {
		return "", false
	}
	open := bytes.IndexByte(body[start:], '>')
	if open < 0 {
		return "", false
	}
	text := start + open + 1
	end := indexFold(body[text:], "</title")
	if end < 0 {
		return "", false
	}
	return string(body[text : text+end]), true
}

// indexFold finds an ASCII lower-case needle in b ignoring case, without
// the lower-cased copy of a whole body that bytes.ToLower would make.
func indexFold(b []byte, needle string) int {
	for i := 0; i+len(needle) <= len(b); {
		j := bytes.IndexByte(b[i:], '<')
		if j < 0 {
			return -1
		}
		i += j
		if i+len(needle) <= len(b) && strings.EqualFold(string(b[i:i+len(needle)]), needle) {
			return i
		}
		i++
	}
	return -1
}

// ParseHTTPHead reads a raw response head (status line and headers, as
// masscan's http banner carries) into fields.
func (f Fields) ParseHTTPHead(head string) {
	lines := strings.Split(strings.ReplaceAll(head, "\r\n", "\n"), "\n")
	if len(lines) == 0 {
		return
	}
	f.SetStatus(lines[0])
	for _, line := range lines[1:] {
		if line == "" {
			break // end of the head; a body may follow
		}
		name, value, ok := strings.Cut(line, ":")
		if ok {
			f.SetHeader(name, strings.TrimSpace(value))
		}
	}
}
