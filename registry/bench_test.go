package registry

import "testing"

// BenchmarkFirmwareContains measures a range check as the matcher makes it
// today, range compiled on every call.
func BenchmarkFirmwareContains(b *testing.B) {
	cases := []struct {
		name    string
		scope   FirmwareScope
		version string
	}{
		{"semver", FirmwareScope{Scheme: "semver", Ranges: []string{">=1.2.0, <2.0.0"}}, "1.9.3"},
		{"zyxel", FirmwareScope{Scheme: "zyxel", Ranges: []string{">=5.50(ABPY.1)C0, <5.60(ABPY.0)C0"}}, "5.50(ABPY.3)C0"},
		{"exact list", FirmwareScope{Versions: []string{"1.2.3", "1.2.4", "1.2.5"}}, "1.2.5"},
	}
	for _, c := range cases {
		if !c.scope.Contains(c.version) {
			b.Fatalf("%s: %+v does not contain %q", c.name, c.scope, c.version)
		}
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c.scope.Contains(c.version)
			}
		})
	}
}

func BenchmarkKey(b *testing.B) {
	for name, s := range map[string]string{
		"ascii":      "Acme Networks R100-JP",
		"full-width": "ＷＲ－１２００ ＡＣＭＥ",
		"half-width": "ｷｬﾛﾙ電機 ﾈｯﾄﾜｰｸｶﾒﾗ",
	} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Key(s)
			}
		})
	}
}

func BenchmarkObservationDigest(b *testing.B) {
	o := Observation{Protocol: "http", Fields: map[string]string{
		FieldHTTPServer: "lighttpd/1.4.59", FieldHTTPStatus: "401", FieldHTTPWWWAuthenticate: `Basic realm="R100"`,
		"http.header.content-type": "text/html"}}
	b.ReportAllocs()
	for b.Loop() {
		o.Digest()
	}
}
