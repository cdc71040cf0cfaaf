package importer

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/certprint/certprint/fingerprint"
	"github.com/certprint/certprint/registry"
)

// Bounds on what the reader decodes of one record.
const (
	// fxMaxTelnet is what fingerprintx can have read (one 4 KiB recv):
	// serverData beyond it is not from fingerprintx, and is not decoded.
	fxMaxTelnet = 4 << 10
	// fxMaxDepth bounds JSON nesting below the record object: records
	// are three levels deep, and a hostile line of brackets is refused
	// rather than walked ten thousand levels down.
	fxMaxDepth = 32
)

// fxDecodeOptions: what devices send need not be UTF-8 (fingerprint
// cleans it), and a repeated key is read again rather than refused.
var fxDecodeOptions = []jsontext.Options{jsontext.AllowInvalidUTF8(true), jsontext.AllowDuplicateNames(true)}

func init() { register(Fingerprintx, newFingerprintxReader) }

// fingerprintxReader reads fingerprintx --json output: one JSON object per
// line, {host, ip, port, protocol, tls, transport, version, metadata}, or
// the 2022 shape with service for protocol and version inside metadata.
// The records carry no time, so every one is dated by Options.Observed.
//
// It walks each line token by token with jsontext's decoder, which reads
// the line in place: no reflection, response headers visited in the order
// of the file (which keeps the MaxHeaders cut deterministic), and only the
// strings that become fields are allocated.
type fingerprintxReader struct {
	lines *lineReader
	opts  Options
	seen  bool // a record shaped like fingerprintx has been read
	fatal error

	// The walk of one line, or of its metadata: dec reads in, which holds
	// the bytes being walked. bad is set at the first syntax error or
	// nesting deeper than maxDepth; the walk then finds nothing more, so
	// callers check end() once instead of after each step. shallow: the
	// text has too few brackets to nest that deep, so values are skipped
	// whole instead of token by token.
	in       bytes.Buffer
	dec      jsontext.Decoder
	bad      bool
	shallow  bool
	maxDepth int
	str      []byte // the last escaped string value, unquoted
	key      []byte // the last escaped key, unquoted
	meta     fxMeta // the last metadata walked

	vals []string // header values of one header, reused
	name []byte   // a header name being lower-cased, reused
	list []string // CPEs of one record, reused
	tech []string // technologies of one record, reused
	hex  []byte   // decoded telnet serverData, reused
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
type fxRecord struct {
	ip        string
	port      int64
	portOK    bool
	protocol  string
	tls       bool
	transport string
	version   string
	metadata  []byte // the metadata object, a span of the line; nil if none
	shaped    bool   // it has a key only fingerprintx writes
}

// record reads one line. It returns the observation, or a rejection, or
// a FormatError when the first record shows the file is something else.
func (r *fingerprintxReader) record(line []byte) (registry.Observation, *RecordError, error) {
	var o registry.Observation
	var rec fxRecord
	r.walk(line, 1+fxMaxDepth)
	if r.dec.PeekKind() != '{' {
		rej, err := r.notFingerprintx(line, "a line that is not a JSON object")
		return o, rej, err
	}
	r.token()
	for r.more('}') {
		switch string(r.nextKey()) {
		case "ip":
			rec.ip, _ = r.stringValue()
		case "port":
			rec.port, rec.portOK = r.intValue()
		case "protocol", "service":
			if v, ok := r.bytesValue(); ok {
				rec.protocol = fxProtocolName(v)
			}
			rec.shaped = true
		case "tls":
			rec.tls, _ = r.boolValue()
		case "transport":
			if v, ok := r.bytesValue(); ok {
				rec.transport = fxTransportName(v)
			}
			rec.shaped = true
		case "version":
			rec.version, _ = r.stringValue()
		case "metadata":
			// Walked for the protocol read so far: fingerprintx writes
			// the protocol first. fields walks it again if the protocol
			// came after it.
			rec.metadata = nil
			rec.shaped = true
			if r.dec.PeekKind() != '{' {
				r.skip()
				break
			}
			r.token()
			start := r.dec.InputOffset() - 1
			r.metadata(rec.protocol)
			if !r.bad {
				rec.metadata = line[start:r.dec.InputOffset()]
			}
		default:
			r.skip()
		}
	}
	if !r.end() {
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
	o.Fields = r.fields(&rec)
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
func (r *fingerprintxReader) fields(rec *fxRecord) fingerprint.Fields {
	m := &r.meta
	switch {
	case rec.metadata == nil:
		*m = fxMeta{fields: make(fingerprint.Fields, 8)}
	case m.protocol != rec.protocol:
		// The protocol came after the metadata: walk it again. It was
		// checked with the line, nesting included.
		r.walk(rec.metadata, fxMaxDepth)
		r.token()
		r.metadata(rec.protocol)
	}
	f := m.fields
	version := rec.version
	if version == "" {
		version = m.version // the 2022 shape kept it in metadata
	}
	versionUsed := false
	if rec.metadata != nil {
		versionUsed = r.finish(rec.protocol, version)
	}
	// What is left of the version: a field of its own, unless the
	// protocol's mapping used it (HTTP's Server, SMB's OS version).
	if !versionUsed {
		f.Set(registry.FieldServiceVersion, version)
	}
	if m.product != "" {
		f.SetText(registry.FieldServiceProduct, m.product)
	}
	if len(m.cpes) > 0 {
		f.SetList(registry.FieldServiceCPE, m.cpes, " ")
	}
	clear(r.list)
	r.list = r.list[:0]
	*m = fxMeta{} // the fields are the observation's now
	return f
}

// fxMeta is what a walk of the metadata gathers for fields.
type fxMeta struct {
	protocol string // the protocol walked for
	fields   fingerprint.Fields
	version  string // the first non-empty version in metadata (2022 shape)
	product  string
	cpes     []string

	// What finish completes the mapping with, once the walk is over.
	status             string
	statusCode         int64
	server             string // the Server header
	kex                string
	hostKeyFingerprint string
	algoSeen           bool
	passwordAuth       bool
	passwordAuthSeen   bool
}

// metadata walks the metadata object (its '{' read) into r.meta: the
// fields of the protocol, and what finish and fields complete them with.
func (r *fingerprintxReader) metadata(protocol string) {
	r.meta = fxMeta{protocol: protocol, fields: make(fingerprint.Fields, 8), statusCode: -1}
	m, f := &r.meta, r.meta.fields
	for r.more('}') {
		k := string(r.nextKey())
		if k == "version" {
			// The 2022 shape kept the version here.
			if v, ok := r.stringValue(); ok && m.version == "" {
				m.version = v
			}
			continue
		}
		if k == "cpes" {
			r.list = r.stringList(r.list[:0])
			m.cpes = r.list
			continue
		}
		switch protocol {
		case "http", "https", "http2":
			switch k {
			case "status":
				m.status, _ = r.stringValue()
			case "statusCode":
				m.statusCode, _ = r.intValue()
			case "responseHeaders":
				m.server = r.headers(f)
			case "technologies":
				r.tech = r.stringList(r.tech[:0])
				f.SetList(registry.FieldHTTPTechnologies, r.tech, ",")
				clear(r.tech)
			default:
				r.skip()
			}
		case "ssh":
			switch k {
			case "banner":
				if v, ok := r.stringValue(); ok {
					f.SetSSHBanner(fxFirstLine(v))
				}
			case "hostKey":
				if v, ok := r.stringValue(); ok {
					f.SetSSHHostKey(v)
				}
			case "hostKeyFingerprint":
				m.hostKeyFingerprint, _ = r.stringValue()
			case "hostKeyType":
				if v, ok := r.stringValue(); ok {
					f.SetText(registry.FieldSSHHostKeyType, v)
				}
			case "algo":
				if v, ok := r.bytesValue(); ok && len(v) > 0 {
					m.algoSeen = true
					m.kex = fxSSHKexAlgos(v)
				}
			case "passwordAuthEnabled":
				m.passwordAuth, m.passwordAuthSeen = r.boolValue()
			default:
				r.skip()
			}
		case "ftp", "smtp", "smtps", "pop3", "pop3s", "imap", "imaps":
			if k == "banner" {
				if v, ok := r.stringValue(); ok {
					f.Set(fxBannerField(protocol), v)
				}
				continue
			}
			r.skip()
		case "telnet":
			if k == "serverData" {
				if v, ok := r.bytesValue(); ok {
					r.hex = fxDecodeHexPrefix(r.hex[:0], v, fxMaxTelnet)
					f.Set(registry.FieldTelnetBanner, fingerprint.TelnetText(r.hex))
				}
				continue
			}
			r.skip()
		case "rtsp":
			if k == "serverInfo" {
				if v, ok := r.stringValue(); ok {
					f.SetText(registry.FieldRTSPServer, v)
				}
				continue
			}
			r.skip()
		case "smb":
			switch k {
			case "osVersion":
				if v, ok := r.stringValue(); ok {
					f.SetText(registry.FieldSMBOSVersion, v)
				}
			case "signingEnabled":
				r.setBool(f, registry.FieldSMBSigningEnabled)
			case "signingRequired":
				r.setBool(f, registry.FieldSMBSigningRequired)
			default:
				// netBIOSComputerName, dnsDomainName, ... (and the
				// 2022 computerName, domainName, fqdn) name one device
				// or network, not a model.
				r.skip()
			}
		case "rdp":
			switch k {
			case "osVersion":
				if v, ok := r.stringValue(); ok {
					f.SetText(registry.FieldRDPOSVersion, v)
				}
			case "fingerprint":
				if v, ok := r.stringValue(); ok {
					f.SetText(registry.FieldRDPOSFingerprint, v)
				}
			default:
				r.skip() // targetName and the computer and domain names
			}
		case "redis":
			if k == "authRequired:" || k == "authRequired" {
				r.setBool(f, registry.FieldRedisAuthRequired)
				continue
			}
			r.skip()
		case "postgresql":
			if k == "authRequired" {
				r.setBool(f, registry.FieldPostgreSQLAuthRequired)
				continue
			}
			r.skip()
		default:
			if k == "product" {
				m.product, _ = r.stringValue()
				continue
			}
			// mysql's errorMsg names the scanner's address; other keys
			// are not in the vocabulary.
			r.skip()
		}
	}
}

// finish completes the fields of the protocol with what comes of the
// whole metadata and the record's version, and reports whether the
// mapping used the version.
func (r *fingerprintxReader) finish(protocol, version string) (versionUsed bool) {
	m, f := &r.meta, r.meta.fields
	switch protocol {
	case "http", "https", "http2":
		if m.statusCode >= 0 {
			f.SetStatusCode(int(m.statusCode))
		}
		if _, ok := f[registry.FieldHTTPStatus]; !ok {
			f.SetStatus(m.status)
		}
		// fingerprintx's version is the Server header; without the
		// header (a 2022 record may lack it) the version stands in.
		if m.server == "" {
			f.SetText(registry.FieldHTTPServer, version)
		}
		versionUsed = true
	case "ssh":
		// After hostKey, whatever the order of the keys: a fingerprint
		// only fills in for a key that is missing.
		f.SetSSHFingerprint(m.hostKeyFingerprint)
		f.Set(registry.FieldSSHKex, m.kex)
		// Only a record with the server's KEXINIT (algo) went on to the
		// login probe; without it false means "not probed".
		if m.algoSeen && m.passwordAuthSeen {
			f.Set(registry.FieldSSHPasswordAuth, fxBoolText(m.passwordAuth))
		}
	case "smb":
		if _, ok := f[registry.FieldSMBOSVersion]; !ok {
			f.SetText(registry.FieldSMBOSVersion, version)
		}
		versionUsed = true
	case "snmp":
		f.Set(registry.FieldSNMPSysDescr, fxSNMPSysDescr(version))
		versionUsed = true
	case "mqtt":
		f.SetText(registry.FieldMQTTVersion, version)
		versionUsed = true
	}
	return versionUsed
}

// headers files the responseHeaders object (header → array of values) in
// the order of the file, and returns the Server header's value.
func (r *fingerprintxReader) headers(f fingerprint.Fields) (server string) {
	if r.dec.PeekKind() != '{' {
		r.skip()
		return ""
	}
	r.token()
	for r.more('}') {
		name := r.headerName(r.nextKey())
		if fingerprint.IsVolatileHeader(name) {
			r.skip() // SetHeader would drop it: build none of its values
			continue
		}
		vals := r.vals[:0]
		switch r.dec.PeekKind() {
		case '[':
			r.token()
			for r.more(']') {
				if v, ok := r.stringValue(); ok {
					vals = append(vals, v)
				}
			}
		case '"':
			v, _ := r.stringValue()
			vals = append(vals, v)
		default:
			r.skip()
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
// allocation per header. The headers devices send most are names of
// fxHeaderNames, and cost none.
func (r *fingerprintxReader) headerName(key []byte) string {
	b := r.name[:0]
	for _, c := range key {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	r.name = b
	if name, ok := fxHeaderNames[string(b)]; ok {
		return name
	}
	return string(b)
}

// fxHeaderNames are common header names, lower-cased, by themselves.
var fxHeaderNames = func() map[string]string {
	m := map[string]string{}
	for _, name := range []string{
		"server", "www-authenticate", "location", "content-type", "date", "content-length", "connection",
		"cache-control", "pragma", "expires", "last-modified", "etag", "set-cookie", "x-frame-options",
		"x-powered-by", "x-xss-protection", "x-content-type-options", "accept-ranges", "vary",
		"content-encoding", "transfer-encoding", "keep-alive", "strict-transport-security",
		"content-security-policy", "access-control-allow-origin", "p3p", "mime-version",
	} {
		m[name] = name
	}
	return m
}()

// setBool stores a boolean that fingerprintx writes as true/false, or as
// the strings "true"/"false" in 2022 records.
func (r *fingerprintxReader) setBool(f fingerprint.Fields, name string) {
	if v, ok := r.boolValue(); ok {
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

// walk starts walking b, refusing nesting deeper than maxDepth.
func (r *fingerprintxReader) walk(b []byte, maxDepth int) {
	r.in = *bytes.NewBuffer(b) // read in place, not copied
	r.dec.Reset(&r.in, fxDecodeOptions...)
	r.bad = false
	r.maxDepth = maxDepth
	r.shallow = bytes.Count(b, []byte("{"))+bytes.Count(b, []byte("[")) <= r.maxDepth
}

func (r *fingerprintxReader) fail() { r.bad = true }

// end reports whether the text was well-formed, with nothing after it.
func (r *fingerprintxReader) end() bool {
	if r.bad {
		return false
	}
	_, err := r.dec.ReadToken()
	return err == io.EOF
}

// token reads a token already peeked at (a '{' or a '[').
func (r *fingerprintxReader) token() {
	if _, err := r.dec.ReadToken(); err != nil {
		r.fail()
	}
}

// more reports whether the object or array being walked (its '{' or '['
// read) has another member or element; at its end ('}' or ']') it reads
// the closing token and returns false.
func (r *fingerprintxReader) more(end jsontext.Kind) bool {
	if r.bad {
		return false
	}
	switch r.dec.PeekKind() {
	case end:
		r.token()
		return false
	case jsontext.KindInvalid:
		r.fail()
		return false
	}
	return true
}

// nextKey reads the name of an object member, unquoted. The result is
// valid until the next key is read.
func (r *fingerprintxReader) nextKey() []byte {
	v, err := r.dec.ReadValue()
	if err != nil {
		r.fail()
		return nil
	}
	return fxUnquote(&r.key, v)
}

// skip reads past one value of any type, checking its syntax and its
// nesting, and returns the offset in the text where the value starts.
func (r *fingerprintxReader) skip() (start int64) {
	if r.bad {
		return 0
	}
	if k := r.dec.PeekKind(); r.shallow || k != '{' && k != '[' {
		v, err := r.dec.ReadValue()
		if err != nil {
			r.fail()
			return 0
		}
		return r.dec.InputOffset() - int64(len(v))
	}
	// Token by token, to see how deep it goes.
	depth := r.dec.StackDepth()
	start = -1
	for {
		_, err := r.dec.ReadToken()
		if start < 0 {
			start = r.dec.InputOffset() - 1
		}
		if err != nil || r.dec.StackDepth() > r.maxDepth {
			r.fail()
			return 0
		}
		if r.dec.StackDepth() == depth {
			return start
		}
	}
}

// fxUnquote returns the text of a JSON string value: the bytes between
// the quotes when it has no escapes, invalid UTF-8 and all (fingerprint
// cleans it), else the value unquoted into *scratch. A lone surrogate
// escape becomes U+FFFD.
func fxUnquote(scratch *[]byte, v jsontext.Value) []byte {
	text := v[1 : len(v)-1]
	if bytes.IndexByte(text, '\\') < 0 {
		return text
	}
	*scratch, _ = jsontext.AppendUnquote((*scratch)[:0], v)
	return *scratch
}

// value reads the next value. An object or array is only read whole when
// the text is shallow; otherwise it is skipped, nesting checked, and the
// result is empty, as it is at an error.
func (r *fingerprintxReader) value() jsontext.Value {
	if r.bad {
		return nil
	}
	if !r.shallow {
		if k := r.dec.PeekKind(); k == '{' || k == '[' {
			r.skip()
			return nil
		}
	}
	v, err := r.dec.ReadValue()
	if err != nil {
		r.fail()
		return nil
	}
	return v
}

// bytesValue reads a string value; any other value is skipped and
// reported as absent. The result is valid until the next string read.
func (r *fingerprintxReader) bytesValue() ([]byte, bool) {
	v := r.value()
	if v.Kind() != '"' {
		return nil, false
	}
	return fxUnquote(&r.str, v), true
}

// stringValue is bytesValue as a string of its own.
func (r *fingerprintxReader) stringValue() (string, bool) {
	b, ok := r.bytesValue()
	if !ok {
		return "", false
	}
	return string(b), true
}

// stringList reads an array of strings (other elements skipped) onto
// list; a single string counts as a list of one.
func (r *fingerprintxReader) stringList(list []string) []string {
	if r.bad {
		return list
	}
	switch r.dec.PeekKind() {
	case '"':
		v, _ := r.stringValue()
		return append(list, v)
	case '[':
	default:
		r.skip()
		return list
	}
	r.token()
	for r.more(']') {
		if v, ok := r.stringValue(); ok {
			list = append(list, v)
		}
	}
	return list
}

// intValue reads an integer; a number with a fraction or exponent, one
// beyond int64, or any other value, is skipped and reported as absent.
func (r *fingerprintxReader) intValue() (int64, bool) {
	v := r.value()
	if v.Kind() != '0' {
		return 0, false
	}
	n, err := strconv.ParseInt(string(v), 10, 64)
	return n, err == nil
}

// boolValue reads true or false, or "true" or "false" as strings.
func (r *fingerprintxReader) boolValue() (bool, bool) {
	switch v := r.value(); v.Kind() {
	case 't':
		return true, true
	case 'f':
		return false, true
	case '"':
		switch text := fxUnquote(&r.str, v); {
		case fxASCIIEqualFold(text, "true"):
			return true, true
		case fxASCIIEqualFold(text, "false"):
			return false, true
		}
	}
	return false, false
}
