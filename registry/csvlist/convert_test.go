package csvlist

import (
	"strings"
	"testing"
)

func TestParseDate(t *testing.T) {
	p := &plan{dates: defaultDateFormats}
	tests := []struct{ in, want, err string }{
		{"2024-03-15", "2024-03-15", ""},
		{"2024/03/15", "2024-03-15", ""},
		{"2024/3/5", "2024-03-05", ""},
		{"2024年3月5日", "2024-03-05", ""},
		{"2024年03月05日", "2024-03-05", ""},
		{"2024/13/01", "", `not a date: "2024/13/01" (formats tried: 2006-01-02, 2006/01/02, 2006/1/2, 2006年1月2日)`},
		{"2024-02-30", "", "not a date"},
		{"R6.3.5", "", "not a date"},
		{"0001-01-01", "", `means "not set"`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			d, err := p.parseDate(tt.in)
			switch {
			case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
				t.Errorf("parseDate(%q) = %v, %v; want an error containing %q", tt.in, d, err, tt.err)
			case tt.err == "" && (err != nil || d.String() != tt.want):
				t.Errorf("parseDate(%q) = %v, %v; want %s", tt.in, d, err, tt.want)
			}
		})
	}
}

func TestParseReleased(t *testing.T) {
	p := &plan{dates: defaultDateFormats}
	tests := []struct{ in, want string }{
		{"2024", "2024"},
		{"2024-03", "2024-03"},
		{"2024-03-15", "2024-03-15"},
		{"2024/3", "2024-03"},
		{"2024年3月", "2024-03"},
		{"2024/03/15", "2024-03-15"},
		{"2024年3月15日", "2024-03-15"},
		{"spring 2024", ""},
		{"2024/13", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			d, err := p.parseReleased(tt.in)
			if tt.want == "" {
				if err == nil {
					t.Errorf("parseReleased(%q) = %v, want an error", tt.in, d)
				}
				return
			}
			if err != nil || d.String() != tt.want {
				t.Errorf("parseReleased(%q) = %v, %v; want %s", tt.in, d, err, tt.want)
			}
		})
	}
}

func TestParseStatusAndBool(t *testing.T) {
	for _, s := range []string{"valid", "Valid", "REVOKED", "ｓｕｓｐｅｎｄｅｄ", "expired"} {
		if _, err := parseStatus(s); err != nil {
			t.Errorf("parseStatus(%q): %v", s, err)
		}
	}
	for _, s := range []string{"有効", "active", "", "valid?"} {
		if st, err := parseStatus(s); err == nil {
			t.Errorf("parseStatus(%q) = %s, want an error: statuses are never guessed", s, st)
		}
	}
	bools := map[string]bool{"公開": true, "非公開": false, "TRUE": true, "No": false, "１": true, "0": false}
	for s, want := range bools {
		if got, ok := parseBool(s); !ok || got != want {
			t.Errorf("parseBool(%q) = %v, %v; want %v", s, got, ok, want)
		}
	}
	if _, ok := parseBool("○"); ok {
		t.Error(`parseBool("○") succeeded; it is not a built-in word`)
	}
}

func TestSniff(t *testing.T) {
	kana := []byte("型番")
	tests := []struct {
		name     string
		head     []byte
		complete bool
		want     string
	}{
		{"ascii", []byte("a,b\n"), true, encUTF8},
		{"utf-8", kana, true, encUTF8},
		{"utf-8 cut inside a rune", kana[:4], false, encUTF8},
		{"utf-8 cut at the end of the file", kana[:4], true, encCP932},
		{"cp932", []byte("\x8C\x5E\x94\xD4"), true, encCP932},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sniff(tt.head, false, tt.complete); got != tt.want {
				t.Errorf("sniff = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestQuoteShortens(t *testing.T) {
	q := quote(strings.Repeat("あ", 100))
	if !strings.HasSuffix(q, `... (300 bytes)`) || len(q) > maxQuoted+30 {
		t.Errorf("quote gives %s", q)
	}
	if got := quote("\x93o"); got != `"\x93o"` {
		t.Errorf("quote hides undecodable bytes: %s", got)
	}
}

// TestResolveGetsNameWithoutModelNumber: a list without a model number
// column identifies models by name, as registry.Model.ModelKey does.
func TestResolveGetsNameWithoutModelNumber(t *testing.T) {
	m := Mapping{Program: "X", Columns: map[string]string{
		"vendor": "Vendor", "name": "Name", "certificate_id": "ID", "issued": "Date", "status": "Status",
	}}
	var asked []string
	resolve := func(vendor, model string) (string, error) {
		asked = append(asked, vendor+"/"+model)
		return "", nil
	}
	doc, err := Read(strings.NewReader("Vendor,Name,ID,Date,Status\nAcme,Router One,C-1,2024-01-02,valid\n"), "list.csv", m, Options{Resolve: resolve})
	if err != nil {
		t.Fatal(err)
	}
	if len(asked) != 1 || asked[0] != "Acme/Router One" {
		t.Errorf("the resolver was asked %q, want [Acme/Router One]", asked)
	}
	if got := doc.Models[0]; got.Ref != "acme-router-one" || got.ModelNumber != "" {
		t.Errorf("got ref %q, model number %q", got.Ref, got.ModelNumber)
	}
}
