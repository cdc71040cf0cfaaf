package importer

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/certprint/certprint/registry"
)

// TestSameServiceAcrossFormats reads the services of
// testdata/regen/services.py as four scanners described them: the real
// nmap on 127.0.0.1, the real masscan across a veth pair, and fingerprintx
// and ZGrab2 records composed from those tools' documented output. Where
// two formats carry the same fact of a service (same port), the canonical
// value must be the same.
func TestSameServiceAcrossFormats(t *testing.T) {
	window, _ := ParseWindow("2026-11-23")
	sources := []struct {
		name, path string
		format     Format
	}{
		{"nmap", "real/nmap-loopback.xml", Nmap},
		{"masscan", "real/masscan-banners.json", Masscan},
		{"fingerprintx", "fingerprintx/loopback.jsonl", Fingerprintx},
		{"zgrab2", "zgrab2/loopback.jsonl", ZGrab2},
	}
	// facts[port][field][value] = formats that said it
	facts := map[uint16]map[string]map[string][]string{}
	for _, src := range sources {
		obs, _, _ := decodeFile(t, filepath.Join("testdata", src.path), src.format, Options{Observed: window})
		for _, o := range obs {
			for field, value := range o.Fields {
				if facts[o.Port] == nil {
					facts[o.Port] = map[string]map[string][]string{}
				}
				if facts[o.Port][field] == nil {
					facts[o.Port][field] = map[string][]string{}
				}
				facts[o.Port][field][value] = append(facts[o.Port][field][value], src.name)
			}
		}
	}
	shared := map[string]int{} // "port field" -> formats agreeing
	for port, fields := range facts {
		for field, values := range fields {
			if len(values) > 1 {
				var said []string
				for v, formats := range values {
					said = append(said, strings.Join(formats, "+")+": "+v)
				}
				sort.Strings(said)
				t.Errorf("port %d %s: the formats disagree:\n  %s", port, field, strings.Join(said, "\n  "))
				continue
			}
			for _, formats := range values {
				if len(formats) > 1 {
					shared[portField(port, field)] = len(formats)
				}
			}
		}
	}
	t.Logf("facts two or more formats agree on: %v", shared)
	// The facts that must be shared, so the test cannot pass by finding
	// nothing to compare.
	for _, want := range []struct {
		port    uint16
		field   string
		formats int
	}{
		{8080, registry.FieldHTTPServer, 4},
		{8080, registry.FieldHTTPTitle, 3},
		{8443, registry.FieldTLSCertSHA256, 3},
		{8443, registry.FieldTLSSubject, 3},
		{2222, registry.FieldSSHBanner, 3},
	} {
		if got := shared[portField(want.port, want.field)]; got < want.formats {
			t.Errorf("port %d %s: %d formats agree, want at least %d", want.port, want.field, got, want.formats)
		}
	}
}

func portField(port uint16, field string) string { return fmt.Sprintf("%d %s", port, field) }
