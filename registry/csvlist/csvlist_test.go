package csvlist

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding/japanese"

	"github.com/certprint/certprint/registry"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// loadMapping reads a mapping from testdata.
func loadMapping(t testing.TB, name string) Mapping {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := LoadMapping(f)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return m
}

// readFixture reads a CSV file from testdata under the name of its base
// name, as the command line would.
func readFixture(t testing.TB, csvName string, m Mapping, opt Options) (*registry.Document, error) {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", csvName))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return Read(f, filepath.Base(csvName), m, opt)
}

func encode(t testing.TB, doc *registry.Document) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := doc.Encode(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func allKnown(string) bool { return true }

func TestGolden(t *testing.T) {
	tests := []struct {
		name, csv, mapping, golden string
	}{
		{"jcstar cp932", "jcstar-cp932.csv", "jcstar.map.json", "jcstar.golden.json"},
		{"jcstar utf-8 with bom", "jcstar-utf8bom.csv", "jcstar.map.json", "jcstar.golden.json"},
		{"ccds english", "ccds.csv", "ccds.map.json", "ccds.golden.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := readFixture(t, tt.csv, loadMapping(t, tt.mapping), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if err := doc.Validate(allKnown); err != nil {
				t.Fatalf("the document does not validate: %v", err)
			}
			got := encode(t, doc)
			path := filepath.Join("testdata", tt.golden)
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from %s:\n%s", tt.csv, tt.golden, got)
			}
		})
	}
}

// TestEncodingsAgree reads the JC-STAR list in both encodings, with the
// encoding detected and declared, and expects the same document every time.
func TestEncodingsAgree(t *testing.T) {
	base := loadMapping(t, "jcstar.map.json")
	want, err := readFixture(t, "jcstar-utf8bom.csv", base, Options{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, csv, encoding string }{
		{"cp932 detected", "jcstar-cp932.csv", "auto"},
		{"cp932 declared", "jcstar-cp932.csv", "cp932"},
		{"cp932 declared as Shift_JIS", "jcstar-cp932.csv", "Shift_JIS"},
		{"utf-8 declared", "jcstar-utf8bom.csv", "utf-8"},
		{"encoding left out", "jcstar-utf8bom.csv", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := base
			m.Encoding = tt.encoding
			got, err := readFixture(t, tt.csv, m, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if g, w := encode(t, got), encode(t, want); !bytes.Equal(g, w) {
				t.Errorf("%s gives\n%s\nbut jcstar-utf8bom.csv gives\n%s", tt.csv, g, w)
			}
		})
	}
}

// TestCP932FixtureIsCurrent keeps the binary fixture in step with the UTF-8
// one it is generated from (testdata/gen.go).
func TestCP932FixtureIsCurrent(t *testing.T) {
	text, err := os.ReadFile("testdata/jcstar-utf8bom.csv")
	if err != nil {
		t.Fatal(err)
	}
	want, err := japanese.ShiftJIS.NewEncoder().Bytes(bytes.TrimPrefix(text, utf8BOM))
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("testdata/jcstar-cp932.csv")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("testdata/jcstar-cp932.csv is stale; run go run gen.go in testdata")
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name    string
		csv     string
		mapping string
		modify  func(*Mapping)
		want    []string
	}{
		{name: "missing column", csv: "broken/missing-column.csv", want: []string{
			`missing-column.csv: line 1: no column "状態" (for status); the header has: "登録番号", "事業者名"`}},
		{name: "bad date", csv: "broken/bad-date.csv", want: []string{
			`bad-date.csv: line 7, column "登録日": not a date: "2024/13/01"`}},
		{name: "unknown status", csv: "broken/unknown-status.csv", want: []string{
			`unknown-status.csv: line 3, column "状態": unknown status "審査中"`}},
		{name: "conflicting model fields", csv: "broken/conflict.csv", want: []string{
			`conflict.csv: line 6, column "製品名": name "WR-2 ルーター" differs from "無線LANルーター WR-2" on line 3`}},
		{name: "oversize cell", csv: "broken/oversize-cell.csv", want: []string{
			`oversize-cell.csv: line 4, column "備考": the cell is 5000 bytes long; at most 4096`}},
		{name: "cp932 file declared utf-8", csv: "jcstar-cp932.csv", modify: func(m *Mapping) { m.Encoding = "utf-8" },
			want: []string{`jcstar-cp932.csv: line 1, column 1: not valid UTF-8: "\x93o`, `"encoding": "cp932"`}},
		{name: "utf-8 file with bom declared cp932", csv: "jcstar-utf8bom.csv", modify: func(m *Mapping) { m.Encoding = "cp932" },
			want: []string{`jcstar-utf8bom.csv: line 1: the file starts with a UTF-8 byte order mark`}},
		{name: "utf-8 file declared cp932", csv: "broken/bad-date.csv", modify: func(m *Mapping) { m.Encoding = "cp932" },
			want: []string{`bad-date.csv: line 1, column 2: bytes that are not CP932`, `"encoding": "utf-8"`}},
		{name: "bare quote", csv: "broken/bare-quote.csv", want: []string{
			`bare-quote.csv: line 3, column "製品名": bare " in non-quoted-field`}},
		{name: "ragged row", csv: "broken/ragged.csv", want: []string{
			`ragged.csv: line 3: 9 cells, but the header on line 1 has 10`}},
		{name: "certificate listed twice", csv: "broken/duplicate-certificate.csv", want: []string{
			`duplicate-certificate.csv: line 4, column "登録番号": certificate "JCSTAR-2025-000001" of JC-STAR is also on line 2`}},
		{name: "bad default", csv: "broken/bad-date.csv", modify: func(m *Mapping) {
			delete(m.Columns, "issued")
			m.Defaults = map[string]string{"issued": "soon"}
		}, want: []string{`bad-date.csv: line 2, default for issued: not a date: "soon"`}},
		{name: "empty required cell", csv: "ccds.csv", mapping: "ccds.map.json", modify: func(m *Mapping) {
			m.Columns["certificate_id"] = "Hardware Version"
		}, want: []string{`ccds.csv: line 3, column "Hardware Version": certificate_id is empty`}},
		{name: "bad yes/no", csv: "ccds.csv", mapping: "ccds.map.json", modify: func(m *Mapping) {
			m.Columns["public"] = "Category"
		}, want: []string{`ccds.csv: line 2, column "Category": not a yes/no value: "Router"`}},
		{name: "bad release date", csv: "ccds.csv", mapping: "ccds.map.json", modify: func(m *Mapping) {
			m.Columns["released"] = "Certificate No."
		}, want: []string{`ccds.csv: line 2, column "Certificate No.": not a year, month or date: "CCDS-2024-0012"`}},
		{name: "bad ref", csv: "ccds.csv", mapping: "ccds.map.json", modify: func(m *Mapping) {
			m.Columns["ref"] = "Product Name"
		}, want: []string{`ccds.csv: line 3, column "Product Name": not a ref`, `"Home Camera, 2nd gen"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.mapping == "" {
				tt.mapping = "jcstar.map.json"
			}
			m := loadMapping(t, tt.mapping)
			if tt.modify != nil {
				tt.modify(&m)
			}
			doc, err := readFixture(t, tt.csv, m, Options{})
			if err == nil {
				t.Fatalf("no error; read %d models", len(doc.Models))
			}
			checkInvalid(t, err, tt.want...)
		})
	}
}

// checkInvalid asserts an EINVALID domain error whose message holds every
// part of want.
func checkInvalid(t *testing.T, err error, want ...string) {
	t.Helper()
	var e *registry.Error
	if !errors.As(err, &e) || e.Code != registry.EINVALID {
		t.Errorf("error %v (%T) is not an EINVALID *registry.Error", err, err)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error\n\t%v\ndoes not contain\n\t%s", err, w)
		}
	}
}
