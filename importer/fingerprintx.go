package importer

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/certprint/certprint/fingerprint"
	"github.com/certprint/certprint/registry"
)

// Bounds on what the reader decodes of one record.
const (
	// fxMaxTelnet is what fingerprintx can have read (one 4 KiB recv):
	// serverData beyond it is not from fingerprintx, and is not decoded.
	fxMaxTelnet = 4 << 10
	// fxMaxDepth bounds JSON nesting: records are three levels deep, and
	// a hostile line of brackets must not recurse a million times.
	fxMaxDepth = 32
)

func init() { register(Fingerprintx, newFingerprintxReader) }

// fingerprintxReader reads fingerprintx --json output: one JSON object per
// line, {host, ip, port, protocol, tls, transport, version, metadata}, or
// the 2022 shape with service for protocol and version inside metadata.
// The records carry no time, so every one is dated by Options.Observed.
//
// It walks each line with a small in-place JSON scanner rather than
// encoding/json: one pass, no reflection, response headers visited in the
// order of the file (which keeps the MaxHeaders cut deterministic), and
// only the strings that become fields are allocated.
type fingerprintxReader struct {
	lines *lineReader
	opts  Options
	seen  bool // a record shaped like fingerprintx has been read
	fatal error
	scan  fxScan
	vals  []string // header values of one header, reused
	name  []byte   // a header name being lower-cased, reused
	list  []string // CPEs of one record, reused
	tech  []string // technologies of one record, reused
	hex   []byte   // decoded telnet serverData, reused
}

func newFingerprintxReader(r io.Reader, opts Options) Reader {
	return &fingerprintxReader{lines: newLineReader(r, MaxLine), opts: opts}
}

// Position says on which line the record last returned starts.
func (r *fingerprintxReader) Position() (line, offset int64) { return r.lines.line, 0 }

// Next returns the next service of the file.
func (r *fingerprintxReader) Next() (registry.Observation, error) {
	if r.fatal != nil {
		return registry.Observation{}, r.fatal
	}
	line, err := r.lines.nextLine()
	if err != nil {
		var rec *RecordError
		if errors.As(err, &rec) {
			return registry.Observation{}, err
		}
		if err != io.EOF {
			r.fatal = err
		}
		return registry.Observation{}, err
	}
	if r.lines.line == 1 {
		line = bytes.TrimPrefix(line, []byte("\ufeff"))
	}
	o, rec, ferr := r.record(line)
	if ferr != nil {
		r.fatal = ferr
		return registry.Observation{}, ferr
	}
	if rec != nil {
		return registry.Observation{}, rec
	}
	if err := r.opts.Stamp(&o, time.Time{}); err != nil {
		r.fatal = err
		return registry.Observation{}, err
	}
	return o, nil
}

// fxRecord is the envelope of one record, as far as the reader needs it.
// Metadata is kept as a span of the line and read once the protocol is
// known, whatever the order of the keys.
type fxRecord struct {
	ip        string
	port      int64
	portOK    bool
	protocol  string
	tls       bool
	transport string
	version   string
	metaStart int
	metaEnd   int
	shaped    bool // it has a key only fingerprintx writes
}

// record reads one line. It returns the observation, or a rejection, or
// a FormatError when the first record shows the file is something else.
func (r *fingerprintxReader) record(line []byte) (registry.Observation, *RecordError, error) {
	var o registry.Observation
	var rec fxRecord
	s := &r.scan
	s.reset(line)
	if s.peek() != '{' {
		rej, err := r.notFingerprintx(line, "a line that is not a JSON object")
		return o, rej, err
	}
	s.i++
	first := true
	for key, ok := s.nextKey(&first); ok; key, ok = s.nextKey(&first) {
		switch string(key) {
		case "ip":
			rec.ip, _ = s.stringValue()
		case "port":
			rec.port, rec.portOK = s.intValue()
		case "protocol", "service":
			if v, ok := s.bytesValue(); ok {
				rec.protocol = fxProtocolName(v)
			}
			rec.shaped = true
		case "tls":
			rec.tls, _ = s.boolValue()
		case "transport":
			if v, ok := s.bytesValue(); ok {
				rec.transport = fxTransportName(v)
			}
			rec.shaped = true
		case "version":
			rec.version, _ = s.stringValue()
		case "metadata":
			rec.metaStart = s.pos()
			s.skip()
			rec.metaEnd = s.i
			rec.shaped = true
		default:
			s.skip()
		}
	}
	if !s.end() {
		if !r.seen && !bytes.Contains(line, []byte(`"protocol"`)) && !bytes.Contains(line, []byte(`"service"`)) {
			rej, err := r.notFingerprintx(line, "the first line is not well-formed JSON")
			return o, rej, err
		}
		return o, r.lines.recordError(ReasonMalformed, errors.New("not a well-formed JSON object")), nil
	}
	if !rec.shaped && !r.seen {
		rej, err := r.notFingerprintx(line, "the first record has none of the keys protocol, service, transport, metadata")
		return o, rej, err
	}
	r.seen = true

	ip, err := netip.ParseAddr(rec.ip)
	if err != nil {
		return o, r.lines.recordError(ReasonAddress, fmt.Errorf("ip %q: %w", fxClip(rec.ip), err)), nil
	}
	if !rec.portOK || rec.port < 1 || rec.port > 65535 {
		return o, r.lines.recordError(ReasonPort, errors.New("port missing or not in 1-65535")), nil
	}
	switch rec.transport {
	case "tcp", "udp":
		o.Transport = rec.transport
	case "tcptls":
		o.Transport, rec.tls = "tcp", true
	default:
		return o, r.lines.recordError(ReasonTransport, fmt.Errorf("transport %q is not tcp, udp or tcptls", fxClip(rec.transport))), nil
	}
	o.IP, o.Port, o.TLS = ip, uint16(rec.port), rec.tls
	o.Protocol = rec.protocol
	if o.Protocol == "" {
		o.Protocol = registry.ProtocolUnknown
	}
	o.Fields = r.fields(line, &rec)
	return o, nil, nil
}

// notFingerprintx refuses the file when nothing read so far was a
// fingerprintx record; later on, the line is only a malformed record.
func (r *fingerprintxReader) notFingerprintx(line []byte, reason string) (*RecordError, error) {
	if r.seen {
		return r.lines.recordError(ReasonMalformed, errors.New(reason)), nil
	}
	if f, err := Sniff(line); err == nil && f != Fingerprintx {
		reason = fmt.Sprintf("it looks like %s output", f)
	}
	return nil, &FormatError{Format: Fingerprintx, Reason: fmt.Sprintf("%s (line %d)", reason, r.lines.line)}
}

// fields maps the metadata of one record, by protocol, to observation
// fields. Values of an unexpected JSON type are skipped, not rejected: the
// service was still seen.
func (r *fingerprintxReader) fields(line []byte, rec *fxRecord) fingerprint.Fields {
	f := make(fingerprint.Fields, 8)
	m := fxMeta{version: rec.version}
	if rec.metaEnd > rec.metaStart {
		s := &r.scan
		s.reset(line[:rec.metaEnd])
		s.i = rec.metaStart
		if s.peek() == '{' {
			s.i++
			r.metadata(f, rec.protocol, &m)
		}
	}
	// What is left of the version: a field of its own, unless the
	// protocol's mapping used it (HTTP's Server, SMB's OS version).
	if !m.versionUsed {
		f.Set(registry.FieldServiceVersion, m.version)
	}
	if m.product != "" {
		f.SetText(registry.FieldServiceProduct, m.product)
	}
	if len(m.cpes) > 0 {
		f.Set(registry.FieldServiceCPE, fxJoinSorted(m.cpes, " "))
	}
	clear(r.list)
	r.list = r.list[:0]
	return f
}

// fxMeta is what the metadata walk hands back to fields.
type fxMeta struct {
	version     string // top-level version, or metadata's (2022 shape)
	versionUsed bool
	product     string
	cpes        []string
}

// metadata walks the metadata object (its '{' consumed) and sets the
// fields of the protocol.
func (r *fingerprintxReader) metadata(f fingerprint.Fields, protocol string, m *fxMeta) {
	s := &r.scan
	var status string
	statusCode := int64(-1)
	var kex, serverHeader, hostKeyFingerprint string
	var algoSeen, passwordAuth, passwordAuthSeen bool
	first := true
	for key, ok := s.nextKey(&first); ok; key, ok = s.nextKey(&first) {
		k := string(key)
		if k == "version" {
			// The 2022 shape kept the version here.
			if v, ok := s.stringValue(); ok && m.version == "" {
				m.version = v
			}
			continue
		}
		if k == "cpes" {
			r.list = s.stringList(r.list[:0])
			m.cpes = r.list
			continue
		}
		switch protocol {
		case "http", "https", "http2":
			switch k {
			case "status":
				status, _ = s.stringValue()
			case "statusCode":
				statusCode, _ = s.intValue()
			case "responseHeaders":
				serverHeader = r.headers(f)
			case "technologies":
				r.tech = s.stringList(r.tech[:0])
				f.Set(registry.FieldHTTPTechnologies, fxJoinSorted(r.tech, ","))
				clear(r.tech)
			default:
				s.skip()
			}
		case "ssh":
			switch k {
			case "banner":
				if v, ok := s.stringValue(); ok {
					f.SetSSHBanner(fxFirstLine(v))
				}
			case "hostKey":
				if v, ok := s.stringValue(); ok {
					f.SetSSHHostKey(v)
				}
			case "hostKeyFingerprint":
				hostKeyFingerprint, _ = s.stringValue()
			case "hostKeyType":
				if v, ok := s.stringValue(); ok {
					f.SetText(registry.FieldSSHHostKeyType, v)
				}
			case "algo":
				if v, ok := s.bytesValue(); ok && len(v) > 0 {
					algoSeen = true
					kex = fxSSHKexAlgos(v)
				}
			case "passwordAuthEnabled":
				passwordAuth, passwordAuthSeen = s.boolValue()
			default:
				s.skip()
			}
		case "ftp", "smtp", "smtps", "pop3", "pop3s", "imap", "imaps":
			if k == "banner" {
				if v, ok := s.stringValue(); ok {
					f.Set(fxBannerField(protocol), v)
				}
				continue
			}
			s.skip()
		case "telnet":
			if k == "serverData" {
				if v, ok := s.bytesValue(); ok {
					r.hex = fxDecodeHexPrefix(r.hex[:0], v, fxMaxTelnet)
					f.Set(registry.FieldTelnetBanner, fingerprint.TelnetText(r.hex))
				}
				continue
			}
			s.skip()
		case "rtsp":
			if k == "serverInfo" {
				if v, ok := s.stringValue(); ok {
					f.SetText(registry.FieldRTSPServer, v)
				}
				continue
			}
			s.skip()
		case "smb":
			switch k {
			case "osVersion":
				if v, ok := s.stringValue(); ok {
					f.SetText(registry.FieldSMBOSVersion, v)
				}
			case "signingEnabled":
				fxSetBool(f, registry.FieldSMBSigningEnabled, s)
			case "signingRequired":
				fxSetBool(f, registry.FieldSMBSigningRequired, s)
			default:
				// netBIOSComputerName, dnsDomainName, ... (and the
				// 2022 computerName, domainName, fqdn) name one device
				// or network, not a model.
				s.skip()
			}
		case "rdp":
			switch k {
			case "osVersion":
				if v, ok := s.stringValue(); ok {
					f.SetText(registry.FieldRDPOSVersion, v)
				}
			case "fingerprint":
				if v, ok := s.stringValue(); ok {
					f.SetText(registry.FieldRDPOSFingerprint, v)
				}
			default:
				s.skip() // targetName and the computer and domain names
			}
		case "redis":
			if k == "authRequired:" || k == "authRequired" {
				fxSetBool(f, registry.FieldRedisAuthRequired, s)
				continue
			}
			s.skip()
		case "postgresql":
			if k == "authRequired" {
				fxSetBool(f, registry.FieldPostgreSQLAuthRequired, s)
				continue
			}
			s.skip()
		default:
			if k == "product" {
				m.product, _ = s.stringValue()
				continue
			}
			// mysql's errorMsg names the scanner's address; other keys
			// are not in the vocabulary.
			s.skip()
		}
	}
	switch protocol {
	case "http", "https", "http2":
		if statusCode >= 0 {
			f.SetStatusCode(int(statusCode))
		}
		if _, ok := f[registry.FieldHTTPStatus]; !ok {
			f.SetStatus(status)
		}
		// fingerprintx's version is the Server header; without the
		// header (a 2022 record may lack it) the version stands in.
		if serverHeader == "" {
			f.SetText(registry.FieldHTTPServer, m.version)
		}
		m.versionUsed = true
	case "ssh":
		// After hostKey, whatever the order of the keys: a fingerprint
		// only fills in for a key that is missing.
		f.SetSSHFingerprint(hostKeyFingerprint)
		f.Set(registry.FieldSSHKex, kex)
		// Only a record with the server's KEXINIT (algo) went on to the
		// login probe; without it false means "not probed".
		if algoSeen && passwordAuthSeen {
			f.Set(registry.FieldSSHPasswordAuth, fxBoolText(passwordAuth))
		}
	case "smb":
		if _, ok := f[registry.FieldSMBOSVersion]; !ok {
			f.SetText(registry.FieldSMBOSVersion, m.version)
		}
		m.versionUsed = true
	case "snmp":
		f.Set(registry.FieldSNMPSysDescr, fxSNMPSysDescr(m.version))
		m.versionUsed = true
	case "mqtt":
		f.SetText(registry.FieldMQTTVersion, m.version)
		m.versionUsed = true
	}
}

// headers files the responseHeaders object (header → array of values) in
// the order of the file, and returns the Server header's value.
func (r *fingerprintxReader) headers(f fingerprint.Fields) (server string) {
	s := &r.scan
	if s.peek() != '{' {
		s.skip()
		return ""
	}
	s.i++
	first := true
	for key, ok := s.nextKey(&first); ok; key, ok = s.nextKey(&first) {
		name := r.headerName(key)
		vals := r.vals[:0]
		switch s.peek() {
		case '[':
			s.i++
			elemFirst := true
			for s.nextElem(&elemFirst) {
				if v, ok := s.stringValue(); ok {
					vals = append(vals, v)
				}
			}
		case '"':
			v, _ := s.stringValue()
			vals = append(vals, v)
		default:
			s.skip()
		}
		if len(vals) > 0 {
			f.SetHeader(name, vals...)
			if name == "server" {
				server = vals[0]
			}
		}
		clear(vals)
		r.vals = vals[:0]
	}
	return server
}

// headerName lower-cases a header name as it makes it a string:
// fingerprintx writes Go's canonical form (Www-Authenticate), and
// SetHeader's own lower-casing then finds nothing to do, which saves an
// allocation per header.
func (r *fingerprintxReader) headerName(key []byte) string {
	b := r.name[:0]
	for _, c := range key {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	r.name = b
	return string(b)
}

// fxSetBool stores a boolean that fingerprintx writes as true/false, or as
// the strings "true"/"false" in 2022 records.
func fxSetBool(f fingerprint.Fields, name string, s *fxScan) {
	if v, ok := s.boolValue(); ok {
		f.Set(name, fxBoolText(v))
	}
}

func fxBoolText(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// fxBannerField names the banner field of a mail or file transfer protocol;
// the TLS variants share the plain protocol's field.
func fxBannerField(protocol string) string {
	switch protocol {
	case "ftp":
		return registry.FieldFTPBanner
	case "smtp", "smtps":
		return registry.FieldSMTPBanner
	case "pop3", "pop3s":
		return registry.FieldPOP3Banner
	default:
		return registry.FieldIMAPBanner
	}
}

// fxProtocolName returns the protocol a record names, lower-cased, without
// allocating for the names fingerprintx writes.
func fxProtocolName(b []byte) string {
	switch string(b) {
	case "http":
		return "http"
	case "https":
		return "https"
	case "ssh":
		return "ssh"
	case "telnet":
		return "telnet"
	case "ftp":
		return "ftp"
	case "rtsp":
		return "rtsp"
	case "mqtt":
		return "mqtt"
	case "snmp":
		return "snmp"
	case "smb":
		return "smb"
	case "rdp":
		return "rdp"
	case "vnc":
		return "vnc"
	case "redis":
		return "redis"
	case "mysql":
		return "mysql"
	case "postgresql":
		return "postgresql"
	case "dns":
		return "dns"
	case "ntp":
		return "ntp"
	}
	return strings.ToLower(strings.TrimSpace(string(b)))
}

// fxFirstLine returns an SSH banner's identification line: fingerprintx
// keeps the whole first read, which can run on into the server's binary
// KEXINIT.
func fxFirstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return strings.TrimRight(s, "\r")
}

// fxSSHKexNext is the key fmt prints after KexAlgos in fingerprintx's algo
// (a Go map rendered with sorted keys).
const fxSSHKexNext = " LanguagesClientServer:"

// fxSSHKexAlgos takes the KexAlgos value out of fingerprintx's algo, the fmt
// rendering of a map: "map[... Cookie:<hex> KexAlgos:a,b,c
// LanguagesClientServer: ...]". The cookie is a per-connection nonce and
// is never kept. The value ends at the next key; algorithm names come from
// the server, so a space inside one does not end it early.
func fxSSHKexAlgos(algo []byte) string {
	start := -1
	for i := 0; ; {
		j := bytes.Index(algo[i:], []byte("KexAlgos:"))
		if j < 0 {
			return ""
		}
		j += i
		if j == 0 || algo[j-1] == ' ' || algo[j-1] == '[' {
			start = j + len("KexAlgos:")
			break
		}
		i = j + 1
	}
	rest := algo[start:]
	if end := bytes.Index(rest, []byte(fxSSHKexNext)); end >= 0 {
		rest = rest[:end]
	} else if end := bytes.IndexAny(rest, " ]"); end >= 0 {
		rest = rest[:end]
	}
	return string(rest)
}

// fxSNMPSysDescr recovers sysDescr from fingerprintx's SNMP version: the
// response from a fixed offset after the community string. With an
// agent that encodes the request ID in one byte (net-snmp) the offset
// lands on the text itself; with a four-byte request ID it lands three
// bytes early, on the last OID byte, the OCTET STRING tag and the
// length; with long-form BER lengths up to four more bytes early. Those
// bytes are dropped, long-form length bytes as far as they are
// recognisable (encoding/json made bytes over 0x7f U+FFFD). Whatever
// else is not text is escaped by Clean.
func fxSNMPSysDescr(v string) string {
	s := v
	for n := 0; n < 4 && len(s) > 0 && (s[0] == 0x00 || s[0] == 0x01); n++ {
		s = s[1:]
	}
	// sysDescr is the last value of the reply, so the length is not
	// needed to find its end; a short-form length byte is dropped even
	// when it is printable.
	if len(s) >= 2 && s[0] == 0x04 {
		s = s[1:]
		if s[0] < 0x80 {
			s = s[1:]
		}
	}
	// Long-form length bytes, or junk of a reply cut short.
	for n := 0; n < 3 && len(s) > 0; n++ {
		r, size := utf8.DecodeRuneInString(s)
		if r != utf8.RuneError && r >= 0x20 {
			break
		}
		s = s[size:]
	}
	return s
}

// fxDecodeHexPrefix appends the bytes of the leading hex digits of src, at
// most max bytes: what decodes of a damaged value is still evidence.
func fxDecodeHexPrefix(dst, src []byte, max int) []byte {
	for i := 0; i+1 < len(src) && len(dst) < max; i += 2 {
		hi, ok1 := fxUnhex(src[i])
		lo, ok2 := fxUnhex(src[i+1])
		if !ok1 || !ok2 {
			break
		}
		dst = append(dst, hi<<4|lo)
	}
	return dst
}

func fxUnhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// fxJoinSorted sorts a list in place, drops duplicates and empty entries
// and joins it: fingerprintx's technologies come from a map, so their
// order differs from one run to the next.
func fxJoinSorted(list []string, sep string) string {
	slices.Sort(list)
	list = slices.Compact(list)
	if len(list) > 0 && list[0] == "" {
		list = list[1:]
	}
	return strings.Join(list, sep)
}

// fxTransportName returns the transport a record names, lower-cased,
// without allocating for the names fingerprintx writes.
func fxTransportName(b []byte) string {
	switch {
	case fxASCIIEqualFold(b, "tcp"):
		return "tcp"
	case fxASCIIEqualFold(b, "udp"):
		return "udp"
	case fxASCIIEqualFold(b, "tcptls"):
		return "tcptls"
	}
	return string(b)
}

func fxASCIIEqualFold(b []byte, s string) bool {
	return len(b) == len(s) && strings.EqualFold(string(b), s)
}

// fxClip bounds a value quoted in an error message.
func fxClip(s string) string {
	if len(s) > 64 {
		s = s[:64] + "..."
	}
	return strings.ToValidUTF8(s, "\ufffd")
}

// fxScan walks one JSON text in place. A syntax error moves it to the end
// and marks it bad; every later call then finds nothing, so callers check
// end() once instead of after each step. Strings without escapes are
// slices of the line; escaped ones are decoded into a scratch buffer that
// the next escaped string reuses.
type fxScan struct {
	b     []byte
	i     int
	bad   bool
	depth int
	buf   []byte // the last escaped string value
	key   []byte // the last escaped key
}

func (s *fxScan) reset(b []byte) {
	s.b, s.i, s.bad, s.depth = b, 0, false, 0
}

func (s *fxScan) fail() {
	s.bad = true
	s.i = len(s.b)
}

func (s *fxScan) pos() int {
	s.ws()
	return s.i
}

// end reports whether the text was well-formed up to its end.
func (s *fxScan) end() bool {
	s.ws()
	return !s.bad && s.i == len(s.b)
}

func (s *fxScan) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// peek returns the next byte that is not white space, 0 at the end.
func (s *fxScan) peek() byte {
	s.ws()
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

// nextKey reads the next key of an object whose '{' was consumed, and
// its ':'; false at the closing '}' (consumed) or an error.
func (s *fxScan) nextKey(first *bool) ([]byte, bool) {
	c := s.peek()
	if c == '}' {
		s.i++
		return nil, false
	}
	if !*first {
		if c != ',' {
			s.fail()
			return nil, false
		}
		s.i++
		c = s.peek()
	}
	*first = false
	if c != '"' {
		s.fail()
		return nil, false
	}
	key, ok := s.str(&s.key)
	if !ok || s.peek() != ':' {
		s.fail()
		return nil, false
	}
	s.i++
	return key, true
}

// nextElem moves to the next element of an array whose '[' was consumed;
// false at the closing ']' (consumed) or an error.
func (s *fxScan) nextElem(first *bool) bool {
	c := s.peek()
	if c == ']' {
		s.i++
		return false
	}
	if !*first {
		if c != ',' {
			s.fail()
			return false
		}
		s.i++
		if c = s.peek(); c == ']' || c == 0 {
			s.fail() // a trailing comma, or the end
			return false
		}
	}
	*first = false
	if c == 0 {
		s.fail()
		return false
	}
	return true
}

// str reads a string at s.i ('"' next). The result aliases the line, or
// *scratch when the string has escapes.
func (s *fxScan) str(scratch *[]byte) ([]byte, bool) {
	s.i++ // the opening quote
	rest := s.b[s.i:]
	q := bytes.IndexByte(rest, '"')
	if q < 0 {
		s.fail()
		return nil, false
	}
	if bytes.IndexByte(rest[:q], '\\') < 0 {
		s.i += q + 1
		return rest[:q], true
	}
	return s.strEscaped(scratch)
}

// strEscaped decodes a string with escapes from s.i (after the quote).
func (s *fxScan) strEscaped(scratch *[]byte) ([]byte, bool) {
	out := (*scratch)[:0]
	b, i := s.b, s.i
	for {
		q := i
		for q < len(b) && b[q] != '"' && b[q] != '\\' {
			q++
		}
		out = append(out, b[i:q]...)
		i = q
		if i >= len(b) {
			s.fail()
			return nil, false
		}
		if b[i] == '"' {
			s.i = i + 1
			*scratch = out
			return out, true
		}
		if i+1 >= len(b) {
			s.fail()
			return nil, false
		}
		switch c := b[i+1]; c {
		case '"', '\\', '/':
			out = append(out, c)
			i += 2
		case 'b':
			out = append(out, '\b')
			i += 2
		case 'f':
			out = append(out, '\f')
			i += 2
		case 'n':
			out = append(out, '\n')
			i += 2
		case 'r':
			out = append(out, '\r')
			i += 2
		case 't':
			out = append(out, '\t')
			i += 2
		case 'u':
			r, ok := fxHex4(b, i+2)
			if !ok {
				s.fail()
				return nil, false
			}
			i += 6
			if utf16.IsSurrogate(r) {
				r2, ok := rune(0), false
				if i+1 < len(b) && b[i] == '\\' && b[i+1] == 'u' {
					r2, ok = fxHex4(b, i+2)
				}
				if dec := utf16.DecodeRune(r, r2); ok && dec != utf8.RuneError {
					r = dec
					i += 6
				} else {
					r = utf8.RuneError
				}
			}
			out = utf8.AppendRune(out, r)
		default:
			s.fail()
			return nil, false
		}
	}
}

func fxHex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
		v, ok := fxUnhex(c)
		if !ok {
			return 0, false
		}
		r = r<<4 | rune(v)
	}
	return r, true
}

// bytesValue reads a string value; any other value is skipped and
// reported as absent. The result is valid until the next string read.
func (s *fxScan) bytesValue() ([]byte, bool) {
	if s.peek() != '"' {
		s.skip()
		return nil, false
	}
	return s.str(&s.buf)
}

// stringValue is bytesValue as a string of its own.
func (s *fxScan) stringValue() (string, bool) {
	b, ok := s.bytesValue()
	if !ok {
		return "", false
	}
	return string(b), true
}

// stringList reads an array of strings (other elements skipped) onto
// list; a single string counts as a list of one.
func (s *fxScan) stringList(list []string) []string {
	switch s.peek() {
	case '"':
		v, _ := s.stringValue()
		return append(list, v)
	case '[':
	default:
		s.skip()
		return list
	}
	s.i++
	first := true
	for s.nextElem(&first) {
		if v, ok := s.stringValue(); ok {
			list = append(list, v)
		}
	}
	return list
}

// intValue reads an integer; a number with a fraction or exponent, or
// any other value, is skipped and reported as absent.
func (s *fxScan) intValue() (int64, bool) {
	c := s.peek()
	if c != '-' && (c < '0' || c > '9') {
		s.skip()
		return 0, false
	}
	start := s.i
	s.number()
	if s.bad {
		return 0, false
	}
	lit := s.b[start:s.i]
	neg := lit[0] == '-'
	if neg {
		lit = lit[1:]
	}
	var n int64
	for _, d := range lit {
		if d < '0' || d > '9' {
			return 0, false
		}
		if n < 1<<40 {
			n = n*10 + int64(d-'0')
		}
	}
	if neg {
		n = -n
	}
	return n, true
}

// boolValue reads true or false, or "true" or "false" as strings.
func (s *fxScan) boolValue() (bool, bool) {
	switch s.peek() {
	case 't':
		return true, s.literal("true")
	case 'f':
		ok := s.literal("false")
		return false, ok
	case '"':
		v, _ := s.bytesValue()
		switch {
		case fxASCIIEqualFold(v, "true"):
			return true, true
		case fxASCIIEqualFold(v, "false"):
			return false, true
		}
		return false, false
	}
	s.skip()
	return false, false
}

// literal consumes the word w, failing when the text holds another.
func (s *fxScan) literal(w string) bool {
	if !bytes.HasPrefix(s.b[s.i:], []byte(w)) {
		s.fail()
		return false
	}
	s.i += len(w)
	return true
}

// number consumes a JSON number.
func (s *fxScan) number() {
	b, i := s.b, s.i
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	default:
		s.fail()
		return
	}
	if i < len(b) && b[i] == '.' {
		i++
		d := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == d {
			s.fail()
			return
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		d := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == d {
			s.fail()
			return
		}
	}
	s.i = i
}

// skip consumes one value of any type, checking its syntax.
func (s *fxScan) skip() {
	switch c := s.peek(); {
	case c == '"':
		s.str(&s.buf)
	case c == '{':
		if s.depth++; s.depth > fxMaxDepth {
			s.fail()
			return
		}
		s.i++
		first := true
		for _, ok := s.nextKey(&first); ok; _, ok = s.nextKey(&first) {
			s.skip()
		}
		s.depth--
	case c == '[':
		if s.depth++; s.depth > fxMaxDepth {
			s.fail()
			return
		}
		s.i++
		first := true
		for s.nextElem(&first) {
			s.skip()
		}
		s.depth--
	case c == 't':
		s.literal("true")
	case c == 'f':
		s.literal("false")
	case c == 'n':
		s.literal("null")
	case c == '-' || c >= '0' && c <= '9':
		s.number()
	default:
		s.fail()
	}
}
