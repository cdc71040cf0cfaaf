package registry

import (
	"strings"
	"testing"
)

// acmeTitle is the example registry's version-capturing title pattern.
const acmeTitle = `^Acme R100 \(fw (?P<version>[0-9.]+)\)`

func TestPredicateValidate(t *testing.T) {
	valid := map[string]Predicate{
		"exact":                          {Exact: "Acme-httpd/1.0"},
		"prefix":                         {Prefix: "SSH-2.0-dropbear"},
		"real pattern with version":      {Regex: acmeTitle},
		"capture named explicitly":       {Regex: `^fw (?P<fw>[0-9.]+)$`, Capture: "fw"},
		"capture of the version group":   {Regex: acmeTitle, Capture: VersionGroup},
		"pattern anchored on one vendor": {Regex: `(?i)acme`},
		"pattern that needs a non-space": {Regex: `\S`},
	}
	for name, p := range valid {
		t.Run("accepts "+name, func(t *testing.T) {
			wantOK(t, p.Validate())
		})
	}
	invalid := []struct {
		name  string
		p     Predicate
		field string
		wants []string
	}{
		{"none set", Predicate{}, "", []string{"exactly one of exact, prefix and regex"}},
		{"only a capture", Predicate{Capture: "version"}, "", []string{"exactly one"}},
		{"exact and prefix", Predicate{Exact: "a", Prefix: "a"}, "", []string{"exactly one"}},
		{"exact and regex", Predicate{Exact: "a", Regex: "a"}, "", []string{"exactly one"}},
		{"all three", Predicate{Exact: "a", Prefix: "a", Regex: "a"}, "", []string{"exactly one"}},
		{"regex does not compile", Predicate{Regex: `^Acme (`}, "regex", []string{"does not compile", "missing closing )"}},
		{"perl lookahead is not RE2", Predicate{Regex: `^Acme(?=R)`}, "regex", []string{"does not compile"}},
		{"capture names a missing group", Predicate{Regex: acmeTitle, Capture: "fw"}, "capture", []string{`no group named "fw"`}},
		{"capture names an unnamed group", Predicate{Regex: `^fw ([0-9.]+)$`, Capture: "1"}, "capture", []string{`"1"`}},
		{"capture on exact", Predicate{Exact: "Acme", Capture: "version"}, "capture", []string{"only a regex"}},
		{"capture on prefix", Predicate{Prefix: "Acme", Capture: "version"}, "capture", []string{"only a regex"}},
		{"catch-all .*", Predicate{Regex: `.*`}, "regex", []string{`".*" matches any value`}},
		{"catch-all ^", Predicate{Regex: `^`}, "regex", []string{"matches any value"}},
		{"catch-all $", Predicate{Regex: `$`}, "regex", []string{"matches any value"}},
		{"catch-all (?s).*", Predicate{Regex: `(?s).*`}, "regex", []string{"matches any value"}},
		{"catch-all x*", Predicate{Regex: `x*`}, "regex", []string{"matches any value"}},
		{"catch-all ^.*$", Predicate{Regex: `(?s)^.*$`}, "regex", []string{"matches any value"}},
		{"catch-all with an empty alternative", Predicate{Regex: `acme|`}, "regex", []string{"matches any value"}},
		{"catch-all optional group", Predicate{Regex: `(?P<version>[0-9.]+)?`}, "regex", []string{"matches any value"}},
	}
	for _, tt := range invalid {
		t.Run("refuses "+tt.name, func(t *testing.T) {
			wantInvalid(t, tt.p.Validate(), tt.field, tt.wants...)
		})
	}
}

func TestPredicateCaptureGroup(t *testing.T) {
	tests := map[string]struct {
		p    Predicate
		want string
	}{
		"explicit capture":                      {Predicate{Regex: `^fw (?P<fw>\S+)`, Capture: "fw"}, "fw"},
		"implicit version group":                {Predicate{Regex: acmeTitle}, VersionGroup},
		"regex without a version group":         {Predicate{Regex: `^Acme R100`}, ""},
		"unnamed group is not a version":        {Predicate{Regex: `^Acme R100 \(fw ([0-9.]+)\)`}, ""},
		"exact captures nothing":                {Predicate{Exact: "Acme"}, ""},
		"a regex that does not compile":         {Predicate{Regex: `(?P<version>`}, ""},
		"explicit capture wins over version":    {Predicate{Regex: `(?P<version>a)(?P<v2>b)`, Capture: "v2"}, "v2"},
		"group named like version is not taken": {Predicate{Regex: `(?P<Version>\S+)`}, ""},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if got := tt.p.CaptureGroup(); got != tt.want {
				t.Errorf("CaptureGroup() = %q, want %q", got, tt.want)
			}
		})
	}
}

func validProfile() Profile {
	return Profile{Signatures: []Signature{{
		Protocol: "http",
		Port:     80,
		Fields: map[string]Predicate{
			"http.server": {Exact: "Acme-httpd/1.0"},
			"http.title":  {Regex: acmeTitle},
		},
	}}}
}

func TestProfileValidate(t *testing.T) {
	t.Run("accepts the example profile", func(t *testing.T) {
		p := validProfile()
		wantOK(t, p.Validate())
	})
	t.Run("accepts an empty profile", func(t *testing.T) {
		wantOK(t, (&Profile{}).Validate())
	})
	t.Run("accepts transport, port bounds, tls and origin", func(t *testing.T) {
		p := validProfile()
		p.Signatures = append(p.Signatures,
			Signature{Protocol: "snmp", Transport: "udp", Port: 161, Fields: map[string]Predicate{"snmp.sysdescr": {Prefix: "Acme"}}},
			Signature{Protocol: "https", Transport: "tcp", Port: 65535, TLS: ptr(true), Origin: &Origin{Kind: "capture", Tool: "nmap 7.93"},
				Fields: map[string]Predicate{"tls.subject_cn": {Exact: "acme.local"}}},
		)
		wantOK(t, p.Validate())
	})
	invalid := []struct {
		name   string
		change func(p *Profile)
		field  string
		wants  []string
	}{
		{"signature without protocol", func(p *Profile) { p.Signatures[0].Protocol = "" }, "signatures[0].protocol", []string{"required"}},
		{"unknown transport", func(p *Profile) { p.Signatures[0].Transport = "sctp" }, "signatures[0].transport", []string{`"sctp"`}},
		{"negative port", func(p *Profile) { p.Signatures[0].Port = -1 }, "signatures[0].port", []string{"-1"}},
		{"port above 65535", func(p *Profile) { p.Signatures[0].Port = 65536 }, "signatures[0].port", []string{"65536"}},
		{"signature with no fields", func(p *Profile) { p.Signatures[0].Fields = nil }, "signatures[0].fields",
			[]string{"at least one field predicate", "every http service"}},
		{"signature with an empty field map", func(p *Profile) { p.Signatures[0].Fields = map[string]Predicate{} }, "signatures[0].fields", nil},
		{"catch-all title regex", func(p *Profile) { p.Signatures[0].Fields["http.title"] = Predicate{Regex: ".*"} },
			"signatures[0].fields.http.title.regex", []string{"matches any value"}},
		{"title regex that does not compile", func(p *Profile) { p.Signatures[0].Fields["http.title"] = Predicate{Regex: "(("} },
			"signatures[0].fields.http.title.regex", []string{"does not compile"}},
		{"capture on an exact server", func(p *Profile) {
			p.Signatures[0].Fields["http.server"] = Predicate{Exact: "Acme", Capture: "version"}
		}, "signatures[0].fields.http.server.capture", nil},
		{"predicate with nothing set names the field", func(p *Profile) { p.Signatures[0].Fields["http.server"] = Predicate{} },
			"signatures[0].fields.http.server", []string{"exactly one"}},
		{"second signature", func(p *Profile) {
			p.Signatures = append(p.Signatures, Signature{Protocol: "ssh", Fields: map[string]Predicate{"ssh.banner": {Regex: "^"}}})
		}, "signatures[1].fields.ssh.banner.regex", nil},
		{"first bad field in name order is reported", func(p *Profile) {
			p.Signatures[0].Fields["http.title"] = Predicate{}
			p.Signatures[0].Fields["http.server"] = Predicate{}
		}, "signatures[0].fields.http.server", nil},
	}
	for _, tt := range invalid {
		t.Run("refuses "+tt.name, func(t *testing.T) {
			p := validProfile()
			tt.change(&p)
			// Repeat: map order must not change which error is reported.
			for range 20 {
				wantInvalid(t, p.Validate(), tt.field, tt.wants...)
				if t.Failed() {
					return
				}
			}
		})
	}
}

func TestCatchAllProbesAreNotAllMatchedByARealPattern(t *testing.T) {
	// The probe set must not be so narrow that an ordinary pattern for one
	// product looks like a catch-all.
	for _, re := range []string{acmeTitle, `^SSH-2\.0-`, `(?i)^acme`, `httpd`, `^\d+$`} {
		p := Predicate{Regex: re}
		if err := p.Validate(); err != nil {
			t.Errorf("%q refused: %v", re, err)
		}
	}
	if !strings.Contains((&Predicate{Regex: "^"}).Validate().Error(), `"^"`) {
		t.Error("the refusal does not quote the pattern")
	}
}
