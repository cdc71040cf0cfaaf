// Package importer reads scan results (fingerprintx JSON lines, nmap XML,
// ZGrab2 JSON lines, masscan JSON) into observations and loads them into a
// scan. Every reader streams: memory does not grow with the file. Scan data
// is hostile input, so readers bound every size, never trust a length the
// file states, and turn a malformed record into a RecordError instead of a
// failed import.
package importer

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/certprint/certprint/registry"
)

// Format names a scan result format as `scan import --format` spells it.
type Format string

// The formats of SPEC. Auto asks Sniff to recognise the file.
const (
	Auto         Format = "auto"
	Fingerprintx Format = "fingerprintx"
	Nmap         Format = "nmap"
	ZGrab2       Format = "zgrab2"
	Masscan      Format = "masscan"
)

// Reader yields the observations of one file. Next returns the next
// observation; a *RecordError for a record it skipped (call Next again);
// io.EOF at the end; any other error ends the file.
type Reader interface {
	Next() (registry.Observation, error)
	// Position says where the record last returned starts: its line
	// (from 1) for line-based formats, else 0 and its byte offset.
	Position() (line, offset int64)
}

// Options configure a reader.
type Options struct {
	// Observed dates records of formats without timestamps (fingerprintx,
	// old masscan). A reader meeting such a record with no window set
	// fails with ErrNeedObserved.
	Observed Window
}

// Window is when a scan ran, for records that carry no time of their own.
type Window struct {
	From, To time.Time
}

// IsZero reports whether no window was given.
func (w Window) IsZero() bool { return w.From.IsZero() }

// Stamp sets o's times: t when the record had one, else the window.
func (opts Options) Stamp(o *registry.Observation, t time.Time) error {
	if !t.IsZero() {
		o.Observed = t.UTC()
		return nil
	}
	if opts.Observed.IsZero() {
		return ErrNeedObserved
	}
	o.Observed = opts.Observed.From
	if opts.Observed.To.After(opts.Observed.From) {
		o.ObservedLast = opts.Observed.To
	}
	return nil
}

// ParseWindow reads a window as --observed gives it: "DATE", an RFC 3339
// "TIME", or "FROM/TO" of either.
func ParseWindow(s string) (Window, error) {
	from, to, isRange := strings.Cut(s, "/")
	var w Window
	var err error
	if w.From, err = parseTime(from); err != nil {
		return w, err
	}
	if !isRange {
		return w, nil
	}
	if w.To, err = parseTime(to); err != nil {
		return w, err
	}
	if w.To.Before(w.From) {
		return w, fmt.Errorf("%q ends before it starts", s)
	}
	return w, nil
}

func parseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	return time.Time{}, fmt.Errorf("%q is neither a date (2026-10-01) nor an RFC 3339 time", s)
}

// ErrNeedObserved ends an import of records without timestamps when no
// --observed window was given: guessing "now" would misdate every verdict.
var ErrNeedObserved = errors.New("these records carry no timestamp; give the date of the scan with --observed DATE or --observed FROM/TO")

// RecordError is one record a reader skipped. Reason is a short stable
// slug ("malformed", "too-long", "bad-address", ...) used to count
// rejections; Line (from 1) or, for formats without lines, Offset (bytes)
// says where.
type RecordError struct {
	Line   int64
	Offset int64
	Reason string
	Err    error
}

// The reasons shared by every reader.
const (
	ReasonMalformed = "malformed"   // not well-formed for the format
	ReasonTooLong   = "too-long"    // a record over the size bound
	ReasonAddress   = "bad-address" // no valid IPv4/IPv6 address
	ReasonPort      = "bad-port"    // port missing or out of range
	ReasonTransport = "bad-transport"
)

func (e *RecordError) Error() string {
	where := fmt.Sprintf("byte %d", e.Offset)
	if e.Line > 0 {
		where = fmt.Sprintf("line %d", e.Line)
	}
	return fmt.Sprintf("%s: %s: %v", where, e.Reason, e.Err)
}

func (e *RecordError) Unwrap() error { return e.Err }

// FormatError refuses a whole file: it is not the format it was declared
// or sniffed as, so not one record of it is stored.
type FormatError struct {
	Format Format
	Reason string
}

func (e *FormatError) Error() string {
	if e.Format == "" || e.Format == Auto {
		return "not a scan result file this tool reads: " + e.Reason
	}
	return fmt.Sprintf("not a %s file: %s", e.Format, e.Reason)
}

type constructor func(r io.Reader, opts Options) Reader

var readers = map[Format]constructor{}

// register makes a reader available; each format's file calls it from init.
func register(f Format, c constructor) { readers[f] = c }

// Formats lists the formats with a reader, sorted.
func Formats() []Format {
	out := make([]Format, 0, len(readers))
	for f := range readers {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// ParseFormat checks a --format value.
func ParseFormat(s string) (Format, error) {
	f := Format(s)
	if f == Auto || readers[f] != nil {
		return f, nil
	}
	return "", fmt.Errorf("unknown format %q (want auto or one of %v)", s, Formats())
}

// NewReader returns a reader of format f over r, which must already be
// decompressed (see Decompress). f must not be Auto.
func NewReader(f Format, r io.Reader, opts Options) (Reader, error) {
	c := readers[f]
	if c == nil {
		return nil, fmt.Errorf("no reader for format %q", f)
	}
	return c(r, opts), nil
}
