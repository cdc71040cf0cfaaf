package importer

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/certprint/certprint/fingerprint"
	"github.com/certprint/certprint/registry"
)

// Decoded sums up one file read by Decode.
type Decoded struct {
	Format   Format
	SHA256   string
	Bytes    int64 // raw bytes read, before decompression
	Read     int64 // records read: observations and rejections
	Stored   int64 // observations handed on
	Rejected int64
	Reasons  map[string]int64
}

// Handler receives what Decode reads. Observation must copy *o to keep
// it (o is reused for the next record); an error it returns ends the
// file. Reject is told of each record skipped.
type Handler struct {
	Observation func(o *registry.Observation) error
	Reject      func(e *RecordError)
	// Limit, when set, is called after each rejection with the count so
	// far; an error it returns ends the file.
	Limit func(rejected int64) error
	// Progress, when set, is called about every 64k records with the raw
	// bytes read so far.
	Progress func(rawBytes, records int64)
}

// Decode reads one file in format f (Auto: sniffed), gzip or zstd
// compressed or not, puts each observation in canonical form and hands it
// to h. It returns the sums, with the content hash of the raw bytes. A
// file that is not the format fails with a *FormatError before any
// observation is handed on.
func Decode(ctx context.Context, r io.Reader, f Format, opts Options, h Handler) (Decoded, error) {
	in, err := newInput(r)
	if err != nil {
		return Decoded{}, &FormatError{Format: f, Reason: err.Error()}
	}
	head, stream, err := peek(in.Reader, sniffSize)
	if err != nil {
		return Decoded{}, err
	}
	format, err := checkFormat(f, head)
	if err != nil {
		return Decoded{Format: f}, err
	}
	d := Decoded{Format: format, Reasons: map[string]int64{}}
	if len(head) == 0 {
		// An empty file is no results (masscan writes one when it finds
		// nothing), not an error.
		d.SHA256, err = in.finish()
		return d, err
	}
	reader, err := NewReader(format, stream, opts)
	if err != nil {
		return d, err
	}
	if err := d.run(ctx, reader, h, &in.counted); err != nil {
		return d, err
	}
	d.Bytes = in.counted.Load()
	d.SHA256, err = in.finish()
	return d, err
}

func (d *Decoded) run(ctx context.Context, reader Reader, h Handler, raw interface{ Load() int64 }) error {
	var o registry.Observation // one for the whole file: handlers copy it
	for {
		if d.Read&0xffff == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			if h.Progress != nil {
				h.Progress(raw.Load(), d.Read)
			}
		}
		var err error
		o, err = reader.Next()
		var rec *RecordError
		switch {
		case err == io.EOF:
			return nil
		case errors.As(err, &rec):
			if err := d.reject(h, rec); err != nil {
				return err
			}
			continue
		case err != nil:
			return err
		}
		if reason, msg := fingerprint.Finish(&o); reason != "" {
			line, offset := reader.Position()
			if err := d.reject(h, &RecordError{Line: line, Offset: offset, Reason: reason, Err: errors.New(msg)}); err != nil {
				return err
			}
			continue
		}
		d.Read++
		d.Stored++
		if err := h.Observation(&o); err != nil {
			return err
		}
	}
}

func (d *Decoded) reject(h Handler, e *RecordError) error {
	d.Read++
	d.Rejected++
	d.Reasons[e.Reason]++
	if h.Reject != nil {
		h.Reject(e)
	}
	if h.Limit != nil {
		return h.Limit(d.Rejected)
	}
	return nil
}

// checkFormat sniffs the head and holds it against the declared format.
// When sniffing cannot decide (an old masscan file holding only its end
// marker, a first record longer than the sniffed head), a declared format
// is trusted: its reader refuses the file if its first record is not the
// format.
func checkFormat(declared Format, head []byte) (Format, error) {
	sniffed, err := Sniff(head)
	switch {
	case err == nil && declared != Auto && declared != sniffed:
		return "", &FormatError{Format: declared, Reason: fmt.Sprintf("it looks like %s output", sniffed)}
	case err == nil:
		return sniffed, nil
	case declared != Auto:
		return declared, nil
	}
	return "", err
}
