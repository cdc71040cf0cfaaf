package csvlist

import (
	"strings"
	"testing"
)

func TestLoadMapping(t *testing.T) {
	const required = `"vendor": "V", "name": "N", "certificate_id": "C", "issued": "I", "status": "S"`
	tests := []struct {
		name, json, want string
	}{
		{"minimal", `{"program": "CCDS", "columns": {` + required + `}}`, ""},
		{"program from a column", `{"columns": {` + required + `, "program": "P"}}`, ""},
		{"name from the model number", `{"program": "X", "defaults": {"status": "valid"}, "columns": {"vendor": "V", "model_number": "M", "certificate_id": "C", "issued": "I"}}`, ""},
		{"unknown key", `{"program": "CCDS", "colums": {}}`, `unknown field "colums"`},
		{"unknown registry field", `{"program": "CCDS", "columns": {` + required + `, "vendr": "X"}}`, `columns: unknown registry field "vendr"`},
		{"unknown field in values", `{"program": "CCDS", "columns": {` + required + `}, "values": {"state": {}}}`, `values: unknown registry field "state"`},
		{"unknown field in defaults", `{"program": "CCDS", "columns": {` + required + `}, "defaults": {"state": "valid"}}`, `defaults: unknown registry field "state"`},
		{"empty header", `{"program": "CCDS", "columns": {` + required + `, "level": " "}}`, `the header for "level" is empty`},
		{"no columns", `{"program": "CCDS"}`, `"columns" is empty`},
		{"bad encoding", `{"program": "CCDS", "encoding": "latin1", "columns": {` + required + `}}`, `unknown encoding "latin1"`},
		{"no programme", `{"columns": {` + required + `}}`, `no column or default for program`},
		{"no status", `{"program": "CCDS", "columns": {"vendor": "V", "name": "N", "certificate_id": "C", "issued": "I"}}`, `no column or default for status`},
		{"no name", `{"program": "CCDS", "columns": {"vendor": "V", "certificate_id": "C", "issued": "I", "status": "S"}}`, `name (or model_number)`},
		{"bad status target", `{"program": "CCDS", "columns": {` + required + `}, "values": {"status": {"有効": "vaild"}}}`, `values.status: "有効" -> "vaild": not a status`},
		{"bad public default", `{"program": "CCDS", "columns": {` + required + `}, "defaults": {"public": "maybe"}}`, `defaults.public: "maybe": not a yes/no value`},
		{"values that collide", `{"program": "CCDS", "columns": {` + required + `}, "values": {"status": {"有効": "valid", "有効 ": "revoked"}}}`, `maps to both`},
		{"empty date format", `{"program": "CCDS", "columns": {` + required + `}, "date_formats": [""]}`, `date_formats[0] is empty`},
		{"trailing data", `{"program": "CCDS", "columns": {` + required + `}} {}`, `unexpected data after the JSON object`},
		{"syntax error", `{"program": }`, `malformed JSON at byte`},
		{"empty file", ``, `the file is empty`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadMapping(strings.NewReader(tt.json))
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.want == "":
				return
			case err == nil:
				t.Fatalf("no error, want one containing %q", tt.want)
			}
			checkInvalid(t, err, "column mapping: ", tt.want)
		})
	}
}

// TestReadChecksMapping makes sure a mapping built in code, which never
// went through LoadMapping, is checked too.
func TestReadChecksMapping(t *testing.T) {
	_, err := Read(strings.NewReader("a\n"), "list.csv", Mapping{Columns: map[string]string{"vendor": "a"}}, Options{})
	if err == nil {
		t.Fatal("no error")
	}
	checkInvalid(t, err, "list.csv: column mapping: no column or default for")
}

// TestHeaderVariants checks that headers match after registry.Key: width,
// case, surrounding and repeated spaces, half-width katakana.
func TestHeaderVariants(t *testing.T) {
	const list = "  ｖｅｎｄｏｒ  ,MODEL   NO,認証ﾚﾍﾞﾙ,ＩＤ,Date,状態\n" +
		"Acme,R1,★1,C-1,2024-01-02,有効\n"
	m := Mapping{
		Program: "X",
		Columns: map[string]string{
			"vendor": "Vendor", "model_number": "model no", "level": "認証レベル",
			"certificate_id": "id", "issued": "DATE", "status": "状態",
		},
		Values: map[string]map[string]string{"status": {"有効": "valid"}},
	}
	doc, err := Read(strings.NewReader(list), "list.csv", m, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := doc.Models[0]
	if got.Vendor != "Acme" || got.ModelNumber != "R1" || got.Certifications[0].Level != "★1" {
		t.Errorf("got %+v", got)
	}
}

func TestDuplicateHeader(t *testing.T) {
	const list = "Vendor,Model,ID,Date,Status,ＶＥＮＤＯＲ\nAcme,R1,C-1,2024-01-02,valid,Acme\n"
	m := Mapping{Program: "X", Columns: map[string]string{
		"vendor": "vendor", "model_number": "Model", "certificate_id": "ID", "issued": "Date", "status": "Status",
	}}
	_, err := Read(strings.NewReader(list), "list.csv", m, Options{})
	if err == nil {
		t.Fatal("no error")
	}
	checkInvalid(t, err, `list.csv: line 1: columns 1 and 6 are both headed "ＶＥＮＤＯＲ", mapped to vendor`)
}
