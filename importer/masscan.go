package importer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"time"

	"github.com/certprint/certprint/fingerprint"
	"github.com/certprint/certprint/registry"
)

// masscan writes one record per line in three dialects, all read here
// (FORMATS.md A.4):
//
//   - -oJ of masscan 1.3.x: a JSON array, "[" on the first line, each record
//     on its own line with a "," line before every record after the first,
//     and "]" at the end, which is missing when masscan was killed;
//   - -oJ of the 1.0.x builds: keys without quotes, a "," after each record,
//     no timestamps, and "{finished: 1}" at the end;
//   - ndjson (-oD): one flat object per line with rec_type status or banner.
//
// The file is read line by line, never as one document. A port yields one
// status record and, with --banners, several banner records (http,
// http.server, title, X509, ...), not necessarily next to each other. The
// reader merges the records of one (ip, transport, port) into one
// observation while they are in a window of the masscanWindow services
// seen last; the oldest service is handed on when the window is full, and
// all of them at the end. Memory is bounded by the window, whatever the
// size of the file; records of one port further apart than the window
// yield two observations of it.
//
// What counts as read: each observation (however many records it merged)
// and each rejected record. A status record other than "open" is rejected
// as not-open, so that read = stored + rejected still accounts for every
// port record of the file. Records for ICMP, ARP or SCTP (masscan --ping,
// --arp, sctp ports) are rejected as bad-transport.
func init() { register(Masscan, newMasscanReader) }

const (
	// masscanWindow is how many services wait for more of their records.
	// masscan writes the banners of a connection when it closes, within
	// seconds of its status record; at the rates masscan runs, 1024 other
	// services is a wide margin, and the window costs a few hundred KiB.
	masscanWindow = 1024
	// masscanMaxBanner bounds the banner text looked at, as masscan's own
	// output buffer does (64 KiB); a longer banner did not come from it.
	masscanMaxBanner = 64 << 10
	// masscanMaxUnix bounds timestamps (2200-01-01): a later one is not a
	// scan time but garbage.
	masscanMaxUnix = 7258118400
)

// Reasons for rejections only masscan files have.
const (
	masscanReasonNotOpen   = "not-open"      // a status record for a closed port
	masscanReasonTimestamp = "bad-timestamp" // not a string of Unix seconds
)

// masscanRecord is any of the dialects' records; a line's JSON is decoded
// into it whole.
type masscanRecord struct {
	IP        string      `json:"ip"`
	Timestamp masscanTime `json:"timestamp"`
	// -oJ: one element always. A second one is decoded only to refuse
	// the record; JSON elements past the array's end are skipped without
	// being stored, so a hostile list of a million ports costs nothing.
	Ports [2]masscanPort `json:"ports"`
	// ndjson
	Port    int         `json:"port"`
	Proto   string      `json:"proto"`
	RecType string      `json:"rec_type"`
	Data    masscanData `json:"data"`
	// the old dialect's last line, {finished: 1}
	Finished json.RawMessage `json:"finished"`
}

type masscanPort struct {
	Port    int             `json:"port"`
	Proto   string          `json:"proto"`
	Status  string          `json:"status"`
	Service *masscanService `json:"service"`
}

type masscanService struct {
	Name   string `json:"name"`
	Banner string `json:"banner"`
}

type masscanData struct {
	Status      string `json:"status"`
	ServiceName string `json:"service_name"`
	Banner      string `json:"banner"`
	SignName    string `json:"sign_name"` // rec_type "sign" of some forks: the protocol alone
}

func (p *masscanPort) empty() bool {
	return p.Port == 0 && p.Proto == "" && p.Status == "" && p.Service == nil
}

// masscanTime is masscan's timestamp: a string of Unix seconds (a bare
// number is taken too). A value that is not one is remembered, not an
// error, so that the record is rejected with its own reason.
type masscanTime struct {
	sec      int64
	set, bad bool
}

func (t *masscanTime) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	t.set = true
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' {
		b = b[1 : len(b)-1]
	}
	if len(b) == 0 || len(b) > 12 {
		t.bad = true
		return nil
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			t.bad = true
			return nil
		}
		n = n*10 + int64(c-'0')
	}
	if n <= 0 || n > masscanMaxUnix {
		t.bad = true
		return nil
	}
	t.sec = n
	return nil
}

// masscanKey names one service.
type masscanKey struct {
	ip   netip.Addr
	port uint16
	udp  bool
}

// masscanEntry is one service waiting in the window.
type masscanEntry struct {
	key         masscanKey
	line        int64     // of its first record
	first, last time.Time // of the records with a timestamp
	proto       string    // "" until a record names it
	tls         bool
	cert        bool // an X509 record was read: the first one is the leaf
	titled      bool // a title record was read: it wins over the html one
	htmlTitle   string
	fields      fingerprint.Fields // made when the first banner comes
}

func (e *masscanEntry) f() fingerprint.Fields {
	if e.fields == nil {
		e.fields = fingerprint.Fields{}
	}
	return e.fields
}

func (e *masscanEntry) seen(t time.Time) {
	if t.IsZero() {
		return
	}
	if e.first.IsZero() || t.Before(e.first) {
		e.first = t
	}
	if t.After(e.last) {
		e.last = t
	}
}

type masscanReader struct {
	lines   *lineReader
	opts    Options
	started bool // a masscan record was read: from now on no FormatError
	eof     bool
	pos     int64 // line of the observation last returned
	pending map[masscanKey]*masscanEntry
	queue   []*masscanEntry // pending in the order they came; live from head
	head    int
	free    []*masscanEntry
	rec     masscanRecord
	quoted  []byte // the old dialect's line with its keys quoted
}

func newMasscanReader(r io.Reader, opts Options) Reader {
	return &masscanReader{
		lines:   newLineReader(r, MaxLine),
		opts:    opts,
		pending: make(map[masscanKey]*masscanEntry),
	}
}

// Position returns the line of the first record of the observation last
// returned.
func (r *masscanReader) Position() (line, offset int64) { return r.pos, 0 }

// Next returns the next merged observation; see the comment on init.
func (r *masscanReader) Next() (registry.Observation, error) {
	for {
		if r.head < len(r.queue) && (r.eof || len(r.queue)-r.head > masscanWindow) {
			return r.emit(r.pop())
		}
		if r.eof {
			return registry.Observation{}, io.EOF
		}
		line, err := r.lines.nextLine()
		if err == io.EOF {
			r.eof = true
			continue
		}
		if err != nil {
			return registry.Observation{}, err
		}
		if err := r.record(line); err != nil {
			return registry.Observation{}, err
		}
	}
}

// record reads one line into the window. It returns a *RecordError for a
// record it rejects, a *FormatError when the first record shows the file is
// not masscan output, ErrNeedObserved for a record without a time when no
// window was given.
func (r *masscanReader) record(line []byte) error {
	body := masscanTrim(line)
	if len(body) == 0 {
		return nil // "[", "]" or "," alone
	}
	if masscanBareKeys(body) {
		r.quoted = masscanQuoteKeys(r.quoted[:0], body)
		body = r.quoted
	}
	rec := &r.rec
	*rec = masscanRecord{}
	if err := json.Unmarshal(body, rec); err != nil {
		if !r.started && !bytes.Contains(body, []byte(`"ip"`)) {
			return &FormatError{Format: Masscan, Reason: fmt.Sprintf(
				"line %d is not a masscan record (%v); masscan writes one JSON object per line, was the file reformatted?",
				r.lines.line, err)}
		}
		r.started = true
		return r.lines.recordError(ReasonMalformed, err)
	}
	if rec.Finished != nil && rec.IP == "" {
		r.started = true
		// The old dialect's end. Records after it (files joined with
		// cat) are read on rather than dropped unseen.
		return nil
	}
	if !r.started && rec.RecType == "" && rec.Ports[0].empty() {
		return &FormatError{Format: Masscan, Reason: fmt.Sprintf(
			`line %d has neither "ports" nor "rec_type": not a masscan record`, r.lines.line)}
	}
	r.started = true

	// One port, one kind: status, banner or sign.
	var (
		port           = rec.Port
		proto          = rec.Proto
		status         string
		name, banner   string
		isBanner, sign bool
	)
	switch rec.RecType {
	case "":
		if !rec.Ports[1].empty() {
			return r.lines.recordError(ReasonMalformed, errors.New("more than one port in a record; masscan writes one"))
		}
		p := &rec.Ports[0]
		port, proto, status = p.Port, p.Proto, p.Status
		if p.Service != nil {
			isBanner, name, banner = true, p.Service.Name, p.Service.Banner
		} else if status == "" {
			return r.lines.recordError(ReasonMalformed, errors.New("a port with neither a status nor a service"))
		}
	case "status":
		status = rec.Data.Status
	case "banner":
		isBanner, name, banner = true, rec.Data.ServiceName, rec.Data.Banner
	case "sign":
		sign, name = true, rec.Data.SignName
	default:
		return r.lines.recordError(ReasonMalformed, fmt.Errorf("unknown rec_type %q", fingerprint.Clean(masscanTruncate(rec.RecType, 32))))
	}

	ip, err := netip.ParseAddr(rec.IP)
	if err != nil {
		return r.lines.recordError(ReasonAddress, fmt.Errorf("ip %q", fingerprint.Clean(masscanTruncate(rec.IP, 64))))
	}
	// The transport first: an ICMP or ARP record (port 0) is not a bad
	// port but no port at all.
	var udp bool
	switch {
	case strings.EqualFold(proto, "tcp"):
	case strings.EqualFold(proto, "udp"):
		udp = true
	default:
		return r.lines.recordError(ReasonTransport, fmt.Errorf("proto %q is neither tcp nor udp", fingerprint.Clean(masscanTruncate(proto, 32))))
	}
	if port <= 0 || port > 65535 {
		return r.lines.recordError(ReasonPort, fmt.Errorf("port %d", port))
	}
	var t time.Time
	switch {
	case rec.Timestamp.bad:
		return r.lines.recordError(masscanReasonTimestamp, errors.New("timestamp is not a string of Unix seconds"))
	case rec.Timestamp.set:
		t = time.Unix(rec.Timestamp.sec, 0).UTC()
	case r.opts.Observed.IsZero():
		return ErrNeedObserved
	}
	if !isBanner && !sign && !strings.EqualFold(status, "open") {
		return r.lines.recordError(masscanReasonNotOpen, fmt.Errorf("port status %q", fingerprint.Clean(masscanTruncate(status, 32))))
	}

	e := r.entry(masscanKey{ip: ip.Unmap().WithZone(""), port: uint16(port), udp: udp})
	e.seen(t)
	switch {
	case isBanner:
		e.banner(name, banner)
	case sign:
		p, tls := masscanApp(name)
		e.setProto(p)
		e.tls = e.tls || tls
	}
	return nil
}

// entry returns the pending entry of k, making one at the back of the
// window when k has none.
func (r *masscanReader) entry(k masscanKey) *masscanEntry {
	if e := r.pending[k]; e != nil {
		return e
	}
	var e *masscanEntry
	if n := len(r.free); n > 0 {
		e, r.free = r.free[n-1], r.free[:n-1]
	} else {
		e = &masscanEntry{}
	}
	e.key, e.line = k, r.lines.line
	r.pending[k] = e
	r.queue = append(r.queue, e)
	return e
}

// pop takes the oldest pending entry out of the window.
func (r *masscanReader) pop() *masscanEntry {
	e := r.queue[r.head]
	r.queue[r.head] = nil
	r.head++
	switch {
	case r.head == len(r.queue):
		r.queue, r.head = r.queue[:0], 0
	case r.head >= masscanWindow:
		n := copy(r.queue, r.queue[r.head:])
		clear(r.queue[n:])
		r.queue, r.head = r.queue[:n], 0
	}
	delete(r.pending, e.key)
	return e
}

// emit turns a merged entry into its observation and recycles the entry.
func (r *masscanReader) emit(e *masscanEntry) (registry.Observation, error) {
	o := registry.Observation{
		IP:        e.key.ip,
		Transport: "tcp",
		Port:      e.key.port,
		Protocol:  e.proto,
		TLS:       e.tls,
	}
	if e.key.udp {
		o.Transport = "udp"
	}
	if o.Protocol == "" {
		o.Protocol = registry.ProtocolUnknown
	}
	if !e.titled && e.htmlTitle != "" {
		e.f().SetTitle(e.htmlTitle)
	}
	if len(e.fields) > 0 {
		o.Fields = e.fields
	}
	r.pos = e.line
	// The earliest record's time, or the window when none had one; the
	// latest as ObservedLast when the records span time.
	if err := r.opts.Stamp(&o, e.first); err != nil {
		return registry.Observation{}, err
	}
	if !e.first.IsZero() && e.last.After(e.first) {
		o.ObservedLast = e.last
	}
	*e = masscanEntry{}
	r.free = append(r.free, e)
	return o, nil
}

func (e *masscanEntry) setProto(p string) {
	if e.proto == "" {
		e.proto = p
	}
}

// masscanApp maps a masscan service name (masscan_app_to_string) to the
// protocol it shows, "" when it shows none, and whether it shows TLS.
func masscanApp(name string) (proto string, tls bool) {
	switch name {
	case "http", "http.server", "title", "html":
		return "http", false
	case "X509", "X509CA", "x509", "x509ca", "ssl":
		return "", true
	case "pop":
		return "pop3", false
	case "vnc", "vnc-info":
		return "vnc", false
	case "dns-ver":
		return "dns", false
	case "nbtstat":
		return "netbios", false
	case "isakmp":
		return "ipsec", false
	case "ssh", "ftp", "telnet", "smtp", "imap", "snmp", "rdp", "smb", "ntp",
		"memcached", "minecraft", "coap":
		return name, false
	}
	// unknown, zeroaccess, vuln, heartbleed, ticketbleed, safe, scripting,
	// versioning, error, "(N)" for a number masscan has no name for.
	return "", false
}

// banner files one banner record's text. masscan writes every byte that is
// not printable ASCII as \u00XX, so the decoded string is Latin-1 for the
// bytes the device sent; FromLatin1 gives them back before cleaning.
func (e *masscanEntry) banner(name, raw string) {
	p, tls := masscanApp(name)
	e.setProto(p)
	e.tls = e.tls || tls
	switch name {
	case "X509", "x509":
		if !e.cert {
			e.cert = true
			e.f().SetCertificateBase64(raw)
		}
		return
	case "X509CA", "x509ca", "ssl":
		// The chain is not the device's identity, and the ssl text is
		// the version and cipher masscan's own ClientHello got, which a
		// scanner offering TLS 1.3 would not see: no field.
		return
	case "vuln", "heartbleed", "ticketbleed", "safe", "error":
		// Test results, and heartbleed's are leaked memory: never
		// identity.
		return
	}
	text := fingerprint.FromLatin1(masscanTruncate(raw, masscanMaxBanner))
	f := e.f()
	switch name {
	case "http":
		f.ParseHTTPHead(text)
	case "http.server":
		f.SetText(registry.FieldHTTPServer, text)
	case "title":
		f.SetTitle(text)
		e.titled = true
	case "html":
		if e.htmlTitle == "" {
			if t, ok := fingerprint.Title([]byte(text)); ok {
				e.htmlTitle = masscanTruncate(t, 4*fingerprint.MaxValue)
			}
		}
	case "ssh":
		first, _, _ := strings.Cut(text, "\n")
		f.SetSSHBanner(first)
	case "ftp":
		f.Set(registry.FieldFTPBanner, text)
	case "telnet":
		f.Set(registry.FieldTelnetBanner, fingerprint.TelnetText([]byte(fingerprint.MasscanTelnetText(text))))
	case "smtp":
		f.Set(registry.FieldSMTPBanner, text)
	case "pop":
		f.Set(registry.FieldPOP3Banner, text)
	case "imap":
		f.Set(registry.FieldIMAPBanner, text)
	case "vnc":
		f.SetText(registry.FieldServiceVersion, text) // "RFB 003.008"
	case "snmp":
		masscanSNMP(f, text)
	default:
		f.SetIfAbsent(registry.FieldBanner, text)
	}
}

// masscanSNMP reads masscan's SNMP banner: one "name:value" line per
// variable (proto-snmp.c), the name a MIB name such as sysDescr or a
// dotted OID. sysDescr and a numeric sysObjectID have fields. The other
// variables are left out: masscan writes their OIDs with MIB names in
// place of numbers, which no other scanner does, and what its request
// gets beyond sysDescr (sysName, sysContact, ...) names the device, not
// the model. A banner not in that layout is taken as the sysDescr text.
func masscanSNMP(f fingerprint.Fields, text string) {
	rest := text
	found := false
	for rest != "" {
		line, next, _ := strings.Cut(rest, "\n")
		// A value may hold line breaks: it runs on to the next line
		// that starts with a variable name.
		for next != "" && !masscanSNMPVar(next) {
			var more string
			more, next, _ = strings.Cut(next, "\n")
			line = rest[:len(line)+1+len(more)]
		}
		rest = next
		name, value, _ := strings.Cut(line, ":")
		switch {
		case name == "sysDescr":
			f.Set(registry.FieldSNMPSysDescr, value)
			found = true
		case name == "sysObjectID" && masscanNumericOID(value):
			f.Set(registry.FieldSNMPSysObjectID, strings.TrimPrefix(value, "."))
			found = true
		case masscanSNMPVar(line):
			found = true
		}
	}
	if !found {
		f.Set(registry.FieldSNMPSysDescr, text)
	}
}

// masscanSNMPVar reports whether s starts with "name:" as masscan writes a
// variable.
func masscanSNMPVar(s string) bool {
	for i := 0; i < len(s) && i < 64; i++ {
		c := s[i]
		switch {
		case c == ':':
			return i > 0
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '-', c == '_':
		default:
			return false
		}
	}
	return false
}

func masscanNumericOID(s string) bool {
	s = strings.TrimPrefix(s, ".")
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c == '.' && i > 0 && s[i-1] != '.') {
			return false
		}
	}
	return s[len(s)-1] != '.'
}

var masscanBOM = []byte("\ufeff")

// masscanTrim strips what surrounds a record on its line: the array's
// brackets, the "," masscan 1.3 writes before a record and the one the old
// dialect writes after it.
func masscanTrim(line []byte) []byte {
	b := bytes.TrimSpace(bytes.TrimPrefix(line, masscanBOM))
	for len(b) > 0 && (b[0] == '[' || b[0] == ',') {
		b = bytes.TrimLeft(b[1:], " \t")
	}
	for len(b) > 0 && (b[len(b)-1] == ']' || b[len(b)-1] == ',') {
		b = bytes.TrimRight(b[:len(b)-1], " \t")
	}
	return b
}

// masscanBareKeys reports whether a record is in the old dialect: its
// first key has no quotes.
func masscanBareKeys(b []byte) bool {
	if len(b) == 0 || b[0] != '{' {
		return false
	}
	b = bytes.TrimLeft(b[1:], " \t")
	return len(b) > 0 && masscanIdentStart(b[0])
}

func masscanIdentStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
}

func masscanIdent(c byte) bool {
	return masscanIdentStart(c) || c >= '0' && c <= '9' || c == '-' || c == '.'
}

// masscanQuoteKeys appends src to dst with every bare object key quoted
// ({ ip: "x" } becomes { "ip": "x" }), leaving strings and bare values
// such as true or 12 alone. It is a small scanner rather than a regular
// expression: it must not touch text inside strings, and runs per line.
func masscanQuoteKeys(dst, src []byte) []byte {
	inString, keyNext := false, false
	for i := 0; i < len(src); i++ {
		c := src[i]
		if inString {
			dst = append(dst, c)
			switch c {
			case '\\':
				if i+1 < len(src) {
					i++
					dst = append(dst, src[i])
				}
			case '"':
				inString = false
			}
			continue
		}
		switch {
		case c == '"':
			inString, keyNext = true, false
			dst = append(dst, c)
		case c == '{' || c == ',':
			keyNext = true
			dst = append(dst, c)
		case c == ' ' || c == '\t':
			dst = append(dst, c)
		case keyNext && masscanIdentStart(c):
			j := i + 1
			for j < len(src) && masscanIdent(src[j]) {
				j++
			}
			k := j
			for k < len(src) && (src[k] == ' ' || src[k] == '\t') {
				k++
			}
			if k < len(src) && src[k] == ':' {
				dst = append(dst, '"')
				dst = append(dst, src[i:j]...)
				dst = append(dst, '"')
			} else {
				dst = append(dst, src[i:j]...)
			}
			i, keyNext = j-1, false
		default:
			keyNext = false
			dst = append(dst, c)
		}
	}
	return dst
}

// masscanTruncate cuts s to at most n bytes; the cut may split a character,
// which cleaning later escapes.
func masscanTruncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
