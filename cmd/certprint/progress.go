package main

import (
	"fmt"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progress shows how far an import is on a terminal: bytes of the file,
// records, rate and time left. It is silent when stderr is not a terminal
// and with --json, so scripts and logs get only the summary.
type progress struct {
	bar   *progressbar.ProgressBar
	start time.Time
}

func (a *app) progress(file string, size int64) *progress {
	f, ok := a.stderr.(*os.File)
	if a.json || !ok || !term.IsTerminal(int(f.Fd())) {
		return &progress{}
	}
	bar := progressbar.NewOptions64(size,
		progressbar.OptionSetWriter(f),
		progressbar.OptionSetDescription(terminalSafe(file)),
		progressbar.OptionShowBytes(true),
		progressbar.OptionSetWidth(24),
		progressbar.OptionThrottle(200*time.Millisecond),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionClearOnFinish(),
	)
	return &progress{bar: bar, start: time.Now()}
}

// update is called by the importer with the raw bytes and records so far.
func (p *progress) update(rawBytes, records int64) {
	if p.bar == nil {
		return
	}
	rate := float64(records) / max(time.Since(p.start).Seconds(), 0.001)
	p.bar.Describe(fmt.Sprintf("%d records (%.0f/s)", records, rate))
	p.bar.Set64(rawBytes)
}

func (p *progress) finish() {
	if p.bar != nil {
		p.bar.Finish()
	}
}
