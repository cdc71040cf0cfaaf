package csvlist

import (
	"errors"
	"strings"
	"testing"

	"github.com/certprint/certprint/registry"
)

func TestResolve(t *testing.T) {
	m := loadMapping(t, "ccds.map.json")
	calls := 0
	resolve := func(vendor, model string) (string, error) {
		calls++
		if registry.Key(vendor) == "acme" && registry.Key(model) == "r100-jp" {
			return "acme-r100-v2", nil
		}
		return "", nil
	}
	doc, err := readFixture(t, "ccds.csv", m, Options{Resolve: resolve})
	if err != nil {
		t.Fatal(err)
	}
	first := doc.Models[0]
	if first.Ref != "acme-r100-v2" || len(first.Certifications) != 2 {
		t.Fatalf("models[0] is %s with %d certifications; want acme-r100-v2 with both R100-JP rows", first.Ref, len(first.Certifications))
	}
	if got := doc.Models[1].Ref; got != "acme-hc-2" {
		t.Errorf("a model the resolver does not know has ref %s, want the derived acme-hc-2", got)
	}
	// Five rows, four distinct spellings of vendor and model: "Acme R100-JP"
	// and "ACME r100-jp" are asked about separately, repeats are not.
	if calls != 5 {
		t.Errorf("the resolver was called %d times, want 5", calls)
	}
}

func TestResolveErrors(t *testing.T) {
	m := loadMapping(t, "ccds.map.json")
	ambiguous := registry.Errorf(registry.ECONFLICT, "2 models match")
	down := errors.New("database is locked")
	tests := []struct {
		name     string
		resolve  func(vendor, model string) (string, error)
		code     string
		contains string
	}{
		{"domain error keeps its code", func(v, _ string) (string, error) {
			if v == "Golf Devices" {
				return "", ambiguous
			}
			return "", nil
		}, registry.ECONFLICT, `ccds.csv: line 4, column "Model Number": cannot resolve vendor "Golf Devices", model "GDN-220": 2 models match`},
		{"plain error is internal", func(string, string) (string, error) { return "", down },
			registry.EINTERNAL, `ccds.csv: line 2, column "Model Number": cannot resolve vendor "Acme", model "R100-JP": database is locked`},
		{"bad ref from the resolver", func(string, string) (string, error) { return "-bad ref", nil },
			registry.EINTERNAL, `ccds.csv: line 2, column "Model Number": the registry returned "-bad ref"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readFixture(t, "ccds.csv", m, Options{Resolve: tt.resolve})
			if err == nil {
				t.Fatal("no error")
			}
			if got := registry.ErrorCode(err); got != tt.code {
				t.Errorf("code %s, want %s", got, tt.code)
			}
			if !strings.Contains(err.Error(), tt.contains) {
				t.Errorf("error\n\t%v\ndoes not contain\n\t%s", err, tt.contains)
			}
		})
	}
}

func TestDeriveRef(t *testing.T) {
	long := strings.Repeat("Very Long Vendor Name ", 10)
	tests := []struct {
		name, vendor, model, want string
	}{
		{"ascii", "Acme", "R100-JP", "acme-r100-jp"},
		{"full-width model number", "Acme", "ＷＲ－１２００", "acme-wr-1200"},
		{"case and spaces", "  ACME  Inc. ", "wr 1200", "acme-inc-wr-1200"},
		{"japanese vendor", "株式会社アクメ", "WR-1200", "x" + shortHash(registry.Key("株式会社アクメ")) + "-wr-1200"},
		{"half-width kana is the same vendor", "ｱｸﾒ", "WR-1200", "x" + shortHash(registry.Key("アクメ")) + "-wr-1200"},
		{"japanese model", "Acme", "ルーター", "acme-x" + shortHash("ルーター")},
		{"symbols only", "---", "***", "x" + shortHash("---") + "-x" + shortHash("***")},
		{"long", long, "M1", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := deriveRef(tt.vendor, tt.model)
			if !refPattern.MatchString(got) {
				t.Fatalf("deriveRef(%q, %q) = %q, which is not a ref", tt.vendor, tt.model, got)
			}
			if tt.want != "" && got != tt.want {
				t.Errorf("deriveRef(%q, %q) = %q, want %q", tt.vendor, tt.model, got, tt.want)
			}
			if again := deriveRef(tt.vendor, tt.model); again != got {
				t.Errorf("deriveRef is not deterministic: %q then %q", got, again)
			}
		})
	}
	if a, b := deriveRef(long, "M1"), deriveRef(long, "M2"); a == b {
		t.Errorf("two long names that differ at the end share the ref %s", a)
	}
}

func TestRefColumnAndDefaults(t *testing.T) {
	const list = "ID,Maker,Model,No.,Ref,State\n" +
		"C-1,Acme,R100,R100-JP,acme-r100-v2,\n" +
		"C-2,Acme,R100,R100-JP,acme-r100-v2,revoked\n" +
		"C-3,Acme,R200,R200,,\n"
	m := Mapping{
		Columns: map[string]string{
			"certificate_id": "id", "vendor": "MAKER", "model_number": "Model",
			"ref": "Ref", "status": "ＳＴＡＴＥ", "issued": "No.",
		},
		Defaults: map[string]string{"status": "valid", "issued": "2024-01-01", "program": "CCDS"},
		Values:   map[string]map[string]string{"issued": {"R100-JP": "2024-04-01", "R200": ""}},
	}
	doc, err := Read(strings.NewReader(list), "list.csv", m, Options{
		Resolve: func(_, model string) (string, error) {
			if model != "R200" {
				t.Errorf("the resolver was asked about %s although its rows give the ref", model)
			}
			return "", nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Models) != 2 {
		t.Fatalf("%d models, want 2", len(doc.Models))
	}
	r100 := doc.Models[0]
	if r100.Ref != "acme-r100-v2" || r100.Name != "R100" || len(r100.Certifications) != 2 {
		t.Errorf("models[0] = %+v", r100)
	}
	c1, c2 := r100.Certifications[0], r100.Certifications[1]
	if c1.Status != "valid" || c2.Status != "revoked" || c1.Program != "CCDS" || c1.Issued.String() != "2024-04-01" {
		t.Errorf("certifications %+v %+v: want the default status and programme, and issued from values", c1, c2)
	}
	if got := doc.Models[1].Certifications[0].Issued.String(); got != "2024-01-01" {
		t.Errorf("a value mapped to \"\" gives issued %s, want the default 2024-01-01", got)
	}
	if err := doc.Validate(allKnown); err != nil {
		t.Error(err)
	}
}
