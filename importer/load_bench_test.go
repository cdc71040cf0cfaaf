package importer_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/certprint/certprint/importer"
	"github.com/certprint/certprint/importer/importertest"
	"github.com/certprint/certprint/registry"
	"github.com/certprint/certprint/registry/sqlstore"
)

// benchSize reads a record count from the environment, so the README can
// run the same benchmark ten times larger.
func benchSize(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// BenchmarkLoadFingerprintx imports CERTPRINT_BENCH_RECORDS (default
// 1,000,000) fingerprintx records into a fresh SQLite file per iteration,
// closing the scan; run it with -benchtime=1x. maxrss-MB is the peak
// resident memory of the whole test process.
func BenchmarkLoadFingerprintx(b *testing.B) {
	n := benchSize("CERTPRINT_BENCH_RECORDS", 1_000_000)
	path := generate(b, "scan.jsonl", func(w io.Writer) error { return importertest.Fingerprintx(w, n, 1) })
	benchLoad(b, path, importer.Fingerprintx, n)
}

// BenchmarkLoadShuffledFingerprintx is BenchmarkLoadFingerprintx with
// the addresses in random order, as zmap or masscan find them.
func BenchmarkLoadShuffledFingerprintx(b *testing.B) {
	n := benchSize("CERTPRINT_BENCH_RECORDS", 1_000_000)
	path := generate(b, "scan.jsonl", func(w io.Writer) error { return importertest.FingerprintxShuffled(w, n, 1) })
	benchLoad(b, path, importer.Fingerprintx, n)
}

// BenchmarkLoadNmap imports an nmap XML file of CERTPRINT_BENCH_HOSTS
// (default 100,000) hosts with three open ports each.
func BenchmarkLoadNmap(b *testing.B) {
	hosts := benchSize("CERTPRINT_BENCH_HOSTS", 100_000)
	path := generate(b, "scan.xml", func(w io.Writer) error { return importertest.Nmap(w, hosts, 1) })
	benchLoad(b, path, importer.Nmap, 3*hosts)
}

func generate(b testing.TB, name string, write func(io.Writer) error) string {
	path := filepath.Join(b.TempDir(), name)
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if err := write(f); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return path
}

func benchLoad(b *testing.B, path string, format importer.Format, records int) {
	ctx := context.Background()
	window, _ := importer.ParseWindow("2026-10-01")
	b.ResetTimer()
	var elapsed, loading, cpu time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		s, err := sqlstore.Open(ctx, "sqlite:"+filepath.Join(b.TempDir(), fmt.Sprintf("bench%d.db", i)))
		if err != nil {
			b.Fatal(err)
		}
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start, cpu0 := time.Now(), processCPU()
		scan, err := s.CreateScan(ctx, &registry.Scan{Name: "bench"})
		if err != nil {
			b.Fatal(err)
		}
		res, err := importer.Load(ctx, s, scan.ID, f, importer.LoadOptions{Options: importer.Options{Observed: window}, Format: format, Name: "bench", MaxErrors: -1})
		if err != nil {
			b.Fatal(err)
		}
		loading += time.Since(start)
		if _, err := s.CloseScan(ctx, scan.ID); err != nil {
			b.Fatal(err)
		}
		elapsed += time.Since(start)
		cpu += processCPU() - cpu0
		b.StopTimer()
		if res.Input.Stored < int64(records)*9/10 {
			b.Fatalf("stored %d of %d records (rejected %v)", res.Input.Stored, records, res.Input.Reasons)
		}
		f.Close()
		s.Close()
		b.StartTimer()
	}
	// records/s is the whole import, as scan import does it; load-records/s
	// is reading and writing the file alone, close-s the close.
	// cpu-µs/record is the CPU time (user and system, all threads) the
	// whole import took: on a shared machine it says more than the wall
	// clock.
	b.ReportMetric(float64(records)*float64(b.N)/elapsed.Seconds(), "records/s")
	b.ReportMetric(float64(cpu.Microseconds())/float64(records)/float64(b.N), "cpu-µs/record")
	b.ReportMetric(float64(records)*float64(b.N)/loading.Seconds(), "load-records/s")
	b.ReportMetric((elapsed-loading).Seconds()/float64(b.N), "close-s")
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		b.ReportMetric(float64(ru.Maxrss)/1024, "maxrss-MB")
	}
}

// processCPU is the user and system time the process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
