package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/certprint/certprint/importer/importertest"
	"github.com/certprint/certprint/registry"
	"github.com/certprint/certprint/registry/sqlstore"
	"github.com/certprint/certprint/registry/sqlstore/sqlstoretest"
)

// TestMain lets a test run certprint as a real child process (to kill it)
// by re-executing the test binary with CERTPRINT_MAIN=1.
func TestMain(m *testing.M) {
	if os.Getenv("CERTPRINT_MAIN") == "1" {
		os.Exit(Main(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

func writeFingerprintx(t *testing.T, n int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "scan.jsonl")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := importertest.Fingerprintx(f, n, 7); err != nil {
		t.Fatal(err)
	}
	return path
}

func openStore(t *testing.T, dsn string) *sqlstore.Store {
	t.Helper()
	s, err := sqlstore.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestScanImportKilled kills an import with SIGKILL in the middle of a
// file, shows that the database holds nothing of it that any reader sees,
// then runs the same command again: it resumes the scan, and the result is
// the same as a clean import of the file.
func TestScanImportKilled(t *testing.T) {
	const records = 200_000
	file := writeFingerprintx(t, records)
	for _, dialect := range sqlstoretest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			dsn := sqlstoretest.DSN(t, dialect)
			s := openStore(t, dsn)
			argv := []string{"--db", dsn, "scan", "import", "--observed", "2026-10-01", "--name", "killed", file}
			id := killMidway(t, s, argv)

			ctx := context.Background()
			scan, err := s.GetScan(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if scan.State != registry.ScanImporting || len(scan.Files) != 0 {
				t.Fatalf("after the kill the scan is %s with %d files; want importing with none (was the kill too late?)", scan.State, len(scan.Files))
			}
			if closed, _ := s.ListScans(ctx, registry.ScanFilter{State: registry.ScanClosed}); len(closed) != 0 {
				t.Fatalf("a closed scan exists after the kill: %+v", closed)
			}
			if err := s.Observations(ctx, registry.ObservationFilter{ScanID: id}, func(*registry.Observation) error { return nil }); registry.ErrorCode(err) != registry.ECONFLICT {
				t.Fatalf("observations of the killed scan: %v, want ECONFLICT (still importing)", err)
			}

			_, stderr := mustRunBoth(t, argv...)
			if !strings.Contains(stderr, "resuming scan") {
				t.Errorf("the re-run did not say it resumed the scan:\n%s", stderr)
			}
			resumed, err := s.GetScan(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			clean := importJSON(t, "--db", dsn, "scan", "import", "--observed", "2026-10-01", "--name", "clean", file)
			want, err := s.GetScan(ctx, clean.ScanID)
			if err != nil {
				t.Fatal(err)
			}
			if resumed.State != registry.ScanClosed || len(resumed.Files) != 1 || resumed.Services != want.Services || resumed.Hosts != want.Hosts {
				t.Fatalf("resumed scan: %s, %d files, %d hosts, %d observations; a clean import has %d hosts, %d observations",
					resumed.State, len(resumed.Files), resumed.Hosts, resumed.Services, want.Hosts, want.Services)
			}
			if got := countObservations(t, s, id); got != resumed.Services {
				t.Errorf("%d observation rows readable, scan says %d: rows of the killed run leaked", got, resumed.Services)
			}
		})
	}
}

// killMidway starts certprint as a child, waits until it has created its
// scan and is writing, kills it with SIGKILL and returns the scan's id.
func killMidway(t *testing.T, s *sqlstore.Store, argv []string) int64 {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self, argv...)
	cmd.Env = append(os.Environ(), "CERTPRINT_MAIN=1")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var id int64
	deadline := time.Now().Add(60 * time.Second)
	for id == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		scans, err := s.ListScans(context.Background(), registry.ScanFilter{Name: "killed"})
		if err == nil && len(scans) == 1 {
			id = scans[0].ID
		}
	}
	if id == 0 {
		cmd.Process.Kill()
		t.Fatalf("the import never created its scan:\n%s", stderr.String())
	}
	time.Sleep(500 * time.Millisecond) // into the file: batches are being written
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
		t.Fatalf("the import ended before the kill (%v); make the file larger:\n%s", err, stderr.String())
	}
	return id
}

func mustRunBoth(t *testing.T, args ...string) (string, string) {
	t.Helper()
	code, out, errOut := run(t, args...)
	if code != 0 {
		t.Fatalf("certprint %s: exit %d\n%s", strings.Join(args, " "), code, errOut)
	}
	return out, errOut
}

func importJSON(t *testing.T, args ...string) importSummary {
	t.Helper()
	out := mustRun(t, append([]string{"--json"}, args...)...)
	var sum importSummary
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		t.Fatalf("scan import --json printed %q: %v", out, err)
	}
	return sum
}

func countObservations(t *testing.T, s *sqlstore.Store, id int64) int64 {
	t.Helper()
	var n int64
	err := s.Observations(context.Background(), registry.ObservationFilter{ScanID: id}, func(*registry.Observation) error { n++; return nil })
	if err != nil {
		t.Fatal(err)
	}
	return n
}
