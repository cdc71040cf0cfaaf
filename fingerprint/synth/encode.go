package synth

import (
	"crypto/sha256"
	"encoding/hex"
	"html"
	"strconv"
	"time"
	"unicode/utf8"
)

// appendJSON appends s as a JSON string the way Go's encoding/json writes
// it (fingerprintx and ZGrab2 are Go programs): <, > and & escaped too.
func appendJSON(b []byte, s string) []byte {
	const hexd = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20 || c == '<' || c == '>' || c == '&':
				b = append(b, '\\', 'u', '0', '0', hexd[c>>4], hexd[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, `\u202`...)
			b = append(b, hexd[r&0xf])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

// appendMasscan appends s as masscan writes a banner: every byte that is
// not printable ASCII, and each of < > & \ " ', as \u00XX.
func appendMasscan(b []byte, s string) []byte {
	const hexd = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c > 0x7e || c == '<' || c == '>' || c == '&' || c == '\\' || c == '"' || c == '\'' {
			b = append(b, '\\', 'u', '0', '0', hexd[c>>4], hexd[c&0xf])
			continue
		}
		b = append(b, c)
	}
	return append(b, '"')
}

// appendXML appends s escaped for an XML attribute or text as nmap's core
// writes it: each byte outside printable ASCII as a character reference of
// the same number (UTF-8 from a device becomes Latin-1 references).
func appendXML(b []byte, s string) []byte {
	const hexd = "0123456789abcdef"
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '&':
			b = append(b, "&amp;"...)
		case c == '<':
			b = append(b, "&lt;"...)
		case c == '>':
			b = append(b, "&gt;"...)
		case c == '"':
			b = append(b, "&quot;"...)
		case c == '\'':
			b = append(b, "&apos;"...)
		case c < 0x20 || c > 0x7e:
			b = append(b, '&', '#', 'x')
			if c >= 0x10 {
				b = append(b, hexd[c>>4])
			}
			b = append(b, hexd[c&0xf], ';')
		default:
			b = append(b, c)
		}
	}
	return b
}

// nseText is NSE's protect_xml: bytes below 0x20 (but tab, CR and LF) and
// above 0x7e become \xHH before the core escapes the rest.
func nseText(s string) string {
	const hexd = "0123456789ABCDEF"
	plain := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c > 0x7e || c < 0x20 && c != '\t' && c != '\r' && c != '\n' {
			plain = false
			break
		}
	}
	if plain {
		return s
	}
	b := make([]byte, 0, len(s)*2)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c > 0x7e || c < 0x20 && c != '\t' && c != '\r' && c != '\n' {
			b = append(b, '\\', 'x', hexd[c>>4], hexd[c&0xf])
			continue
		}
		b = append(b, c)
	}
	return string(b)
}

// statusText is the reason phrase of the status codes devices send.
func statusText(code int) string {
	switch code {
	case 200:
		return "OK"
	case 301:
		return "Moved Permanently"
	case 302:
		return "Found"
	case 401:
		return "Unauthorized"
	case 403:
		return "Forbidden"
	case 404:
		return "Not Found"
	}
	return "OK"
}

// header is one response header, in the order the server sends it.
type header struct{ name, value string }

// response is what a device's web server answers to GET /.
type response struct {
	code    int
	headers []header
	body    string
}

// httpResponse builds a service's answer at time t.
func httpResponse(in *instance, t time.Time) response {
	code := in.t.status
	resp := response{code: code}
	add := func(name, value string) {
		if value != "" {
			resp.headers = append(resp.headers, header{name, value})
		}
	}
	add("Server", in.server)
	add("Date", t.UTC().Format(time.RFC1123[:len(time.RFC1123)-3]+"GMT"))
	for _, h := range in.t.headers {
		add(h[0], h[1])
	}
	add("WWW-Authenticate", in.realm)
	add("Location", in.location)
	if code == 200 {
		add("ETag", in.etag)
		add("Cache-Control", "no-cache")
	}
	add("Set-Cookie", in.cookie)
	switch {
	case in.location != "":
		resp.body = `<html><body>Redirecting to <a href="` + html.EscapeString(in.location) + `">` + html.EscapeString(in.location) + `</a></body></html>`
	case in.title != "":
		resp.body = "<!DOCTYPE html>\n<html>\n<head>\n<meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\">\n<title>" + html.EscapeString(in.title) + "</title>\n</head>\n<body>\n"
		if in.token != "" {
			resp.body += `<form method="post" action="/login.cgi"><input type="hidden" name="csrf_token" value="` + in.token + `">`
			resp.body += "<input type=\"text\" name=\"username\"><input type=\"password\" name=\"password\"></form>\n"
		} else {
			resp.body += "<div id=\"login\"></div><script src=\"/js/login.js\"></script>\n"
		}
		resp.body += "</body>\n</html>\n"
	default:
		resp.body = "<html><body></body></html>\n"
	}
	add("Content-Length", strconv.Itoa(len(resp.body)))
	add("Connection", "close")
	return resp
}

// head is the status line and headers, as masscan's http banner has it.
func (r response) head() string {
	b := []byte("HTTP/1.1 " + strconv.Itoa(r.code) + " " + statusText(r.code) + "\r\n")
	for _, h := range r.headers {
		b = append(b, h.name...)
		b = append(b, ": "...)
		b = append(b, h.value...)
		b = append(b, "\r\n"...)
	}
	return string(append(b, "\r\n"...))
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
