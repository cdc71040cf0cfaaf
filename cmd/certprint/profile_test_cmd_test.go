package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/certprint/certprint/fingerprint"
	"github.com/certprint/certprint/registry/sqlstore/sqlstoretest"
)

// carolTakesAcme is a profile for the camera model that claims what the
// Acme router on the loopback scan shows on three of its ports, down to
// its certificate's issuer: a capture of the wrong device. (Without the
// issuer, the certificate's O=Acme Corp would belie Carol.)
const carolTakesAcme = `{"signatures": [
 {"protocol": "http", "fields": {"tls.subject_cn": {"exact": "acme-r100.local"},
  "tls.issuer": {"prefix": "CN=acme-r100.local, O=Acme Corp"},
  "http.title": {"regex": "^Acme R100 \\(fw (?P<version>[0-9.]+)\\)"}}},
 {"protocol": "telnet", "fields": {"telnet.banner": {"exact": "Acme R100 login:"}}},
 {"protocol": "ssh", "fields": {"ssh.banner": {"exact": "SSH-2.0-AcmeSSH_1.0"}}}]}`

func writeTemp(t *testing.T, name, body string) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(file, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

// profile test on a scan that was never matched: the comparison comes
// from the matcher, and nothing is stored, neither a profile nor a
// verdict.
func TestProfileTest(t *testing.T) {
	db := sqlstoretest.DSN(t, "sqlite")
	mustRun(t, "--db", db, "registry", "import", fixture)
	mustRun(t, "--db", db, "scan", "import", "--format", "nmap", "--name", "lo", loopbackScan)
	stored := mustRun(t, "--db", db, "registry", "export")

	type group struct {
		ip, ports, before, after string
	}
	tests := []struct {
		name      string
		args      []string
		source    string
		baseline  string
		totals    fingerprint.CompareTotals
		takenFrom map[string]int64
		groups    map[string][]group // by group name; the others empty
	}{
		{
			name: "a profile that takes another model's device", args: []string{"--model", "carol-cam-7", "--profile", writeTemp(t, "carol.json", carolTakesAcme)},
			source: "file", baseline: "registry",
			totals:    fingerprint.CompareTotals{DevicesBefore: 1, DevicesAfter: 2, MatchedAfter: 1, Taken: 1, Changed: 1},
			takenFrom: map[string]int64{"acme-r100-v2": 1, "bravo-br100": 1},
			groups: map[string][]group{
				"taken":   {{"127.0.0.1", "tcp/2222 tcp/2323 tcp/8443", "certified:acme-r100-v2,bravo-br100", "uncertified:carol-cam-7"}},
				"changed": {{"127.0.0.1", "tcp/8080", "certified:acme-r100-v2,bravo-br100", "certified:acme-r100-v2,bravo-br100"}},
			},
		},
		{
			name: "the stored profile, against the registry without it", args: []string{"--model", "acme-r100-v2"},
			source: "stored", baseline: "without-profile",
			totals:    fingerprint.CompareTotals{DevicesBefore: 1, DevicesAfter: 1, MatchedAfter: 1, Gained: 1},
			takenFrom: map[string]int64{},
			groups: map[string][]group{
				"gained": {{"127.0.0.1", "tcp/2222 tcp/2323 tcp/8080 tcp/8443", "unknown:", "certified:acme-r100-v2,bravo-br100"}},
			},
		},
		{
			name: "removing the profile", args: []string{"--model", "acme-r100-v2", "--profile", writeTemp(t, "none.json", `{"signatures": []}`)},
			source: "file", baseline: "registry",
			totals:    fingerprint.CompareTotals{DevicesBefore: 1, DevicesAfter: 1, MatchedBefore: 1, Lost: 1, LostUnmatched: 1},
			takenFrom: map[string]int64{},
			groups: map[string][]group{
				"lost": {{"127.0.0.1", "tcp/2222 tcp/2323 tcp/8080 tcp/8443", "certified:acme-r100-v2,bravo-br100", "unknown:"}},
			},
		},
		{
			name: "learned from captures", args: append([]string{"--model", "acme-r100-v2", "--format", "nmap"}, firmwareCaptures...),
			source: "learned", baseline: "registry",
			totals:    fingerprint.CompareTotals{DevicesBefore: 1, DevicesAfter: 1, MatchedBefore: 1, MatchedAfter: 1, Kept: 1},
			takenFrom: map[string]int64{},
			groups: map[string][]group{
				"kept": {{"127.0.0.1", "tcp/2222 tcp/2323 tcp/8080 tcp/8443", "certified:acme-r100-v2,bravo-br100", "certified:acme-r100-v2,bravo-br100"}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got profileTestReport
			out := mustRun(t, append([]string{"--db", db, "--json", "profile", "test", "--scan", "1"}, tt.args...)...)
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			if got.Source != tt.source || got.Baseline != tt.baseline || got.ScanID != 1 || got.Hosts != 1 || got.Services != 4 || got.Profile == nil {
				t.Errorf("source %q, baseline %q, scan %d, %d hosts, %d services", got.Source, got.Baseline, got.ScanID, got.Hosts, got.Services)
			}
			if got.Totals != tt.totals {
				t.Errorf("totals\n%+v, want\n%+v", got.Totals, tt.totals)
			}
			if len(got.TakenFrom) != len(tt.takenFrom) {
				t.Errorf("taken from %v, want %v", got.TakenFrom, tt.takenFrom)
			}
			for k, n := range tt.takenFrom {
				if got.TakenFrom[k] != n {
					t.Errorf("taken from %v, want %v", got.TakenFrom, tt.takenFrom)
				}
			}
			lists := map[string][]fingerprint.DeviceChange{"gained": got.Gained, "taken": got.Taken, "kept": got.Kept, "lost": got.Lost, "changed": got.Changed}
			for name, list := range lists {
				var brief []group
				for _, d := range list {
					brief = append(brief, group{d.IP.String(), strings.Join(d.Ports, " "), outcomeRefs(d.Before), outcomeRefs(d.After)})
				}
				if !slices.Equal(brief, tt.groups[name]) {
					t.Errorf("%s: %+v, want %+v", name, brief, tt.groups[name])
				}
			}
		})
	}
	if after := mustRun(t, "--db", db, "registry", "export"); after != stored {
		t.Error("profile test changed the registry")
	}
	if code, _, errOut := run(t, "--db", db, "verdicts", "--scan", "1"); code != 1 {
		t.Errorf("profile test stored verdicts: verdicts exits %d (%s)", code, errOut)
	}

	// The summary for people: the groups, the models a device is taken
	// from, and the evidence with device text quoted.
	out := mustRun(t, "--db", db, "profile", "test", "--scan", "1", "--model", "carol-cam-7", "--profile", writeTemp(t, "carol.json", carolTakesAcme))
	for _, want := range []string{
		`the proposed profile of carol-cam-7 on scan 1 "lo", against the registry as stored`,
		"taken        1  from other models: acme-r100-v2 1, bravo-br100 1",
		"taken (1):\n  127.0.0.1 tcp/2222 tcp/2323 tcp/8443: certified as acme-r100-v2 or bravo-br100",
		`telnet.banner exact Acme R100 login:: "Acme R100 login:"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	out = mustRun(t, "--db", db, "profile", "test", "--scan", "1", "--model", "carol-cam-7", "--limit", "0", "--profile", writeTemp(t, "carol.json", carolTakesAcme))
	if strings.Contains(out, "127.0.0.1") || !strings.Contains(out, "taken        1") {
		t.Errorf("--limit 0 lists devices or drops the totals:\n%s", out)
	}
}

func outcomeRefs(vs []fingerprint.DeviceVerdict) string {
	var s []string
	for _, v := range vs {
		s = append(s, string(v.Class)+":"+strings.Join(v.ModelRefs, ","))
	}
	return strings.Join(s, " ")
}

func TestProfileTestErrors(t *testing.T) {
	db := sqlstoretest.DSN(t, "sqlite")
	mustRun(t, "--db", db, "registry", "import", fixture)
	mustRun(t, "--db", db, "scan", "import", "--format", "nmap", "--name", "lo", loopbackScan)
	mustRun(t, "--db", db, "scan", "create", "--name", "open")
	catchAll := writeTemp(t, "catchall.json", `{"signatures": [{"protocol": "http", "fields": {"http.server": {"exact": "Acme-httpd/1.0"}}},
		{"protocol": "http", "fields": {"http.title": {"regex": ".*"}}}]}`)
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"without --model", []string{"--scan", "1"}, exitUsage, "--model REF is required"},
		{"without --scan", []string{"--model", "acme-r100-v2"}, exitUsage, "--scan ID is required"},
		{"a profile and captures", []string{"--model", "acme-r100-v2", "--scan", "1", "--profile", catchAll, firmwareCaptures[0]}, exitUsage, "exclude each other"},
		{"--format without captures", []string{"--model", "acme-r100-v2", "--scan", "1", "--format", "nmap"}, exitUsage, "need capture files"},
		{"--observed without captures", []string{"--model", "acme-r100-v2", "--scan", "1", "--observed", "2026-10-01"}, exitUsage, "need capture files"},
		{"a negative limit", []string{"--model", "acme-r100-v2", "--scan", "1", "--limit", "-1"}, exitUsage, "--limit"},
		{"an unknown model", []string{"--model", "nope", "--scan", "1"}, exitFailure, "model nope does not exist"},
		{"an unknown scan", []string{"--model", "acme-r100-v2", "--scan", "9"}, exitFailure, "scan 9 does not exist"},
		{"a scan still importing", []string{"--model", "acme-r100-v2", "--scan", "2"}, exitFailure, "still importing"},
		{"a catch-all", []string{"--model", "acme-r100-v2", "--scan", "1", "--profile", catchAll}, exitFailure, "signatures[1].fields.http.title.regex"},
		{"a misspelt field", []string{"--model", "acme-r100-v2", "--scan", "1", "--profile", writeTemp(t, "typo.json", `{"signatures": [{"protocol": "http", "feilds": {}}]}`)}, exitFailure, `unknown field "feilds"`},
		{"not JSON", []string{"--model", "acme-r100-v2", "--scan", "1", "--profile", writeTemp(t, "bad.json", `{"signatures": [`)}, exitFailure, "not a profile"},
		{"a missing file", []string{"--model", "acme-r100-v2", "--scan", "1", "--profile", "nope.json"}, exitFailure, "nope.json"},
		{"no stored profile", []string{"--model", "bravo-br100", "--scan", "1"}, exitFailure, "has no profile to test"},
		{"captures of the wrong format", []string{"--model", "acme-r100-v2", "--scan", "1", "--format", "zgrab2", firmwareCaptures[0]}, exitFailure, "not a zgrab2 file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := run(t, append([]string{"--db", db, "profile", "test"}, c.args...)...)
			if code != c.code || !strings.Contains(errOut, c.want) {
				t.Errorf("exit %d, want %d; stderr %q, want %q", code, c.code, errOut, c.want)
			}
			if out != "" {
				t.Errorf("stdout on failure: %q", out)
			}
		})
	}
}
