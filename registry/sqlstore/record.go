package sqlstore

import (
	"bytes"
	"encoding/hex"
	"net/netip"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/certprint/certprint/registry"
)

// A fileWriter holds each observation of a batch as one text record
// between checking it and inserting it: the batch is sorted by the head
// of its records, which sorts as the index of observations does, and the
// columns of a row are slices of its record (see appendRowArgs), so that
// a batch is a few large allocations rather than a dozen per row.
//
// A record is a fixed-width ASCII head, then the fields as JSON:
//
//	pos (1-based) width  content
//	  1           33     ip_sort, space-padded
//	 34            3     transport
//	 37            5     port, zero-padded
//	 42           32     digest
//	 74            1     TLS: 1 or 0
//	 75           32     observed, as recTimeLayout in UTC
//	107           32     observed_last, or spaces
//	139           39     ip, space-padded
//	178           24     protocol, space-padded
//	202           -      fields JSON, or nothing
//
// So the first 41 characters name the service and sort as the index
// does. Databases migrated from 0002 held such records in
// observation_loads; 0004 unpacks them with this layout, which must
// therefore stay as it is.
const (
	recIPSort    = 1
	recTransport = 34
	recPort      = 37
	recDigest    = 42
	recTLS       = 74
	recObserved  = 75
	recLast      = 107
	recIP        = 139
	recProtocol  = 178
	recFields    = 202

	recServiceLen = recDigest - 1 // ip_sort, transport, port
	recTimeLen    = recLast - recObserved
	recIPLen      = recProtocol - recIP
	recProtoLen   = recFields - recProtocol
	recHeadLen    = recFields - 1
	recIPSortLen  = recTransport - recIPSort
)

// recTimeLayout is fixed-width, so that times compare as text on SQLite,
// where they are stored as text, and PostgreSQL reads it as timestamptz.
// Every time of observations is written in it.
const recTimeLayout = "2006-01-02 15:04:05.000000+00:00"

// maxProtocolLen bounds protocol names, which the record pads to a fixed
// width; the vocabulary's names are a few letters.
const maxProtocolLen = recProtoLen

// recordEncoder appends records, reusing its buffer of names.
type recordEncoder struct {
	names []string
}

// append checks o and appends its record to dst.
func (e *recordEncoder) append(dst []byte, o *registry.Observation) ([]byte, error) {
	if err := checkObservation(o); err != nil {
		return dst, err
	}
	ip := o.IP.Unmap().WithZone("")
	start := len(dst)
	dst = appendIPKey(dst, ip)
	dst = appendSpaces(dst, recIPSortLen-(len(dst)-start))
	dst = append(dst, o.Transport...)
	dst = appendPadded(dst, uint64(o.Port), 5)

	e.names = e.names[:0]
	for name := range o.Fields {
		e.names = append(e.names, name)
	}
	slices.Sort(e.names)
	// Observation.Digest defines what merges; never a copy of it here.
	dst = o.AppendDigest(dst)
	if o.TLS {
		dst = append(dst, '1')
	} else {
		dst = append(dst, '0')
	}
	dst = appendRecTime(dst, o.Observed)
	if o.ObservedLast.After(o.Observed) {
		dst = appendRecTime(dst, o.ObservedLast)
	} else {
		// A last time no later than the first says nothing more.
		dst = appendSpaces(dst, recTimeLen)
	}
	n := len(dst)
	dst = ip.AppendTo(dst)
	dst = appendSpaces(dst, recIPLen-(len(dst)-n))
	dst = append(dst, o.Protocol...)
	dst = appendSpaces(dst, recProtoLen-len(o.Protocol))
	if len(o.Fields) > 0 {
		dst = append(dst, '{')
		for i, name := range e.names {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONString(dst, name)
			dst = append(dst, ':')
			dst = appendJSONString(dst, o.Fields[name])
		}
		dst = append(dst, '}')
	}
	return dst, nil
}

// appendRowArgs appends the column values of a record, in the order of
// obsColumns; text turns the text columns' bytes, slices of rec, into
// arguments.
func appendRowArgs(args []any, rec []byte, text func([]byte) any) []any {
	at := func(pos, n int) []byte { return rec[pos-1 : pos-1+n] }
	var last any // NULL
	if t := at(recLast, recTimeLen); t[0] != ' ' {
		last = text(t)
	}
	var port int64
	for _, d := range at(recPort, 5) {
		port = port*10 + int64(d-'0')
	}
	return append(args,
		text(bytes.TrimRight(at(recIP, recIPLen), " ")),
		text(bytes.TrimRight(at(recIPSort, recIPSortLen), " ")),
		text(at(recTransport, 3)),
		port,
		text(bytes.TrimRight(at(recProtocol, recProtoLen), " ")),
		rec[recTLS-1] == '1',
		text(at(recDigest, 32)),
		text(at(recObserved, recTimeLen)),
		last,
		text(rec[recHeadLen:]),
	)
}

func checkObservation(o *registry.Observation) error {
	switch {
	case !o.IP.IsValid():
		return registry.Invalid("ip", "no address")
	case o.Transport != "tcp" && o.Transport != "udp":
		return registry.Invalid("transport", "%q is not tcp or udp", o.Transport)
	case o.Port == 0:
		return registry.Invalid("port", "port 0")
	case o.Protocol == "":
		return registry.Invalid("protocol", "no protocol (an unidentified service is %q)", registry.ProtocolUnknown)
	case len(o.Protocol) > maxProtocolLen || !printableWord(o.Protocol):
		return registry.Invalid("protocol", "%q is not a protocol name (up to %d printable ASCII characters, no space)", o.Protocol, maxProtocolLen)
	case !recTimeOK(o.Observed):
		return registry.Invalid("observed", "no time, or one outside years 1 to 9999")
	case !o.ObservedLast.IsZero() && !recTimeOK(o.ObservedLast):
		return registry.Invalid("observed_last", "a time outside years 1 to 9999")
	}
	return nil
}

func printableWord(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

func recTimeOK(t time.Time) bool {
	y := t.UTC().Year()
	return !t.IsZero() && y >= 1 && y <= 9999
}

// ipKey is the sort key of an address: "4" and 8 hex digits, or "6" and
// 32, so that byte order is address order with IPv4 first, as
// netip.Addr.Compare orders them.
func ipKey(a netip.Addr) string { return string(appendIPKey(nil, a)) }

func appendIPKey(dst []byte, a netip.Addr) []byte {
	if a.Is4() {
		v := a.As4()
		return hex.AppendEncode(append(dst, '4'), v[:])
	}
	v := a.As16()
	return hex.AppendEncode(append(dst, '6'), v[:])
}

const spaces = "                                        "

func appendSpaces(dst []byte, n int) []byte {
	for n > len(spaces) {
		dst = append(dst, spaces...)
		n -= len(spaces)
	}
	return append(dst, spaces[:n]...)
}

// appendPadded appends v in decimal, zero-padded to width digits.
func appendPadded(dst []byte, v uint64, width int) []byte {
	var b [20]byte
	i := len(b)
	for v > 0 || i > len(b)-width {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
	}
	return append(dst, b[i:]...)
}

// recordRow is what mergeService needs of a record; n stands in for its
// row id.
func recordRow(n int64, rec []byte) dupRow {
	at := func(pos, n int) string { return string(rec[pos-1 : pos-1+n]) }
	r := dupRow{
		id:       n,
		protocol: strings.TrimRight(at(recProtocol, recProtoLen), " "),
		digest:   at(recDigest, 32),
		said:     len(rec) > recHeadLen,
	}
	// The record was written by appendRecTime: these parse.
	r.first, _ = time.Parse(recTimeLayout, at(recObserved, recTimeLen))
	r.last = r.first
	if last := at(recLast, recTimeLen); last[0] != ' ' {
		r.last, _ = time.Parse(recTimeLayout, last)
	}
	return r
}

// setRecTimes rewrites the times of a record in place.
func setRecTimes(rec []byte, first, last time.Time) {
	var b [2 * recTimeLen]byte
	t := appendRecTime(b[:0], first)
	if last.After(first) {
		t = appendRecTime(t, last)
	} else {
		t = appendSpaces(t, recTimeLen)
	}
	copy(rec[recObserved-1:], t)
}

// recTime is t as observations store it.
func recTime(t time.Time) string { return string(appendRecTime(nil, t)) }

// appendRecTime appends t in recTimeLayout, by hand: it runs twice per
// observation.
func appendRecTime(dst []byte, t time.Time) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	hour, minute, sec := t.Clock()
	dst = appendPadded(dst, uint64(year), 4)
	dst = append(dst, '-')
	dst = appendPadded(dst, uint64(month), 2)
	dst = append(dst, '-')
	dst = appendPadded(dst, uint64(day), 2)
	dst = append(dst, ' ')
	dst = appendPadded(dst, uint64(hour), 2)
	dst = append(dst, ':')
	dst = appendPadded(dst, uint64(minute), 2)
	dst = append(dst, ':')
	dst = appendPadded(dst, uint64(sec), 2)
	dst = append(dst, '.')
	dst = appendPadded(dst, uint64(t.Nanosecond()/1000), 6)
	return append(dst, "+00:00"...)
}

// appendJSONString appends s as encoding/json does (HTML-safe escapes,
// invalid UTF-8 as U+FFFD), so stored fields read the same whichever
// path wrote them. TestFieldsJSONMatchesEncodingJSON keeps the two
// equal.
func appendJSONString(dst []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
