package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/certprint/certprint/registry"
	"github.com/certprint/certprint/registry/sqlstore/sqlstoretest"
)

const loopbackScan = "../../importer/testdata/real/nmap-loopback.xml"

// strongerProfile is the example registry with the Acme model's profile
// grown by what its reference device also shows: the certificate and the
// telnet greeting.
func strongerProfile(t *testing.T) string {
	t.Helper()
	doc := sqlstoretest.LoadDocument(t, fixture)
	for i := range doc.Models {
		if doc.Models[i].Ref != "acme-r100-v2" {
			continue
		}
		p := doc.Models[i].Profile
		p.Signatures = append(p.Signatures,
			registry.Signature{Protocol: "http", TLS: &[]bool{true}[0], Fields: map[string]registry.Predicate{
				registry.FieldTLSSubjectCN: {Exact: "acme-r100.local"}}},
			registry.Signature{Protocol: "telnet", Fields: map[string]registry.Predicate{
				registry.FieldTelnetBanner: {Exact: "Acme R100 login:"}}})
	}
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "registry.json")
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

// verdictsOf returns the scan's verdicts without the registry revision,
// which differs between databases that reached the same registry by
// different paths.
func verdictsOf(t *testing.T, db string) []registry.Verdict {
	t.Helper()
	var out []registry.Verdict
	for _, line := range strings.Split(strings.TrimSpace(mustRun(t, "--db", db, "--json", "verdicts", "--scan", "1")), "\n") {
		var v registry.Verdict
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Fatalf("verdict line %q: %v", line, err)
		}
		v.Registry = 0
		out = append(out, v)
	}
	return out
}

// Matching again after a profile changes gives the verdicts a fresh
// database with the changed profile gives: nothing of the old run stays.
func TestMatchAfterProfileChange(t *testing.T) {
	for _, dialect := range sqlstoretest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			db := sqlstoretest.DSN(t, dialect)
			mustRun(t, "--db", db, "registry", "import", fixture)
			mustRun(t, "--db", db, "scan", "import", "--format", "nmap", "--name", "lo", loopbackScan)
			mustRun(t, "--db", db, "match", "--scan", "1")
			before := verdictsOf(t, db)

			stronger := strongerProfile(t)
			mustRun(t, "--db", db, "registry", "import", stronger)
			mustRun(t, "--db", db, "match", "--scan", "1")
			after := verdictsOf(t, db)

			fresh := sqlstoretest.DSN(t, dialect)
			mustRun(t, "--db", fresh, "registry", "import", stronger)
			mustRun(t, "--db", fresh, "scan", "import", "--format", "nmap", "--name", "lo", loopbackScan)
			mustRun(t, "--db", fresh, "match", "--scan", "1")
			want := verdictsOf(t, fresh)

			a, _ := json.Marshal(after)
			w, _ := json.Marshal(want)
			if string(a) != string(w) {
				t.Errorf("after the change:\n%s\nfresh database:\n%s", a, w)
			}
			b, _ := json.Marshal(before)
			if string(b) == string(a) {
				t.Errorf("the profile change changed nothing: %s", a)
			}
			if len(after) != 1 || after[0].Class != registry.ClassCertified || after[0].FirmwareVersion != "1.2.3" {
				t.Errorf("with the stronger profile the device is %+v, want certified at 1.2.3", after)
			}
		})
	}
}

// --explain says, for a person, which predicates matched on which port.
func TestMatchExplain(t *testing.T) {
	db := sqlstoretest.DSN(t, "sqlite")
	mustRun(t, "--db", db, "registry", "import", strongerProfile(t))
	mustRun(t, "--db", db, "scan", "import", "--format", "nmap", "--name", "lo", loopbackScan)
	out := mustRun(t, "--db", db, "match", "--scan", "1", "--explain", "127.0.0.1")
	for _, want := range []string{
		"candidate acme-r100-v2",
		`tls.subject_cn exact acme-r100.local matches "acme-r100.local"`,
		"tcp/2323",
		"verdict for tcp/2222 tcp/2323 tcp/8080 tcp/8443: certified as acme-r100-v2",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("explanation lacks %q:\n%s", want, out)
		}
	}
	if code, _, errOut := run(t, "--db", db, "match", "--scan", "1", "--explain", "192.0.2.1"); code != 1 || !strings.Contains(errOut, "no service on 192.0.2.1") {
		t.Errorf("explaining an address the scan did not see: exit %d %s", code, errOut)
	}
	if code, _, _ := run(t, "--db", db, "match"); code != 2 {
		t.Errorf("match without --scan: exit %d, want 2", code)
	}
}
