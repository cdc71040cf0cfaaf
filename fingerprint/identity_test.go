package fingerprint

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The names a text shows: model numbers, whole and in parts, and never
// the groups of an address the device writes beside them.
func TestTextKeys(t *testing.T) {
	cases := []struct {
		text string
		want []string
	}{
		{"Aokiri Router WX-4900", []string{"wx4900"}},
		{"rn8000-3a9f1c login: ", []string{"rn80003a9f1c", "rn8000", "3a9f1c"}},
		{"220 bftpd 2.2.1 at 2001:db8:265e:58e:8913:f3ff:fe18:85cc ready.", nil},
		{"220 FZR-6500 FTP server at [2001:db8:5e2f::85cc]:21 ready", []string{"fzr6500"}},
		{"220 FZR-6500 at 2001:db8:5e2f::85cc: ready", []string{"fzr6500"}},
		{"220 bftpd 2.2.1 at 10.91.224.30 ready.", nil},
		{"login as admin:  fe18:85cc", []string{"fe18", "85cc"}}, // not an address: two groups are no IPv6 address
		{"HC-420W ::ffff:10.1.2.3", []string{"hc420w", "420w"}},
		{"0000:0000:0000:0000:0000:ffff:255.255.255.255. WX-4900", []string{"wx4900"}}, // the longest form
		{strings.Repeat("fe18:", 200) + " WX-4900", []string{"fe18", "wx4900"}},
		{strings.Repeat(":.", 500) + " WX-4900", []string{"wx4900"}}, // too long to be an address
	}
	for _, tc := range cases {
		if got := textKeys(nil, tc.text); !slices.Equal(got, tc.want) {
			t.Errorf("textKeys(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
}

// withoutAddresses only ever blanks bytes: the text keeps its length, and
// every byte it changes becomes a space.
func FuzzWithoutAddresses(f *testing.F) {
	for _, s := range []string{"220 bftpd 2.2.1 at 2001:db8:265e:58e:8913:f3ff:fe18:85cc ready.", "[::1]:21", "a:b:c", "::ffff:10.1.2.3.", "fe80::1%eth0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := withoutAddresses(s)
		if len(got) != len(s) {
			t.Fatalf("length %d, want %d", len(got), len(s))
		}
		for i := 0; i < len(s); i++ {
			if got[i] != s[i] && got[i] != ' ' {
				t.Fatalf("byte %d: %q became %q", i, s[i], got[i])
			}
		}
	})
}

// referenceTextKeys is textKeys as first written, with strings.Split and
// a regular expression: the allocation-free one must say the same.
func referenceTextKeys(text string) []string {
	var keys []string
	add := func(k string) {
		if len(k) >= 4 && !slices.Contains(keys, k) && len(keys) < maxIdentityKeys {
			keys = append(keys, k)
		}
	}
	version := regexp.MustCompile(`^(?i)v[0-9]+(r[0-9]+)?(c[0-9]+)?(spc[0-9]+)?$`)
	number := func(t string) bool {
		alnum := len(t) - strings.Count(t, "-")
		return mixed(t) && !technicalTokens[strings.ToLower(t)] && alnum >= 4 && !version.MatchString(t)
	}
	for _, t := range compoundTokens(nil, withoutAddresses(text)) {
		if !number(t) {
			continue
		}
		parts := strings.Split(strings.ToLower(t), "-")
		add(strings.Join(parts, ""))
		if len(parts) > 2 {
			add(parts[0] + parts[1])
		}
		for _, p := range parts {
			if len(parts) > 1 && number(p) {
				add(p)
			}
		}
	}
	return keys
}

func FuzzTextKeys(f *testing.F) {
	for _, s := range []string{"Aokiri Router WX-4900", "rn8000-3a9f1c login: ", "V100R003C10SPC2 AB-12-CD34", "ＨＴ－７７００ ht-7700",
		"SSH-2.0-dropbear_2014.63", "Ä1B2-ÖC3D4 X9-Y8-Z7W6", "v2r v2c3r4 v2spc1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, want := textKeys(nil, s), referenceTextKeys(s)
		if !slices.Equal(got, want) {
			t.Fatalf("textKeys(%q) = %q, the reference says %q", s, got, want)
		}
	})
}
