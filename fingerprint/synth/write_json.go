package synth

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// jst is the zone ZGrab2 writes its timestamps in on a scanner in Japan.
var jst = time.FixedZone("JST", 9*3600)

// zgKnownHeaders keep their own key in ZGrab2's output; others go to
// "unknown".
var zgKnownHeaders = map[string]bool{
	"server": true, "www_authenticate": true, "x_powered_by": true, "set_cookie": true, "location": true,
	"content_type": true, "x_frame_options": true, "etag": true, "date": true, "content_length": true,
	"cache_control": true, "last_modified": true, "connection": true, "expires": true, "pragma": true,
}

// zgrab2Writer writes one JSON line per address: ZGrab2 in multiple-module
// mode, one scanner per port (http80, https443, ssh22, ...).
type zgrab2Writer struct {
	w io.Writer
	b []byte
}

func (w *zgrab2Writer) begin() error { return nil }
func (w *zgrab2Writer) end() error   { return nil }

func (w *zgrab2Writer) host(h *host, show func(*instance) bool) error {
	var list []*instance
	for _, d := range h.devices {
		for _, in := range d.svcs {
			if show(in) {
				list = append(list, in)
			}
		}
	}
	if len(list) == 0 {
		return nil
	}
	sortInstances(list)
	b := append(w.b[:0], `{"ip":`...)
	b = appendJSON(b, h.ip.String())
	b = append(b, `,"data":{`...)
	for k, in := range list {
		if k > 0 {
			b = append(b, ',')
		}
		b = w.entry(b, h, in)
	}
	b = append(b, "}}\n"...)
	w.b = b
	_, err := w.w.Write(b)
	return err
}

func (w *zgrab2Writer) entry(b []byte, h *host, in *instance) []byte {
	t := in.t
	at := h.start.Add(time.Duration(in.offset) * time.Second)
	name, module := "", ""
	switch t.kind {
	case kindHTTP:
		name, module = "http", "http"
		if t.tls {
			name = "https"
		}
	case kindSSH:
		name, module = "ssh", "ssh"
	case kindTelnet:
		name, module = "telnet", "telnet"
	case kindFTP:
		name, module = "ftp", "ftp"
	case kindRTSP:
		name, module = "rtsp", "banner"
	case kindSMTP:
		name, module = "smtp", "banner"
	}
	b = fmt.Appendf(b, `"%s%d":{"status":"success","protocol":"%s","port":%d,"result":`, name, in.port, module, in.port)
	switch t.kind {
	case kindHTTP:
		b = zgHTTP(b, h, in, at)
	case kindSSH:
		b = zgSSH(b, in)
	case kindTelnet:
		b = append(b, `{"banner":`...)
		b = appendJSON(b, in.text)
		b = append(b, `,"will":[{"name":"Echo","value":1},{"name":"Suppress Go Ahead","value":3}],"do":[{"name":"Negotiate About Window Size","value":31}]}`...)
	case kindFTP:
		b = append(b, `{"banner":`...)
		b = appendJSON(b, in.text+"\r\n")
		b = append(b, '}')
	case kindRTSP:
		text := rtspReply(in.text)
		b = append(b, `{"banner":`...)
		b = appendJSON(b, text)
		b = fmt.Appendf(b, `,"length":%d}`, len(text))
	case kindSMTP:
		text := in.text + "\r\n"
		b = append(b, `{"banner":`...)
		b = appendJSON(b, text)
		b = fmt.Appendf(b, `,"length":%d}`, len(text))
	}
	b = append(b, `,"timestamp":`...)
	b = appendJSON(b, at.In(jst).Format(time.RFC3339))
	return append(b, '}')
}

func zgHTTP(b []byte, h *host, in *instance, at time.Time) []byte {
	b = append(b, '{')
	if in.location != "" && in.finalTitle != "" {
		// The redirect, then the page it leads to as the response.
		b = append(b, `"redirect_response_chain":[`...)
		b = zgResponse(b, h, in, httpResponse(in, at), "/")
		b = append(b, "],"...)
		final := *in
		final.location, final.title, final.realm = "", in.finalTitle, ""
		resp := httpResponse(&final, at)
		resp.code = 200
		b = append(b, `"response":`...)
		b = zgResponse(b, h, &final, resp, in.location)
		return append(b, '}')
	}
	b = append(b, `"response":`...)
	b = zgResponse(b, h, in, httpResponse(in, at), "/")
	return append(b, '}')
}

// zgResponse writes one HTTP response as ZGrab2 records it, with the
// request that got it.
func zgResponse(b []byte, h *host, in *instance, resp response, path string) []byte {
	b = fmt.Appendf(b, `{"status_line":"%d %s","status_code":%d,"protocol":"HTTP/1.1","protocol_major":1,"protocol_minor":1,"headers":{`, resp.code, statusText(resp.code), resp.code)
	var unknown []header
	first := true
	for _, hd := range resp.headers {
		key := strings.ReplaceAll(strings.ToLower(hd.name), "-", "_")
		if !zgKnownHeaders[key] {
			unknown = append(unknown, header{key, hd.value})
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendJSON(b, key)
		b = append(b, ":["...)
		b = appendJSON(b, hd.value)
		b = append(b, ']')
	}
	if len(unknown) > 0 {
		if !first {
			b = append(b, ',')
		}
		b = append(b, `"unknown":[`...)
		for k, hd := range unknown {
			if k > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"key":`...)
			b = appendJSON(b, hd.name)
			b = append(b, `,"value":[`...)
			b = appendJSON(b, hd.value)
			b = append(b, "]}"...)
		}
		b = append(b, ']')
	}
	b = append(b, `},"body":`...)
	b = appendJSON(b, resp.body)
	b = append(b, `,"body_sha256":"`...)
	b = append(b, sha256Hex(resp.body)...)
	b = fmt.Appendf(b, `","content_length":%d,"request":{"url":{"scheme":"%s","host":`, len(resp.body), map[bool]string{false: "http", true: "https"}[in.t.tls])
	host := h.ip.String()
	if h.ip.Is6() {
		host = "[" + host + "]"
	}
	if in.port != 80 && in.port != 443 {
		host += ":" + strconv.Itoa(int(in.port))
	}
	b = appendJSON(b, host)
	b = append(b, `,"path":`...)
	b = appendJSON(b, path)
	b = append(b, `},"method":"GET","headers":{"user_agent":["Mozilla/5.0 zgrab/0.x"],"accept":["*/*"]},"host":`...)
	b = appendJSON(b, host)
	if in.cert != nil {
		b = append(b, `,"tls_log":{"handshake_log":`...)
		b = zgHandshake(b, in)
		b = append(b, `}`...)
	}
	return append(b, "}}"...)
}

// zgHandshake is the part of zcrypto's handshake log the importers read,
// with the server hello and the certificate, raw and parsed.
func zgHandshake(b []byte, in *instance) []byte {
	sum := sha256.Sum256(in.cert)
	b = append(b, `{"server_hello":{"version":{"name":"TLSv1.2","value":771},"random":`...)
	rnd := sha256.Sum256(append([]byte("hello"), in.cert...))
	b = appendJSON(b, base64.StdEncoding.EncodeToString(rnd[:]))
	b = append(b, `,"cipher_suite":{"hex":"0xC02B","name":"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256","value":49195},"compression_method":0},"server_certificates":{"certificate":{"raw":`...)
	b = appendJSON(b, base64.StdEncoding.EncodeToString(in.cert))
	b = append(b, `,"parsed":{"version":3,"subject":`...)
	b = zgName(b, in.subject.CommonName, in.subject.Organization, in.subject.OrganizationalUnit, in.subject.Country)
	b = append(b, `,"issuer":`...)
	b = zgName(b, in.issuer.CommonName, in.issuer.Organization, in.issuer.OrganizationalUnit, in.issuer.Country)
	b = fmt.Appendf(b, `,"validity":{"start":"%s","end":"%s"},"signature_algorithm":{"name":"ECDSA-SHA256","oid":"1.2.840.10045.4.3.2"}`,
		in.notBefore.Format(time.RFC3339), in.notAfter.Format(time.RFC3339))
	b = fmt.Appendf(b, `,"signature":{"self_signed":%t},"fingerprint_sha256":"%s"}},"validation":{"browser_trusted":false,"browser_error":"x509: certificate signed by unknown authority"}}}`,
		in.issuerText == in.subjectText, hex.EncodeToString(sum[:]))
	return b
}

func zgName(b []byte, lists ...[]string) []byte {
	keys := []string{"common_name", "organization", "organizational_unit", "country"}
	b = append(b, '{')
	first := true
	for k, list := range lists {
		if len(list) == 0 {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, '"')
		b = append(b, keys[k]...)
		b = append(b, `":[`...)
		for j, v := range list {
			if j > 0 {
				b = append(b, ',')
			}
			b = appendJSON(b, v)
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

func zgSSH(b []byte, in *instance) []byte {
	t := in.t
	software := strings.TrimPrefix(t.ssh, "SSH-2.0-")
	comment := ""
	if sw, c, ok := strings.Cut(software, " "); ok {
		software, comment = sw, c
	}
	b = append(b, `{"server_id":{"raw":`...)
	b = appendJSON(b, t.ssh)
	b = append(b, `,"version":"2.0","software":`...)
	b = appendJSON(b, software)
	if comment != "" {
		b = append(b, `,"comment":`...)
		b = appendJSON(b, comment)
	}
	cookie := sha256.Sum256(in.hostKey)
	b = fmt.Appendf(b, `},"server_key_exchange":{"cookie":"%s","kex_algorithms":[`, base64.StdEncoding.EncodeToString(cookie[:16]))
	for k, a := range t.kex {
		if k > 0 {
			b = append(b, ',')
		}
		b = appendJSON(b, a)
	}
	b = fmt.Appendf(b, `],"host_key_algorithms":["%s"],"client_to_server_ciphers":["aes128-ctr","aes256-ctr"],"server_to_client_ciphers":["aes128-ctr","aes256-ctr"],"first_kex_follows":false,"reserved":0}`, t.keyType)
	sum := sha256.Sum256(in.hostKey)
	b = fmt.Appendf(b, `,"key_exchange":{"server_host_key":{"raw":"%s","algorithm":"%s","fingerprint_sha256":"%s"}}}`,
		base64.StdEncoding.EncodeToString(in.hostKey), t.keyType, hex.EncodeToString(sum[:]))
	return b
}

// fingerprintxWriter writes fingerprintx --json: one line per service
// identified, IPv4 only, no time.
type fingerprintxWriter struct {
	w io.Writer
	b []byte
}

func (w *fingerprintxWriter) begin() error { return nil }
func (w *fingerprintxWriter) end() error   { return nil }

func (w *fingerprintxWriter) host(h *host, show func(*instance) bool) error {
	var list []*instance
	for _, d := range h.devices {
		for _, in := range d.svcs {
			if show(in) {
				list = append(list, in)
			}
		}
	}
	sortInstances(list)
	b := w.b[:0]
	for _, in := range list {
		b = w.record(b, h, in)
	}
	w.b = b
	_, err := w.w.Write(b)
	return err
}

func (w *fingerprintxWriter) record(b []byte, h *host, in *instance) []byte {
	t := in.t
	proto := protocolOf(t.kind)
	if t.kind == kindHTTP && t.tls {
		proto = "https"
	}
	b = append(b, `{"ip":`...)
	b = appendJSON(b, h.ip.String())
	b = fmt.Appendf(b, `,"port":%d,"protocol":"%s","tls":%t,"transport":"tcp"`, in.port, proto, t.tls)
	at := h.start.Add(time.Duration(in.offset) * time.Second)
	switch t.kind {
	case kindHTTP:
		resp := httpResponse(in, at)
		if in.server != "" {
			b = append(b, `,"version":`...)
			b = appendJSON(b, in.server)
		}
		b = fmt.Appendf(b, `,"metadata":{"status":"%d %s","statusCode":%d,"responseHeaders":{`, resp.code, statusText(resp.code), resp.code)
		// encoding/json writes a map's keys sorted.
		hs := append([]header(nil), resp.headers...)
		for k := range hs {
			hs[k].name = canonicalHeader(hs[k].name)
		}
		sortHeaders(hs)
		for k, hd := range hs {
			if k > 0 {
				b = append(b, ',')
			}
			b = appendJSON(b, hd.name)
			b = append(b, ":["...)
			b = appendJSON(b, hd.value)
			b = append(b, ']')
		}
		b = append(b, '}')
		var techs []string
		if t.tech != "" {
			techs = append(techs, t.tech)
		}
		if strings.HasPrefix(in.realm, "Basic") {
			techs = append(techs, "Basic")
		}
		if len(techs) == 2 && at.Unix()%2 == 0 {
			techs[0], techs[1] = techs[1], techs[0] // wappalyzer's map order
		}
		if len(techs) > 0 {
			b = append(b, `,"technologies":[`...)
			for k, x := range techs {
				if k > 0 {
					b = append(b, ',')
				}
				b = appendJSON(b, x)
			}
			b = append(b, ']')
		}
		b = append(b, '}')
	case kindSSH:
		sum := sha256.Sum256(in.hostKey)
		cookie := sha256.Sum256(append([]byte("cookie"), in.hostKey...))
		algo := fmt.Sprintf("map[CiphersClientServer:aes128-ctr,aes256-ctr CiphersServerClient:aes128-ctr,aes256-ctr CompressionClientServer:none CompressionServerClient:none Cookie:%x KexAlgos:%s LanguagesClientServer: LanguagesServerClient: MACsClientServer:hmac-sha2-256,hmac-sha1 MACsServerClient:hmac-sha2-256,hmac-sha1 ServerHostKeyAlgos:%s]",
			cookie[:16], strings.Join(t.kex, ","), t.keyType)
		b = append(b, `,"metadata":{"banner":`...)
		b = appendJSON(b, t.ssh+"\r\n")
		b = append(b, `,"passwordAuthEnabled":true,"algo":`...)
		b = appendJSON(b, algo)
		b = append(b, `,"hostKey":`...)
		b = appendJSON(b, base64.StdEncoding.EncodeToString(in.hostKey))
		b = fmt.Appendf(b, `,"hostKeyType":"%s","hostKeyFingerprint":"SHA256:%s"}`, t.keyType, base64.RawStdEncoding.EncodeToString(sum[:]))
	case kindFTP:
		b = append(b, `,"metadata":{"banner":`...)
		b = appendJSON(b, in.text+"\r\n")
		b = append(b, `,"confidence":"medium"}`...)
	case kindSMTP:
		b = append(b, `,"metadata":{"banner":`...)
		b = appendJSON(b, in.text+"\r\n")
		b = append(b, `,"auth_methods":["PLAIN","LOGIN"]}`...)
	case kindTelnet:
		data := []byte(telnetOptions)
		if in.fxText {
			data = append(data, in.text...)
		}
		b = fmt.Appendf(b, `,"metadata":{"serverData":"%s"}`, hex.EncodeToString(data))
	case kindRTSP:
		b = append(b, `,"metadata":{"serverInfo":`...)
		b = appendJSON(b, in.text)
		b = append(b, '}')
	default:
		b = append(b, `,"metadata":{}`...)
	}
	return append(b, "}\n"...)
}

// canonicalHeader is Go's canonical form of a header name, as fingerprintx
// writes them (http.CanonicalHeaderKey).
func canonicalHeader(s string) string {
	b := []byte(strings.ToLower(s))
	upper := true
	for i, c := range b {
		if upper && c >= 'a' && c <= 'z' {
			b[i] = c - 32
		}
		upper = c == '-'
	}
	return string(b)
}

func sortHeaders(hs []header) {
	for i := 1; i < len(hs); i++ {
		for j := i; j > 0 && hs[j].name < hs[j-1].name; j-- {
			hs[j], hs[j-1] = hs[j-1], hs[j]
		}
	}
}

// masscanWriter writes masscan -oJ --banners (1.3): a JSON array with one
// record per line, a status record for each open port and banner records
// a few seconds later, after other hosts' records.
type masscanWriter struct {
	w       io.Writer
	b       []byte
	n       int
	pending [][]byte // banner records of recent hosts, written a few hosts late
}

// masscanLag is how many hosts later a host's banners are written.
const masscanLag = 3

func (w *masscanWriter) begin() error {
	_, err := io.WriteString(w.w, "[\n")
	return err
}

func (w *masscanWriter) record(b []byte, ip string, at time.Time, port uint16, body string) []byte {
	if w.n > 0 {
		b = append(b, ",\n"...)
	}
	w.n++
	return fmt.Appendf(b, "{   \"ip\": \"%s\",   \"timestamp\": \"%d\", \"ports\": [ {\"port\": %d, \"proto\": \"tcp\", %s} ] }\n", ip, at.Unix(), port, body)
}

func (w *masscanWriter) host(h *host, show func(*instance) bool) error {
	var list []*instance
	for _, d := range h.devices {
		for _, in := range d.svcs {
			if show(in) {
				list = append(list, in)
			}
		}
	}
	sortInstances(list)
	ip := h.ip.String()
	b := w.b[:0]
	for _, in := range list {
		b = w.record(b, ip, h.start.Add(time.Duration(in.offset)*time.Second), in.port, `"status": "open", "reason": "syn-ack", "ttl": 52`)
	}
	var banners []byte
	for _, in := range list {
		for _, bn := range masscanBanners(in, h.start.Add(time.Duration(in.offset)*time.Second)) {
			banners = fmt.Appendf(banners, "%d\x00%s\x00%s\x00%s\n", h.start.Unix()+int64(in.offset)+2, ip, strconv.Itoa(int(in.port)), bn)
		}
	}
	w.pending = append(w.pending, banners)
	if len(w.pending) > masscanLag {
		b = w.flush(b, w.pending[0])
		w.pending = w.pending[1:]
	}
	w.b = b
	_, err := w.w.Write(b)
	return err
}

// flush writes one host's delayed banner records.
func (w *masscanWriter) flush(b, banners []byte) []byte {
	for _, line := range strings.Split(strings.TrimSuffix(string(banners), "\n"), "\n") {
		if line == "" {
			continue
		}
		parts := strings.SplitN(line, "\x00", 4)
		ts, _ := strconv.ParseInt(parts[0], 10, 64)
		port, _ := strconv.Atoi(parts[2])
		b = w.record(b, parts[1], time.Unix(ts, 0), uint16(port), parts[3])
	}
	return b
}

func (w *masscanWriter) end() error {
	var b []byte
	for _, p := range w.pending {
		b = w.flush(b, p)
	}
	b = append(b, "]\n"...)
	_, err := w.w.Write(b)
	return err
}

// masscanBanners are the service objects masscan writes for a service.
func masscanBanners(in *instance, at time.Time) []string {
	if in.silent || in.udp {
		return nil
	}
	svc := func(name, banner string) string {
		return string(appendMasscan([]byte(`"service": {"name": "`+name+`", "banner": `), banner)) + "}"
	}
	t := in.t
	var out []string
	switch t.kind {
	case kindHTTP:
		switch {
		case t.tls || masscanTLSPorts[in.port]:
			if in.cert != nil {
				out = append(out, svc("ssl", "TLS/1.2 cipher:0xc02b, "+in.subject.CommonName[0]))
				out = append(out, svc("X509", base64.StdEncoding.EncodeToString(in.cert)))
			}
		case masscanHTTPPorts[in.port]:
			resp := httpResponse(in, at)
			out = append(out, svc("http", resp.head()))
			if in.server != "" {
				out = append(out, svc("http.server", in.server))
			}
			if in.title != "" && in.location == "" {
				out = append(out, svc("title", htmlEscape(in.title)))
			}
		}
	case kindSSH:
		out = append(out, svc("ssh", t.ssh))
	case kindFTP:
		out = append(out, svc("ftp", in.text+"\r\n"))
	case kindSMTP:
		out = append(out, svc("smtp", in.text+"\r\n"))
	case kindTelnet:
		text := strings.ReplaceAll(strings.ReplaceAll(in.text, "\r", ""), "\n", `\n `)
		out = append(out, svc("telnet", " WILL(echo) WILL(sga) DO(naws)"+text))
	}
	return out
}
