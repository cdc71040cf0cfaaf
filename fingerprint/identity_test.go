package fingerprint

import (
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
