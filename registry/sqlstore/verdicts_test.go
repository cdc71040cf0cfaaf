package sqlstore_test

import (
	"fmt"
	"net/netip"
	"slices"
	"testing"

	"github.com/certprint/certprint/registry"
	"github.com/certprint/certprint/registry/sqlstore"
	"github.com/certprint/certprint/registry/sqlstore/sqlstoretest"
)

func verdict(ip string, class registry.Class, ports ...string) registry.Verdict {
	return registry.Verdict{IP: netip.MustParseAddr(ip), Ports: ports, Class: class, ModelRefs: []string{},
		FirmwareState: registry.FirmwareUnobserved, Matcher: "test/1", Review: registry.ReviewAuto}
}

func count(t *testing.T, s *sqlstore.Store, table string) int64 {
	t.Helper()
	n, err := sqlstore.CountTable(ctx, s, table)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func closedScan(t *testing.T, s *sqlstore.Store) int64 {
	t.Helper()
	sc := newScan(t, s, "matched")
	loadFile(t, s, sc.ID, "a.jsonl", "", []registry.Observation{obs("192.0.2.1 tcp/80 http", "10:00")})
	closeScan(t, s, sc.ID)
	return sc.ID
}

func verdictLines(t *testing.T, s *sqlstore.Store, f registry.VerdictFilter) []string {
	t.Helper()
	var out []string
	err := s.Verdicts(ctx, f, func(v *registry.Verdict) error {
		if v.ScanID != f.ScanID {
			t.Errorf("verdict of scan %d listed for scan %d", v.ScanID, f.ScanID)
		}
		out = append(out, v.IP.String()+" "+v.Ports[0]+" "+string(v.Class))
		return nil
	})
	if err != nil {
		t.Fatalf("verdicts: %v", err)
	}
	return out
}

func writeRun(t *testing.T, s *sqlstore.Store, scanID int64, vs ...registry.Verdict) *registry.MatchRun {
	t.Helper()
	w, err := s.BeginMatch(ctx, scanID, 7, "test/1")
	if err != nil {
		t.Fatalf("begin match: %v", err)
	}
	if err := w.Write(ctx, vs); err != nil {
		t.Fatalf("write: %v", err)
	}
	run, err := w.Commit(ctx)
	if err != nil {
		t.Fatalf("commit: %v", err)
	}
	return run
}

func TestVerdictRuns(t *testing.T) {
	sqlstoretest.ForEach(t, func(t *testing.T, s *sqlstore.Store) {
		scanID := closedScan(t, s)
		if _, err := s.LatestMatch(ctx, scanID); code(err) != registry.ENOTFOUND {
			t.Fatalf("an unmatched scan: %v, want ENOTFOUND", err)
		}
		run := writeRun(t, s, scanID,
			verdict("192.0.2.10", registry.ClassUnknown, "tcp/8080"),
			verdict("192.0.2.10", registry.ClassCertified, "tcp/80", "tcp/443"),
			verdict("192.0.2.9", registry.ClassUncertified, "tcp/22"),
			verdict("2001:db8::1", registry.ClassCertified, "tcp/80"))
		if run.Devices != 4 || run.Classes[registry.ClassCertified] != 2 || run.Registry != 7 || run.Finished.IsZero() {
			t.Errorf("run %+v", run)
		}
		want := []string{"192.0.2.9 tcp/22 uncertified", "192.0.2.10 tcp/80 certified", "192.0.2.10 tcp/8080 unknown", "2001:db8::1 tcp/80 certified"}
		if got := verdictLines(t, s, registry.VerdictFilter{ScanID: scanID}); !slices.Equal(got, want) {
			t.Errorf("verdicts in address and port order:\n got %q\nwant %q", got, want)
		}
		if got := verdictLines(t, s, registry.VerdictFilter{ScanID: scanID, Class: registry.ClassCertified}); len(got) != 2 {
			t.Errorf("certified only: %q", got)
		}
		if got := verdictLines(t, s, registry.VerdictFilter{ScanID: scanID, IP: netip.MustParseAddr("192.0.2.10")}); len(got) != 2 {
			t.Errorf("one address: %q", got)
		}

		t.Run("a new run replaces the old one whole", func(t *testing.T) {
			second := writeRun(t, s, scanID, verdict("192.0.2.9", registry.ClassCertified, "tcp/22"))
			if second.ID == run.ID {
				t.Fatal("same run id")
			}
			if got := verdictLines(t, s, registry.VerdictFilter{ScanID: scanID}); !slices.Equal(got, []string{"192.0.2.9 tcp/22 certified"}) {
				t.Errorf("after the second run: %q", got)
			}
		})

		t.Run("an aborted run leaves the current one", func(t *testing.T) {
			w, err := s.BeginMatch(ctx, scanID, 8, "test/1")
			if err != nil {
				t.Fatal(err)
			}
			if err := w.Write(ctx, []registry.Verdict{verdict("192.0.2.99", registry.ClassUnknown, "tcp/1")}); err != nil {
				t.Fatal(err)
			}
			if got := verdictLines(t, s, registry.VerdictFilter{ScanID: scanID}); !slices.Equal(got, []string{"192.0.2.9 tcp/22 certified"}) {
				t.Errorf("while a run is written, readers see the committed one: %q", got)
			}
			if err := w.Abort(ctx); err != nil {
				t.Fatal(err)
			}
			if err := w.Write(ctx, nil); code(err) != registry.ECONFLICT {
				t.Errorf("write after abort: %v", err)
			}
			if rows := count(t, s, "verdicts"); rows != 1 {
				t.Errorf("%d verdict rows remain, want the current run's 1", rows)
			}
		})

		t.Run("dropping the scan drops its verdicts", func(t *testing.T) {
			if err := s.DropScan(ctx, scanID); err != nil {
				t.Fatal(err)
			}
			if rows, runs := count(t, s, "verdicts"), count(t, s, "match_runs"); rows != 0 || runs != 0 {
				t.Errorf("%d verdicts and %d runs left", rows, runs)
			}
		})
	})
}

func TestMatchNeedsAClosedScan(t *testing.T) {
	sqlstoretest.ForEach(t, func(t *testing.T, s *sqlstore.Store) {
		open := newScan(t, s, "open")
		if _, err := s.BeginMatch(ctx, open.ID, 1, "test/1"); code(err) != registry.ECONFLICT {
			t.Errorf("matching an importing scan: %v, want ECONFLICT", err)
		}
		if _, err := s.BeginMatch(ctx, 999, 1, "test/1"); code(err) != registry.ENOTFOUND {
			t.Errorf("matching no scan: %v, want ENOTFOUND", err)
		}
	})
}

// A run whose process died is removed by the next run of its scan.
func TestDeadRunIsReaped(t *testing.T) {
	sqlstoretest.ForEach(t, func(t *testing.T, s *sqlstore.Store) {
		scanID := closedScan(t, s)
		w, err := s.BeginMatch(ctx, scanID, 1, "test/1")
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Write(ctx, []registry.Verdict{verdict("192.0.2.1", registry.ClassUnknown, "tcp/80")}); err != nil {
			t.Fatal(err)
		}
		if err := sqlstore.SetRunOwner(ctx, s, fmt.Sprintf("%s:%d", sqlstore.LoaderHost(), exitedPID(t))); err != nil {
			t.Fatal(err)
		}
		writeRun(t, s, scanID, verdict("192.0.2.1", registry.ClassCertified, "tcp/80"))
		if rows := count(t, s, "verdicts"); rows != 1 {
			t.Errorf("%d verdict rows, want 1: the dead run's rows must go", rows)
		}
	})
}
