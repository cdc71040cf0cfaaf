package fingerprint

import (
	"strings"
	"testing"
)

func TestDNOrganisation(t *testing.T) {
	cases := map[string]string{
		`CN=us-131.umibe.local, O=Umibe Storage Co.\, Ltd., C=JP`: "Umibe Storage Co., Ltd.",
		`O=Veltrix Corporation`:                                   "Veltrix Corporation",
		`CN=O=trick, C=JP`:                                        "",
		`CN=192.168.1.1`:                                          "",
		`CN=a\\, O=b`:                                             "b",
		`O=back\\slash`:                                           `back\slash`,
		``:                                                        "",
	}
	for dn, want := range cases {
		if got := dnOrganisation(dn); got != want {
			t.Errorf("dnOrganisation(%q) = %q, want %q", dn, got, want)
		}
	}
}

func TestVendorKey(t *testing.T) {
	cases := map[string]string{
		"Veltrix Corp.":           "veltrix",
		"Veltrix Corporation":     "veltrix",
		"Umibe Storage Co., Ltd.": "umibe storage",
		"ＨＯＫＵＴＯ Works Ltd.":       "hokuto works",
		"Ltd.":                    "",
	}
	for name, want := range cases {
		if got := vendorKey(name); got != want {
			t.Errorf("vendorKey(%q) = %q, want %q", name, got, want)
		}
	}
}

// A certificate's DN comes from the device: any text must give an
// organisation that stands in it once unescaped, or nothing.
func FuzzDNOrganisation(f *testing.F) {
	for _, s := range []string{`CN=x, O=Acme\, Inc., C=JP`, `O=`, `\`, `O=a\`, `,,,O=b`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, dn string) {
		org := dnOrganisation(dn)
		if org != "" && !strings.Contains(unescapeDN(dn), org) {
			t.Fatalf("dnOrganisation(%q) = %q, not in the name", dn, org)
		}
		_ = vendorKey(org)
	})
}
