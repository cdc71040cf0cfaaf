package fingerprint

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestPatternLiterals(t *testing.T) {
	tests := []struct {
		pattern  string
		prefix   string
		required []string
		text     string
	}{
		{`^Acme R100 \(fw (?P<version>[0-9.]+)\)$`, "Acme R100 (fw ", []string{"Acme R100 (fw ", ")"}, "Acme R100 (fw  )"},
		{`Acme R100`, "", []string{"Acme R100"}, "Acme R100"},
		{`^(?i)acme`, "", nil, ""},
		{`^(?:Acme|Bravo) X1`, "", []string{" X1"}, " X1"},
		{`^SSH-2\.0-dropbear_(?P<version>\d{4}\.\d+)`, "SSH-2.0-dropbear_", []string{"SSH-2.0-dropbear_", "."}, "SSH-2.0-dropbear_ ."},
		{`(Acme)+ router`, "", []string{" router"}, " router"},
		{`^x*abc`, "", []string{"abc"}, "abc"},
		{`(?m)^login:`, "", []string{"login:"}, "login:"},
	}
	for _, tt := range tests {
		t.Run(tt.pattern, func(t *testing.T) {
			got := patternLiterals(tt.pattern)
			if got.Prefix != tt.prefix || !slices.Equal(got.Required, tt.required) || got.Text != tt.text {
				t.Errorf("prefix %q required %q text %q; want %q %q %q", got.Prefix, got.Required, got.Text, tt.prefix, tt.required, tt.text)
			}
		})
	}
}

func TestBoundedTokens(t *testing.T) {
	for _, tt := range []struct {
		run        string
		start, end bool
		want       []string
	}{
		{"Acme R100 (fw ", false, false, []string{"R100", "fw"}},
		{"Acme R100 (fw ", true, false, []string{"Acme", "R100", "fw"}},
		{" X1", false, true, []string{"X1"}},
		{" X1", false, false, nil},
		{"abc", true, true, []string{"abc"}},
	} {
		if got := boundedTokens(tt.run, tt.start, tt.end); !slices.Equal(got, tt.want) {
			t.Errorf("boundedTokens(%q, %v, %v) = %q, want %q", tt.run, tt.start, tt.end, got, tt.want)
		}
	}
}

// What patternLiterals says a pattern requires, every value it matches
// holds: the index looks patterns up by those literals, so a wrong one
// would hide a model from the devices it describes.
func FuzzPatternLiterals(f *testing.F) {
	for _, seed := range []struct{ pattern, value string }{
		{`^Acme R100 \(fw (?P<version>[0-9.]+)\)$`, "Acme R100 (fw 1.2.3)"},
		{`(?:Acme|Bravo) X1`, "Bravo X1"},
		{`^a+b?c`, "aac"},
		{`x(?i)abc`, "xABC"},
		{`^(ab)*c$`, "ababc"},
		{`\bR100\b`, "the R100 box"},
		{`(?m)^login:`, "welcome\nlogin:"},
	} {
		f.Add(seed.pattern, seed.value)
	}
	f.Fuzz(func(t *testing.T, pattern, value string) {
		if len(pattern) > 256 || len(value) > 1024 {
			return
		}
		re, err := regexp.Compile(pattern)
		if err != nil {
			return
		}
		lits := patternLiterals(pattern)
		loc := re.FindStringIndex(value)
		if loc == nil {
			return
		}
		for _, r := range lits.Required {
			if !strings.Contains(value, r) {
				t.Fatalf("%q matches %q but lacks required literal %q", pattern, value, r)
			}
		}
		if lits.Prefix != "" && !strings.HasPrefix(value, lits.Prefix) {
			t.Fatalf("%q matches %q but does not start with prefix %q", pattern, value, lits.Prefix)
		}
		if t := longestBoundedToken(lits.Required); t != "" && !slices.Contains(tokens(nil, value), t) {
			panic("value " + value + " matched by " + pattern + " lacks lookup token " + t)
		}
	})
}

func TestCompoundTokens(t *testing.T) {
	for _, tt := range []struct {
		text string
		want []string
	}{
		{"FZ-4280 設定画面 (fw 3.4.93)", []string{"FZ-4280", "設定画面", "fw", "3", "4", "93"}},
		{"SSH-2.0-dropbear_2019.78", []string{"SSH", "2", "0", "dropbear", "2019", "78"}},
		{"HW-523Plus", []string{"HW-523Plus"}},
		{"Web-Client", []string{"Web", "Client"}},
		{"RT-AC68U-B1 x", []string{"RT-AC68U-B1", "x"}},
	} {
		if got := compoundTokens(nil, tt.text); !slices.Equal(got, tt.want) {
			t.Errorf("compoundTokens(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}
