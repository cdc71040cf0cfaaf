package registry

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// allKnown treats every programme as known, so that the fuzzer's documents
// are not all refused for referring to programmes they do not declare.
func allKnown(string) bool { return true }

func FuzzDecodeDocument(f *testing.F) {
	if b, err := os.ReadFile(exampleFile); err == nil {
		f.Add(b)
	}
	for _, s := range []string{
		`{}`,
		`{"programs":[],"models":[]}`,
		`{"models":[{"ref":"x","vendor":"v","name":"n"}]}`,
		`{"programs":[{"code":"D","name":"n","rules":[{"vendor":"Ａcme","released_from":"2019-12-01"}]}]}`,
		`{"models":[{"ref":"x","vendor":"v","name":"n","released":"2024","certifications":[{"program":"P","certificate_id":"c","issued":"2024-01-01","status":"valid","firmware":["1.0"]}]}]}`,
		`{"models":[{"ref":"x","vendor":"v","name":"n","certifications":[{"program":"P","certificate_id":"c","issued":"2024-01-01","expires":"2025-01-01","status":"expired","public":false,"firmware":{"scheme":"zyxel","ranges":[">=5.50(ABPY.1)C0"]},"history":[{"status":"expired","effective":"2025-01-02","recorded":"2025-01-02"}]}]}]}`,
		`{"models":[{"ref":"x","vendor":"v","name":"n","profile":{"signatures":[{"protocol":"ssh","transport":"tcp","port":22,"tls":false,"fields":{"ssh.banner":{"prefix":"SSH-2.0-dropbear"}},"origin":{"kind":"capture","at":"2025-01-02T03:04:05+09:00"}}]}}]}`,
		`{"models":[{"ref":"x","vendor":"v","name":"n","released":"0001-01-01","aliases":[],"profile":{"signatures":[]}}]}`,
		`{"models":[{"ref":"x","vendor":"v","name":"n","colour":"red"}]}`,
		`{"programs":[], "models": [}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<16 {
			return
		}
		doc, err := DecodeDocument(bytes.NewReader(data))
		if err != nil {
			if ErrorCode(err) != EINVALID {
				t.Fatalf("decode error with code %q: %v", ErrorCode(err), err)
			}
			return
		}
		doc.Normalize()
		if err := doc.Validate(allKnown); err != nil {
			if ErrorCode(err) != EINVALID {
				t.Fatalf("validate error with code %q: %v", ErrorCode(err), err)
			}
			return
		}
		var first bytes.Buffer
		if err := doc.Encode(&first); err != nil {
			t.Fatalf("encoding a valid document: %v", err)
		}
		back, err := DecodeDocument(bytes.NewReader(first.Bytes()))
		if err != nil {
			t.Fatalf("the export of a valid document does not decode: %v\n%s", err, first.Bytes())
		}
		var second bytes.Buffer
		if err := back.Encode(&second); err != nil {
			t.Fatalf("encoding the decoded export: %v", err)
		}
		if !bytes.Equal(first.Bytes(), second.Bytes()) {
			t.Fatalf("export is not stable:\nfirst:\n%s\nsecond:\n%s", first.Bytes(), second.Bytes())
		}
		if err := back.Validate(allKnown); err != nil {
			t.Fatalf("the export of a valid document does not validate: %v\n%s", err, first.Bytes())
		}
	})
}

// fuzzSchemes are the scheme names the fuzzer picks from: the known ones,
// none, and two it must refuse.
var fuzzSchemes = []string{"semver", "dotted", "netgear", "zyxel", "", "Semver", "vendorx"}

func FuzzFirmwareScope(f *testing.F) {
	seeds := []struct {
		scheme       uint8
		rng, version string
		listed       bool
	}{
		{0, ">=1.2.0, <2.0.0", "1.5.0", false},
		{0, "^1.2", "v1.2.3-beta+build", true},
		{0, "1.x || 3.x", "3.0", false},
		{1, ">=1.2.9, <1.3", "1.2.10", false},
		{1, "!=1.2", "v1.2.0.0", true},
		{2, ">=V1.0.1.0, <V1.1", "V1.0.0.54_1.0.2", true},
		{2, ">=V1.1_1.0.5", "V1.1.0.2_1.0.0", false},
		{3, ">=5.50(ABPY.1)C0", "5.50(ABPY.2)C0", false},
		{3, ">=2.00(ABC.1)C0", "2.00(ABC.1)b3", false},
		{4, ">=1", "1", true},
		{6, "", "", false},
	}
	for _, s := range seeds {
		f.Add(s.scheme, s.rng, s.version, s.listed)
	}
	f.Fuzz(func(t *testing.T, scheme uint8, rng, version string, listed bool) {
		fs := FirmwareScope{Scheme: fuzzSchemes[int(scheme)%len(fuzzSchemes)], Ranges: []string{rng}}
		if listed {
			fs.Versions = []string{version}
		}
		valid := fs.Validate() == nil
		in := fs.Contains(version)
		if listed && !in {
			t.Fatalf("%+v does not contain its listed version %q", fs, version)
		}
		if !valid && !listed && in {
			t.Fatalf("invalid scope %+v contains %q", fs, version)
		}
		// For the tuple schemes, whose order is ours: a version that parses
		// is in ">=v" and "<=v" and "=v", and not in "<v", ">v" or "!=v".
		probe := FirmwareScope{Scheme: fs.Scheme, Ranges: []string{"=" + version}}
		tuple := fs.Scheme == "dotted" || fs.Scheme == "netgear" || fs.Scheme == "zyxel"
		// Ranges are split at commas and trimmed of white space, and start
		// with an operator; a version with any of those in it cannot be
		// written as a bound.
		plain := !strings.ContainsRune(version, ',') && strings.IndexFunc(version, unicode.IsSpace) < 0 &&
			!strings.HasPrefix(version, "=") && !strings.HasPrefix(version, "<") &&
			!strings.HasPrefix(version, ">") && !strings.HasPrefix(version, "!")
		if tuple && plain && probe.Validate() == nil {
			for op, want := range map[string]bool{">=": true, "<=": true, "=": true, "": true, "<": false, ">": false, "!=": false} {
				p := FirmwareScope{Scheme: fs.Scheme, Ranges: []string{op + version}}
				if err := p.Validate(); err != nil {
					t.Fatalf("%q validates but %q does not: %v", "="+version, op+version, err)
				}
				if got := p.Contains(version); got != want {
					t.Fatalf("%s range %q Contains(%q) = %v, want %v", fs.Scheme, op+version, version, got, want)
				}
			}
		}
		// A scope must survive JSON in either of its forms. JSON carries
		// UTF-8 only (invalid bytes become U+FFFD, and Validate refuses
		// such versions anyway), so only valid text is round-tripped.
		if !utf8.ValidString(rng) || !utf8.ValidString(version) {
			return
		}
		b, err := fs.MarshalJSON()
		if err != nil {
			t.Fatalf("marshal %+v: %v", fs, err)
		}
		var back FirmwareScope
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("unmarshal %s: %v", b, err)
		}
		if back.Contains(version) != in || (back.Validate() == nil) != valid {
			t.Fatalf("JSON round trip %s changed the scope: %+v -> %+v", b, fs, back)
		}
	})
}

func FuzzPartialDate(f *testing.F) {
	for _, s := range []string{"2024", "2024-03", "2024-03-15", "", "0001-01-01", "0000", "2024-02-30", "2024-3", "9999-12-31", "2024-03-15-01", "+024"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePartialDate(s)
		d, derr := ParseDate(s)
		if err != nil {
			if !p.IsZero() {
				t.Fatalf("failed parse of %q returned %+v", s, p)
			}
			if derr == nil {
				t.Fatalf("ParseDate accepts %q, ParsePartialDate does not: %v", s, err)
			}
			return
		}
		if s == "" {
			if !p.IsZero() {
				t.Fatalf("empty input gave %+v", p)
			}
			return
		}
		if p.IsZero() || p.Precision < 1 || p.Precision > 3 {
			t.Fatalf("%q parsed to %+v", s, p)
		}
		if got := p.String(); got != s {
			t.Fatalf("%q prints as %q", s, got)
		}
		if derr == nil && (p.Precision != 3 || p.Date != d) {
			t.Fatalf("ParseDate(%q) = %v, ParsePartialDate = %+v", s, d, p)
		}
		if p.Precision == 3 && derr != nil {
			t.Fatalf("ParsePartialDate reads %q as a day, ParseDate refuses it: %v", s, derr)
		}
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatalf("marshal %+v: %v", p, err)
		}
		var back PartialDate
		if err := json.Unmarshal(b, &back); err != nil || back != p {
			t.Fatalf("JSON round trip of %q: %s -> %+v, %v", s, b, back, err)
		}
		v, err := p.Value()
		if err != nil {
			t.Fatalf("Value of %+v: %v", p, err)
		}
		var scanned PartialDate
		if err := scanned.Scan(v); err != nil || scanned != p {
			t.Fatalf("SQL round trip of %q: %v -> %+v, %v", s, v, scanned, err)
		}
	})
}
