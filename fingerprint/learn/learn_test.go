package learn

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/certprint/certprint/importer"
	"github.com/certprint/certprint/registry"
)

var update = flag.Bool("update", false, "rewrite the golden files")

var firmwareCaptures = []string{"testdata/acme-r100-fw1.2.3.xml", "testdata/acme-r100-fw1.2.10.xml", "testdata/acme-r100-fw1.3.0.xml"}

func readSamples(t testing.TB, paths ...string) []Sample {
	t.Helper()
	var out []Sample
	for _, path := range paths {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		samples, _, err := Read(context.Background(), f, filepath.Base(path), importer.Nmap, importer.Options{})
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, samples...)
	}
	return out
}

var origin = registry.Origin{Kind: "learned", Tool: "nmap 7.93", At: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}

func signatureAt(t *testing.T, p *registry.Profile, protocol string, port int) registry.Signature {
	t.Helper()
	for _, s := range p.Signatures {
		if s.Protocol == protocol && s.Port == port {
			return s
		}
	}
	t.Fatalf("no %s signature on port %d in %+v", protocol, port, p.Signatures)
	return registry.Signature{}
}

// Three captures at three firmware versions give patterns that match a
// fourth version and capture it, and keep the per-unit hashes out.
func TestLearnFirmwareVersions(t *testing.T) {
	res, err := Learn(readSamples(t, firmwareCaptures...), origin)
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "testdata/acme-r100.profile.json", res)
	if err := res.Profile.Validate(); err != nil {
		t.Fatalf("learned profile does not validate: %v", err)
	}

	const fourth = "2.0.1"
	versioned := []struct {
		protocol string
		port     int
		field    string
		value    string
	}{
		{"http", 80, registry.FieldHTTPTitle, "Acme R100 (fw " + fourth + ")"},
		{"http", 80, registry.FieldHTTPServer, "Acme-httpd/" + fourth},
		{"http", 443, registry.FieldHTTPTitle, "Acme R100 (fw " + fourth + ")"},
		{"ssh", 22, registry.FieldSSHBanner, "SSH-2.0-AcmeSSH_" + fourth},
	}
	for _, v := range versioned {
		t.Run(v.field+" on "+v.protocol, func(t *testing.T) {
			p := signatureAt(t, res.Profile, v.protocol, v.port).Fields[v.field]
			if p.Regex == "" || p.CaptureGroup() != registry.VersionGroup {
				t.Fatalf("predicate %+v: want a regex capturing the version", p)
			}
			re := regexp.MustCompile(p.Regex)
			m := re.FindStringSubmatch(v.value)
			if m == nil {
				t.Fatalf("%q does not match %q", p.Regex, v.value)
			}
			if got := m[re.SubexpIndex(registry.VersionGroup)]; got != fourth {
				t.Errorf("captured %q from %q, want %q", got, v.value, fourth)
			}
			for _, other := range []string{"Acme R200 (fw 2.0.1)", "Bravo-httpd/2.0.1", "SSH-2.0-OpenSSH_9.6", "lighttpd/1.4.69"} {
				if re.MatchString(other) {
					t.Errorf("%q matches %q, which another device says", p.Regex, other)
				}
			}
		})
	}

	https := signatureAt(t, res.Profile, "http", 443)
	if https.Fields[registry.FieldTLSSubjectCN].Exact != "acme-r100.local" {
		t.Errorf("tls.subject_cn %+v, want exact acme-r100.local", https.Fields[registry.FieldTLSSubjectCN])
	}
	if https.TLS == nil || !*https.TLS {
		t.Errorf("the 443 signature is not marked TLS")
	}
	if got := signatureAt(t, res.Profile, "http", 80).Fields[registry.FieldHTTPWWWAuthenticate]; got.Exact != `Basic realm="Acme R100"` {
		t.Errorf("realm %+v", got)
	}
	for _, s := range res.Profile.Signatures {
		for _, f := range []string{registry.FieldTLSCertSHA256, registry.FieldSSHHostKeySHA256, registry.FieldServiceProduct, registry.FieldServiceVersion} {
			if _, ok := s.Fields[f]; ok {
				t.Errorf("%s %d: %s learned; it is per unit or nmap's own reading", s.Protocol, s.Port, f)
			}
		}
		if s.Origin == nil || s.Origin.Kind != "learned" || s.Origin.Tool != "nmap 7.93" {
			t.Errorf("%s %d: origin %+v", s.Protocol, s.Port, s.Origin)
		}
	}
	if !hasDrop(res, "ssh tcp/22", registry.FieldSSHHostKeySHA256) || !hasDrop(res, "http tcp/443 tls", registry.FieldTLSCertSHA256) {
		t.Errorf("the per-unit hashes are not reported as dropped: %+v", res.Dropped)
	}
}

func hasDrop(res *Result, service, field string) bool {
	for _, d := range res.Dropped {
		if d.Service == service && d.Field == field {
			return true
		}
	}
	return false
}

// One capture makes every kept value exact.
func TestLearnOneCapture(t *testing.T) {
	res, err := Learn(readSamples(t, firmwareCaptures[0]), registry.Origin{Kind: "capture", Tool: "nmap 7.93"})
	if err != nil {
		t.Fatal(err)
	}
	title := signatureAt(t, res.Profile, "http", 80).Fields[registry.FieldHTTPTitle]
	if title.Exact != "Acme R100 (fw 1.2.3)" {
		t.Errorf("title %+v, want exact", title)
	}
	telnet := signatureAt(t, res.Profile, "telnet", 23)
	if telnet.Fields[registry.FieldTelnetBanner].Exact != "Acme R100 login:" {
		t.Errorf("telnet %+v", telnet.Fields)
	}
}

func obs(port uint16, protocol string, fields map[string]string) registry.Observation {
	return registry.Observation{Transport: "tcp", Port: port, Protocol: protocol, Fields: fields}
}

func TestLearnDrops(t *testing.T) {
	a := Sample{Name: "a", Observations: []registry.Observation{
		obs(80, "http", map[string]string{"http.title": "Acme NAS", "http.status": "200", "http.header.x-unit": "unit-a"}),
		obs(21, "ftp", map[string]string{"ftp.banner": "220 Acme NAS FTP"}),
		obs(443, "http", map[string]string{"http.status": "401", "tls.version": "TLSv1.2"}),
		obs(8080, "http", map[string]string{"http.title": "Acme NAS media"}),
		obs(8080, "http", map[string]string{"http.title": "Acme NAS media server"}),
	}}
	b := Sample{Name: "b", Observations: []registry.Observation{
		obs(80, "http", map[string]string{"http.title": "Acme NAS", "http.status": "200", "http.header.x-unit": "8a77f"}),
		obs(443, "http", map[string]string{"http.status": "401", "tls.version": "TLSv1.2"}),
		obs(8080, "http", map[string]string{"http.title": "Acme NAS media"}),
		obs(9000, "http", map[string]string{"http.title": "x"}),
	}}
	res, err := Learn([]Sample{a, b}, origin)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Profile.Signatures) != 1 {
		t.Fatalf("%d signatures, want the one on port 80: %+v", len(res.Profile.Signatures), res.Profile.Signatures)
	}
	sig := res.Profile.Signatures[0]
	if sig.Fields["http.title"].Exact != "Acme NAS" || sig.Fields["http.status"].Exact != "200" || len(sig.Fields) != 2 {
		t.Errorf("port 80 fields %+v", sig.Fields)
	}
	for _, want := range []struct{ service, field, reason string }{
		{"ftp tcp/21", "", "seen in 1 of 2 captures"},
		{"http tcp/9000", "", "seen in 1 of 2 captures"},
		{"http tcp/443", "", "say nothing about a model"},
		{"http tcp/8080", "http.title", "disagree"},
		{"http tcp/80", "http.header.x-unit", "more than a version"},
	} {
		found := false
		for _, d := range res.Dropped {
			found = found || d.Service == want.service && d.Field == want.field && strings.Contains(d.Reason, want.reason)
		}
		if !found {
			t.Errorf("no drop %+v in %+v", want, res.Dropped)
		}
	}

	if _, err := Learn([]Sample{{Name: "c", Observations: []registry.Observation{obs(443, "http", map[string]string{"http.status": "401"})}}}, origin); err == nil {
		t.Error("a profile learned from a status code alone")
	}
}

func TestVersionPattern(t *testing.T) {
	cases := []struct {
		name    string
		vals    []string
		pattern string // "" for none
	}{
		{"title", []string{"Acme R100 (fw 1.2.3)", "Acme R100 (fw 1.2.10)"}, `^Acme R100 \(fw (?P<version>[0-9][0-9A-Za-z._-]*)\)$`},
		{"server", []string{"Acme-httpd/1.2.3", "Acme-httpd/1.3.0-rc1"}, `^Acme-httpd/(?P<version>[0-9][0-9A-Za-z._-]*)$`},
		{"ssh: the protocol version stays literal", []string{"SSH-2.0-AcmeSSH_2.4", "SSH-2.0-AcmeSSH_2.5"}, `^SSH-2\.0-AcmeSSH_(?P<version>[0-9][0-9A-Za-z._-]*)$`},
		{"model number before the version", []string{"Acme R100-1.2.3", "Acme R100-1.2.4"}, `^Acme R100-(?P<version>[0-9][0-9A-Za-z._-]*)$`},
		{"glued to a word", []string{"Acme R100 fw1.2.3", "Acme R100 fw1.2.4"}, `^Acme R100 fw(?P<version>[0-9][0-9A-Za-z._-]*)$`},
		{"a different model is not a version", []string{"Acme R100 (fw 1.2.3)", "Acme R200 (fw 1.2.3)"}, ""},
		{"versions alone", []string{"1.2.3", "1.2.4"}, ""},
		{"words differ", []string{"Acme NAS media", "Acme NAS video"}, ""},
		{"version and build", []string{"Acme 1.2 build 100", "Acme 1.3 build 121"}, `^Acme (?P<version>[0-9][0-9A-Za-z._-]*) build (?:[0-9][0-9A-Za-z._-]*)$`},
		{"regex characters literal", []string{"a.b*c [1.0]", "a.b*c [1.1]"}, `^a\.b\*c \[(?P<version>[0-9][0-9A-Za-z._-]*)\]$`},
		{"equal", []string{"Acme 1.0", "Acme 1.0"}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := VersionPattern(c.vals)
			if got != c.pattern || ok != (c.pattern != "") {
				t.Errorf("VersionPattern(%q) = %q, %v; want %q", c.vals, got, ok, c.pattern)
			}
		})
	}
}

func TestCommonPrefix(t *testing.T) {
	cases := []struct {
		vals []string
		want string
	}{
		{[]string{"Acme R100 session ab12", "Acme R100 session zz"}, "Acme R100 session "},
		{[]string{"Acme R100 sessionab", "Acme R100 sessioncd"}, "Acme R100 "},
		{[]string{"short a", "short b"}, ""},
		{[]string{"Acme R100 web ui, a very long tail that differs: x", "Acme R100 web ui, another tail entirely different from the first one"}, ""},
		{[]string{"ルーター管理画面 A", "ルーター管理画面 B"}, "ルーター管理画面 "},
	}
	for _, c := range cases {
		got, ok := commonPrefix(c.vals)
		if got != c.want || ok != (c.want != "") {
			t.Errorf("commonPrefix(%q) = %q, %v; want %q", c.vals, got, ok, c.want)
		}
	}
}

func checkGolden(t *testing.T, path string, v any) {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	got := buf.Bytes()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from what was learned (go test -update rewrites it, then review the diff):\n%s", path, got)
	}
}

// FuzzVersionPattern: whatever two values are, a pattern returned
// compiles, matches both, captures a version, and is no catch-all.
func FuzzVersionPattern(f *testing.F) {
	f.Add("Acme R100 (fw 1.2.3)", "Acme R100 (fw 1.2.10)")
	f.Add("SSH-2.0-AcmeSSH_2.4", "SSH-2.0-AcmeSSH_2.5")
	f.Add("v1.2", "v1.3")
	f.Add("a 1 b 2 c 3 d 4", "a 5 b 6 c 7 d 8")
	f.Fuzz(func(t *testing.T, a, b string) {
		pattern, ok := VersionPattern([]string{a, b})
		if !ok {
			if _, pok := commonPrefix([]string{a, b}); pok {
				p, _ := commonPrefix([]string{a, b})
				if !strings.HasPrefix(a, p) || !strings.HasPrefix(b, p) {
					t.Fatalf("prefix %q is not a prefix of %q and %q", p, a, b)
				}
			}
			return
		}
		re, err := regexp.Compile(pattern)
		if err != nil {
			t.Fatalf("%q: %v", pattern, err)
		}
		if !re.MatchString(a) || !re.MatchString(b) {
			t.Fatalf("%q does not match %q and %q", pattern, a, b)
		}
		p := registry.Predicate{Regex: pattern, Capture: registry.VersionGroup}
		if err := p.Validate(); err != nil {
			t.Fatalf("%q: %v", pattern, err)
		}
	})
}

// The profile learned from the Acme captures says nothing that plain
// Debian servers (lighttpd, mini_httpd, dropbear, captured by
// ../capture/testdata/regen/debian-servers.sh) say too: not one of its
// signatures holds for them, on any port.
func TestLearnedProfileLeavesGenericServers(t *testing.T) {
	res, err := Learn(readSamples(t, firmwareCaptures...), origin)
	if err != nil {
		t.Fatal(err)
	}
	background := readSamples(t, "../capture/testdata/debian-servers.xml")
	if len(background) != 1 || len(background[0].Observations) != 3 {
		t.Fatalf("the Debian servers fixture holds %+v", background)
	}
	for _, o := range background[0].Observations {
		for _, s := range res.Profile.Signatures {
			if s.Holds(&o) {
				t.Errorf("signature %s/%d holds for the generic server on %d: %+v", s.Protocol, s.Port, o.Port, o.Fields)
			}
		}
	}
	// The check is not vacuous: the captures themselves satisfy it.
	for _, o := range readSamples(t, firmwareCaptures[0])[0].Observations {
		found := false
		for _, s := range res.Profile.Signatures {
			found = found || s.Holds(&o)
		}
		if !found {
			t.Errorf("no learned signature holds for the capture's own port %d", o.Port)
		}
	}
}

func TestAuthPattern(t *testing.T) {
	cases := []struct {
		name  string
		vals  []string
		want  string
		holds []string // further values the pattern must match
		not   []string
	}{
		{"digest, one capture", []string{`Digest realm="cam", nonce="abc", qop="auth"`},
			`^Digest realm="cam", nonce=(?:"(?:[^"\\]|\\.)*"|[^\s,]*), qop="auth"$`,
			[]string{`Digest realm="cam", nonce="5f2a9c", qop="auth"`}, []string{`Digest realm="nvr", nonce="5f2a9c", qop="auth"`}},
		{"nonce and opaque, two captures", []string{`Digest realm="x", NONCE=a1, opaque="q\"1"`, `Digest realm="x", NONCE=b2, opaque="zz"`},
			`^Digest realm="x", NONCE=(?:"(?:[^"\\]|\\.)*"|[^\s,]*), opaque=(?:"(?:[^"\\]|\\.)*"|[^\s,]*)$`, nil, nil},
		{"basic has none", []string{`Basic realm="x"`}, "", nil, nil},
		{"realms differ", []string{`Digest realm="a", nonce="1"`, `Digest realm="b", nonce="2"`}, "", nil, nil},
		{"a realm that says nonce=", []string{`Basic realm="nonce=1"`}, "", nil, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := AuthPattern(c.vals)
			if got != c.want || ok != (c.want != "") {
				t.Fatalf("AuthPattern(%q) = %q, %v; want %q", c.vals, got, ok, c.want)
			}
			if !ok {
				return
			}
			re := regexp.MustCompile(got)
			for _, v := range append(append([]string{}, c.vals...), c.holds...) {
				if !re.MatchString(v) {
					t.Errorf("%q does not match %q", got, v)
				}
			}
			for _, v := range c.not {
				if re.MatchString(v) {
					t.Errorf("%q matches %q", got, v)
				}
			}
		})
	}
	res, err := Learn([]Sample{{Name: "cam", Observations: []registry.Observation{
		obs(80, "http", map[string]string{"http.www_authenticate": `Digest realm="cam", nonce="abc"`, "http.server": "camd"})}}}, origin)
	if err != nil || res.Profile.Signatures[0].Fields["http.www_authenticate"].Regex == "" {
		t.Errorf("a Digest challenge learned as %+v (%v)", res, err)
	}
}

// FuzzAuthPattern: a pattern returned compiles and matches the value it
// was learned from.
func FuzzAuthPattern(f *testing.F) {
	f.Add(`Digest realm="cam", nonce="abc", qop="auth"`)
	f.Add(`Digest nonce=x,opaque="\"",realm=y`)
	f.Fuzz(func(t *testing.T, v string) {
		pattern, ok := AuthPattern([]string{v})
		if !ok {
			return
		}
		re, err := regexp.Compile(pattern)
		if err != nil {
			t.Fatalf("%q: %v", pattern, err)
		}
		if !re.MatchString(v) {
			t.Fatalf("%q does not match %q", pattern, v)
		}
	})
}
