package synth

import (
	"cmp"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/certprint/certprint/fingerprint"
	"github.com/certprint/certprint/fingerprint/learn"
	"github.com/certprint/certprint/importer"
	"github.com/certprint/certprint/registry"
)

// acmeCaptures are nmap captures of one reference router at three
// firmware versions (../learn/testdata, made by compose.py).
var acmeCaptures = []string{"acme-r100-fw1.2.3.xml", "acme-r100-fw1.2.10.xml", "acme-r100-fw1.3.0.xml"}

// The profile learned from three firmware captures of one model, added to
// a synthetic world's registry, names none of the world's devices (not
// the ordinary servers, not the unregistered products built on lighttpd,
// Boa, GoAhead, mini_httpd or dropbear, not the registered models), and
// none of its signatures holds for any of the world's services. And it is
// not vacuous: a fourth firmware version of the model is that model,
// certified, with the version captured.
func TestLearnedProfileNamesNoBackground(t *testing.T) {
	var samples []learn.Sample
	for _, name := range acmeCaptures {
		f, err := os.Open(filepath.Join("..", "learn", "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		s, _, err := learn.Read(context.Background(), f, name, importer.Nmap, importer.Options{})
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		samples = append(samples, s...)
	}
	res, err := learn.Learn(samples, registry.Origin{Kind: "learned", Tool: "nmap", At: time.Now().UTC()})
	if err != nil {
		t.Fatal(err)
	}

	cfg := Config{Seed: 1, Models: 300, Hosts: 4000, Format: Nmap}
	dir, _ := world(t, cfg)
	doc := readRegistry(t, dir)
	doc.Models = append(doc.Models, registry.Model{
		Ref: "acme-r100", Vendor: "Acme", Name: "R100", ModelNumber: "R100", DeviceType: "router",
		Certifications: []registry.Certification{{Program: doc.Programs[0].Code, CertificateID: "ACME-1",
			Issued: registry.MustDate("2024-01-01"), Status: registry.StatusValid}},
		Profile: res.Profile,
	})
	doc.Normalize()
	ix, err := fingerprint.NewIndex(doc)
	if err != nil {
		t.Fatal(err)
	}
	m := ix.NewMatcher()

	obs, _ := decode(t, filepath.Join(dir, cfg.Format.FileName()), cfg.Format, DefaultDate)
	slices.SortStableFunc(obs, func(a, b registry.Observation) int {
		return cmp.Or(a.IP.Compare(b.IP), cmp.Compare(a.Transport, b.Transport), cmp.Compare(a.Port, b.Port))
	})
	embedded := 0
	for start := 0; start < len(obs); {
		end := start + 1
		for end < len(obs) && obs[end].IP == obs[start].IP {
			end++
		}
		for _, o := range obs[start:end] {
			if embeddedServer(o.Fields[registry.FieldHTTPServer]) {
				embedded++
			}
			for _, sig := range res.Profile.Signatures {
				if sig.Holds(&o) {
					t.Errorf("learned signature %s/%d holds for the world's service %s %s/%d: %v", sig.Protocol, sig.Port, o.IP, o.Transport, o.Port, o.Fields)
				}
			}
		}
		for _, v := range m.Host(obs[start:end]) {
			if slices.Contains(v.ModelRefs, "acme-r100") {
				t.Errorf("the learned profile names the world's device at %s %v", v.IP, v.Ports)
			}
		}
		start = end
	}
	if embedded < 200 {
		t.Fatalf("%d services of the world run an embedded web server; the test needs many", embedded)
	}

	fourth := fourthVersion(t, samples[len(samples)-1].Observations, "1.3.0", "2.0.1")
	vs := m.Host(fourth)
	if len(vs) != 1 || !slices.Equal(vs[0].ModelRefs, []string{"acme-r100"}) || vs[0].Class != registry.ClassCertified || vs[0].FirmwareVersion != "2.0.1" {
		t.Fatalf("a fourth firmware version gives %+v, want acme-r100 certified at 2.0.1", vs)
	}
}

// embeddedServer reports whether a Server header names one of the small
// web servers embedded devices and the world's look-alikes run.
func embeddedServer(s string) bool {
	for _, p := range []string{"lighttpd", "Boa", "GoAhead", "mini_httpd", "thttpd", "micro_httpd", "uhttpd", "RomPager"} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// fourthVersion is a capture as the same device would answer at another
// firmware version: every value that shows the old version shows the new.
func fourthVersion(t *testing.T, capture []registry.Observation, old, new string) []registry.Observation {
	t.Helper()
	out := make([]registry.Observation, len(capture))
	changed := 0
	for i, o := range capture {
		o.Fields = mapValues(o.Fields, func(v string) string {
			if strings.Contains(v, old) {
				changed++
			}
			return strings.ReplaceAll(v, old, new)
		})
		o.Observed = DefaultDate.Time()
		out[i] = o
	}
	if changed == 0 {
		t.Fatalf("no value of the capture shows version %s", old)
	}
	return out
}

func mapValues(in map[string]string, f func(string) string) map[string]string {
	out := make(map[string]string, len(in))
	for k, v := range in {
		out[k] = f(v)
	}
	return out
}
