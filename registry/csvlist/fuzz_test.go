package csvlist

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/certprint/certprint/registry"
)

// fuzzMappings are the mappings a fuzz input is read through, chosen by the
// input's second argument.
func fuzzMappings(t testing.TB) []Mapping {
	withRef := simpleMapping
	withRef.Columns = map[string]string{"ref": "Ref"}
	for k, v := range simpleMapping.Columns {
		withRef.Columns[k] = v
	}
	return []Mapping{loadMapping(t, "jcstar.map.json"), loadMapping(t, "ccds.map.json"), simpleMapping, withRef}
}

// FuzzRead feeds arbitrary bytes to Read. It must not panic; an error must
// be an EINVALID domain error (the input is in memory, so nothing else can
// fail); and a document it returns must hold refs the registry accepts and
// certifications with their required fields.
func FuzzRead(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*.csv")
	broken, _ := filepath.Glob("testdata/broken/*.csv")
	for i, path := range append(seeds, broken...) {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, uint8(i))
	}
	f.Add([]byte(simpleHeader+"Acme,R100-JP,C-1,2024-01-02,valid,★1\n"), uint8(2))
	f.Add([]byte("Ref,"+simpleHeader+"a.b:c,Acme,R1,C-1,2024-01-02,valid,\n,ＡＣＭＥ,Ｒ１,C-2,2024/1/2,VALID,\n"), uint8(3))
	mappings := fuzzMappings(f)
	resolve := func(vendor, model string) (string, error) {
		if registry.Key(vendor) == "acme" && registry.Key(model) == "r100-jp" {
			return "acme-r100-v2", nil
		}
		return "", nil
	}
	f.Fuzz(func(t *testing.T, data []byte, which uint8) {
		m := mappings[int(which)%len(mappings)]
		doc, err := Read(bytes.NewReader(data), "fuzz.csv", m, Options{Resolve: resolve})
		if err != nil {
			if registry.ErrorCode(err) != registry.EINVALID {
				t.Fatalf("error with code %s: %v", registry.ErrorCode(err), err)
			}
			return
		}
		for _, model := range doc.Models {
			checkFuzzedModel(t, model)
		}
	})
}

func checkFuzzedModel(t *testing.T, model registry.Model) {
	t.Helper()
	// The registry's own check of the ref, on a model otherwise valid.
	probe := registry.Model{Ref: model.Ref, Vendor: "v", Name: "n"}
	if err := probe.Validate(); err != nil {
		t.Fatalf("ref %q: %v", model.Ref, err)
	}
	if model.Vendor == "" || model.Name == "" || len(model.Certifications) == 0 {
		t.Fatalf("model %q lacks a vendor, a name or a certification: %+v", model.Ref, model)
	}
	for _, c := range model.Certifications {
		if c.Program == "" || c.CertificateID == "" || c.Issued.IsZero() || !c.Status.Valid() {
			t.Fatalf("model %q has an incomplete certification: %+v", model.Ref, c)
		}
	}
}
