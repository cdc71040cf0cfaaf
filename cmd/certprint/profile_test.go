package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/certprint/certprint/registry"
	"github.com/certprint/certprint/registry/sqlstore/sqlstoretest"
)

var firmwareCaptures = []string{
	"../../fingerprint/learn/testdata/acme-r100-fw1.2.3.xml",
	"../../fingerprint/learn/testdata/acme-r100-fw1.2.10.xml",
	"../../fingerprint/learn/testdata/acme-r100-fw1.3.0.xml",
}

func showProfile(t *testing.T, db, ref string) registry.Profile {
	t.Helper()
	var p registry.Profile
	out := mustRun(t, "--db", db, "--json", "profile", "show", "--model", ref)
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatalf("profile show --json: %v: %s", err, out)
	}
	return p
}

// profile learn from three firmware versions: --dry-run shows the
// version patterns and stores nothing; without it the profile is stored
// and shown.
func TestProfileLearn(t *testing.T) {
	db := sqlstoretest.DSN(t, "sqlite")
	mustRun(t, "--db", db, "registry", "import", fixture)
	before := showProfile(t, db, "acme-r100-v2")

	args := append([]string{"--db", db, "profile", "learn", "--model", "acme-r100-v2", "--format", "nmap", "--dry-run"}, firmwareCaptures...)
	code, out, errOut := run(t, args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{`http tcp/80  [learned, nmap`, `http.title               regex  "^Acme R100 \\(fw (?P<version>`, "(captures version)", `ssh.banner`} {
		if !strings.Contains(out, want) {
			t.Errorf("the proposal lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, "left out ssh tcp/22 ssh.hostkey_sha256: differs per unit") || !strings.Contains(errOut, "nothing stored") {
		t.Errorf("stderr: %s", errOut)
	}
	if after := showProfile(t, db, "acme-r100-v2"); len(after.Signatures) != len(before.Signatures) {
		t.Fatalf("--dry-run changed the profile: %+v", after)
	}

	args = append([]string{"--db", db, "--json", "profile", "learn", "--model", "acme-r100-v2"}, firmwareCaptures...)
	var proposed registry.Profile
	if err := json.Unmarshal([]byte(mustRun(t, args...)), &proposed); err != nil {
		t.Fatal(err)
	}
	stored := showProfile(t, db, "acme-r100-v2")
	if len(stored.Signatures) != 4 || len(proposed.Signatures) != 4 {
		t.Fatalf("stored %d signatures, proposed %d; want 4", len(stored.Signatures), len(proposed.Signatures))
	}
	title := stored.Signatures[2].Fields["http.title"] // tcp 22, 23, 80, 443
	if m := regexp.MustCompile(title.Regex).FindStringSubmatch("Acme R100 (fw 1.4.0)"); m == nil || m[1] != "1.4.0" {
		t.Errorf("stored title %+v does not capture 1.4.0", title)
	}
	if o := stored.Signatures[0].Origin; o == nil || o.Kind != "learned" || o.Tool != "nmap" || !strings.Contains(o.Note, "acme-r100-fw1.2.10.xml") {
		t.Errorf("origin %+v", o)
	}
	text := mustRun(t, "--db", db, "profile", "show", "--model", "acme-r100-v2")
	if !strings.Contains(text, "telnet tcp/23") || !strings.Contains(text, `"Acme R100 login:"`) {
		t.Errorf("profile show:\n%s", text)
	}
}

// fakeNmapOnPath puts the capture tests' stand-in for nmap first on PATH.
func fakeNmapOnPath(t *testing.T, xml string) {
	t.Helper()
	dir, err := filepath.Abs("../../fingerprint/capture/testdata/fake")
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("FAKE_NMAP", "xml:"+filepath.Join(dir, xml))
	t.Setenv("FAKE_NMAP_ARGS", "")
}

// profile capture (nmap faked: the real one is driven by the capture
// package's integration test) shows device text terminal-safe, saves the
// XML and stores the profile.
func TestProfileCapture(t *testing.T) {
	fakeNmapOnPath(t, "open.xml")
	db := sqlstoretest.DSN(t, "sqlite")
	mustRun(t, "--db", db, "registry", "import", fixture)
	saved := filepath.Join(t.TempDir(), "capture.xml")
	code, out, errOut := run(t, "--db", db, "profile", "capture", "--model", "acme-r100-v2", "--ports", "80,443,2323", "--save-xml", saved, "127.0.0.1")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if strings.Contains(out, "\x1b") || !strings.Contains(out, `Acme R300 login:\\x1b[2J`) {
		t.Errorf("the banner is not shown terminal-safe:\n%q", out)
	}
	if !strings.Contains(errOut, "skipped upnp-info") || !strings.Contains(errOut, "stored as the profile of acme-r100-v2") {
		t.Errorf("stderr: %s", errOut)
	}
	if b, err := os.ReadFile(saved); err != nil || !strings.Contains(string(b), "<nmaprun") {
		t.Errorf("--save-xml: %v", err)
	}
	p := showProfile(t, db, "acme-r100-v2")
	if len(p.Signatures) != 2 || p.Signatures[0].Origin.Kind != "capture" || p.Signatures[0].Origin.Tool != "nmap 7.99" {
		t.Errorf("stored %+v", p.Signatures)
	}
}

func TestProfileErrors(t *testing.T) {
	fakeNmapOnPath(t, "closed.xml")
	db := sqlstoretest.DSN(t, "sqlite")
	mustRun(t, "--db", db, "registry", "import", fixture)
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"capture without --model", []string{"profile", "capture", "127.0.0.1"}, exitUsage, "--model REF is required"},
		{"capture a name", []string{"profile", "capture", "--model", "acme-r100-v2", "localhost"}, exitUsage, "not an IP address"},
		{"capture a range", []string{"profile", "capture", "--model", "acme-r100-v2", "127.0.0.0/8"}, exitUsage, "not an IP address"},
		{"bad ports", []string{"profile", "capture", "--model", "acme-r100-v2", "--ports", "80-", "127.0.0.1"}, exitUsage, "--ports"},
		{"unknown model", []string{"profile", "capture", "--model", "nope", "127.0.0.1"}, exitFailure, "model nope does not exist"},
		{"nothing open", []string{"profile", "capture", "--model", "acme-r100-v2", "127.0.0.1"}, exitFailure, "no service found"},
		{"learn without files", []string{"profile", "learn", "--model", "acme-r100-v2"}, exitUsage, "wrong number of arguments"},
		{"learn a bad format", []string{"profile", "learn", "--model", "acme-r100-v2", "--format", "pcap", firmwareCaptures[0]}, exitUsage, "unknown format"},
		{"learn a missing file", []string{"profile", "learn", "--model", "acme-r100-v2", "nope.xml"}, exitFailure, "nope.xml"},
		{"learn the wrong format", []string{"profile", "learn", "--model", "acme-r100-v2", "--format", "zgrab2", firmwareCaptures[0]}, exitFailure, "not a zgrab2 file"},
		{"show without --model", []string{"profile", "show"}, exitUsage, "--model REF is required"},
		{"show an unknown model", []string{"profile", "show", "--model", "nope"}, exitFailure, "does not exist"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, errOut := run(t, append([]string{"--db", db}, c.args...)...)
			if code != c.code || !strings.Contains(errOut, c.want) {
				t.Errorf("exit %d, want %d; stderr %q, want %q", code, c.code, errOut, c.want)
			}
		})
	}
}
