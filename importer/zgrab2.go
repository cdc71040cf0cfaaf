package importer

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/certprint/certprint/fingerprint"
	"github.com/certprint/certprint/registry"
)

// ZGrab2 JSON lines (FORMATS.md A.3): one line per target, whose data
// object holds one entry per scanner run against it, keyed by the
// scanner's name (the module name, or a name such as "http8080" from a
// multiple-module ini file). Every entry becomes one observation or one
// rejection, so a line yields as many records as it has entries.
//
// The reader checks each line with jsontext, then walks it in place
// (zgWalk): the data object and each entry are sub-slices of the line
// buffer, and only the parts read are decoded, with encoding/json into
// structs declaring the fields read. An HTTP body, commonly 256 KiB, is
// never decoded whole: the title is looked for in its first 64 KiB only,
// and ZGrab2 gives its hash.

func init() { register(ZGrab2, newZGrab2Reader) }

// Reasons particular to ZGrab2 records.
const (
	// zgReasonNotOpen: the scanner found no open port (connection
	// refused or timed out, target blocklisted). Counted, not stored, so
	// the funnel shows what was probed but did not answer.
	zgReasonNotOpen = "not-open"
	// zgReasonScanError: the scan failed in a way that says nothing of
	// the port (unknown-error, invalid-inputs, a status this reader does
	// not know) and left no data.
	zgReasonScanError = "scan-error"
	// zgReasonNoPort: neither the entry, nor the target, nor the module
	// gives a port (the banner module has no default).
	zgReasonNoPort = "no-port"
	// zgReasonNoData: a target line with an empty data object.
	zgReasonNoData = "no-data"
	// zgReasonTime: a timestamp that is not RFC 3339.
	zgReasonTime = "bad-time"
)

// zgBannerKeep bounds how many bytes of a banner are kept before
// cleaning: a field holds at most fingerprint.MaxValue bytes, and the
// banner module may have read up to 512 KiB.
const zgBannerKeep = 2 * fingerprint.MaxValue

// zgMaxListed bounds how many headers or key exchange algorithms of one
// entry are looked at; a hostile server can send thousands.
const zgMaxListed = 256

type zgrab2Reader struct {
	lines   *lineReader
	opts    Options
	started bool // a line has been read: a FormatError is no longer possible

	// The target of the line being handed out, and its entries not yet
	// handed out. They point into the line buffer, which stays put until
	// the next line is read, after the last entry.
	ip      netip.Addr
	port    uint16 // 0: the line has none
	entries []zgNamed
	handed  int // how many of entries

	walk  zgWalk
	certs zgCertCache
}

func newZGrab2Reader(r io.Reader, opts Options) Reader {
	return &zgrab2Reader{lines: newLineReader(r, MaxLine), opts: opts}
}

func (r *zgrab2Reader) Position() (line, offset int64) { return r.lines.line, 0 }

func (r *zgrab2Reader) Next() (registry.Observation, error) {
	for {
		if r.handed < len(r.entries) {
			r.handed++
			e := r.entries[r.handed-1]
			return r.entry(e.name, e.value)
		}
		line, err := r.lines.nextLine()
		if err != nil {
			r.started = r.started || err != io.EOF
			return registry.Observation{}, err
		}
		first := !r.started
		r.started = true
		if err := r.target(line, first); err != nil {
			return registry.Observation{}, err
		}
	}
}

// target reads the top level of a line: the address, the port when the
// line has one, and where the data entries are.
func (r *zgrab2Reader) target(line []byte, first bool) error {
	clear(r.entries)
	r.entries, r.handed = r.entries[:0], 0
	if first {
		line = bytes.TrimPrefix(line, []byte("\ufeff"))
	}
	// The line is checked whole here, so that a line broken in its last
	// entry yields a rejection and nothing else; the walks of its parts
	// then read what the check found, not the JSON again.
	w := &r.walk
	top := w.index(line)
	if top == nil {
		if first && !bytes.Contains(line, []byte(`"data"`)) {
			return &FormatError{Format: ZGrab2, Reason: "the first line is not a JSON object with a data member"}
		}
		return r.lines.recordError(ReasonMalformed, errors.New("not a well-formed JSON object"))
	}
	w.object(top)
	var ipRaw, portRaw, data []byte
	for key, value, ok := w.next(); ok; key, value, ok = w.next() {
		switch string(key) {
		case "ip":
			ipRaw = value
		case "port":
			portRaw = value
		case "data":
			data = value
		}
	}
	if data == nil {
		if first {
			return &FormatError{Format: ZGrab2, Reason: "the first record has no data member (ZGrab2 keys results by scanner under data)"}
		}
		return r.lines.recordError(ReasonMalformed, errors.New("no data member"))
	}
	if !w.object(data) {
		return r.lines.recordError(ReasonMalformed, errors.New("data is not an object"))
	}
	entries := r.entries
	for name, value, ok := w.next(); ok; name, value, ok = w.next() {
		entries = append(entries, zgNamed{name, value})
	}
	if len(entries) == 0 {
		return r.lines.recordError(zgReasonNoData, errors.New("data has no entries"))
	}
	ip, _ := zgString(ipRaw)
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return r.lines.recordError(ReasonAddress, fmt.Errorf("ip %s", zgQuote(ip)))
	}
	port, ok := zgPort(portRaw)
	if !ok {
		return r.lines.recordError(ReasonPort, fmt.Errorf("port %s", zgQuote(string(portRaw))))
	}
	r.ip, r.port, r.entries = addr, port, entries
	return nil
}

// zgNamed is an object member: its name as written between the quotes,
// and its value, raw.
type zgNamed struct{ name, value []byte }

// zgEntry is one data entry, as sub-slices of the line.
type zgEntry struct {
	status, protocol, port, timestamp, result []byte
}

// entry turns one data entry into an observation or a rejection.
func (r *zgrab2Reader) entry(name, value []byte) (registry.Observation, error) {
	reject := func(reason, format string, args ...any) (registry.Observation, error) {
		return registry.Observation{}, r.lines.recordError(reason, fmt.Errorf("data entry %s: %s", zgQuote(zgKey(name)), fmt.Sprintf(format, args...)))
	}
	w := &r.walk
	if !w.object(value) {
		return reject(ReasonMalformed, "not an object")
	}
	var e zgEntry
	for key, value, ok := w.next(); ok; key, value, ok = w.next() {
		switch string(key) {
		case "status":
			e.status = value
		case "protocol":
			e.protocol = value
		case "port":
			e.port = value
		case "timestamp":
			e.timestamp = value
		case "result":
			e.result = value
		}
	}

	status, ok := zgString(e.status)
	if !ok {
		return reject(ReasonMalformed, "status is not a string")
	}
	class := zgStatusClass(status)
	switch class {
	case zgNoStatus:
		return reject(ReasonMalformed, "no status")
	case zgNotOpen:
		return reject(zgReasonNotOpen, "status %s", zgQuote(status))
	}

	var observed time.Time
	if ts, ok := zgString(e.timestamp); !ok || ts != "" {
		t, err := time.Parse(time.RFC3339, ts)
		if err != nil {
			return reject(zgReasonTime, "timestamp %s is not RFC 3339", zgQuote(ts))
		}
		observed = t
	}

	module, _ := zgString(e.protocol) // not a string: the scanner name tells
	module = strings.ToLower(strings.TrimSpace(module))
	if module == "" {
		module = strings.ToLower(strings.TrimRight(zgKey(name), "0123456789-_")) // http8080, http-8080
	}
	kind := zgModules[module]

	s := zgService{walk: w, certs: &r.certs}
	if len(e.result) > 0 && !zgNull(e.result) && kind.parse != nil {
		s.fields = fingerprint.Fields{}
		if err := kind.parse(e.result, &s); err != nil {
			return reject(ReasonMalformed, "%s result: %v", zgQuote(module), err)
		}
	}

	o := registry.Observation{IP: r.ip, Transport: "tcp", TLS: s.tls, Fields: s.fields}
	if kind.udp {
		o.Transport = "udp"
	}
	switch {
	case class == zgSuccess:
		o.Protocol = kind.protocol
		if o.Protocol == "" {
			o.Protocol = module // a module with no parser: its name is all we know
		}
	case s.identified:
		o.Protocol = kind.protocol // partial data that still says what the service is
	case class == zgOpen || len(s.fields) > 0:
		o.Protocol = registry.ProtocolUnknown // the port answered, nothing more is known
	case class == zgMaybeNotOpen:
		return reject(zgReasonNotOpen, "status %s and no data", zgQuote(status))
	default:
		return reject(zgReasonScanError, "status %s and no data", zgQuote(status))
	}

	port, ok := zgPort(e.port)
	switch {
	case !ok:
		return reject(ReasonPort, "port %s", zgQuote(string(e.port)))
	case port == 0:
		port = r.port
	}
	if port == 0 {
		port = kind.port
		if s.tls && kind.tlsPort != 0 {
			port = kind.tlsPort
		}
	}
	if port == 0 {
		return reject(zgReasonNoPort, "no port in the entry or the record, and module %s has no default", zgQuote(module))
	}
	o.Port = port

	if err := r.opts.Stamp(&o, observed); err != nil {
		return registry.Observation{}, err
	}
	return o, nil
}

// zgStatus classes a ZGrab2 scan status by what it says of the port.
type zgStatus int

const (
	zgNoStatus     zgStatus = iota
	zgSuccess               // identified by the module
	zgOpen                  // a connection was made, then something failed
	zgNotOpen               // no connection
	zgMaybeNotOpen          // io-timeout: open only if data came back
	zgUnknown               // says nothing of the port
)

func zgStatusClass(status string) zgStatus {
	switch status {
	case "":
		return zgNoStatus
	case "success":
		return zgSuccess
	case "handshake-error", "protocol-error", "application-error", "post-tls-application-error", "connection-closed":
		return zgOpen
	case "connection-refused", "connection-timeout", "blocklisted-target", "blocklisted", "blacklisted-target", "blacklisted":
		return zgNotOpen
	case "io-timeout":
		return zgMaybeNotOpen
	}
	return zgUnknown // unknown-error, invalid-inputs, statuses of later versions
}

// zgService is what one module's result says.
type zgService struct {
	walk   *zgWalk
	certs  *zgCertCache
	fields fingerprint.Fields
	tls    bool // a TLS server answered on the port itself
	// identified: even a failed scan got far enough to name the protocol
	// (an SSH identification line, an HTTP status).
	identified bool
}

// zgModule describes what the reader knows of a ZGrab2 module.
type zgModule struct {
	protocol string // the protocol of an identified service
	port     uint16 // the module's default port, for records without one
	tlsPort  uint16 // the default when the result shows TLS
	udp      bool
	parse    func(result []byte, s *zgService) error
}

// zgModules maps module names (an entry's protocol, or its scanner name
// without trailing digits) to what the reader does with them. Modules not
// listed keep their name as protocol, with no fields, and need a port in
// the record.
var zgModules = map[string]zgModule{
	"http":   {protocol: "http", port: 80, tlsPort: 443, parse: zgParseHTTP},
	"https":  {protocol: "http", port: 443, parse: zgParseHTTP},
	"tls":    {protocol: registry.ProtocolUnknown, port: 443, parse: zgParseTLS},
	"ssh":    {protocol: "ssh", port: 22, parse: zgParseSSH},
	"ftp":    {protocol: "ftp", port: 21, parse: zgParseFTP},
	"telnet": {protocol: "telnet", port: 23, parse: zgParseTelnet},
	"banner": {protocol: registry.ProtocolUnknown, parse: zgParseBanner},
	"ntp":    {udp: true},
	"bacnet": {udp: true},
}

// HTTP (modules/http): the final response, after any redirects, is
// result.response; for HTTPS its TLS log is in the request it answered.
// The response is walked rather than decoded, so that the body is read
// no further than its title can be.
func zgParseHTTP(result []byte, s *zgService) error {
	w := s.walk
	response, err := w.member(result, "response")
	if err != nil || response == nil {
		return err
	}
	if !w.object(response) {
		return errors.New("response is not an object")
	}
	var code, line, headers, body, bodySHA256, request []byte
	for key, value, ok := w.next(); ok; key, value, ok = w.next() {
		switch string(key) {
		case "status_code":
			code = value
		case "status_line":
			line = value
		case "headers":
			headers = value
		case "body":
			body = value
		case "body_sha256":
			bodySHA256 = value
		case "request":
			request = value
		}
	}
	f := s.fields
	if n, ok := zgInt(code); ok && n != 0 {
		f.SetStatusCode(n)
	} else if text, ok := zgString(line); ok {
		f.SetStatus(text)
	}
	_, s.identified = f[registry.FieldHTTPStatus]
	if headers != nil {
		list, err := w.headers(headers)
		if err != nil {
			return err
		}
		for _, header := range list {
			f.SetHeader(header.Key, header.Value...)
		}
	}
	if title, ok := fingerprint.Title(w.unquotePrefix(body, zgTitleScan)); ok {
		f.SetTitle(title)
	}
	if text, ok := zgString(bodySHA256); ok {
		if sum, ok := fingerprint.SHA256Hex(text); ok {
			f.Set(registry.FieldHTTPBodySHA256, sum)
		}
	}
	tlsLog, err := w.member(request, "tls_log")
	if err != nil {
		return fmt.Errorf("request: %w", err)
	}
	if s.tls, err = s.applyTLS(tlsLog); err != nil {
		return fmt.Errorf("tls_log: %w", err)
	}
	return nil
}

// zgTitleScan is how much of a body is decoded to look for its title:
// what fingerprint.Title looks at.
const zgTitleScan = 64 << 10

// zgHeaders is a ZGrab2 header object: lower-case names with "_" for
// "-", each with an array of values, and the headers outside ZGrab2's
// list of known names in an "unknown" array of {key, value}. Both places
// come out as one list, in the order of the record.
type zgHeaders []zgHeader

type zgHeader struct {
	Key   string   `json:"key"`
	Value []string `json:"value"`
}

// headers reads the header object b (see zgHeaders).
func (w *zgWalk) headers(b []byte) (zgHeaders, error) {
	if zgNull(b) {
		return nil, nil
	}
	if !w.object(b) {
		return nil, errors.New("headers are not an object")
	}
	var h zgHeaders
	for key, value, ok := w.next(); ok && len(h) < zgMaxListed; key, value, ok = w.next() {
		name := zgKey(key)
		if name == "unknown" {
			var unknown []zgHeader
			if err := json.Unmarshal(value, &unknown); err != nil {
				return nil, fmt.Errorf("headers.unknown: %w", err)
			}
			h = append(h, unknown[:min(len(unknown), zgMaxListed)]...)
			continue
		}
		var values []string
		if value[0] == '"' { // a single value, not in an array
			text, _ := zgString(value)
			values = []string{text}
		} else if err := json.Unmarshal(value, &values); err != nil {
			return nil, fmt.Errorf("header %s: %w", zgQuote(name), err)
		}
		h = append(h, zgHeader{Key: name, Value: values})
	}
	return h, nil
}

// TLS (zcrypto's TLSLog): the tls module's result, and the tls_log or
// tls member of other modules' results. A handshake log runs to several
// KiB of which a few members are read, so it is walked, not decoded;
// only zcrypto's parsed certificate is decoded, and only when the DER
// does not give what it would.
type zgCertParsed struct {
	Subject           zgName `json:"subject"`
	Issuer            zgName `json:"issuer"`
	FingerprintSHA256 string `json:"fingerprint_sha256"`
	Signature         struct {
		SelfSigned *bool `json:"self_signed"`
	} `json:"signature"`
}

// zgCertCache remembers the fields of the certificates last seen. Devices
// of one model often share one certificate, and parsing it and checking
// its signature is most of the cost of a TLS record. The cache is
// bounded: it is emptied when full, so memory does not grow with the file.
type zgCertCache struct {
	fields map[[sha256.Size]byte]fingerprint.Fields
}

const zgCertCacheSize = 1024

// apply sets the fields of the certificate whose DER is raw, in base64.
func (c *zgCertCache) apply(f fingerprint.Fields, raw string) {
	key := sha256.Sum256([]byte(raw))
	cert, ok := c.fields[key]
	if !ok {
		if c.fields == nil || len(c.fields) >= zgCertCacheSize {
			c.fields = make(map[[sha256.Size]byte]fingerprint.Fields, zgCertCacheSize)
		}
		cert = fingerprint.Fields{}
		cert.SetCertificateBase64(raw)
		c.fields[key] = cert
	}
	for name, value := range cert {
		f.Set(name, value)
	}
}

// zgName is zcrypto's parsed distinguished name: attribute arrays.
type zgName struct {
	CommonName         []string `json:"common_name"`
	Organization       []string `json:"organization"`
	OrganizationalUnit []string `json:"organizational_unit"`
	Locality           []string `json:"locality"`
	Province           []string `json:"province"`
	Country            []string `json:"country"`
}

func (n zgName) dn() fingerprint.DN {
	return fingerprint.DN{CommonName: n.CommonName, Organization: n.Organization,
		OrganizationalUnit: n.OrganizationalUnit, Locality: n.Locality, Province: n.Province, Country: n.Country}
}

// applyTLS stores the leaf certificate and version of a TLS log and
// reports whether a TLS server answered. The DER (raw) is the source;
// zcrypto's parsed form fills in what the DER could not give.
func (s *zgService) applyTLS(log []byte) (bool, error) {
	w := s.walk
	handshake, err := w.member(log, "handshake_log")
	if err != nil || handshake == nil {
		return false, err
	}
	var hello, certificates, cert, raw, parsed []byte
	if err := w.membersOf(handshake, []string{"server_hello", "server_certificates"}, &hello, &certificates); err != nil {
		return false, err
	}
	if cert, err = w.member(certificates, "certificate"); err != nil {
		return false, fmt.Errorf("server_certificates: %w", err)
	}
	if err := w.membersOf(cert, []string{"raw", "parsed"}, &raw, &parsed); err != nil {
		return false, fmt.Errorf("certificate: %w", err)
	}
	f := s.fields
	if raw != nil {
		der, ok := zgString(raw)
		if !ok {
			return false, errors.New("certificate.raw is not a string")
		}
		s.certs.apply(f, der)
	}
	_, hasSubject := f[registry.FieldTLSSubject]
	_, hasSHA256 := f[registry.FieldTLSCertSHA256]
	if parsed != nil && (!hasSubject || !hasSHA256) {
		var p zgCertParsed
		if err := json.Unmarshal(parsed, &p); err != nil {
			return false, fmt.Errorf("certificate.parsed: %w", err)
		}
		if sum, ok := fingerprint.SHA256Hex(p.FingerprintSHA256); ok && !hasSHA256 {
			f.Set(registry.FieldTLSCertSHA256, sum)
		}
		if !hasSubject {
			f.SetCertificateNames(p.Subject.dn(), p.Issuer.dn())
			if p.Signature.SelfSigned != nil {
				f.SetIfAbsent(registry.FieldTLSSelfSigned, fmt.Sprint(*p.Signature.SelfSigned))
			}
		}
	}
	version, err := w.member(hello, "version")
	if err != nil {
		return false, fmt.Errorf("server_hello: %w", err)
	}
	if version != nil {
		name, ok := zgString(version) // a bare name, or zcrypto's {name, value}
		if !ok {
			name, _, err = w.stringMember(version, "name")
			if err != nil {
				return false, fmt.Errorf("server_hello.version: %w", err)
			}
		}
		f.SetTLSVersion(name)
	}
	return hello != nil || cert != nil, nil
}

func zgParseTLS(result []byte, s *zgService) (err error) {
	s.tls, err = s.applyTLS(result)
	return err
}

// SSH (modules/ssh, result = HandshakeLog). The KEXINIT cookie is random
// per connection and never read.
type zgSSH struct {
	ServerID *struct {
		Raw string `json:"raw"`
	} `json:"server_id"`
	ServerKeyExchange *struct {
		KexAlgorithms []string `json:"kex_algorithms"`
	} `json:"server_key_exchange"`
	KeyExchange *struct {
		ServerHostKey *struct {
			Raw               string `json:"raw"`
			Algorithm         string `json:"algorithm"`
			FingerprintSHA256 string `json:"fingerprint_sha256"`
		} `json:"server_host_key"`
	} `json:"key_exchange"`
}

func zgParseSSH(result []byte, s *zgService) error {
	var h zgSSH
	if err := json.Unmarshal(result, &h); err != nil {
		return err
	}
	f := s.fields
	if h.ServerID != nil {
		f.SetSSHBanner(h.ServerID.Raw)
		s.identified = strings.HasPrefix(h.ServerID.Raw, "SSH-")
	}
	if h.KeyExchange != nil && h.KeyExchange.ServerHostKey != nil {
		key := h.KeyExchange.ServerHostKey
		if key.Raw != "" {
			f.SetSSHHostKey(key.Raw)
		}
		f.SetSSHFingerprint(key.FingerprintSHA256) // only when the blob gave none
		f.SetText(registry.FieldSSHHostKeyType, key.Algorithm)
	}
	if h.ServerKeyExchange != nil {
		kex := h.ServerKeyExchange.KexAlgorithms
		f.SetSSHKex(kex[:min(len(kex), zgMaxListed)])
	}
	return nil
}

// Banner (modules/banner): the bytes read after the probe, as text, or as
// hex or base64 when zgrab2 ran with --hex or --base64. The record does
// not name the encoding, but its length member counts the bytes read, so
// an encoded banner is told apart exactly: plain text has length bytes
// (more only where an invalid byte became U+FFFD, which neither encoding
// uses), hex twice as many, base64 four per three.
type zgBanner struct {
	Banner string `json:"banner"`
	Length int64  `json:"length"`
}

func zgParseBanner(result []byte, s *zgService) error {
	var b zgBanner
	if err := json.Unmarshal(result, &b); err != nil {
		return err
	}
	s.fields.Set(registry.FieldBanner, zgBannerText(b.Banner, b.Length))
	tls, err := s.walk.member(result, "tls")
	if err == nil {
		s.tls, err = s.applyTLS(tls)
	}
	return err
}

// zgBannerText returns the first bytes of a banner, decoded when it is
// hex or base64 (see zgBanner).
func zgBannerText(text string, length int64) string {
	n := int64(len(text))
	switch {
	case length <= 0 || n == length:
	case n == 2*length && zgAll(text, zgIsHex):
		raw, err := hex.DecodeString(text[:min(n, 2*zgBannerKeep)])
		if err == nil {
			return string(raw)
		}
	case length < 1<<40 && n == int64(base64.StdEncoding.EncodedLen(int(length))) && zgAll(text, zgIsBase64):
		raw, err := base64.StdEncoding.DecodeString(text[:min(n, 4*((zgBannerKeep+2)/3))])
		if err == nil {
			return string(raw)
		}
	}
	return zgCut(text, zgBannerKeep)
}

func zgIsHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func zgIsBase64(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '='
}

func zgAll(s string, ok func(byte) bool) bool {
	for i := 0; i < len(s); i++ {
		if !ok(s[i]) {
			return false
		}
	}
	return true
}

// FTP (modules/ftp): the greeting, and a TLS log when AUTH TLS/SSL was
// asked for (the port itself is plain) or the port is implicit FTPS.
type zgFTP struct {
	Banner  string `json:"banner"`
	AuthTLS string `json:"auth_tls"`
	AuthSSL string `json:"auth_ssl"`
}

func zgParseFTP(result []byte, s *zgService) error {
	var r zgFTP
	if err := json.Unmarshal(result, &r); err != nil {
		return err
	}
	s.fields.Set(registry.FieldFTPBanner, zgCut(r.Banner, zgBannerKeep))
	s.identified = strings.TrimSpace(r.Banner) != ""
	tls, err := s.walk.member(result, "tls")
	if err == nil {
		tls, err := s.applyTLS(tls)
		if err != nil {
			return err
		}
		s.tls = tls && r.AuthTLS == "" && r.AuthSSL == "" // else the port itself is plain
	}
	return err
}

// Telnet (modules/telnet): the text the server sent; zgrab2 takes the
// option negotiation out, TelnetText removes any it left.
type zgTelnet struct {
	Banner string `json:"banner"`
}

func zgParseTelnet(result []byte, s *zgService) error {
	var r zgTelnet
	if err := json.Unmarshal(result, &r); err != nil {
		return err
	}
	s.fields.Set(registry.FieldTelnetBanner, fingerprint.TelnetText([]byte(zgCut(r.Banner, zgBannerKeep))))
	s.identified = strings.TrimSpace(r.Banner) != ""
	return nil
}

// zgCut cuts s to at most n bytes without splitting a character.
func zgCut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// zgQuote quotes a value from the record for an error message, bounded.
func zgQuote(s string) string {
	return fmt.Sprintf("%q", zgCut(s, 64))
}

// zgDecodeOptions: text from servers need not be UTF-8 (fingerprint
// cleans it), and a repeated name is read again rather than refused, as
// encoding/json does.
var zgDecodeOptions = []jsontext.Options{jsontext.AllowInvalidUTF8(true), jsontext.AllowDuplicateNames(true)}

// zgWalk walks JSON objects in place. index checks a line with jsontext
// and records the members of every object in it that is not inside an
// array (names and values as sub-slices of the line), so that walking a
// part of the line again, as deep as it goes, reads no JSON.
type zgWalk struct {
	in      bytes.Buffer
	dec     jsontext.Decoder
	b       []byte     // the text indexed
	objects []zgObject // in the order of the text
	members []zgMember
	at      int32  // the member next returns; -1 at the end
	text    []byte // a body decoded by unquotePrefix, reused
}

// zgKeepMembers bounds the record of members kept for the next line: a
// line of 4 MiB can have hundreds of thousands.
const zgKeepMembers = 1 << 16

type zgObject struct {
	start int   // offset of its '{' in b
	first int32 // its first member; -1 for none
}

type zgMember struct {
	name  []byte // between the quotes, as written
	value []byte // raw JSON text
	next  int32  // the object's next member; -1 after the last
}

// index checks that b is a JSON object with only white space around it,
// records its objects, and returns its text; nil when b is anything else.
func (w *zgWalk) index(b []byte) []byte {
	if cap(w.members) > zgKeepMembers {
		w.objects, w.members = nil, nil // a hostile line's, not kept
	}
	w.b, w.objects, w.members = b, w.objects[:0], w.members[:0]
	w.in = *bytes.NewBuffer(b) // read in place, not copied
	w.dec.Reset(&w.in, zgDecodeOptions...)
	var object []byte
	if w.dec.PeekKind() == '{' {
		object = w.indexObject()
	}
	if _, err := w.dec.ReadToken(); object == nil || err != io.EOF {
		w.b = nil
		return nil
	}
	return object
}

// indexObject reads an object and records its members and those of the
// objects in it; it returns the text of the object, nil at an error.
func (w *zgWalk) indexObject() []byte {
	if _, err := w.dec.ReadToken(); err != nil {
		return nil
	}
	start := int(w.dec.InputOffset()) - 1
	object := len(w.objects)
	w.objects = append(w.objects, zgObject{start: start, first: -1})
	last := int32(-1)
	for w.dec.PeekKind() == '"' {
		name := w.read()
		if name == nil {
			return nil
		}
		m := int32(len(w.members))
		w.members = append(w.members, zgMember{name: name[1 : len(name)-1], next: -1})
		var value []byte
		if w.dec.PeekKind() == '{' {
			value = w.indexObject()
		} else {
			value = w.read()
		}
		if value == nil {
			return nil
		}
		w.members[m].value = value
		if last < 0 {
			w.objects[object].first = m
		} else {
			w.members[last].next = m
		}
		last = m
	}
	if _, err := w.dec.ReadToken(); err != nil { // the '}'
		return nil
	}
	return w.b[start:w.dec.InputOffset()]
}

// read reads one value whole, checking it; nil at an error.
func (w *zgWalk) read() []byte {
	v, err := w.dec.ReadValue()
	if err != nil {
		return nil
	}
	end := int(w.dec.InputOffset())
	return w.b[end-len(v) : end]
}

// object starts walking the object b, a part of the text indexed; false
// when b is not an object. Text that is not a part of it (the reader
// walks none) is indexed first.
func (w *zgWalk) object(b []byte) bool {
	w.at = -1
	at := cap(w.b) - cap(b) // where b starts in w.b, if it is a part of it
	if len(b) == 0 || at < 0 || at >= len(w.b) || &w.b[at] != &b[0] {
		if w.index(b) == nil {
			return false
		}
		at = w.objects[0].start
	}
	i, found := slices.BinarySearchFunc(w.objects, at, func(o zgObject, at int) int { return cmp.Compare(o.start, at) })
	if !found {
		return false
	}
	w.at = w.objects[i].first
	return true
}

// next returns the next member of the object walked; ok is false after
// the last.
func (w *zgWalk) next() (name, value []byte, ok bool) {
	if w.at < 0 {
		return nil, nil, false
	}
	m := &w.members[w.at]
	w.at = m.next
	return m.name, m.value, true
}

// member returns the value of one member of an object, nil when it is
// absent or null, or the object is null or missing.
func (w *zgWalk) member(object []byte, name string) ([]byte, error) {
	var found []byte
	err := w.membersOf(object, []string{name}, &found)
	return found, err
}

// membersOf sets out[i] to the value of the first member names[i] of an
// object (nil when absent or null), in one walk.
func (w *zgWalk) membersOf(object []byte, names []string, out ...*[]byte) error {
	if object == nil || zgNull(object) {
		return nil
	}
	if !w.object(object) {
		return errors.New("not a well-formed object")
	}
	for key, value, ok := w.next(); ok; key, value, ok = w.next() {
		for i, name := range names {
			if *out[i] == nil && string(key) == name && !zgNull(value) {
				*out[i] = value
			}
		}
	}
	return nil
}

// stringMember returns a string member of an object.
func (w *zgWalk) stringMember(object []byte, name string) (string, bool, error) {
	value, err := w.member(object, name)
	if err != nil || value == nil {
		return "", false, err
	}
	text, ok := zgString(value)
	if !ok {
		return "", false, fmt.Errorf("%s is not a string", name)
	}
	return text, true, nil
}

func zgNull(v []byte) bool { return bytes.Equal(v, []byte("null")) }

// zgKey decodes the name of a member, as next returns it.
func zgKey(raw []byte) string {
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw)
	}
	quoted := make([]byte, 0, len(raw)+2)
	quoted = append(append(append(quoted, '"'), raw...), '"')
	return string(zgUnquote(quoted))
}

// zgUnquote decodes a JSON string: without escapes it is the bytes
// between the quotes, invalid UTF-8 and all, for fingerprint to clean;
// with escapes jsontext decodes it, as encoding/json would, making
// invalid UTF-8 and lone surrogates U+FFFD.
func zgUnquote(quoted []byte) []byte {
	text := quoted[1 : len(quoted)-1]
	if bytes.IndexByte(text, '\\') < 0 {
		return text
	}
	out, _ := jsontext.AppendUnquote(nil, quoted)
	return out
}

// zgString decodes a raw JSON string value; ok is false for anything
// else. null and a missing value give "", true.
func zgString(v []byte) (string, bool) {
	if len(v) == 0 || zgNull(v) {
		return "", true
	}
	if jsontext.Value(v).Kind() != '"' {
		return "", false
	}
	return string(zgUnquote(v)), true
}

// zgInt reads a raw JSON integer of at most nine digits (a status code);
// ok is false for anything else.
func zgInt(v []byte) (int, bool) {
	if len(v) > 9 {
		return 0, false
	}
	n, err := strconv.ParseUint(string(v), 10, 32)
	return int(n), err == nil
}

// unquotePrefix decodes the start of a raw JSON string value, its first
// max bytes, so that a large body is decoded only as far as it is looked
// at; anything but a string gives nil. The result is valid until the
// next call.
func (w *zgWalk) unquotePrefix(raw []byte, max int) []byte {
	if jsontext.Value(raw).Kind() != '"' {
		return nil
	}
	// An escape takes at most six bytes for one byte out, and a prefix of
	// the string cut in a surrogate pair ends in a U+FFFD that is not in
	// the string: enough of it is decoded to give max bytes and that much
	// more. HTML escaped by encoding/json is seldom twice its length.
	const cut = len("\uFFFD")
	if n := 6*(max+cut) + 16; len(raw) > n {
		raw = raw[:n]
	}
	if text := raw[1:]; bytes.IndexByte(text, '\\') < 0 {
		text = bytes.TrimSuffix(text, []byte(`"`))
		return text[:min(len(text), max)]
	}
	for n := 2*max + 16; ; n += 6*(max+cut-len(w.text)) + 16 {
		n = min(n, len(raw))
		w.text, _ = jsontext.AppendUnquote(w.text[:0], raw[:n])
		if len(w.text) >= max+cut || n == len(raw) {
			return w.text[:min(len(w.text), max)]
		}
	}
}

// zgPort reads a raw JSON port number: 0 when absent (ZGrab2 omits a zero
// port), ok false when it is not an integer from 1 to 65535.
func zgPort(v []byte) (uint16, bool) {
	if len(v) == 0 || zgNull(v) {
		return 0, true
	}
	n, err := strconv.ParseUint(string(v), 10, 16)
	return uint16(n), err == nil
}
