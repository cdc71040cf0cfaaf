package registry

import (
	"bytes"
	"io"
	"os"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// exampleFile is the registry file of the SPEC, with a few more records.
const exampleFile = "../testdata/registry.json"

func readExample(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile(exampleFile)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func decodeExample(t testing.TB) *Document {
	t.Helper()
	doc, err := DecodeDocument(bytes.NewReader(readExample(t)))
	if err != nil {
		t.Fatalf("decoding %s: %v", exampleFile, err)
	}
	return doc
}

func TestDecodeDocumentReadsTheExample(t *testing.T) {
	doc := decodeExample(t)
	if len(doc.Programs) != 3 || len(doc.Models) != 5 {
		t.Fatalf("got %d programmes and %d models, want 3 and 5", len(doc.Programs), len(doc.Models))
	}
	dlpa := doc.Programs[1]
	if dlpa.Code != "DLPA" || len(dlpa.Rules) != 1 || dlpa.Rules[0].ReleasedFrom != MustDate("2019-12-01") {
		t.Errorf("DLPA = %+v", dlpa)
	}
	acme := doc.Models[0]
	if acme.Released.String() != "2024-03" || acme.Released.Precision != 2 {
		t.Errorf("released = %+v, want month precision", acme.Released)
	}
	if f := acme.Certifications[0].Firmware; f == nil || f.Scheme != "semver" || !f.Contains("1.5.0") {
		t.Errorf("acme firmware = %+v", f)
	}
	title := acme.Profile.Signatures[0].Fields["http.title"]
	if got := title.CaptureGroup(); got != VersionGroup {
		t.Errorf("title capture = %q", got)
	}
	bravo := doc.Models[1].Certifications[0]
	if bravo.IsPublic() {
		t.Error("bravo's certification is public, the file says public: false")
	}
	if f := bravo.Firmware; f == nil || f.Scheme != "" || !reflect.DeepEqual(f.Versions, []string{"1.2.3", "1.2.4"}) {
		t.Errorf("plain-list firmware = %+v", f)
	}
	carol := doc.Models[2]
	if carol.ModelKey() != "cc-7000" {
		t.Errorf("carol model key = %q", carol.ModelKey())
	}
	if s, _ := carol.Certifications[0].StatusOn(MustDate("2025-01-01")); s != StatusRevoked {
		t.Errorf("carol on 2025-01-01 = %q, want revoked (backdated)", s)
	}
	if !doc.Programs[1].Rules[0].Covers(&doc.Models[0]) {
		t.Error("the DLPA rule does not cover acme-r100-v2")
	}
	doc.Normalize()
	wantOK(t, doc.Validate(nil))
}

func TestDecodeDocumentErrors(t *testing.T) {
	const (
		m0 = `{"ref":"ok-1","vendor":"v","name":"n"}`
		p0 = `{"code":"CCDS","name":"CCDS"}`
	)
	models := func(ms ...string) string { return `{"programs":[` + p0 + `],"models":[` + strings.Join(ms, ",") + `]}` }
	cert := func(extra string) string {
		return `{"ref":"x","vendor":"v","name":"n","certifications":[{"program":"CCDS","certificate_id":"c","issued":"2024-01-01","status":"valid"` + extra + `}]}`
	}
	tests := []struct {
		name   string
		in     string
		record string
		wants  []string
	}{
		{"unknown field in a model", models(m0, `{"ref":"x","vendor":"v","name":"n","colour":"red"}`),
			"models[1] (ref x)", []string{"models[1] (ref x)", `"colour"`}},
		{"unknown field in a certification", models(cert(`,"valid_until":"2027-01-01"`)),
			"models[0] (ref x)", []string{`"valid_until"`}},
		{"unknown field in a programme", `{"programs":[{"code":"CCDS","name":"n","owner":"x"}],"models":[]}`,
			"programs[0] (code CCDS)", []string{"programs[0] (code CCDS)", `"owner"`}},
		{"unknown field in a firmware object", models(cert(`,"firmware":{"scheme":"semver","range":[">=1"]}`)),
			"models[0] (ref x)", []string{`"range"`}},
		{"unknown top-level field", `{"programs":[],"models":[],"version":2}`, "", []string{`"version"`}},
		{"record without a ref is named by index", models(`{"vendor":"v","name":"n","bogus":1}`),
			"models[0]", []string{"models[0]: ", `"bogus"`}},
		{"wrong type of a model field", models(`{"ref":"x","vendor":"v","name":5}`),
			"models[0] (ref x)", []string{"field name", "expected string", "number"}},
		{"wrong type of a nested field", models(cert(`,"public":"yes"`)),
			"models[0] (ref x)", []string{"field certifications.public", "string"}},
		{"wrong type of a status", models(`{"ref":"x","vendor":"v","name":"n","certifications":[{"status":7}]}`),
			"models[0] (ref x)", []string{"field certifications.status"}},
		{"malformed date names its field", models(cert(`,"expires":"2027-02-30"`)),
			"models[0] (ref x)", []string{"certifications.expires", "2027-02-30", "YYYY-MM-DD"}},
		{"date of the wrong type names its field", models(`{"ref":"x","vendor":"v","name":"n","certifications":[{"issued":20240101}]}`),
			"models[0] (ref x)", []string{"certifications.issued", "YYYY-MM-DD"}},
		{"malformed partial date names its field", models(`{"ref":"x","vendor":"v","name":"n","released":"2024-3"}`),
			"models[0] (ref x)", []string{"field released", "2024-3", "YYYY, YYYY-MM or YYYY-MM-DD"}},
		{"malformed history date names its field", models(cert(`,"history":[{"status":"valid","effective":"yesterday","recorded":"2024-01-01"}]`)),
			"models[0] (ref x)", []string{"certifications.history.effective", "yesterday"}},
		{"malformed rule date names its field", `{"programs":[{"code":"D","name":"n","rules":[{"vendor":"v","released_from":"2019"}]}]}`,
			"programs[0] (code D)", []string{"rules.released_from", "2019"}},
		{"firmware of the wrong type names its field", models(cert(`,"firmware":"1.2.3"`)),
			"models[0] (ref x)", []string{"field certifications.firmware", "string"}},
		{"wrong type inside a firmware object names the path", models(cert(`,"firmware":{"scheme":5}`)),
			"models[0] (ref x)", []string{"field certifications.firmware.scheme", "expected string"}},
		{"wrong type in a firmware list names its field", models(cert(`,"firmware":[1.2]`)),
			"models[0] (ref x)", []string{"field certifications.firmware", "expected string"}},
		{"models is not a list", `{"programs":[],"models":{}}`, "", []string{"field models"}},
		{"malformed JSON gives the byte offset", `{"programs":[], "models": [}`, "", []string{"malformed JSON at byte 28"}},
		{"malformed JSON inside a record", `{"programs":[],"models":[{"ref":"x" "vendor":"v"}]}`, "", []string{"malformed JSON at byte"}},
		{"trailing data", `{"programs":[],"models":[]} {}`, "", []string{"unexpected data after the JSON value"}},
		{"trailing garbage", `{"programs":[],"models":[]}x`, "", []string{"unexpected data after the JSON value"}},
		{"empty input", ``, "", []string{"the file is empty"}},
		{"only white space", " \n\t", "", []string{"the file is empty"}},
		{"truncated input", `{"programs":[],"models":[{"ref":`, "", []string{"ends before it is complete"}},
		{"a list instead of an object", `[]`, "", []string{"expected"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := DecodeDocument(strings.NewReader(tt.in))
			if err == nil {
				t.Fatalf("got %+v, want an error", doc)
			}
			if doc != nil {
				t.Errorf("a failed decode returned a document")
			}
			e := AsError(err)
			if e == nil || e.Code != EINVALID {
				t.Fatalf("got %T %v, want an EINVALID *Error", err, err)
			}
			if e.Record != tt.record {
				t.Errorf("Record = %q, want %q (%v)", e.Record, tt.record, err)
			}
			for _, w := range tt.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "registry.plain") {
				t.Errorf("error %q names an internal type", err)
			}
		})
	}
}

func TestDecodeDocumentAcceptsOmittedOptionalParts(t *testing.T) {
	for name, in := range map[string]string{
		"empty object":         `{}`,
		"null lists":           `{"programs":null,"models":null}`,
		"no programmes":        `{"models":[{"ref":"x","vendor":"v","name":"n"}]}`,
		"null optional fields": `{"models":[{"ref":"x","vendor":"v","name":"n","released":null,"profile":null,"aliases":null}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			doc, err := DecodeDocument(strings.NewReader(in))
			wantOK(t, err)
			if doc.Programs == nil || doc.Models == nil {
				t.Errorf("lists must be non-nil so that they encode as []: %+v", doc)
			}
		})
	}
}

func TestDecodeDocumentSizeLimit(t *testing.T) {
	const limit = 64
	small := `{"programs":[],"models":[]}`
	t.Run("a file within the limit is read", func(t *testing.T) {
		_, err := decodeDocument(strings.NewReader(small+strings.Repeat(" ", limit-len(small))), limit)
		wantOK(t, err)
	})
	// A file over the limit is cut off mid-value; the reader must say the
	// file is too large, not that its JSON is incomplete.
	t.Run("a file over the limit is refused as too large", func(t *testing.T) {
		big := `{"programs":[],"models":[{"ref":"` + strings.Repeat("x", 2*limit) + `"}]}`
		_, err := decodeDocument(strings.NewReader(big), limit)
		if err == nil || !strings.Contains(err.Error(), "larger than") {
			t.Errorf("got %v, want a size error", err)
		}
	})
	t.Run("a valid value followed by too much white space is refused", func(t *testing.T) {
		_, err := decodeDocument(strings.NewReader(small+strings.Repeat(" ", 2*limit)), limit)
		if err == nil || !strings.Contains(err.Error(), "larger than") {
			t.Errorf("got %v, want a size error", err)
		}
	})
}

func validDocument(t *testing.T) *Document {
	t.Helper()
	doc := decodeExample(t)
	doc.Normalize()
	wantOK(t, doc.Validate(nil))
	return doc
}

func TestDocumentValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(d *Document)
		known  func(string) bool
		record string
		field  string
		wants  []string
	}{
		{"unknown programme", func(d *Document) { d.Models[0].Certifications[0].Program = "NOPE" }, nil,
			"models[0] (ref acme-r100-v2)", "certifications[0].program", []string{`unknown programme "NOPE"`}},
		{"programme unknown to the database too", func(d *Document) { d.Models[1].Certifications[0].Program = "NOPE" },
			func(code string) bool { return code == "OTHER" },
			"models[1] (ref bravo-br100)", "certifications[0].program", nil},
		{"duplicate ref", func(d *Document) { d.Models[3].Ref = d.Models[1].Ref }, nil,
			"models[3] (ref bravo-br100)", "ref", []string{"duplicate ref; models[1] has it too"}},
		{"duplicate programme code", func(d *Document) { d.Programs[2].Code = "CCDS" }, nil,
			"programs[2] (code CCDS)", "code", []string{"duplicate programme code"}},
		{"invalid programme", func(d *Document) { d.Programs[1].Rules[0].Vendor = "" }, nil,
			"programs[1] (code DLPA)", "rules[0].vendor", []string{"required"}},
		{"invalid model", func(d *Document) { d.Models[4].Ref = "bad ref" }, nil,
			"models[4] (ref bad ref)", "ref", nil},
		{"nested firmware error", func(d *Document) { d.Models[0].Certifications[0].Firmware.Ranges = []string{"nonsense"} }, nil,
			"models[0] (ref acme-r100-v2)", "certifications[0].firmware.ranges[0]", nil},
		{"nested history error", func(d *Document) { d.Models[2].Certifications[0].Status = StatusValid }, nil,
			"models[2] (ref carol-cam-7)", "certifications[0].status", []string{"ends in revoked"}},
	}
	for _, tt := range tests {
		t.Run("refuses "+tt.name, func(t *testing.T) {
			d := validDocument(t)
			tt.change(d)
			err := d.Validate(tt.known)
			wantInvalid(t, err, tt.field, tt.wants...)
			if e := AsError(err); e != nil && e.Record != tt.record {
				t.Errorf("Record = %q, want %q", e.Record, tt.record)
			}
			if err != nil && !strings.HasPrefix(err.Error(), tt.record+": "+tt.field+": ") {
				t.Errorf("message %q does not start with the record and field", err)
			}
		})
	}
	t.Run("accepts a programme known to the database", func(t *testing.T) {
		d := validDocument(t)
		d.Programs = d.Programs[:1] // CCDS only; JC-STAR is in the database
		wantOK(t, d.Validate(func(code string) bool { return code == "JC-STAR" }))
	})
	t.Run("refuses that programme without the database", func(t *testing.T) {
		d := validDocument(t)
		d.Programs = d.Programs[:1]
		wantInvalid(t, d.Validate(nil), "certifications[0].program", "JC-STAR")
	})
	t.Run("accepts an empty document", func(t *testing.T) {
		wantOK(t, (&Document{}).Validate(nil))
	})
}

func TestDocumentSort(t *testing.T) {
	d := &Document{
		Programs: []Program{{Code: "JC-STAR"}, {Code: "CCDS"}, {Code: "DLPA"}},
		Models:   []Model{{Ref: "c"}, {Ref: "a"}, {Ref: "b"}},
	}
	d.Sort()
	var got []string
	for _, p := range d.Programs {
		got = append(got, p.Code)
	}
	for _, m := range d.Models {
		got = append(got, m.Ref)
	}
	if want := []string{"CCDS", "DLPA", "JC-STAR", "a", "b", "c"}; !reflect.DeepEqual(got, want) {
		t.Errorf("order = %v, want %v", got, want)
	}
}

func TestDocumentEncode(t *testing.T) {
	d := validDocument(t)
	d.Sort()
	var first bytes.Buffer
	wantOK(t, d.Encode(&first))
	out := first.String()

	t.Run("ends with one newline", func(t *testing.T) {
		if !strings.HasSuffix(out, "}\n") || strings.HasSuffix(out, "\n\n") {
			t.Errorf("output ends %q", out[max(0, len(out)-10):])
		}
	})
	t.Run("is indented by two spaces", func(t *testing.T) {
		if !strings.HasPrefix(out, "{\n  \"programs\": [\n    {\n") {
			t.Errorf("output starts %q", out[:40])
		}
	})
	t.Run("keeps the plain-list firmware form", func(t *testing.T) {
		if !strings.Contains(out, "\"firmware\": [\n") {
			t.Errorf("no plain-list firmware in output:\n%s", out)
		}
	})
	t.Run("does not HTML-escape ranges or the star of a level", func(t *testing.T) {
		for _, w := range []string{`">=1.2.0, <2.0.0"`, `"★1"`, `"キャロル電機"`} {
			if !strings.Contains(out, w) {
				t.Errorf("output lacks %s", w)
			}
		}
		if strings.Contains(out, `\u00`) {
			t.Error("output contains \\u00 escapes")
		}
	})
	t.Run("makes public explicit and drops nothing on the way back", func(t *testing.T) {
		back, err := DecodeDocument(strings.NewReader(out))
		wantOK(t, err)
		if !reflect.DeepEqual(back, d) {
			t.Errorf("decoded export differs from the exported document")
		}
		var second bytes.Buffer
		wantOK(t, back.Encode(&second))
		if second.String() != out {
			t.Errorf("second export differs:\n%s\nvs\n%s", second.String(), out)
		}
	})
}

// errWriter fails every write, as a full disk would.
type errWriter struct{}

func (errWriter) Write([]byte) (int, error) { return 0, io.ErrShortWrite }

func TestDocumentEncodeReportsWriteErrors(t *testing.T) {
	d := validDocument(t)
	if err := d.Encode(errWriter{}); err == nil {
		t.Error("Encode to a failing writer returned nil")
	}
}

func TestDecodeErrorsQuoteLongValuesShortly(t *testing.T) {
	long := strings.Repeat("日", 100) // 300 bytes; a cut inside a rune would break UTF-8
	_, err := DecodeDocument(strings.NewReader(`{"models":[{"ref":"x","vendor":"v","name":"n","released":"` + long + `"}]}`))
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	if !utf8.ValidString(msg) {
		t.Errorf("message is not valid UTF-8: %q", msg)
	}
	if len(msg) > 200 || !strings.Contains(msg, "...") {
		t.Errorf("message does not shorten the value: %q", msg)
	}
	for in, kind := range map[string]string{`{}`: "object", `[]`: "array", `true`: "bool", `12`: "number 12"} {
		_, err := DecodeDocument(strings.NewReader(`{"models":[{"ref":"x","vendor":"v","name":"n","released":` + in + `}]}`))
		if err == nil || !strings.Contains(err.Error(), "found a JSON "+kind) {
			t.Errorf("released %s: got %v, want it to say %q", in, err, kind)
		}
	}
}

func TestSizeText(t *testing.T) {
	for n, want := range map[int64]string{maxDocumentBytes: "256 MiB", 1 << 20: "1 MiB", 64: "64 bytes", 1<<20 + 1: "1048577 bytes"} {
		if got := sizeText(n); got != want {
			t.Errorf("sizeText(%d) = %q, want %q", n, got, want)
		}
	}
}
