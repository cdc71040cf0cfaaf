package importer

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/certprint/certprint/registry"
)

// LoadOptions configure loading one file into a scan.
type LoadOptions struct {
	Options
	Format Format // Auto: sniffed
	Name   string // file name recorded with the scan
	SHA256 string // content hash when known beforehand (checked up front)
	Force  bool   // load content already in the scan again
	// MaxErrors aborts the file, storing nothing of it, once more records
	// than this are rejected; negative means no limit.
	MaxErrors int64
	// Examples is how many rejections to keep for the report (default 5).
	Examples int
	// Progress, when set, is told about every 64k records of the raw
	// bytes read so far.
	Progress func(rawBytes, records int64)
}

// LoadResult is what loading one file did.
type LoadResult struct {
	Input    registry.ScanInput
	Examples []*RecordError // the first rejections, with their positions
}

// ErrTooManyErrors aborts a file with more rejected records than allowed.
var ErrTooManyErrors = errors.New("too many rejected records")

// A batch is what one FileWriter.Write gets: at most batchSize
// observations, and at most about batchBytes of text, since a hostile
// file can make every observation hold 64 fields of 1 KiB. The store
// gathers batches into larger runs of its own before it writes.
const (
	batchSize  = 4096
	batchBytes = 4 << 20
)

// Load reads one file into an importing scan: all its observations or,
// on any error (a format mismatch, too many rejections, a cancelled
// context, a failed write), none of them. Decoding and writing run in two
// goroutines so that parsing and the database overlap.
func Load(ctx context.Context, scans registry.ScanService, scanID int64, r io.Reader, lo LoadOptions) (LoadResult, error) {
	if lo.Examples == 0 {
		lo.Examples = 5
	}
	w, err := scans.BeginFile(ctx, scanID, registry.ScanInput{Name: lo.Name, Format: string(lo.Format), SHA256: lo.SHA256}, lo.Force)
	if err != nil {
		return LoadResult{}, err
	}
	res, err := load(ctx, w, r, lo)
	if err != nil {
		// The rows must go even when ctx was cancelled.
		if aerr := w.Abort(context.WithoutCancel(ctx)); aerr != nil {
			err = fmt.Errorf("%w (and removing what was written failed: %v)", err, aerr)
		}
		return res, err
	}
	return res, nil
}

func load(ctx context.Context, w registry.FileWriter, r io.Reader, lo LoadOptions) (LoadResult, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Batches go to the writer and come back to be filled again: Write
	// keeps nothing of them.
	batches := make(chan []registry.Observation, 2)
	free := make(chan []registry.Observation, 3)
	var res LoadResult
	var decoded Decoded
	decodeErr := make(chan error, 1)
	go func() {
		defer close(batches)
		h, flush := lo.handler(&res, batches, free)
		var err error
		decoded, err = Decode(ctx, r, lo.Format, lo.Options, h)
		if err == nil {
			flush()
		}
		decodeErr <- err
	}()
	var writeErr error
	for batch := range batches {
		if writeErr == nil {
			if writeErr = w.Write(ctx, batch); writeErr != nil {
				cancel() // stop decoding; drain the channel
			}
		}
		select {
		case free <- batch[:0]:
		default:
		}
	}
	if err := <-decodeErr; writeErr == nil && err != nil {
		writeErr = err
	}
	res.Input = registry.ScanInput{
		Name: lo.Name, Format: string(decoded.Format), SHA256: decoded.SHA256,
		Read: decoded.Read, Stored: decoded.Stored, Rejected: decoded.Rejected, Reasons: decoded.Reasons,
	}
	if writeErr != nil {
		return res, writeErr
	}
	committed, err := w.Commit(ctx, res.Input)
	if err != nil {
		return res, err
	}
	res.Input = *committed
	return res, nil
}

// handler batches observations onto the channel, taking batches to fill
// from free when there are, and keeps the first rejections; flush sends
// the last, partial batch.
func (lo LoadOptions) handler(res *LoadResult, batches chan<- []registry.Observation, free <-chan []registry.Observation) (Handler, func()) {
	batch := make([]registry.Observation, 0, batchSize)
	size := 0
	h := Handler{
		Observation: func(o *registry.Observation) error {
			batch = append(batch, *o)
			size += textSize(o)
			if len(batch) == batchSize || size >= batchBytes {
				batches <- batch
				select {
				case batch = <-free:
				default:
					batch = make([]registry.Observation, 0, batchSize)
				}
				size = 0
			}
			return nil
		},
		Reject: func(e *RecordError) {
			if len(res.Examples) < lo.Examples {
				res.Examples = append(res.Examples, e)
			}
		},
		Progress: lo.Progress,
	}
	if lo.MaxErrors >= 0 {
		h.Limit = func(rejected int64) error {
			if rejected > lo.MaxErrors {
				return fmt.Errorf("%w: more than %d (--max-errors)", ErrTooManyErrors, lo.MaxErrors)
			}
			return nil
		}
	}
	flush := func() {
		if len(batch) > 0 {
			batches <- batch
		}
	}
	return h, flush
}

// textSize is about what an observation's strings take.
func textSize(o *registry.Observation) int {
	n := len(o.Transport) + len(o.Protocol)
	for k, v := range o.Fields {
		n += len(k) + len(v)
	}
	return n
}
