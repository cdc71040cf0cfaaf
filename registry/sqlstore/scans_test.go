package sqlstore_test

import (
	"bufio"
	"context"
	"fmt"
	"maps"
	"net/netip"
	"os"
	"os/exec"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/certprint/certprint/registry"
	"github.com/certprint/certprint/registry/sqlstore"
	"github.com/certprint/certprint/registry/sqlstore/sqlstoretest"
)

var day = time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)

// at is a time on the test day, given as "15:04".
func at(hm string) time.Time {
	t, err := time.Parse("15:04", hm)
	if err != nil {
		panic(err)
	}
	return day.Add(time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute)
}

// obs is an observation of "ip tcp/80 protocol" at a time, with fields
// given as name=value pairs.
func obs(service, observed string, fields ...string) registry.Observation {
	parts := strings.Fields(service)
	transport, port, _ := strings.Cut(parts[1], "/")
	p, err := strconv.Atoi(port)
	if err != nil {
		panic(err)
	}
	o := registry.Observation{
		IP: netip.MustParseAddr(parts[0]), Transport: transport, Port: uint16(p),
		Protocol: parts[2], Observed: at(observed),
	}
	if len(parts) > 3 && parts[3] == "tls" {
		o.TLS = true
	}
	if len(fields) > 0 {
		o.Fields = map[string]string{}
	}
	for _, f := range fields {
		name, value, _ := strings.Cut(f, "=")
		o.Fields[name] = value
	}
	return o
}

func code(err error) string { return registry.ErrorCode(err) }

func newScan(t testing.TB, s *sqlstore.Store, name string) *registry.Scan {
	t.Helper()
	sc, err := s.CreateScan(ctx, &registry.Scan{Name: name})
	if err != nil {
		t.Fatalf("create scan: %v", err)
	}
	return sc
}

// loadFile writes one file in batches of two and commits it.
func loadFile(t *testing.T, s *sqlstore.Store, scanID int64, name, sha string, rows []registry.Observation) *registry.ScanInput {
	t.Helper()
	w, err := s.BeginFile(ctx, scanID, registry.ScanInput{Name: name, Format: "zgrab2"}, false)
	if err != nil {
		t.Fatalf("begin %s: %v", name, err)
	}
	defer w.Abort(ctx)
	for i := 0; i < len(rows); i += 2 {
		if err := w.Write(ctx, rows[i:min(i+2, len(rows))]); err != nil {
			t.Fatalf("write %s: %v", name, err)
		}
	}
	in, err := w.Commit(ctx, registry.ScanInput{SHA256: sha, Read: int64(len(rows))})
	if err != nil {
		t.Fatalf("commit %s: %v", name, err)
	}
	return in
}

func closeScan(t *testing.T, s *sqlstore.Store, id int64) *registry.Scan {
	t.Helper()
	sc, err := s.CloseScan(ctx, id)
	if err != nil {
		t.Fatalf("close scan %d: %v", id, err)
	}
	return sc
}

func observations(t *testing.T, s *sqlstore.Store, f registry.ObservationFilter) []registry.Observation {
	t.Helper()
	var out []registry.Observation
	err := s.Observations(ctx, f, func(o *registry.Observation) error {
		out = append(out, *o)
		return nil
	})
	if err != nil {
		t.Fatalf("observations: %v", err)
	}
	return out
}

// line is an observation as one comparable line of text.
func line(o registry.Observation) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s/%d %s", o.IP, o.Transport, o.Port, o.Protocol)
	if o.TLS {
		b.WriteString(" tls")
	}
	fmt.Fprintf(&b, " %s", o.Observed.Format("15:04"))
	if !o.ObservedLast.IsZero() {
		fmt.Fprintf(&b, "-%s", o.ObservedLast.Format("15:04"))
	}
	for _, n := range slices.Sorted(maps.Keys(o.Fields)) {
		fmt.Fprintf(&b, " %s=%s", n, o.Fields[n])
	}
	return b.String()
}

func lines(rows []registry.Observation) []string {
	out := make([]string, len(rows))
	for i, o := range rows {
		out[i] = line(o)
	}
	return out
}

func countRows(t *testing.T, s *sqlstore.Store, scanID int64) (observations, files int64) {
	t.Helper()
	o, f, err := sqlstore.CountRows(ctx, s, scanID)
	if err != nil {
		t.Fatal(err)
	}
	return o, f
}

func TestCreateScan(t *testing.T) {
	sqlstoretest.ForEach(t, func(t *testing.T, s *sqlstore.Store) {
		sc, err := s.CreateScan(ctx, &registry.Scan{
			Name: "NOTICE 2026-10", Source: "NICT", Probed: []string{"192.0.2.7/24", "2001:db8::1"},
			Ports: []string{"80", "udp/161-162"}, Started: day,
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.GetScan(ctx, sc.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := registry.Scan{
			ID: sc.ID, Name: "NOTICE 2026-10", Source: "NICT", TLP: registry.DefaultTLP,
			Probed: []string{"192.0.2.0/24", "2001:db8::1/128"}, Ports: []string{"tcp/80", "udp/161-162"},
			Started: day, State: registry.ScanImporting, Registered: got.Registered,
		}
		if got.Registered.IsZero() || !reflect.DeepEqual(*got, want) {
			t.Errorf("stored scan:\n got %+v\nwant %+v", *got, want)
		}
		if _, err := s.CreateScan(ctx, &registry.Scan{Name: "x", TLP: "purple"}); code(err) != registry.EINVALID {
			t.Errorf("TLP purple: %v, want %s", err, registry.EINVALID)
		}
		if _, err := s.GetScan(ctx, sc.ID+100); code(err) != registry.ENOTFOUND {
			t.Errorf("unknown scan: %v, want %s", err, registry.ENOTFOUND)
		}
	})
}

func TestListScans(t *testing.T) {
	sqlstoretest.ForEach(t, func(t *testing.T, s *sqlstore.Store) {
		a := newScan(t, s, "a")
		b := newScan(t, s, "b")
		c := newScan(t, s, "a")
		closeScan(t, s, b.ID)
		for _, tt := range []struct {
			name   string
			filter registry.ScanFilter
			want   []int64
		}{
			{"all, newest first", registry.ScanFilter{}, []int64{c.ID, b.ID, a.ID}},
			{"importing", registry.ScanFilter{State: registry.ScanImporting}, []int64{c.ID, a.ID}},
			{"closed", registry.ScanFilter{State: registry.ScanClosed}, []int64{b.ID}},
			{"by name", registry.ScanFilter{Name: "a"}, []int64{c.ID, a.ID}},
			{"by name and state", registry.ScanFilter{Name: "b", State: registry.ScanImporting}, []int64{}},
		} {
			t.Run(tt.name, func(t *testing.T) {
				scans, err := s.ListScans(ctx, tt.filter)
				if err != nil {
					t.Fatal(err)
				}
				got := []int64{}
				for _, sc := range scans {
					got = append(got, sc.ID)
				}
				if !reflect.DeepEqual(got, tt.want) {
					t.Errorf("got %v, want %v", got, tt.want)
				}
			})
		}
	})
}

// A file's rows count once the file commits, and readers see them once
// the scan closes.
func TestFileCommitAndClose(t *testing.T) {
	sqlstoretest.ForEach(t, func(t *testing.T, s *sqlstore.Store) {
		sc := newScan(t, s, "commit")
		w, err := s.BeginFile(ctx, sc.ID, registry.ScanInput{Name: "a.json", Format: "zgrab2"}, false)
		if err != nil {
			t.Fatal(err)
		}
		rows := []registry.Observation{
			obs("192.0.2.1 tcp/80 http", "10:00", "http.server=Acme-httpd/1.0"),
			obs("192.0.2.1 tcp/22 ssh", "10:01", "ssh.banner=SSH-2.0-dropbear"),
			obs("192.0.2.2 tcp/443 http tls", "10:02"),
		}
		if err := w.Write(ctx, rows[:2]); err != nil {
			t.Fatal(err)
		}
		if err := w.Write(ctx, rows[2:]); err != nil {
			t.Fatal(err)
		}
		got, err := s.GetScan(ctx, sc.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Files) != 0 {
			t.Errorf("a loading file is listed: %+v", got.Files)
		}
		if err := s.Observations(ctx, registry.ObservationFilter{ScanID: sc.ID}, nil); code(err) != registry.ECONFLICT {
			t.Errorf("observations of an importing scan: %v, want %s", err, registry.ECONFLICT)
		}
		if _, err := s.CloseScan(ctx, sc.ID); code(err) != registry.ECONFLICT {
			t.Errorf("close while a live loader loads: %v, want %s", err, registry.ECONFLICT)
		}
		in, err := w.Commit(ctx, registry.ScanInput{SHA256: strings.Repeat("AB", 32), Read: 5, Rejected: 2,
			Reasons: map[string]int64{"malformed": 2}})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Abort(ctx); err != nil {
			t.Errorf("abort after commit: %v", err)
		}
		if err := w.Write(ctx, rows); code(err) != registry.ECONFLICT {
			t.Errorf("write after commit: %v, want %s", err, registry.ECONFLICT)
		}
		want := registry.ScanInput{Name: "a.json", Format: "zgrab2", SHA256: strings.Repeat("ab", 32),
			Read: 5, Stored: 3, Rejected: 2, Reasons: map[string]int64{"malformed": 2}, Imported: in.Imported}
		if !reflect.DeepEqual(*in, want) {
			t.Errorf("commit returned\n %+v\nwant %+v", *in, want)
		}
		got, err = s.GetScan(ctx, sc.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Files) != 1 || !reflect.DeepEqual(got.Files[0], want) || !got.Files[0].Imported.Equal(in.Imported) {
			t.Errorf("files of the scan: %+v, want [%+v]", got.Files, want)
		}
		closed := closeScan(t, s, sc.ID)
		if closed.State != registry.ScanClosed || closed.Hosts != 2 || closed.Services != 3 {
			t.Errorf("closed scan: state %s, %d hosts, %d services; want closed, 2, 3", closed.State, closed.Hosts, closed.Services)
		}
		if !closed.Started.Equal(at("10:00")) || !closed.Finished.Equal(at("10:02")) {
			t.Errorf("time span %v to %v, want 10:00 to 10:02", closed.Started, closed.Finished)
		}
		again := closeScan(t, s, sc.ID)
		if !reflect.DeepEqual(again, closed) {
			t.Errorf("closing again changed the scan:\n%+v\n%+v", again, closed)
		}
		wantLines := []string{
			"192.0.2.1 tcp/22 ssh 10:01 ssh.banner=SSH-2.0-dropbear",
			"192.0.2.1 tcp/80 http 10:00 http.server=Acme-httpd/1.0",
			"192.0.2.2 tcp/443 http tls 10:02",
		}
		if got := lines(observations(t, s, registry.ObservationFilter{ScanID: sc.ID})); !reflect.DeepEqual(got, wantLines) {
			t.Errorf("observations:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(wantLines, "\n"))
		}
		if _, err := s.BeginFile(ctx, sc.ID, registry.ScanInput{Name: "late.json"}, false); code(err) != registry.ECONFLICT {
			t.Errorf("file into a closed scan: %v, want %s", err, registry.ECONFLICT)
		}
	})
}

func TestAbortLeavesNothing(t *testing.T) {
	sqlstoretest.ForEach(t, func(t *testing.T, s *sqlstore.Store) {
		sc := newScan(t, s, "abort")
		loadFile(t, s, sc.ID, "kept.json", "", []registry.Observation{obs("192.0.2.9 tcp/80 http", "09:00")})
		w, err := s.BeginFile(ctx, sc.ID, registry.ScanInput{Name: "aborted.json"}, false)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			if err := w.Write(ctx, []registry.Observation{obs(fmt.Sprintf("192.0.2.%d tcp/80 http", i), "10:00")}); err != nil {
				t.Fatal(err)
			}
		}
		if err := sqlstore.Flush(ctx, w); err != nil {
			t.Fatal(err)
		}
		if n, _ := countRows(t, s, sc.ID); n != 4 {
			t.Fatalf("%d rows before abort, want 4", n)
		}
		// A cancelled context is the usual reason to abort.
		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		if err := w.Abort(cancelled); err != nil {
			t.Fatal(err)
		}
		if err := w.Abort(ctx); err != nil {
			t.Errorf("second abort: %v", err)
		}
		if _, err := w.Commit(ctx, registry.ScanInput{}); code(err) != registry.ECONFLICT {
			t.Errorf("commit after abort: %v, want %s", err, registry.ECONFLICT)
		}
		if n, files := countRows(t, s, sc.ID); n != 1 || files != 1 {
			t.Errorf("after abort: %d rows, %d files; want 1, 1", n, files)
		}
		closed := closeScan(t, s, sc.ID)
		if closed.Services != 1 || len(closed.Files) != 1 || closed.Files[0].Name != "kept.json" {
			t.Errorf("closed scan: %d services, files %+v", closed.Services, closed.Files)
		}
	})
}

// Aborting a file removes its rows however they were interleaved with
// those of another file loading at the same time.
func TestAbortAmongOtherLoaders(t *testing.T) {
	sqlstoretest.ForEach(t, func(t *testing.T, s *sqlstore.Store) {
		sc := newScan(t, s, "interleaved")
		aborted, err := s.BeginFile(ctx, sc.ID, registry.ScanInput{Name: "aborted.json"}, false)
		if err != nil {
			t.Fatal(err)
		}
		kept, err := s.BeginFile(ctx, sc.ID, registry.ScanInput{Name: "kept.json"}, false)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			for _, w := range []registry.FileWriter{aborted, kept, aborted} {
				if err := w.Write(ctx, []registry.Observation{obs(fmt.Sprintf("192.0.2.%d tcp/80 http", i), "10:00")}); err != nil {
					t.Fatal(err)
				}
				if err := sqlstore.Flush(ctx, w); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := aborted.Abort(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := kept.Commit(ctx, registry.ScanInput{}); err != nil {
			t.Fatal(err)
		}
		if n, files := countRows(t, s, sc.ID); n != 3 || files != 1 {
			t.Errorf("%d rows, %d files; want the 3 rows of the kept file", n, files)
		}
	})
}

func TestWriteRefusesInvalidObservations(t *testing.T) {
	sqlstoretest.ForEach(t, func(t *testing.T, s *sqlstore.Store) {
		sc := newScan(t, s, "invalid")
		w, err := s.BeginFile(ctx, sc.ID, registry.ScanInput{Name: "bad.json"}, false)
		if err != nil {
			t.Fatal(err)
		}
		defer w.Abort(ctx)
		good := obs("192.0.2.1 tcp/80 http", "10:00")
		for _, tt := range []struct {
			name  string
			edit  func(*registry.Observation)
			field string
		}{
			{"no address", func(o *registry.Observation) { o.IP = netip.Addr{} }, "batch[1].ip"},
			{"transport", func(o *registry.Observation) { o.Transport = "sctp" }, "batch[1].transport"},
			{"port 0", func(o *registry.Observation) { o.Port = 0 }, "batch[1].port"},
			{"no protocol", func(o *registry.Observation) { o.Protocol = "" }, "batch[1].protocol"},
			{"no time", func(o *registry.Observation) { o.Observed = time.Time{} }, "batch[1].observed"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				bad := good
				tt.edit(&bad)
				err := w.Write(ctx, []registry.Observation{good, bad})
				if e := registry.AsError(err); e == nil || e.Code != registry.EINVALID || e.Field != tt.field {
					t.Errorf("got %v, want %s on %s", err, registry.EINVALID, tt.field)
				}
			})
		}
		if n, _ := countRows(t, s, sc.ID); n != 0 {
			t.Errorf("a refused batch stored %d rows", n)
		}
	})
}

func TestDuplicateContent(t *testing.T) {
	sha := strings.Repeat("0123456789abcdef", 4)
	rows := []registry.Observation{obs("192.0.2.1 tcp/80 http", "10:00")}
	for _, tt := range []struct {
		name         string
		atBegin      string // the hash given to BeginFile
		force        bool
		beginRefused bool
		commitRefuse bool
	}{
		{name: "hash known at begin", atBegin: sha, beginRefused: true},
		{name: "hash known at commit", commitRefuse: true},
		{name: "forced", atBegin: sha, force: true},
		{name: "forced, hash at commit", force: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sqlstoretest.ForEach(t, func(t *testing.T, s *sqlstore.Store) {
				sc := newScan(t, s, "dup")
				loadFile(t, s, sc.ID, "first.json", sha, rows)
				other := newScan(t, s, "other")
				loadFile(t, s, other.ID, "first.json", sha, rows) // another scan may hold the same file

				w, err := s.BeginFile(ctx, sc.ID, registry.ScanInput{Name: "again.json", SHA256: tt.atBegin}, tt.force)
				if tt.beginRefused {
					if code(err) != registry.ECONFLICT || !strings.Contains(err.Error(), "--force") {
						t.Fatalf("begin: %v, want %s naming --force", err, registry.ECONFLICT)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				defer w.Abort(ctx)
				if err := w.Write(ctx, rows); err != nil {
					t.Fatal(err)
				}
				_, err = w.Commit(ctx, registry.ScanInput{SHA256: sha})
				if tt.commitRefuse {
					if code(err) != registry.ECONFLICT || !strings.Contains(err.Error(), "--force") {
						t.Fatalf("commit: %v, want %s naming --force", err, registry.ECONFLICT)
					}
					if err := w.Abort(ctx); err != nil {
						t.Fatal(err)
					}
				} else if err != nil {
					t.Fatal(err)
				}
				closed := closeScan(t, s, sc.ID)
				wantFiles := 2
				if tt.commitRefuse {
					wantFiles = 1
				}
				if len(closed.Files) != wantFiles || closed.Services != 1 {
					t.Errorf("%d files and %d services, want %d and 1", len(closed.Files), closed.Services, wantFiles)
				}
			})
		})
	}
}

// Records of one service merge when equal, keeping the span of their
// times, and stay side by side when they conflict; an open port is no
// service of its own once another file identified it.
func TestCloseMerges(t *testing.T) {
	for _, tt := range []struct {
		name  string
		files [][]registry.Observation
		want  []string
	}{
		{
			name: "equal records of two files",
			files: [][]registry.Observation{
				{obs("192.0.2.1 tcp/80 http", "11:00", "http.server=Acme")},
				{obs("192.0.2.1 tcp/80 http", "09:00", "http.server=Acme")},
				{obs("192.0.2.1 tcp/80 http", "10:00", "http.server=Acme")},
			},
			want: []string{"192.0.2.1 tcp/80 http 09:00-11:00 http.server=Acme"},
		},
		{
			name: "equal records at the same time",
			files: [][]registry.Observation{
				{obs("192.0.2.1 tcp/80 http", "10:00", "http.server=Acme"), obs("192.0.2.1 tcp/80 http", "10:00", "http.server=Acme")},
			},
			want: []string{"192.0.2.1 tcp/80 http 10:00 http.server=Acme"},
		},
		{
			name: "observation windows",
			files: [][]registry.Observation{
				{window(obs("192.0.2.1 tcp/22 ssh", "08:00", "ssh.banner=x"), "12:00")},
				{window(obs("192.0.2.1 tcp/22 ssh", "09:00", "ssh.banner=x"), "10:00")},
			},
			want: []string{"192.0.2.1 tcp/22 ssh 08:00-12:00 ssh.banner=x"},
		},
		{
			name: "conflicting records side by side",
			files: [][]registry.Observation{
				{obs("192.0.2.1 tcp/80 http", "10:00", "http.server=Acme/1.0")},
				{obs("192.0.2.1 tcp/80 http", "11:00", "http.server=Acme/2.0"), obs("192.0.2.1 tcp/80 http tls", "11:00", "http.server=Acme/1.0")},
			},
			want: []string{
				"192.0.2.1 tcp/80 http 10:00 http.server=Acme/1.0",
				"192.0.2.1 tcp/80 http 11:00 http.server=Acme/2.0",
				"192.0.2.1 tcp/80 http tls 11:00 http.server=Acme/1.0",
			},
		},
		{
			name: "open port identified by another file",
			files: [][]registry.Observation{
				{obs("192.0.2.1 tcp/80 unknown", "09:00"), obs("192.0.2.1 tcp/8080 unknown", "09:00"), obs("192.0.2.1 udp/80 unknown", "09:00")},
				{obs("192.0.2.1 tcp/80 http", "10:00", "http.title=Router")},
			},
			want: []string{
				"192.0.2.1 tcp/80 http 10:00 http.title=Router",
				"192.0.2.1 tcp/8080 unknown 09:00",
				"192.0.2.1 udp/80 unknown 09:00",
			},
		},
		{
			name: "unknown with a banner, identified and merged",
			files: [][]registry.Observation{
				{obs("192.0.2.1 tcp/23 unknown", "09:00", "banner=login:"), obs("192.0.2.1 tcp/23 unknown", "09:30", "banner=login:")},
				{obs("192.0.2.1 tcp/23 telnet", "10:00", "telnet.banner=login:")},
			},
			want: []string{"192.0.2.1 tcp/23 telnet 10:00 telnet.banner=login:"},
		},
		{
			name: "a bare open port gives way to a banner on it",
			files: [][]registry.Observation{
				{obs("192.0.2.1 tcp/2323 unknown", "09:00")},
				{obs("192.0.2.1 tcp/2323 unknown", "09:30", "banner=login:")},
			},
			want: []string{"192.0.2.1 tcp/2323 unknown 09:30 banner=login:"},
		},
		{
			name: "unknown records merge among themselves",
			files: [][]registry.Observation{
				{obs("192.0.2.1 tcp/23 unknown", "09:00")},
				{obs("192.0.2.1 tcp/23 unknown", "09:30")},
			},
			want: []string{"192.0.2.1 tcp/23 unknown 09:00-09:30"},
		},
		{
			name: "other addresses and scans untouched",
			files: [][]registry.Observation{
				{obs("192.0.2.1 tcp/80 http", "10:00"), obs("192.0.2.2 tcp/80 http", "11:00")},
			},
			want: []string{"192.0.2.1 tcp/80 http 10:00", "192.0.2.2 tcp/80 http 11:00"},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sqlstoretest.ForEach(t, func(t *testing.T, s *sqlstore.Store) {
				// A second scan with the same records must not merge
				// with the first.
				other := newScan(t, s, "other")
				loadFile(t, s, other.ID, "other.json", "", tt.files[0])
				otherRows, _ := countRows(t, s, other.ID)

				sc := newScan(t, s, "merge")
				for i, rows := range tt.files {
					loadFile(t, s, sc.ID, fmt.Sprintf("f%d.json", i), "", rows)
				}
				closed := closeScan(t, s, sc.ID)
				// The order of conflicting records of one service is
				// unspecified; TestObservationsOrderAndFilter checks the
				// order of services.
				got := lines(observations(t, s, registry.ObservationFilter{ScanID: sc.ID}))
				slices.Sort(got)
				slices.Sort(tt.want)
				if !reflect.DeepEqual(got, tt.want) {
					t.Errorf("after close:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
				}
				if closed.Services != int64(len(tt.want)) {
					t.Errorf("%d services, want %d", closed.Services, len(tt.want))
				}
				if n, _ := countRows(t, s, sc.ID); n != int64(len(tt.want)) {
					t.Errorf("%d rows left after close, want the %d observations (staged rows deleted)", n, len(tt.want))
				}
				if n, _ := countRows(t, s, other.ID); n != otherRows {
					t.Errorf("closing one scan changed another: %d rows, want %d", n, otherRows)
				}
			})
		})
	}
}

func window(o registry.Observation, last string) registry.Observation {
	o.ObservedLast = at(last)
	return o
}

func TestObservationsOrderAndFilter(t *testing.T) {
	sqlstoretest.ForEach(t, func(t *testing.T, s *sqlstore.Store) {
		sc := newScan(t, s, "order")
		addrs := []string{"2001:db8::a", "10.0.0.10", "::1", "9.255.255.255", "2001:db8::1", "10.0.0.2", "255.255.255.255", "::ffff:10.0.0.3", "fe80::1"}
		var rows []registry.Observation
		for _, a := range addrs {
			rows = append(rows,
				obs(a+" udp/161 snmp", "10:00"), obs(a+" tcp/8080 http", "10:00"),
				obs(a+" tcp/443 http tls", "10:00"), obs(a+" tcp/80 http", "10:00"))
		}
		loadFile(t, s, sc.ID, "a.json", "", rows)
		closeScan(t, s, sc.ID)

		var want []string
		for _, a := range []string{"9.255.255.255", "10.0.0.2", "10.0.0.3", "10.0.0.10", "255.255.255.255", "::1", "2001:db8::1", "2001:db8::a", "fe80::1"} {
			want = append(want, a+" tcp/80 http 10:00", a+" tcp/443 http tls 10:00", a+" tcp/8080 http 10:00", a+" udp/161 snmp 10:00")
		}
		for _, tt := range []struct {
			name   string
			filter registry.ObservationFilter
			want   []string
		}{
			{"all", registry.ObservationFilter{}, want},
			{"one IPv4 address", registry.ObservationFilter{IP: netip.MustParseAddr("10.0.0.10")}, want[12:16]},
			{"a mapped address as IPv4", registry.ObservationFilter{IP: netip.MustParseAddr("::ffff:10.0.0.3")}, want[8:12]},
			{"one IPv6 address", registry.ObservationFilter{IP: netip.MustParseAddr("2001:db8::1")}, want[24:28]},
			{"protocol", registry.ObservationFilter{Protocol: "snmp"}, every(want, 3, 4)},
			{"address and protocol", registry.ObservationFilter{IP: netip.MustParseAddr("::1"), Protocol: "snmp"}, want[23:24]},
			{"limit", registry.ObservationFilter{Page: registry.Page{Limit: 5}}, want[:5]},
			{"limit and offset", registry.ObservationFilter{Page: registry.Page{Limit: 5, Offset: 30}}, want[30:35]},
			{"offset only", registry.ObservationFilter{Page: registry.Page{Offset: 34}}, want[34:]},
			{"no match", registry.ObservationFilter{IP: netip.MustParseAddr("192.0.2.1")}, nil},
		} {
			t.Run(tt.name, func(t *testing.T) {
				tt.filter.ScanID = sc.ID
				got := lines(observations(t, s, tt.filter))
				if len(got) == 0 && len(tt.want) == 0 {
					return
				}
				if !reflect.DeepEqual(got, tt.want) {
					t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
				}
			})
		}
		t.Run("fn error stops", func(t *testing.T) {
			stop := fmt.Errorf("enough")
			n := 0
			err := s.Observations(ctx, registry.ObservationFilter{ScanID: sc.ID}, func(*registry.Observation) error {
				n++
				return stop
			})
			if err != stop || n != 1 {
				t.Errorf("got %v after %d calls, want the callback's error after 1", err, n)
			}
		})
		t.Run("unknown scan", func(t *testing.T) {
			err := s.Observations(ctx, registry.ObservationFilter{ScanID: sc.ID + 100}, nil)
			if code(err) != registry.ENOTFOUND {
				t.Errorf("got %v, want %s", err, registry.ENOTFOUND)
			}
		})
		t.Run("importing scan", func(t *testing.T) {
			open := newScan(t, s, "open")
			err := s.Observations(ctx, registry.ObservationFilter{ScanID: open.ID}, nil)
			if code(err) != registry.ECONFLICT || !strings.Contains(err.Error(), "close it first") {
				t.Errorf("got %v, want %s", err, registry.ECONFLICT)
			}
		})
	})
}

// every returns the element at offset of each group of size n.
func every(s []string, offset, n int) []string {
	var out []string
	for i := offset; i < len(s); i += n {
		out = append(out, s[i])
	}
	return out
}

// exitedPID is the pid of a process that has exited.
func exitedPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

// A loader that died, or went silent for too long, leaves rows that never
// count, and the next BeginFile or CloseScan removes them.
func TestAbandonedFilesAreReaped(t *testing.T) {
	for _, tt := range []struct {
		name      string
		owner     func(t *testing.T) string
		heartbeat time.Duration // before now
		reapedBy  string
	}{
		{"dead process on this host, reaped by BeginFile", func(t *testing.T) string {
			return fmt.Sprintf("%s:%d", sqlstore.LoaderHost(), exitedPID(t))
		}, 0, "begin"},
		{"dead process on this host, reaped by CloseScan", func(t *testing.T) string {
			return fmt.Sprintf("%s:%d", sqlstore.LoaderHost(), exitedPID(t))
		}, 0, "close"},
		{"silent loader on another host", func(*testing.T) string { return "elsewhere.example:4242" }, 11 * time.Minute, "close"},
		{"live loader on another host", func(*testing.T) string { return "elsewhere.example:4242" }, time.Minute, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sqlstoretest.ForEach(t, func(t *testing.T, s *sqlstore.Store) {
				sc := newScan(t, s, "reap")
				loadFile(t, s, sc.ID, "kept.json", "", []registry.Observation{obs("192.0.2.9 tcp/80 http", "09:00")})
				w, err := s.BeginFile(ctx, sc.ID, registry.ScanInput{Name: "crashed.json"}, false)
				if err != nil {
					t.Fatal(err)
				}
				if err := w.Write(ctx, []registry.Observation{obs("192.0.2.1 tcp/80 http", "10:00"), obs("192.0.2.9 tcp/80 http", "10:00")}); err != nil {
					t.Fatal(err)
				}
				if err := sqlstore.Flush(ctx, w); err != nil {
					t.Fatal(err)
				}
				if err := sqlstore.SetFileOwner(ctx, s, sqlstore.FileID(w), tt.owner(t), time.Now().Add(-tt.heartbeat)); err != nil {
					t.Fatal(err)
				}
				switch tt.reapedBy {
				case "begin":
					w2, err := s.BeginFile(ctx, sc.ID, registry.ScanInput{Name: "next.json"}, false)
					if err != nil {
						t.Fatal(err)
					}
					if n, files := countRows(t, s, sc.ID); n != 1 || files != 2 {
						t.Errorf("after BeginFile: %d rows, %d files; want 1 and 2", n, files)
					}
					if err := w2.Abort(ctx); err != nil {
						t.Fatal(err)
					}
				case "":
					if _, err := s.CloseScan(ctx, sc.ID); code(err) != registry.ECONFLICT {
						t.Errorf("close: %v, want %s", err, registry.ECONFLICT)
					}
					if err := s.DropScan(ctx, sc.ID); code(err) != registry.ECONFLICT {
						t.Errorf("drop: %v, want %s", err, registry.ECONFLICT)
					}
					if n, _ := countRows(t, s, sc.ID); n != 3 {
						t.Errorf("a live loader's rows were removed: %d rows, want 3", n)
					}
					return
				}
				closed := closeScan(t, s, sc.ID)
				if closed.Services != 1 || len(closed.Files) != 1 {
					t.Errorf("closed scan: %d services, %d files; want 1, 1", closed.Services, len(closed.Files))
				}
				want := []string{"192.0.2.9 tcp/80 http 09:00"}
				if got := lines(observations(t, s, registry.ObservationFilter{ScanID: sc.ID})); !reflect.DeepEqual(got, want) {
					t.Errorf("observations %v, want %v", got, want)
				}
				if n, files := countRows(t, s, sc.ID); n != 1 || files != 1 {
					t.Errorf("%d rows and %d files left, want 1 and 1", n, files)
				}
				// The presumed-dead loader, if it was alive after all,
				// learns that its file is gone when it next inserts.
				if err := w.Write(ctx, []registry.Observation{obs("192.0.2.3 tcp/80 http", "10:00")}); err != nil {
					t.Fatal(err)
				}
				if err := sqlstore.Flush(ctx, w); code(err) != registry.ECONFLICT {
					t.Errorf("write by a reaped loader: %v, want %s", err, registry.ECONFLICT)
				}
				if _, err := w.Commit(ctx, registry.ScanInput{}); code(err) != registry.ECONFLICT {
					t.Errorf("commit by a reaped loader: %v, want %s", err, registry.ECONFLICT)
				}
			})
		})
	}
}

// killedLoaderEnv carries the DSN and scan id to the child process of
// TestKilledLoader.
const killedLoaderEnv = "CERTPRINT_TEST_KILLED_LOADER"

// TestKilledLoaderChild is the loader TestKilledLoader kills: it writes two
// batches, says so, and waits for SIGKILL.
func TestKilledLoaderChild(t *testing.T) {
	dsn, id, ok := strings.Cut(os.Getenv(killedLoaderEnv), " ")
	if !ok {
		t.Skip("run by TestKilledLoader")
	}
	scanID, _ := strconv.ParseInt(id, 10, 64)
	s, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	w, err := s.BeginFile(ctx, scanID, registry.ScanInput{Name: "killed.json"}, false)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if err := w.Write(ctx, []registry.Observation{obs(fmt.Sprintf("198.51.100.%d tcp/80 http", i), "10:00")}); err != nil {
			t.Fatal(err)
		}
	}
	if err := sqlstore.Flush(ctx, w); err != nil {
		t.Fatal(err)
	}
	fmt.Println("written")
	time.Sleep(time.Minute)
	t.Fatal("not killed")
}

// A loader killed with SIGKILL in the middle of a file leaves nothing that
// counts, and the next CloseScan removes what it wrote.
func TestKilledLoader(t *testing.T) {
	for _, dialect := range sqlstoretest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			dsn := sqlstoretest.DSN(t, dialect)
			s, err := sqlstore.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			sc := newScan(t, s, "killed")
			loadFile(t, s, sc.ID, "kept.json", "", []registry.Observation{obs("192.0.2.9 tcp/80 http", "09:00")})

			cmd := exec.Command(os.Args[0], "-test.run=^TestKilledLoaderChild$", "-test.count=1")
			cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s %d", killedLoaderEnv, dsn, sc.ID))
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			cmd.Stderr = os.Stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			if !waitFor(bufio.NewScanner(out), "written") {
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatal("the loader did not write")
			}
			cmd.Process.Kill() // SIGKILL: no deferred cleanup runs
			cmd.Wait()

			if n, files := countRows(t, s, sc.ID); n != 3 || files != 2 {
				t.Fatalf("before reaping: %d rows, %d files; want 3, 2", n, files)
			}
			got, err := s.GetScan(ctx, sc.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Files) != 1 {
				t.Errorf("the killed loader's file is listed: %+v", got.Files)
			}
			closed := closeScan(t, s, sc.ID)
			if closed.Services != 1 {
				t.Errorf("%d services, want 1", closed.Services)
			}
			if n, files := countRows(t, s, sc.ID); n != 1 || files != 1 {
				t.Errorf("after close: %d rows, %d files; want 1, 1", n, files)
			}
		})
	}
}

func waitFor(sc *bufio.Scanner, want string) bool {
	for sc.Scan() {
		if sc.Text() == want {
			return true
		}
	}
	return false
}

func TestDropScan(t *testing.T) {
	sqlstoretest.ForEach(t, func(t *testing.T, s *sqlstore.Store) {
		rows := []registry.Observation{obs("192.0.2.1 tcp/80 http", "10:00"), obs("192.0.2.2 tcp/80 http", "10:00")}
		keep := newScan(t, s, "keep")
		loadFile(t, s, keep.ID, "a.json", "", rows)
		closeScan(t, s, keep.ID)

		for _, tt := range []struct {
			name  string
			setup func(id int64)
		}{
			{"closed scan", func(id int64) { closeScan(t, s, id) }},
			{"importing scan", func(int64) {}},
			{"with an aborted file", func(id int64) {
				w, err := s.BeginFile(ctx, id, registry.ScanInput{Name: "b.json"}, false)
				if err != nil {
					t.Fatal(err)
				}
				w.Write(ctx, rows)
				w.Abort(ctx)
			}},
		} {
			t.Run(tt.name, func(t *testing.T) {
				sc := newScan(t, s, "drop")
				loadFile(t, s, sc.ID, "a.json", "", rows)
				tt.setup(sc.ID)
				if err := s.DropScan(ctx, sc.ID); err != nil {
					t.Fatal(err)
				}
				if _, err := s.GetScan(ctx, sc.ID); code(err) != registry.ENOTFOUND {
					t.Errorf("get after drop: %v, want %s", err, registry.ENOTFOUND)
				}
				if n, files := countRows(t, s, sc.ID); n != 0 || files != 0 {
					t.Errorf("%d rows and %d files left", n, files)
				}
				if err := s.DropScan(ctx, sc.ID); code(err) != registry.ENOTFOUND {
					t.Errorf("second drop: %v, want %s", err, registry.ENOTFOUND)
				}
			})
		}
		t.Run("live loader", func(t *testing.T) {
			sc := newScan(t, s, "busy")
			w, err := s.BeginFile(ctx, sc.ID, registry.ScanInput{Name: "b.json"}, false)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.DropScan(ctx, sc.ID); code(err) != registry.ECONFLICT {
				t.Errorf("drop: %v, want %s", err, registry.ECONFLICT)
			}
			w.Abort(ctx)
			if err := s.DropScan(ctx, sc.ID); err != nil {
				t.Errorf("drop after abort: %v", err)
			}
		})
		if got := lines(observations(t, s, registry.ObservationFilter{ScanID: keep.ID})); len(got) != 2 {
			t.Errorf("the other scan lost rows: %v", got)
		}
	})
}

// Between two Writes a loader holds no lock: the server goes on reading
// scans and the registry, and writing the registry.
func TestReadersGoOnBetweenWrites(t *testing.T) {
	sqlstoretest.ForEach(t, func(t *testing.T, s *sqlstore.Store) {
		mustImport(t, s, fixture(t))
		sc := newScan(t, s, "long import")
		w, err := s.BeginFile(ctx, sc.ID, registry.ScanInput{Name: "big.json"}, false)
		if err != nil {
			t.Fatal(err)
		}
		defer w.Abort(ctx)
		for i := range 3 {
			if err := w.Write(ctx, []registry.Observation{obs(fmt.Sprintf("192.0.2.%d tcp/80 http", i), "10:00")}); err != nil {
				t.Fatal(err)
			}
			if err := sqlstore.Flush(ctx, w); err != nil {
				t.Fatal(err)
			}
			// Shorter than SQLite's busy timeout: a held lock fails
			// the test instead of waiting it out.
			quick, cancel := context.WithTimeout(ctx, 3*time.Second)
			if _, err := s.GetScan(quick, sc.ID); err != nil {
				t.Errorf("GetScan between writes: %v", err)
			}
			if _, err := s.ListScans(quick, registry.ScanFilter{}); err != nil {
				t.Errorf("ListScans between writes: %v", err)
			}
			if _, err := s.ListModels(quick, registry.ModelFilter{}); err != nil {
				t.Errorf("ListModels between writes: %v", err)
			}
			if _, err := s.CreateProgram(quick, &registry.Program{Code: fmt.Sprintf("P%d", i), Name: "programme"}); err != nil {
				t.Errorf("CreateProgram between writes: %v", err)
			}
			other := newScan(t, s, "another")
			if err := s.DropScan(quick, other.ID); err != nil {
				t.Errorf("DropScan of another scan between writes: %v", err)
			}
			cancel()
		}
		if _, err := w.Commit(ctx, registry.ScanInput{}); err != nil {
			t.Fatal(err)
		}
	})
}

// Loaders of one scan write at the same time; each file counts whole.
func TestConcurrentLoaders(t *testing.T) {
	sqlstoretest.ForEach(t, func(t *testing.T, s *sqlstore.Store) {
		sc := newScan(t, s, "concurrent")
		const loaders, batches, perBatch = 3, 20, 50
		errs := make(chan error, loaders)
		for l := range loaders {
			go func() {
				errs <- func() error {
					w, err := s.BeginFile(ctx, sc.ID, registry.ScanInput{Name: fmt.Sprintf("f%d.json", l)}, false)
					if err != nil {
						return err
					}
					defer w.Abort(ctx)
					for b := range batches {
						batch := make([]registry.Observation, perBatch)
						for i := range batch {
							// Every loader sees the same services, at its own time.
							batch[i] = obs(fmt.Sprintf("10.0.%d.%d tcp/80 http", b, i), fmt.Sprintf("1%d:00", l))
						}
						if err := w.Write(ctx, batch); err != nil {
							return err
						}
					}
					_, err = w.Commit(ctx, registry.ScanInput{})
					return err
				}()
			}()
		}
		for range loaders {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		closed := closeScan(t, s, sc.ID)
		if len(closed.Files) != loaders || closed.Services != batches*perBatch || closed.Hosts != batches*perBatch {
			t.Fatalf("%d files, %d services, %d hosts; want %d, %d, %d",
				len(closed.Files), closed.Services, closed.Hosts, loaders, batches*perBatch, batches*perBatch)
		}
		rows := observations(t, s, registry.ObservationFilter{ScanID: sc.ID, Page: registry.Page{Limit: 1}})
		if got := line(rows[0]); got != "10.0.0.0 tcp/80 http 10:00-12:00" {
			t.Errorf("first row %q, want the merged span 10:00-12:00", got)
		}
	})
}

// A database that migration 0002 left with staged rows keeps the files
// already committed into scans still importing: migration 0004 moves
// their rows into observations, where closing merges them. Rows of files
// not done, and leftovers of closed scans, go with the staging table.
func TestMigrationKeepsStagedFiles(t *testing.T) {
	rows := []registry.Observation{
		obs("192.0.2.2 tcp/23 unknown", "09:00"),
		obs("192.0.2.1 tcp/80 http", "11:00", "http.server=Acme"),
		window(obs("192.0.2.2 tcp/22 ssh tls", "09:00", "ssh.banner=x"), "12:00"),
		obs("192.0.2.1 tcp/80 http", "10:00", "http.server=Acme"),
	}
	for _, dialect := range sqlstoretest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			dsn := sqlstoretest.DSN(t, dialect)
			old, err := sqlstore.OpenMigratedTo(ctx, dsn, "0002_scans.sql")
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, state := range [][2]string{{"importing", "done"}, {"importing", "loading"}, {"closed", "done"}} {
				id, err := sqlstore.Stage0002(ctx, old, state[0], state[1], rows)
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, id)
			}
			old.Close()

			s, err := sqlstore.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			closed := closeScan(t, s, ids[0])
			want := []string{
				"192.0.2.1 tcp/80 http 10:00-11:00 http.server=Acme",
				"192.0.2.2 tcp/22 ssh tls 09:00-12:00 ssh.banner=x",
				"192.0.2.2 tcp/23 unknown 09:00",
			}
			if got := lines(observations(t, s, registry.ObservationFilter{ScanID: ids[0]})); !reflect.DeepEqual(got, want) {
				t.Errorf("observations of the committed file:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			if closed.Services != 3 || closed.Hosts != 2 {
				t.Errorf("%d services, %d hosts; want 3, 2", closed.Services, closed.Hosts)
			}
			if dead := closeScan(t, s, ids[1]); dead.Services != 0 || len(dead.Files) != 0 {
				t.Errorf("the loading file was kept: %d services, files %+v", dead.Services, dead.Files)
			}
			for _, id := range ids[1:] {
				if n, _ := countRows(t, s, id); n != 0 {
					t.Errorf("scan %d: %d rows, want none", id, n)
				}
			}
		})
	}
}

// Closing reads the services to merge a page at a time: every page must
// be merged, the services on either side of a page's end alike.
func TestCloseMergesManyServices(t *testing.T) {
	const n = 2500 // more than two pages of services to merge
	var first, second []registry.Observation
	for i := range n {
		addr := fmt.Sprintf("10.0.%d.%d", i/256, i%256)
		first = append(first, obs(addr+" tcp/80 http", "10:00", "http.server=Acme"), obs(addr+" tcp/81 http", "10:00"))
		second = append(second, obs(addr+" tcp/81 unknown", "09:00"), obs(addr+" tcp/80 http", "11:00", "http.server=Acme"))
	}
	sqlstoretest.ForEach(t, func(t *testing.T, s *sqlstore.Store) {
		sc := newScan(t, s, "many")
		loadFile(t, s, sc.ID, "first.json", "", first)
		loadFile(t, s, sc.ID, "second.json", "", second)
		closed := closeScan(t, s, sc.ID)
		if closed.Services != 2*n || closed.Hosts != n {
			t.Errorf("%d services, %d hosts; want %d, %d", closed.Services, closed.Hosts, 2*n, n)
		}
		got := lines(observations(t, s, registry.ObservationFilter{ScanID: sc.ID}))
		for i, l := range got {
			addr := fmt.Sprintf("10.0.%d.%d", i/2/256, i/2%256)
			want := addr + " tcp/80 http 10:00-11:00 http.server=Acme"
			if i%2 == 1 {
				want = addr + " tcp/81 http 10:00"
			}
			if l != want {
				t.Fatalf("row %d: %q, want %q", i, l, want)
			}
		}
	})
}

// A file written as several runs is merged within each run as it is
// written, and at close where its runs overlap: out of address order,
// or meeting on one service.
func TestCloseMergesAcrossRuns(t *testing.T) {
	for _, tt := range []struct {
		name    string
		batches [][]registry.Observation // each a run of its own
		want    []string
	}{
		{
			name: "in address order",
			batches: [][]registry.Observation{
				{obs("192.0.2.2 tcp/80 http", "10:00"), obs("192.0.2.1 tcp/80 http", "10:00")},
				{obs("192.0.2.3 tcp/80 http", "10:00"), obs("192.0.2.3 tcp/80 http", "11:00")},
			},
			want: []string{"192.0.2.1 tcp/80 http 10:00", "192.0.2.2 tcp/80 http 10:00", "192.0.2.3 tcp/80 http 10:00-11:00"},
		},
		{
			name: "a later run goes back",
			batches: [][]registry.Observation{
				{obs("192.0.2.2 tcp/80 http", "10:00"), obs("192.0.2.1 tcp/80 http", "10:00")},
				{obs("192.0.2.3 tcp/80 http", "10:00"), obs("192.0.2.4 tcp/80 http", "10:00")},
				{obs("192.0.2.1 tcp/80 http", "12:00"), obs("192.0.2.9 tcp/80 http", "10:00")},
			},
			want: []string{"192.0.2.1 tcp/80 http 10:00-12:00", "192.0.2.2 tcp/80 http 10:00", "192.0.2.3 tcp/80 http 10:00",
				"192.0.2.4 tcp/80 http 10:00", "192.0.2.9 tcp/80 http 10:00"},
		},
		{
			name: "runs meet on one service",
			batches: [][]registry.Observation{
				{obs("192.0.2.1 tcp/80 http", "10:00"), obs("192.0.2.2 tcp/80 unknown", "10:00")},
				{obs("192.0.2.2 tcp/80 http", "11:00", "http.server=Acme"), obs("192.0.2.3 tcp/80 http", "10:00")},
			},
			want: []string{"192.0.2.1 tcp/80 http 10:00", "192.0.2.2 tcp/80 http 11:00 http.server=Acme", "192.0.2.3 tcp/80 http 10:00"},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sqlstore.SetRunRows(t, 2)
			sqlstoretest.ForEach(t, func(t *testing.T, s *sqlstore.Store) {
				sc := newScan(t, s, "runs")
				var rows []registry.Observation
				for _, b := range tt.batches {
					rows = append(rows, b...)
				}
				loadFile(t, s, sc.ID, "runs.json", "", rows) // in batches of two
				closed := closeScan(t, s, sc.ID)
				if got := lines(observations(t, s, registry.ObservationFilter{ScanID: sc.ID})); !reflect.DeepEqual(got, tt.want) {
					t.Errorf("after close:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
				}
				if closed.Services != int64(len(tt.want)) || closed.Files[0].Stored != int64(len(rows)) {
					t.Errorf("%d services, %d stored; want %d, %d", closed.Services, closed.Files[0].Stored, len(tt.want), len(rows))
				}
			})
		})
	}
}

// A close that died midway leaves the scan closing: it looks importing
// to readers, takes no more files, and the next CloseScan finishes it.
func TestInterruptedClose(t *testing.T) {
	sqlstoretest.ForEach(t, func(t *testing.T, s *sqlstore.Store) {
		sc := newScan(t, s, "interrupted")
		loadFile(t, s, sc.ID, "a.json", "", []registry.Observation{obs("192.0.2.1 tcp/80 http", "10:00")})
		loadFile(t, s, sc.ID, "b.json", "", []registry.Observation{obs("192.0.2.1 tcp/80 http", "11:00")})
		if err := sqlstore.InterruptClose(ctx, s, sc.ID); err != nil {
			t.Fatal(err)
		}
		got, err := s.GetScan(ctx, sc.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.State != registry.ScanImporting {
			t.Errorf("state %s, want %s", got.State, registry.ScanImporting)
		}
		if open, err := s.ListScans(ctx, registry.ScanFilter{State: registry.ScanImporting}); err != nil || len(open) != 1 {
			t.Errorf("importing scans: %v, %v; want the closing one", open, err)
		}
		if _, err := s.BeginFile(ctx, sc.ID, registry.ScanInput{Name: "late.json"}, false); code(err) != registry.ECONFLICT {
			t.Errorf("file into a closing scan: %v, want %s", err, registry.ECONFLICT)
		}
		if err := s.Observations(ctx, registry.ObservationFilter{ScanID: sc.ID}, nil); code(err) != registry.ECONFLICT {
			t.Errorf("observations of a closing scan: %v, want %s", err, registry.ECONFLICT)
		}
		closed := closeScan(t, s, sc.ID)
		if closed.State != registry.ScanClosed || closed.Services != 1 {
			t.Errorf("state %s, %d services; want closed, 1", closed.State, closed.Services)
		}
		want := []string{"192.0.2.1 tcp/80 http 10:00-11:00"}
		if got := lines(observations(t, s, registry.ObservationFilter{ScanID: sc.ID})); !reflect.DeepEqual(got, want) {
			t.Errorf("observations %v, want %v", got, want)
		}
	})
}
