package registry

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

type containsCase struct {
	name    string
	version string
	want    bool
}

// checkContains runs one table of versions against one scope.
func checkContains(t *testing.T, f FirmwareScope, cases []containsCase) {
	t.Helper()
	if err := f.Validate(); err != nil {
		t.Fatalf("scope %+v does not validate: %v", f, err)
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			if got := f.Contains(tt.version); got != tt.want {
				t.Errorf("%+v Contains(%q) = %v, want %v", f, tt.version, got, tt.want)
			}
		})
	}
}

func TestFirmwareSemver(t *testing.T) {
	t.Run("comma-joined range", func(t *testing.T) {
		checkContains(t, FirmwareScope{Scheme: "semver", Ranges: []string{">=1.2.0, <2.0.0"}}, []containsCase{
			{"lower bound is inclusive", "1.2.0", true},
			{"inside", "1.9.9", true},
			{"upper bound is exclusive", "2.0.0", false},
			{"just below", "1.1.9", false},
			{"numeric, not textual, order", "1.10.0", true},
			{"v prefix is read", "v1.5.0", true},
			{"two components are coerced", "1.5", true},
			{"prerelease is not in a release range", "1.5.0-beta.1", false},
			{"not a version at all", "build-42", false},
			{"empty", "", false},
		})
	})
	t.Run("caret range", func(t *testing.T) {
		checkContains(t, FirmwareScope{Scheme: "semver", Ranges: []string{"^1.2"}}, []containsCase{
			{"the base", "1.2.0", true},
			{"a later minor", "1.99.0", true},
			{"the next major", "2.0.0", false},
			{"an earlier minor", "1.1.7", false},
		})
	})
	t.Run("any of several ranges", func(t *testing.T) {
		checkContains(t, FirmwareScope{Scheme: "semver", Ranges: []string{"~1.2.3", ">=3.0.0, <3.1.0"}}, []containsCase{
			{"first range", "1.2.9", true},
			{"second range", "3.0.4", true},
			{"between them", "2.0.0", false},
			{"tilde stops at the minor", "1.3.0", false},
		})
	})
	t.Run("or syntax", func(t *testing.T) {
		checkContains(t, FirmwareScope{Scheme: "semver", Ranges: []string{"1.x || 3.x"}}, []containsCase{
			{"1.x", "1.4.2", true},
			{"3.x", "3.0.0", true},
			{"2.x", "2.4.2", false},
		})
	})
}

func TestFirmwareDotted(t *testing.T) {
	checkContains(t, FirmwareScope{Scheme: "dotted", Ranges: []string{">=1.2.9, <1.3"}}, []containsCase{
		{"1.2.10 is after 1.2.9, unlike in text", "1.2.10", true},
		{"the lower bound", "1.2.9", true},
		{"below", "1.2.8", false},
		{"missing components are zero: 1.3 == 1.3.0", "1.3.0", false},
		{"1.2.99999", "1.2.99999", true},
		{"v prefix", "v1.2.9", true},
		{"capital V prefix", "V1.2.10", true},
		{"suffix makes it unparsable", "1.2.10-beta", false},
		{"letters", "1.2.x", false},
		{"empty component", "1..2", false},
	})
	t.Run("equality with missing components", func(t *testing.T) {
		checkContains(t, FirmwareScope{Scheme: "dotted", Ranges: []string{"=1.2"}}, []containsCase{
			{"1.2", "1.2", true},
			{"1.2.0", "1.2.0", true},
			{"1.2.0.0", "1.2.0.0", true},
			{"1.2.0.1", "1.2.0.1", false},
		})
	})
	t.Run("operators", func(t *testing.T) {
		for _, tt := range []struct {
			rng     string
			in, out string
		}{
			{">1.2", "1.2.1", "1.2.0"},
			{"<=1.2", "1.2.0", "1.2.0.1"},
			{"<1.2", "1.1.99", "1.2"},
			{"!=1.2.3", "1.2.4", "1.2.3"},
			{"==1.2.3", "1.2.3", "1.2.4"},
			{"1.2.3", "1.2.3.0", "1.2.4"},
			{">= 1.2", "1.2", "1.1"},
		} {
			t.Run(tt.rng, func(t *testing.T) {
				f := FirmwareScope{Scheme: "dotted", Ranges: []string{tt.rng}}
				wantOK(t, f.Validate())
				if !f.Contains(tt.in) {
					t.Errorf("%q does not contain %q", tt.rng, tt.in)
				}
				if f.Contains(tt.out) {
					t.Errorf("%q contains %q", tt.rng, tt.out)
				}
			})
		}
	})
}

func TestFirmwareNetgear(t *testing.T) {
	t.Run("firmware then user-interface build", func(t *testing.T) {
		checkContains(t, FirmwareScope{Scheme: "netgear", Ranges: []string{">=V1.0.0.54_1.0.2"}}, []containsCase{
			{"the bound", "V1.0.0.54_1.0.2", true},
			{"a later interface build", "V1.0.0.54_1.0.10", true},
			{"an earlier interface build", "V1.0.0.54_1.0.1", false},
			{"the same firmware without a build sorts first", "V1.0.0.54", false},
			{"later firmware, any build", "V1.0.0.55_0.0.1", true},
			{"later firmware, no build", "V1.0.1.0", true},
			{"earlier firmware, later build", "V1.0.0.53_9.9.9", false},
			{"lower-case v", "v1.0.0.60", true},
			{"no prefix", "1.0.0.60_1.0.0", true},
			{"two underscores", "V1.0.0.60_1.0_1", false},
			{"letters", "V1.0.0.60b", false},
		})
	})
	t.Run("the range of the example registry", func(t *testing.T) {
		checkContains(t, FirmwareScope{Scheme: "netgear", Versions: []string{"V1.0.0.54_1.0.2"}, Ranges: []string{">=V1.0.1.0, <V1.1"}}, []containsCase{
			{"listed exactly", "V1.0.0.54_1.0.2", true},
			{"in the range", "V1.0.2.4_1.0.0", true},
			{"upper bound excluded", "V1.1.0.0", false},
			{"upper bound excluded with a build", "V1.1.0.0_1.0.0", false},
			{"not listed, below the range", "V1.0.0.54_1.0.3", false},
		})
	})
	// The interface build orders versions of the same firmware only; it
	// must never be compared with a firmware component of a longer version.
	t.Run("a shorter firmware number does not borrow the build", func(t *testing.T) {
		checkContains(t, FirmwareScope{Scheme: "netgear", Ranges: []string{">=V1.1_1.0.5"}}, []containsCase{
			{"firmware 1.1.0.2 is after 1.1 whatever its build", "V1.1.0.2_1.0.0", true},
			{"firmware 1.1 with an earlier build", "V1.1_1.0.4", false},
			{"firmware 1.1.0.0 is firmware 1.1", "V1.1.0.0_1.0.5", true},
			{"firmware 1.0.9 with a large build", "V1.0.9_9.9.9", false},
		})
		checkContains(t, FirmwareScope{Scheme: "netgear", Ranges: []string{"<V1.0.1"}}, []containsCase{
			{"firmware 1.0 is before 1.0.1 whatever its build", "V1.0_9.9", true},
			{"firmware 1.0.1 with a build is not before 1.0.1", "V1.0.1_0.0.1", false},
			{"firmware 1.0.0.54", "V1.0.0.54_1.0.2", true},
		})
	})
}

func TestFirmwareZyxel(t *testing.T) {
	t.Run("release versions of one model", func(t *testing.T) {
		checkContains(t, FirmwareScope{Scheme: "zyxel", Ranges: []string{">=5.50(ABPY.1)C0"}}, []containsCase{
			{"the bound", "5.50(ABPY.1)C0", true},
			{"a later patch", "5.50(ABPY.2)C0", true},
			{"an earlier patch", "5.50(ABPY.0)C0", false},
			{"a later minor", "5.51(ABPY.0)C0", true},
			{"a later release number", "5.50(ABPY.1)C1", true},
			{"model code and letter compare without case", "5.50(abpy.1)c0", true},
			{"another model's code is not ordered", "5.50(ABPZ.9)C0", false},
			{"a beta is not ordered against a release", "5.50(ABPY.9)b3", false},
			{"v prefix", "V5.50(ABPY.1)C0", true},
			{"not a zyxel version", "5.50.1", false},
			{"missing release letter", "5.50(ABPY.1)0", false},
		})
	})
	t.Run("the range of the example registry", func(t *testing.T) {
		checkContains(t, FirmwareScope{Scheme: "zyxel", Ranges: []string{">=2.00(ABC.1)C0"}}, []containsCase{
			{"a release", "2.00(ABC.1)C0", true},
			{"the beta of the same release", "2.00(ABC.1)b3", false},
			{"a later beta", "2.10(ABC.1)b3", false},
		})
	})
	t.Run("a different model is not in even a != range", func(t *testing.T) {
		checkContains(t, FirmwareScope{Scheme: "zyxel", Ranges: []string{"!=5.50(ABPY.1)C0"}}, []containsCase{
			{"same model, other version", "5.50(ABPY.2)C0", true},
			{"the excluded version", "5.50(ABPY.1)C0", false},
			{"another model", "5.50(ABPZ.1)C0", false},
			{"a beta", "5.50(ABPY.1)B0", false},
		})
	})
	t.Run("betas are ordered among themselves", func(t *testing.T) {
		checkContains(t, FirmwareScope{Scheme: "zyxel", Ranges: []string{">2.00(ABC.1)b3, <2.00(ABC.2)b0"}}, []containsCase{
			{"later beta build", "2.00(ABC.1)b4", true},
			{"the excluded bound", "2.00(ABC.1)b3", false},
			{"next patch", "2.00(ABC.2)b0", false},
		})
	})
}

func TestFirmwareContainsExactList(t *testing.T) {
	tests := []struct {
		name    string
		scope   FirmwareScope
		version string
		want    bool
	}{
		{"listed version", FirmwareScope{Versions: []string{"1.2.3", "1.2.4"}}, "1.2.4", true},
		{"unlisted version", FirmwareScope{Versions: []string{"1.2.3", "1.2.4"}}, "1.2.5", false},
		{"exact list compares text, not numbers", FirmwareScope{Versions: []string{"1.2.3"}}, "1.2.3.0", false},
		{"exact list is case-sensitive", FirmwareScope{Versions: []string{"V1.0"}}, "v1.0", false},
		{"unparsable version listed exactly", FirmwareScope{Scheme: "semver", Versions: []string{"build-42"}, Ranges: []string{">=1.0.0"}}, "build-42", true},
		{"unparsable version not listed is never guessed into a range", FirmwareScope{Scheme: "semver", Ranges: []string{">=0.0.0"}}, "build-42", false},
		{"unparsable dotted version", FirmwareScope{Scheme: "dotted", Ranges: []string{">=0"}}, "1.2-rc1", false},
		{"unparsable zyxel version listed", FirmwareScope{Scheme: "zyxel", Versions: []string{"5.50(ABPY.1)C0 hotfix"}, Ranges: []string{">=5.50(ABPY.1)C0"}}, "5.50(ABPY.1)C0 hotfix", true},
		{"unknown scheme never matches a range", FirmwareScope{Scheme: "vendorx", Ranges: []string{">=1"}}, "2", false},
		{"range without scheme never matches", FirmwareScope{Ranges: []string{">=1"}}, "2", false},
		{"invalid range never matches", FirmwareScope{Scheme: "dotted", Ranges: []string{"~>1"}}, "2", false},
		{"empty scope", FirmwareScope{}, "1.0", false},
		{"scheme without ranges or versions", FirmwareScope{Scheme: "semver"}, "1.0.0", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.scope.Contains(tt.version); got != tt.want {
				t.Errorf("%+v Contains(%q) = %v, want %v", tt.scope, tt.version, got, tt.want)
			}
		})
	}
}

func TestFirmwareValidate(t *testing.T) {
	valid := []struct {
		name  string
		scope FirmwareScope
	}{
		{"exact list only", FirmwareScope{Versions: []string{"1.2.3"}}},
		{"scheme only", FirmwareScope{Scheme: "dotted"}},
		{"semver caret", FirmwareScope{Scheme: "semver", Ranges: []string{"^1.2"}}},
		{"semver comma range", FirmwareScope{Scheme: "semver", Ranges: []string{">=1.2.0, <2.0.0"}}},
		{"dotted", FirmwareScope{Scheme: "dotted", Ranges: []string{">=1.2.9, <1.3"}}},
		{"netgear", FirmwareScope{Scheme: "netgear", Versions: []string{"V1.0.0.54_1.0.2"}, Ranges: []string{">=V1.0.1.0, <V1.1"}}},
		{"zyxel", FirmwareScope{Scheme: "zyxel", Ranges: []string{">=2.00(ABC.1)C0"}}},
		{"an unparsable exact version is fine", FirmwareScope{Scheme: "semver", Versions: []string{"build 42"}}},
		{"empty scope", FirmwareScope{}},
	}
	for _, tt := range valid {
		t.Run("accepts "+tt.name, func(t *testing.T) {
			wantOK(t, tt.scope.Validate())
		})
	}
	invalid := []struct {
		name  string
		scope FirmwareScope
		field string
		wants []string
	}{
		{"unknown scheme", FirmwareScope{Scheme: "vendorx"}, "scheme", []string{`"vendorx"`, "semver, dotted, netgear, zyxel"}},
		{"scheme in the wrong case", FirmwareScope{Scheme: "Semver", Ranges: []string{"^1"}}, "scheme", []string{`"Semver"`}},
		{"ranges without a scheme", FirmwareScope{Ranges: []string{">=1.0"}}, "scheme", []string{"required when ranges are given"}},
		{"bad semver range", FirmwareScope{Scheme: "semver", Ranges: []string{"not a range"}}, "ranges[0]", []string{"not a semver range", `"not a range"`}},
		{"second range is bad", FirmwareScope{Scheme: "dotted", Ranges: []string{">=1.2", ">=1.2, <abc"}}, "ranges[1]", []string{`"abc" is not a version of this scheme`}},
		{"operator of another scheme", FirmwareScope{Scheme: "dotted", Ranges: []string{"~>1.2"}}, "ranges[0]", []string{`"~>1.2"`}},
		{"empty range", FirmwareScope{Scheme: "netgear", Ranges: []string{""}}, "ranges[0]", nil},
		{"empty comparison after a comma", FirmwareScope{Scheme: "dotted", Ranges: []string{">=1.2,"}}, "ranges[0]", nil},
		{"space inside a version", FirmwareScope{Scheme: "dotted", Ranges: []string{">=1. 2"}}, "ranges[0]", nil},
		{"dotted version in a zyxel range", FirmwareScope{Scheme: "zyxel", Ranges: []string{">=5.50"}}, "ranges[0]", []string{`"5.50"`}},
		{"zyxel version in a netgear range", FirmwareScope{Scheme: "netgear", Ranges: []string{">=5.50(ABPY.1)C0"}}, "ranges[0]", nil},
		{"component too long to be a number", FirmwareScope{Scheme: "dotted", Ranges: []string{">=1.9999999999"}}, "ranges[0]", nil},
		{"empty exact version", FirmwareScope{Versions: []string{"1.0", ""}}, "versions[1]", []string{"required"}},
		{"control character in a version", FirmwareScope{Versions: []string{"1.0\x1b[2J"}}, "versions[0]", []string{"control character"}},
		{"overlong version", FirmwareScope{Versions: []string{strings.Repeat("9", 129)}}, "versions[0]", []string{"at most 128"}},
	}
	for _, tt := range invalid {
		t.Run("refuses "+tt.name, func(t *testing.T) {
			wantInvalid(t, tt.scope.Validate(), tt.field, tt.wants...)
		})
	}
}

func TestFirmwareJSON(t *testing.T) {
	t.Run("plain list decodes to exact versions", func(t *testing.T) {
		var f FirmwareScope
		wantOK(t, json.Unmarshal([]byte(` ["1.2.3", "1.2.4"]`), &f))
		want := FirmwareScope{Versions: []string{"1.2.3", "1.2.4"}}
		if !reflect.DeepEqual(f, want) {
			t.Errorf("got %+v, want %+v", f, want)
		}
	})
	t.Run("plain list encodes as a plain list", func(t *testing.T) {
		b, err := FirmwareScope{Versions: []string{"1.2.3", "1.2.4"}}.MarshalJSON()
		wantOK(t, err)
		if string(b) != `["1.2.3","1.2.4"]` {
			t.Errorf("got %s", b)
		}
	})
	t.Run("object with versions only encodes as a plain list", func(t *testing.T) {
		var f FirmwareScope
		wantOK(t, json.Unmarshal([]byte(`{"versions":["1.0"]}`), &f))
		b, err := f.MarshalJSON()
		wantOK(t, err)
		if string(b) != `["1.0"]` {
			t.Errorf("got %s", b)
		}
	})
	t.Run("decoding a list replaces an earlier object", func(t *testing.T) {
		f := FirmwareScope{Scheme: "semver", Ranges: []string{"^1"}}
		wantOK(t, json.Unmarshal([]byte(`["1.0"]`), &f))
		if f.Scheme != "" || f.Ranges != nil {
			t.Errorf("stale fields survived: %+v", f)
		}
	})
	t.Run("object form round trips without escaping < and >", func(t *testing.T) {
		in := FirmwareScope{Scheme: "semver", Versions: []string{"1.0.0"}, Ranges: []string{">=1.2.0, <2.0.0"}}
		b, err := in.MarshalJSON()
		wantOK(t, err)
		want := `{"scheme":"semver","versions":["1.0.0"],"ranges":[">=1.2.0, <2.0.0"]}`
		if string(b) != want {
			t.Errorf("got  %s\nwant %s", b, want)
		}
		var back FirmwareScope
		wantOK(t, json.Unmarshal(b, &back))
		if !reflect.DeepEqual(back, in) {
			t.Errorf("round trip = %+v, want %+v", back, in)
		}
	})
	t.Run("inside a document encoding < and > stay readable", func(t *testing.T) {
		doc := &Document{Models: []Model{{Ref: "m", Vendor: "v", Name: "n", Certifications: []Certification{{
			Program: "P", CertificateID: "c", Issued: MustDate("2024-01-01"), Status: StatusValid,
			Firmware: &FirmwareScope{Scheme: "dotted", Ranges: []string{">=1.2, <2"}},
		}}}}}
		var buf bytes.Buffer
		wantOK(t, doc.Encode(&buf))
		if !strings.Contains(buf.String(), `">=1.2, <2"`) {
			t.Errorf("range escaped or missing:\n%s", buf.String())
		}
		if strings.Contains(buf.String(), `\u003c`) || strings.Contains(buf.String(), `\u003e`) {
			t.Errorf("HTML escapes in output:\n%s", buf.String())
		}
	})
	refused := []struct {
		name, in string
		wants    []string
	}{
		{"unknown field in the object form", `{"scheme":"semver","range":[">=1"]}`, []string{`"range"`}},
		{"a string", `"1.2.3"`, nil},
		{"a number", `5`, nil},
		{"a list of numbers", `[1, 2]`, nil},
		{"a wrong type inside the object", `{"scheme": 5}`, []string{"scheme"}},
	}
	for _, tt := range refused {
		t.Run("refuses "+tt.name, func(t *testing.T) {
			var f FirmwareScope
			err := json.Unmarshal([]byte(tt.in), &f)
			if err == nil {
				t.Fatalf("Unmarshal(%s) = %+v, want an error", tt.in, f)
			}
			for _, w := range tt.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
	t.Run("null leaves the pointer nil", func(t *testing.T) {
		var c struct {
			F *FirmwareScope `json:"firmware"`
		}
		wantOK(t, json.Unmarshal([]byte(`{"firmware":null}`), &c))
		if c.F != nil {
			t.Errorf("got %+v", c.F)
		}
	})
}

func TestFirmwareIsZero(t *testing.T) {
	for name, tt := range map[string]struct {
		f    FirmwareScope
		want bool
	}{
		"empty":         {FirmwareScope{}, true},
		"empty list":    {FirmwareScope{Versions: []string{}}, true},
		"scheme only":   {FirmwareScope{Scheme: "semver"}, false},
		"versions only": {FirmwareScope{Versions: []string{"1"}}, false},
		"ranges only":   {FirmwareScope{Ranges: []string{"1"}}, false},
	} {
		t.Run(name, func(t *testing.T) {
			if got := tt.f.IsZero(); got != tt.want {
				t.Errorf("IsZero() = %v, want %v", got, tt.want)
			}
		})
	}
}
