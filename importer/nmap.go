package importer

import (
	"bufio"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/certprint/certprint/fingerprint"
	"github.com/certprint/certprint/registry"
)

// nmap XML (-oX): a <nmaprun> document whose <host> elements each hold
// the ports of one address. The reader walks the document token by token
// and builds one host at a time, so memory follows the largest host, not
// the file; every open port becomes one observation.
//
// Two escapes stack up in nmap's text. Its core writes each byte outside
// printable ASCII as a character reference of the same number (xml.cc
// escape()), so UTF-8 from a device arrives as Latin-1 mojibake; and NSE
// script output has already had unprintable bytes replaced by \xHH
// (protect_xml) before that. nmapCoreText and nmapScriptText undo them.

func init() { register(Nmap, newNmapReader) }

// Bounds on one host. A host is one record: past a bound the host is
// skipped as too long, never buffered.
const (
	// nmapMaxElement bounds the bytes of one <host> (and of any other
	// element at the top level, and of anything before the root).
	nmapMaxElement = 16 << 20
	// nmapMaxPorts bounds the <port> elements of one host: every TCP and
	// UDP port is 131070, but a scan of all of them on one host with
	// every port open is a tarpit, not a device.
	nmapMaxPorts = 70000
	// nmapMaxScripts bounds the <script> elements kept for one port.
	nmapMaxScripts = 64
	// nmapMaxItems bounds the elems and tables kept of one script table.
	nmapMaxItems = 512
	// nmapMaxDepth bounds element nesting in the whole document: nmap
	// writes about eight levels (nmaprun, host, ports, port, script,
	// table, table, table, elem).
	nmapMaxDepth = 32
	// nmapMaxText bounds the bytes kept of one text value; a PEM
	// certificate of fingerprint.MaxCertificate fits.
	nmapMaxText = 2*fingerprint.MaxCertificate + 4<<10
	// nmapMaxCPE bounds the CPE names of one service.
	nmapMaxCPE = 16
)

// Reasons of this reader.
const (
	// ReasonTruncated: the file ends inside a host, as an interrupted
	// scan leaves it.
	ReasonTruncated = "truncated"
)

var (
	errNmapTooLong = errors.New("element over the size bound")
	errNmapTooDeep = errors.New("elements nested too deep")
)

// nmapSource counts the bytes read from the stream and refuses to read
// past limit: the decoder buffers a whole token, so the bound has to be
// below it.
type nmapSource struct {
	r     io.Reader
	n     int64 // bytes read
	limit int64 // offset past which Read fails with errNmapTooLong
	eof   bool  // r reported io.EOF
	err   error // the last error r reported, but io.EOF
}

func (s *nmapSource) Read(p []byte) (int, error) {
	if s.n >= s.limit {
		return 0, errNmapTooLong
	}
	if rest := s.limit - s.n; int64(len(p)) > rest {
		p = p[:rest]
	}
	k, err := s.r.Read(p)
	s.n += int64(k)
	switch {
	case err == io.EOF:
		s.eof = true
	case err != nil:
		s.err = err
	}
	return k, err
}

// nmapResume feeds a new decoder after a skipped host: a synthetic root
// start tag and the '<' already read, then the stream. It is an
// io.ByteReader, so the decoder reads through it without buffering ahead,
// and what it leaves stays in the bufio.Reader for the next resync.
type nmapResume struct {
	prefix string
	br     *bufio.Reader
}

const nmapResumePrefix = "<nmaprun><"

func (r *nmapResume) ReadByte() (byte, error) {
	if r.prefix != "" {
		c := r.prefix[0]
		r.prefix = r.prefix[1:]
		return c, nil
	}
	return r.br.ReadByte()
}

func (r *nmapResume) Read(p []byte) (int, error) {
	if r.prefix != "" {
		n := copy(p, r.prefix)
		r.prefix = r.prefix[n:]
		return n, nil
	}
	return r.br.Read(p)
}

// nmapItem is one record of a host ready to be handed out.
type nmapItem struct {
	obs    registry.Observation
	rej    *RecordError
	offset int64
}

type nmapReader struct {
	opts Options
	src  *nmapSource
	br   *bufio.Reader
	dec  *xml.Decoder
	base int64 // stream offset of the decoder's first byte

	rooted   bool      // the <nmaprun> start tag was read
	depth    int       // element nesting, the root at 1
	runStart time.Time // nmaprun start, for hosts without starttime
	done     bool
	fatal    error

	queue []nmapItem // the records of the current host
	next  int
	pos   int64 // offset of the record last returned

	port  nmapPort // reused for every port
	certs nmapCertCache
}

func newNmapReader(r io.Reader, opts Options) Reader {
	src := &nmapSource{r: r, limit: nmapMaxElement}
	br := bufio.NewReaderSize(src, 64<<10)
	rd := &nmapReader{opts: opts, src: src, br: br}
	rd.dec = rd.newDecoder(br)
	return rd
}

func (r *nmapReader) newDecoder(in io.Reader) *xml.Decoder {
	d := xml.NewDecoder(in)
	d.Strict = true
	// No d.Entity: only XML's five predefined entities are expanded, and
	// encoding/xml never reads external ones.
	return d
}

// offset is the stream offset the decoder has reached.
func (r *nmapReader) offset() int64 { return r.base + r.dec.InputOffset() }

// consumed is the stream offset of the next byte the bufio.Reader holds.
func (r *nmapReader) consumed() int64 { return r.src.n - int64(r.br.Buffered()) }

func (r *nmapReader) Position() (line, offset int64) { return 0, r.pos }

func (r *nmapReader) Next() (registry.Observation, error) {
	for {
		if r.next < len(r.queue) {
			item := r.queue[r.next]
			r.queue[r.next] = nmapItem{}
			r.next++
			r.pos = item.offset
			if item.rej != nil {
				return registry.Observation{}, item.rej
			}
			return item.obs, nil
		}
		if r.fatal != nil {
			return registry.Observation{}, r.fatal
		}
		if r.done {
			return registry.Observation{}, io.EOF
		}
		r.queue, r.next = r.queue[:0], 0
		if err := r.advance(); err != nil {
			r.fatal = err
		}
	}
}

// advance reads up to the end of the next host and queues its records,
// or a rejection, or sets done. Its error is fatal.
func (r *nmapReader) advance() error {
	for {
		// Each top-level token gets its own byte budget; a host's
		// budget covers the whole host.
		start := r.offset()
		r.src.limit = max(r.consumed(), start) + nmapMaxElement
		tok, err := r.token()
		if err != nil {
			return r.failed(err, start, false)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch {
			case r.depth == 1 && !r.rooted:
				if nmapName(t) != "nmaprun" {
					return &FormatError{Format: Nmap, Reason: fmt.Sprintf("the root element is <%s>, not <nmaprun>", t.Name.Local)}
				}
				r.rooted = true
				r.runStart = nmapUnixTime(nmapAttr(t, "start"))
			case r.depth == 1:
				// The synthetic root a resync starts with.
			case nmapName(t) == "host":
				if err := r.readHost(t, start); err != nil {
					return r.failed(err, start, true)
				}
				if len(r.queue) > 0 {
					return nil
				}
			default:
				if err := r.skip(); err != nil {
					return r.failed(err, start, false)
				}
			}
		case xml.EndElement:
			if r.depth == 0 { // </nmaprun>: the rest is not ours
				r.done = true
				return nil
			}
		}
	}
}

// failed turns a decoding error into a rejection, a resync or the end.
func (r *nmapReader) failed(err error, start int64, inHost bool) error {
	var fe *FormatError
	switch {
	case errors.As(err, &fe), errors.Is(err, ErrNeedObserved):
		return err
	case r.src.err != nil && !errors.Is(err, errNmapTooLong):
		return r.src.err // an I/O error of the stream itself
	case !r.rooted:
		return &FormatError{Format: Nmap, Reason: "no <nmaprun> element: " + err.Error()}
	}
	r.queue, r.next = r.queue[:0], 0
	atEOF := r.src.eof && r.br.Buffered() == 0 && !errors.Is(err, errNmapTooLong) && !errors.Is(err, errNmapTooDeep)
	switch {
	case atEOF && !inHost:
		// Cut between hosts (or in the run statistics): every host
		// read is complete.
		r.done = true
		return nil
	case atEOF:
		r.reject(start, ReasonTruncated, errors.New("the file ends inside this host"))
		r.done = true
		return nil
	case errors.Is(err, errNmapTooLong):
		r.reject(start, ReasonTooLong, fmt.Errorf("element over %d bytes, skipped", nmapMaxElement))
	case errors.Is(err, errNmapTooDeep):
		r.reject(start, ReasonTooLong, fmt.Errorf("elements nested over %d deep, skipped", nmapMaxDepth))
	default:
		var se *xml.SyntaxError
		if errors.As(err, &se) {
			// Its line counts from the last resync: the offset says where.
			err = errors.New("XML syntax error: " + se.Msg)
		}
		r.reject(start, ReasonMalformed, err)
	}
	return r.resync()
}

func (r *nmapReader) reject(offset int64, reason string, err error) {
	r.queue = append(r.queue, nmapItem{offset: offset, rej: &RecordError{Offset: offset, Reason: reason, Err: err}})
}

// resync skips raw bytes to the next "<host" start tag and starts a new
// decoder there: a decoder that failed stays failed.
func (r *nmapReader) resync() error {
	r.src.limit = math.MaxInt64
	for {
		_, err := r.br.ReadSlice('<')
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			return r.endOfInput(err)
		}
		p, err := r.br.Peek(5)
		if len(p) == 5 && string(p[:4]) == "host" && (p[4] == '>' || p[4] == '/' || isXMLSpace(p[4])) {
			break
		}
		if err != nil && len(p) < 5 {
			return r.endOfInput(err)
		}
	}
	r.base = r.consumed() - int64(len(nmapResumePrefix))
	r.dec = r.newDecoder(&nmapResume{prefix: nmapResumePrefix, br: r.br})
	r.depth = 0
	return nil
}

func (r *nmapReader) endOfInput(err error) error {
	if err == io.EOF {
		r.done = true
		return nil
	}
	return err
}

func isXMLSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// token is Token with the nesting bound.
func (r *nmapReader) token() (xml.Token, error) {
	tok, err := r.dec.Token()
	if err != nil {
		return nil, err
	}
	switch tok.(type) {
	case xml.StartElement:
		r.depth++
		if r.depth > nmapMaxDepth {
			return nil, errNmapTooDeep
		}
	case xml.EndElement:
		r.depth--
	}
	return tok, nil
}

// skip reads past the end of the element whose start was just read.
func (r *nmapReader) skip() error {
	for stop := r.depth - 1; r.depth > stop; {
		if _, err := r.token(); err != nil {
			return err
		}
	}
	return nil
}

// text reads the character data of the element whose start was just read,
// up to its end, keeping at most nmapMaxText bytes. Child elements are
// skipped.
func (r *nmapReader) text() (string, error) {
	var first string // the usual case: one piece of text, no copy
	var buf []byte
	pieces := 0
	for stop := r.depth - 1; ; {
		tok, err := r.token()
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.CharData:
			switch pieces {
			case 0:
				first = string(t[:min(len(t), nmapMaxText)])
			case 1:
				buf = append(buf[:0], first...)
				fallthrough
			default:
				buf = append(buf, t[:min(len(t), max(0, nmapMaxText-len(buf)))]...)
			}
			pieces++
		case xml.StartElement:
			if err := r.skip(); err != nil {
				return "", err
			}
		case xml.EndElement:
			if r.depth == stop {
				if pieces > 1 {
					return string(buf), nil
				}
				return first, nil
			}
		}
	}
}

// nmapName is the name of an element, "" for one in a namespace: nmap
// writes none, so such an element is none of nmap's.
func nmapName(t xml.StartElement) string {
	if t.Name.Space != "" {
		return ""
	}
	return t.Name.Local
}

func nmapAttr(t xml.StartElement, name string) string {
	for _, a := range t.Attr {
		if a.Name.Local == name && a.Name.Space == "" {
			return a.Value
		}
	}
	return ""
}

// nmapUnixTime reads nmap's seconds since 1970; out of range (JSON and
// the database cannot hold a year past 9999) or malformed is no time.
func nmapUnixTime(s string) time.Time {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n <= 0 || n > 253402300799 {
		return time.Time{}
	}
	return time.Unix(n, 0).UTC()
}

// nmapHost is what a host says about all of its ports.
type nmapHost struct {
	addr    netip.Addr
	badAddr string // the address that did not parse, for the rejection
	ports   int
}

// readHost reads one <host> and queues its records.
func (r *nmapReader) readHost(start xml.StartElement, offset int64) error {
	var h nmapHost
	observed := nmapUnixTime(nmapAttr(start, "starttime"))
	if observed.IsZero() {
		observed = r.runStart
	}
	first := len(r.queue)
	stop := r.depth - 1
	for {
		tok, err := r.token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch nmapName(t) {
			case "address":
				h.address(t)
				err = r.skip()
			case "ports":
				err = r.readPorts(&h)
			default:
				err = r.skip()
			}
			if err != nil {
				return err
			}
		case xml.EndElement:
			if r.depth == stop {
				return r.finishHost(&h, first, offset, observed)
			}
		}
	}
}

func (h *nmapHost) address(t xml.StartElement) {
	if h.addr.IsValid() {
		return
	}
	switch nmapAttr(t, "addrtype") {
	case "ipv4", "ipv6", "":
		s := nmapAttr(t, "addr")
		if a, err := netip.ParseAddr(strings.TrimSpace(s)); err == nil {
			h.addr = a
		} else if h.badAddr == "" {
			h.badAddr = s
		}
	}
}

// finishHost gives the host's address and time to the observations its
// ports queued, or turns them into one rejection when it has no address.
func (r *nmapReader) finishHost(h *nmapHost, first int, offset int64, observed time.Time) error {
	if !h.addr.IsValid() {
		open := 0
		for _, item := range r.queue[first:] {
			if item.rej == nil {
				open++
			}
		}
		r.queue = r.queue[:first]
		if open > 0 || h.ports > nmapMaxPorts {
			msg := "no IPv4 or IPv6 address"
			if h.badAddr != "" {
				msg = "address " + quoteValue(h.badAddr) + " is not an IP address"
			}
			r.reject(offset, ReasonAddress, fmt.Errorf("%s; %d open ports skipped", msg, open))
		}
		return nil
	}
	for i := first; i < len(r.queue); i++ {
		item := &r.queue[i]
		if item.rej != nil {
			continue
		}
		item.obs.IP = h.addr
		if err := r.opts.Stamp(&item.obs, observed); err != nil {
			return err
		}
	}
	if h.ports > nmapMaxPorts {
		r.reject(offset, ReasonTooLong, fmt.Errorf("%d ports, over %d: the rest skipped", h.ports, nmapMaxPorts))
	}
	return nil
}

func quoteValue(s string) string {
	if len(s) > 64 {
		s = s[:64]
	}
	return strconv.Quote(s)
}

func (r *nmapReader) readPorts(h *nmapHost) error {
	stop := r.depth - 1
	for {
		offset := r.offset()
		tok, err := r.token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if nmapName(t) != "port" || h.ports >= nmapMaxPorts {
				if nmapName(t) == "port" {
					h.ports++
				}
				if err := r.skip(); err != nil {
					return err
				}
				continue
			}
			h.ports++
			if err := r.readPort(t, offset); err != nil {
				return err
			}
		case xml.EndElement:
			if r.depth == stop {
				return nil
			}
		}
	}
}

// nmapPort is what one <port> element says.
type nmapPort struct {
	transport, portid, state string
	hasService               bool
	name, method, tunnel     string
	product, version, info   string
	deviceType, os           string
	cpe                      []string
	scripts                  []nmapScript
}

// nmapScript is one <script> of a script this reader knows: its output
// text and its structured children, as a table.
type nmapScript struct {
	id     string
	output string
	root   nseTable
}

// nseTable is an NSE table as nmap writes it: keyed and unkeyed elems and
// tables, in document order within each kind.
type nseTable struct {
	key    string
	elems  []nseElem
	tables []*nseTable
}

type nseElem struct{ key, value string }

// nmapScripts are the scripts whose output becomes fields; others are
// skipped unread.
var nmapScripts = map[string]bool{
	"http-title": true, "http-server-header": true, "http-favicon": true, "http-auth": true,
	"ssl-cert": true, "ssh-hostkey": true, "banner": true,
	"upnp-info": true, "snmp-sysdescr": true,
}

func (r *nmapReader) readPort(start xml.StartElement, offset int64) error {
	p := &r.port
	*p = nmapPort{cpe: p.cpe[:0], scripts: p.scripts[:0]}
	p.transport = nmapAttr(start, "protocol")
	p.portid = nmapAttr(start, "portid")
	stop := r.depth - 1
	for {
		tok, err := r.token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch nmapName(t) {
			case "state":
				p.state = nmapAttr(t, "state")
				err = r.skip()
			case "service":
				err = r.readService(p, t)
			case "script":
				id := nmapAttr(t, "id")
				if !nmapScripts[id] || len(p.scripts) >= nmapMaxScripts {
					err = r.skip()
					break
				}
				s := nmapScript{id: id, output: nmapAttr(t, "output")}
				err = r.readTable(&s.root)
				p.scripts = append(p.scripts, s)
			default:
				err = r.skip()
			}
			if err != nil {
				return err
			}
		case xml.EndElement:
			if r.depth == stop {
				r.finishPort(p, offset)
				return nil
			}
		}
	}
}

func (r *nmapReader) readService(p *nmapPort, t xml.StartElement) error {
	p.hasService = true
	for _, a := range t.Attr {
		if a.Name.Space != "" {
			continue
		}
		switch a.Name.Local {
		case "name":
			p.name = a.Value
		case "method":
			p.method = a.Value
		case "tunnel":
			p.tunnel = a.Value
		case "product":
			p.product = a.Value
		case "version":
			p.version = a.Value
		case "extrainfo":
			p.info = a.Value
		case "devicetype":
			p.deviceType = a.Value
		case "ostype":
			p.os = a.Value
		}
		// servicefp is the raw probe dump of an unmatched service:
		// large, and identity only to nmap's own matcher. hostname is
		// per device.
	}
	stop := r.depth - 1
	for {
		tok, err := r.token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if nmapName(t) != "cpe" || len(p.cpe) >= nmapMaxCPE {
				err = r.skip()
			} else {
				var cpe string
				cpe, err = r.text()
				if cpe = strings.TrimSpace(cpe); cpe != "" {
					p.cpe = append(p.cpe, cpe)
				}
			}
			if err != nil {
				return err
			}
		case xml.EndElement:
			if r.depth == stop {
				return nil
			}
		}
	}
}

// readTable reads the children of a <script> or <table> into t.
func (r *nmapReader) readTable(t *nseTable) error {
	stop := r.depth - 1
	for {
		tok, err := r.token()
		if err != nil {
			return err
		}
		switch e := tok.(type) {
		case xml.StartElement:
			room := len(t.elems)+len(t.tables) < nmapMaxItems
			switch {
			case nmapName(e) == "elem" && room:
				key := nmapAttr(e, "key")
				var v string
				if v, err = r.text(); err == nil {
					t.elems = append(t.elems, nseElem{key: key, value: v})
				}
			case nmapName(e) == "table" && room:
				sub := &nseTable{key: nmapAttr(e, "key")}
				if err = r.readTable(sub); err == nil {
					t.tables = append(t.tables, sub)
				}
			default:
				err = r.skip()
			}
			if err != nil {
				return err
			}
		case xml.EndElement:
			if r.depth == stop {
				return nil
			}
		}
	}
}

// finishPort queues the observation of an open port, or a rejection;
// ports in any other state are not services and leave nothing.
func (r *nmapReader) finishPort(p *nmapPort, offset int64) {
	if p.state != "open" {
		return
	}
	transport := strings.ToLower(strings.TrimSpace(p.transport))
	if transport != "tcp" && transport != "udp" {
		r.reject(offset, ReasonTransport, fmt.Errorf("protocol %s is neither tcp nor udp", quoteValue(p.transport)))
		return
	}
	port, err := strconv.ParseUint(strings.TrimSpace(p.portid), 10, 16)
	if err != nil || port == 0 {
		r.reject(offset, ReasonPort, fmt.Errorf("portid %s is not a port", quoteValue(p.portid)))
		return
	}
	o := registry.Observation{Transport: transport, Port: uint16(port)}
	o.Protocol, o.TLS, o.Fields = nmapService(p, &r.certs)
	r.queue = append(r.queue, nmapItem{obs: o, offset: offset})
}

// nmapService decides the protocol of a port and collects its fields.
func nmapService(p *nmapPort, certs *nmapCertCache) (string, bool, map[string]string) {
	f := fingerprint.Fields{}
	protocol, tls := registry.ProtocolUnknown, p.tunnel == "ssl"
	// method="table" is nmap guessing from the port number alone.
	if p.hasService && p.method != "table" {
		var nameTLS bool
		protocol, nameTLS = fingerprint.Protocol(nmapCoreText(p.name))
		tls = tls || nameTLS
	}
	if protocol == registry.ProtocolUnknown {
		protocol = nmapScriptProtocol(p.scripts)
	}
	for _, s := range p.scripts {
		switch s.id {
		case "http-title":
			nmapHTTPTitle(f, &s)
		case "http-server-header":
			nmapServerHeader(f, &s)
		case "http-favicon":
			nmapFavicon(f, &s)
		case "http-auth":
			nmapHTTPAuth(f, &s)
		case "ssl-cert":
			nmapSSLCert(f, &s, certs)
			tls = tls || !nmapStartTLS[protocol]
		case "ssh-hostkey":
			nmapSSHHostKey(f, &s)
		case "banner":
			nmapBanner(f, protocol, s.output)
		case "upnp-info":
			nmapUPnP(f, s.output)
		case "snmp-sysdescr":
			nmapSysDescr(f, s.output)
		}
	}
	f.SetText(registry.FieldServiceProduct, nmapCoreText(p.product))
	f.SetText(registry.FieldServiceVersion, nmapCoreText(p.version))
	f.SetText(registry.FieldServiceInfo, nmapCoreText(p.info))
	f.SetText(registry.FieldServiceDeviceType, nmapCoreText(p.deviceType))
	f.SetText(registry.FieldServiceOS, nmapCoreText(p.os))
	if len(p.cpe) > 0 {
		cpe := make([]string, len(p.cpe))
		for i, c := range p.cpe {
			cpe[i] = nmapCoreText(c)
		}
		f.SetList(registry.FieldServiceCPE, cpe, " ")
	}
	return protocol, tls, f
}

// nmapStartTLS are protocols whose certificate ssl-cert may have fetched
// after STARTTLS: a certificate there does not make the port TLS.
var nmapStartTLS = map[string]bool{
	"smtp": true, "imap": true, "pop3": true, "ftp": true, "xmpp": true,
	"ldap": true, "postgresql": true, "mysql": true, "nntp": true,
	"lmtp": true, "sieve": true, "vnc": true, "irc": true,
}

// nmapScriptProtocol names the protocol of a port nmap did not identify
// when a script's result says it: these scripts report only when the
// service answered in their protocol.
func nmapScriptProtocol(scripts []nmapScript) string {
	for _, s := range scripts {
		switch s.id {
		case "http-title", "http-server-header", "http-favicon", "http-auth":
			return "http"
		case "ssh-hostkey":
			return "ssh"
		case "upnp-info":
			return "upnp"
		case "snmp-sysdescr":
			return "snmp"
		case "banner":
			if strings.HasPrefix(s.output, "SSH-") {
				return "ssh"
			}
		}
	}
	return registry.ProtocolUnknown
}

func (t *nseTable) elem(key string) (string, bool) {
	for _, e := range t.elems {
		if e.key == key {
			return e.value, true
		}
	}
	return "", false
}

func (t *nseTable) table(key string) *nseTable {
	for _, sub := range t.tables {
		if sub.key == key {
			return sub
		}
	}
	return nil
}

// nmapHTTPTitle reads the raw title elem; the output attribute is cut at
// 65 characters and is "Site doesn't have a title" when there is none.
func nmapHTTPTitle(f fingerprint.Fields, s *nmapScript) {
	if title, ok := s.root.elem("title"); ok {
		f.SetTitle(nmapScriptText(title))
	}
	if loc, ok := s.root.elem("redirect_url"); ok {
		f.SetText(registry.FieldHTTPLocation, nmapScriptText(loc))
	}
}

// nmapServerHeader reads each distinct Server value: unkeyed elems (what
// nmap 7.93 writes) or a table keyed Server (what the script's
// documentation shows).
func nmapServerHeader(f fingerprint.Fields, s *nmapScript) {
	var values []string
	add := func(t *nseTable) {
		for _, e := range t.elems {
			if e.key == "" {
				if v := strings.TrimSpace(nmapScriptText(e.value)); v != "" {
					values = append(values, v)
				}
			}
		}
	}
	add(&s.root)
	if t := s.root.table("Server"); t != nil {
		add(t)
	}
	f.SetHeader("server", values...)
}

// nmapHTTPAuth rebuilds the WWW-Authenticate challenges that http-auth
// parsed into tables: one unkeyed table per challenge, with its scheme and
// a params table. The raw header is not in nmap's output, so the field is
// written as the header reads for the common case (Basic realm="Acme"):
// each scheme with its realm. Other parameters are left out: Digest's nonce
// and opaque change with every response, and the order of the rest is lost
// in nmap's tables.
func nmapHTTPAuth(f fingerprint.Fields, s *nmapScript) {
	var challenges []string
	for _, c := range s.root.tables {
		if c.key != "" {
			continue
		}
		scheme, _ := c.elem("scheme")
		scheme = strings.TrimSpace(nmapScriptText(scheme))
		if scheme == "" || strings.ContainsAny(scheme, " \t\r\n\"") {
			continue
		}
		challenge := scheme
		if params := c.table("params"); params != nil {
			if realm, ok := params.elem("realm"); ok {
				challenge += ` realm="` + strings.ReplaceAll(nmapScriptText(realm), `"`, `\"`) + `"`
			}
		}
		challenges = append(challenges, challenge)
	}
	f.SetHeader("www-authenticate", challenges...)
}

// nmapFavicon reads http-favicon's output: the name of an icon nmap knows,
// or the MD5 of one it does not.
func nmapFavicon(f fingerprint.Fields, s *nmapScript) {
	out := strings.TrimSpace(nmapScriptText(s.output))
	if md5, ok := strings.CutPrefix(out, "Unknown favicon MD5: "); ok {
		md5 = strings.ToLower(strings.TrimSpace(md5))
		if len(md5) == 32 && isHex(md5) {
			f.Set(registry.FieldHTTPFaviconMD5, md5)
		}
		return
	}
	f.SetText(registry.FieldHTTPFaviconName, out)
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isHexDigit(s[i]) {
			return false
		}
	}
	return true
}

func isHexDigit(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// nmapSSLCert reads the certificate from its PEM, or, without one (nmap
// built without OpenSSL), from its subject and issuer tables.
func nmapSSLCert(f fingerprint.Fields, s *nmapScript, certs *nmapCertCache) {
	if pem, ok := s.root.elem("pem"); ok && certs.set(f, pem) {
		return
	}
	subject, issuer := s.root.table("subject"), s.root.table("issuer")
	if subject == nil && issuer == nil {
		return
	}
	f.SetCertificateNames(nmapDN(subject), nmapDN(issuer))
}

// nmapCertCache remembers the fields of the certificates met last: the
// parse and the self-signature check cost more than the rest of a host,
// and one certificate recurs on every port of a host and on every device
// of a model that ships a default one. It is bounded, emptied when full.
type nmapCertCache struct {
	m map[[sha256.Size]byte]nmapCert
}

type nmapCert struct {
	ok     bool // SetCertificatePEM found a certificate
	fields []nseElem
}

const nmapMaxCerts = 256

// set is f.SetCertificatePEM(pem), from the cache when it can.
func (c *nmapCertCache) set(f fingerprint.Fields, pem string) bool {
	key := sha256.Sum256([]byte(pem))
	cert, hit := c.m[key]
	if !hit {
		tmp := fingerprint.Fields{}
		cert.ok = tmp.SetCertificatePEM(pem)
		for k, v := range tmp {
			cert.fields = append(cert.fields, nseElem{key: k, value: v})
		}
		if c.m == nil || len(c.m) >= nmapMaxCerts {
			c.m = make(map[[sha256.Size]byte]nmapCert, nmapMaxCerts)
		}
		c.m[key] = cert
	}
	for _, e := range cert.fields {
		f.Set(e.key, e.value)
	}
	return cert.ok
}

// nmapDN reads an ssl-cert name table: elems keyed by attribute name, or
// a table of values for an attribute that repeats.
func nmapDN(t *nseTable) fingerprint.DN {
	var dn fingerprint.DN
	if t == nil {
		return dn
	}
	add := func(key, value string) {
		value = strings.TrimSpace(nmapScriptText(value))
		if value == "" {
			return
		}
		switch key {
		case "commonName":
			dn.CommonName = append(dn.CommonName, value)
		case "organizationName":
			dn.Organization = append(dn.Organization, value)
		case "organizationalUnitName":
			dn.OrganizationalUnit = append(dn.OrganizationalUnit, value)
		case "localityName":
			dn.Locality = append(dn.Locality, value)
		case "stateOrProvinceName":
			dn.Province = append(dn.Province, value)
		case "countryName":
			dn.Country = append(dn.Country, value)
		}
	}
	for _, e := range t.elems {
		add(e.key, e.value)
	}
	for _, sub := range t.tables {
		for _, e := range sub.elems {
			if e.key == "" {
				add(sub.key, e.value)
			}
		}
	}
	return dn
}

// nmapSSHHostKey stores one host key: ssh.hostkey_sha256 is one value, so
// of several keys the strongest kind wins (Ed25519, then ECDSA, then
// RSA), the first of a kind. The fingerprint elem is MD5 and is left out.
func nmapSSHHostKey(f fingerprint.Fields, s *nmapScript) {
	var best, bestType string
	bestRank := math.MaxInt
	for _, t := range s.root.tables {
		if t.key != "" {
			continue
		}
		key, _ := t.elem("key")
		b64, typ, ok := nmapHostKey(key)
		if rank := nmapKeyRank(typ); ok && rank < bestRank {
			best, bestType, bestRank = b64, typ, rank
		}
	}
	if best != "" {
		f.SetSSHHostKey(best)
		f.Set(registry.FieldSSHHostKeyType, bestType)
	}
}

// nmapHostKey checks a key elem: the base64 of an SSH wire-format public
// key (nmap 7.93), or "type base64" as authorized_keys writes it. It
// returns the base64 and the key type the blob itself names.
func nmapHostKey(key string) (b64, typ string, ok bool) {
	fields := strings.Fields(key)
	switch {
	case len(fields) == 1:
		b64 = fields[0]
	case len(fields) >= 2 && nmapKeyRank(fields[0]) < 3:
		b64 = fields[1]
	default:
		return "", "", false
	}
	if len(b64) > 16<<10 {
		return "", "", false
	}
	blob, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		if blob, err = base64.RawStdEncoding.DecodeString(b64); err != nil {
			return "", "", false
		}
	}
	if len(blob) < 4 {
		return "", "", false
	}
	n := binary.BigEndian.Uint32(blob)
	if n == 0 || n > 64 || int(n) > len(blob)-4 {
		return "", "", false
	}
	typ = string(blob[4 : 4+n])
	for i := 0; i < len(typ); i++ {
		if typ[i] <= ' ' || typ[i] > '~' {
			return "", "", false
		}
	}
	return b64, typ, true
}

func nmapKeyRank(typ string) int {
	switch {
	case strings.Contains(typ, "ed25519"):
		return 0
	case strings.Contains(typ, "ecdsa"):
		return 1
	case strings.Contains(typ, "rsa"):
		return 2
	}
	return 3
}

// nmapBanner reads the banner script's output: the first bytes the
// service sent, unprintable ones as \xHH, wrapped at 75 columns with
// newlines of nmap's own (the service's are escaped), cut with "..." past
// a few lines.
func nmapBanner(f fingerprint.Fields, protocol, output string) {
	text := nmapScriptText(strings.ReplaceAll(output, "\n", ""))
	switch protocol {
	case "ssh":
		f.SetSSHBanner(text)
	case "telnet":
		f.Set(registry.FieldTelnetBanner, fingerprint.TelnetText([]byte(text)))
	case "ftp":
		f.Set(registry.FieldFTPBanner, text)
	case "smtp":
		f.Set(registry.FieldSMTPBanner, text)
	case "pop3":
		f.Set(registry.FieldPOP3Banner, text)
	case "imap":
		f.Set(registry.FieldIMAPBanner, text)
	default:
		f.Set(registry.FieldBanner, text)
	}
}

// nmapUPnPKeys maps upnp-info's output labels (nselib/upnp.lua) to
// fields. "Model Version" is the device description's modelNumber.
var nmapUPnPKeys = map[string]string{
	"Server":        registry.FieldUPnPServer,
	"Manufacturer":  registry.FieldUPnPManufacturer,
	"Model Name":    registry.FieldUPnPModelName,
	"Model Version": registry.FieldUPnPModelNumber,
	"Model Number":  registry.FieldUPnPModelNumber,
	"Name":          registry.FieldUPnPFriendlyName,
	"Friendly Name": registry.FieldUPnPFriendlyName,
	"Model Descr":   registry.FieldUPnPModelDescr,
}

// nmapUPnP reads the "Key: value" lines of upnp-info's output; of several
// devices in one description, the first (the root device) wins.
func nmapUPnP(f fingerprint.Fields, output string) {
	for line := range strings.Lines(nmapScriptText(output)) {
		key, value, ok := strings.Cut(strings.TrimSpace(line), ": ")
		if !ok {
			continue
		}
		if name, known := nmapUPnPKeys[key]; known {
			if _, set := f[name]; !set {
				f.SetText(name, value)
			}
		}
	}
}

// nmapSysDescr reads snmp-sysdescr's output: sysDescr.0, then the
// uptime, which changes every second and is dropped.
func nmapSysDescr(f fingerprint.Fields, output string) {
	text := nmapScriptText(output)
	if i := strings.LastIndex(text, "\n  System uptime: "); i >= 0 {
		text = text[:i]
	}
	f.Set(registry.FieldSNMPSysDescr, text)
}

// nmapCoreText undoes nmap's XML escaping of bytes outside ASCII, one
// character reference per byte: when the bytes so recovered are UTF-8,
// they were (a device's UTF-8 written byte by byte). Otherwise the text is
// kept as the parser read it, which is right for a file some other tool
// wrote in real UTF-8.
func nmapCoreText(s string) string {
	i := 0
	for i < len(s) && s[i] < utf8.RuneSelf {
		i++
	}
	if i == len(s) {
		return s
	}
	b := make([]byte, 0, len(s))
	b = append(b, s[:i]...)
	multi := false
	for _, c := range s[i:] {
		if c >= 0x100 {
			return s // not nmap's byte-per-character escaping
		}
		if c >= 0x80 {
			multi = true
		}
		b = append(b, byte(c))
	}
	if !multi || !utf8.Valid(b) {
		return s
	}
	return string(b)
}

// nmapScriptText undoes NSE's protect_xml on top of nmapCoreText: each
// byte below 0x20 (but tab, CR, LF) or above 0x7e was written as \xHH.
// A backslash is not escaped, so a literal "\x41" a device sent reads
// as "A": nmap's text cannot tell them apart.
func nmapScriptText(s string) string {
	s = nmapCoreText(s)
	i := strings.Index(s, `\x`)
	if i < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	b = append(b, s[:i]...)
	for ; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && s[i+1] == 'x' && isHexDigit(s[i+2]) && isHexDigit(s[i+3]) {
			b = append(b, unhex(s[i+2])<<4|unhex(s[i+3]))
			i += 3
			continue
		}
		b = append(b, s[i])
	}
	return string(b)
}

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}
