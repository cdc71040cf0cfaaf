package fingerprint

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"

	"github.com/certprint/certprint/registry"
)

// MatchOptions configure matching a whole scan.
type MatchOptions struct {
	// Workers is how many goroutines match addresses (default: one per
	// CPU).
	Workers int
	// Revision is the registry revision the index was built from,
	// recorded with every verdict.
	Revision int64
	// Progress, when set, is called after each batch with the addresses
	// and services matched so far.
	Progress func(hosts, services int64)
}

// hostsPerJob batches addresses between the reader and the workers, so
// that channel traffic stays small beside the matching itself.
const hostsPerJob = 256

// verdictsPerWrite is how many verdicts go to the store per transaction.
const verdictsPerWrite = 2048

// MatchScan computes the verdicts of every device of a closed scan and
// stores them as one run, which replaces the scan's previous verdicts only
// once it is complete: a failure or cancellation leaves the old verdicts
// in place. Observations stream from the store in address order, so
// memory holds a few thousand addresses whatever the scan's size.
func MatchScan(ctx context.Context, ix *Index, scans registry.ScanService, verdicts registry.VerdictService, scanID int64, opts MatchOptions) (*registry.MatchRun, error) {
	w, err := verdicts.BeginMatch(ctx, scanID, opts.Revision, MatcherVersion)
	if err != nil {
		return nil, err
	}
	if err := matchInto(ctx, ix, scans, w, scanID, opts); err != nil {
		if aerr := w.Abort(context.WithoutCancel(ctx)); aerr != nil {
			err = errors.Join(err, aerr)
		}
		return nil, err
	}
	return w.Commit(ctx)
}

func matchInto(ctx context.Context, ix *Index, scans registry.ScanService, w registry.VerdictWriter, scanID int64, opts MatchOptions) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	jobs := make(chan [][]registry.Observation, workers)
	results := make(chan []registry.Verdict, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := ix.NewMatcher()
			for job := range jobs {
				var out []registry.Verdict
				for _, host := range job {
					for _, v := range m.Host(host) {
						v.ScanID, v.Registry = scanID, opts.Revision
						out = append(out, v)
					}
				}
				select {
				case results <- out:
				case <-ctx.Done():
				}
			}
		}()
	}
	readErr := make(chan error, 1)
	go func() {
		defer close(jobs)
		readErr <- readHosts(ctx, scans, scanID, jobs, opts.Progress)
	}()
	go func() {
		wg.Wait()
		close(results)
	}()
	var batch []registry.Verdict
	var writeErr error
	for out := range results {
		if writeErr != nil {
			continue // drain
		}
		batch = append(batch, out...)
		if len(batch) >= verdictsPerWrite {
			if writeErr = w.Write(ctx, batch); writeErr != nil {
				cancel(writeErr)
			}
			batch = batch[:0]
		}
	}
	if err := <-readErr; err != nil && writeErr == nil {
		return err
	}
	if writeErr != nil {
		return writeErr
	}
	if err := context.Cause(ctx); err != nil {
		return err
	}
	if len(batch) > 0 {
		return w.Write(ctx, batch)
	}
	return nil
}

// readHosts streams the scan's observations, cut into addresses, onto
// jobs.
func readHosts(ctx context.Context, scans registry.ScanService, scanID int64, jobs chan<- [][]registry.Observation, progress func(int64, int64)) error {
	var job [][]registry.Observation
	var host []registry.Observation
	var hosts, services int64
	send := func() error {
		if len(job) == 0 {
			return nil
		}
		select {
		case jobs <- job:
		case <-ctx.Done():
			return context.Cause(ctx)
		}
		if progress != nil {
			progress(hosts, services)
		}
		job = make([][]registry.Observation, 0, hostsPerJob)
		return nil
	}
	err := scans.Observations(ctx, registry.ObservationFilter{ScanID: scanID}, func(o *registry.Observation) error {
		if len(host) > 0 && host[0].IP != o.IP {
			job = append(job, host)
			hosts++
			host = nil
			if len(job) == hostsPerJob {
				if err := send(); err != nil {
					return err
				}
			}
		}
		host = append(host, *o)
		services++
		return nil
	})
	if err != nil {
		return err
	}
	if len(host) > 0 {
		job = append(job, host)
		hosts++
	}
	return send()
}

// IndexFor compiles the registry as it is now and returns it with the
// revision it was built from. The revision is read first, so a change
// that lands meanwhile makes the index newer than its revision says,
// never older: matching again picks the change up.
func IndexFor(ctx context.Context, reg registry.RegistryService) (*Index, int64, error) {
	rev, err := reg.Revision(ctx)
	if err != nil {
		return nil, 0, err
	}
	doc, err := reg.Export(ctx)
	if err != nil {
		return nil, 0, err
	}
	ix, err := NewIndex(doc)
	if err != nil {
		return nil, 0, fmt.Errorf("registry revision %d: %w", rev, err)
	}
	return ix, rev, nil
}
