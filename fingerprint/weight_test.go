package fingerprint

import (
	"testing"

	"github.com/certprint/certprint/registry"
)

// What a predicate proves: a registered model number counts in full
// wherever it stands, even after a common server's prefix, while the
// build string after such a prefix, and a stack's Server header, prove
// little.
func TestPredicateWeights(t *testing.T) {
	model := func(ref, number string, field string, p registry.Predicate) registry.Model {
		return registry.Model{Ref: ref, Vendor: "Akebono", Name: number, ModelNumber: number, DeviceType: "camera",
			Profile: &registry.Profile{Signatures: []registry.Signature{{Protocol: "ftp", Fields: map[string]registry.Predicate{field: p}}}}}
	}
	doc := &registry.Document{Models: []registry.Model{
		model("akebono-ac-187s", "AC-187S", registry.FieldFTPBanner, registry.Predicate{Regex: `^220 ProFTPD 1\.3\.5e Server \(AKEBONO AC-187S\) \[[0-9A-Fa-f.:]+\]$`}),
		model("akebono-ac-200", "AC-200", registry.FieldFTPBanner, registry.Predicate{Prefix: "220 ProFTPD 1.3.5e Server (Debian)"}),
		model("akebono-ac-300", "AC-300", registry.FieldHTTPTitle, registry.Predicate{Exact: "AC-300 Login"}),
		model("akebono-ac-400", "AC-400", registry.FieldHTTPServer, registry.Predicate{Exact: "lighttpd/1.4.59"}),
	}}
	ix := mustIndex(t, doc)
	cases := []struct {
		ref, field string
		min, max   float64
	}{
		{"akebono-ac-187s", registry.FieldFTPBanner, 16, 16},
		{"akebono-ac-187s", registry.FieldUPnPModelNumber, 16, 16}, // implied by the model number
		{"akebono-ac-200", registry.FieldFTPBanner, 0, 8},
		{"akebono-ac-300", registry.FieldHTTPTitle, 16, 24},
		{"akebono-ac-400", registry.FieldHTTPServer, 0, 8},
	}
	for _, tc := range cases {
		found := false
		for i := range ix.preds {
			if ix.models[ix.preds[i].model].model.Ref != tc.ref || ix.preds[i].field != tc.field {
				continue
			}
			found = true
			if b := ix.preds[i].bits; b < tc.min || b > tc.max {
				t.Errorf("%s: %s %q weighs %.2f bits, want %.0f to %.0f", tc.ref, ix.preds[i].field, ix.preds[i].value, b, tc.min, tc.max)
			}
		}
		if !found {
			t.Errorf("%s: no %s predicate indexed", tc.ref, tc.field)
		}
	}
}
