package learn

import "testing"

// BenchmarkLearn learns the Acme profile from its three firmware
// captures: what `profile learn` does after reading the files.
func BenchmarkLearn(b *testing.B) {
	samples := readSamples(b, firmwareCaptures...)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Learn(samples, origin); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVersionPattern(b *testing.B) {
	vals := []string{"Acme R100 (fw 1.2.3) build 20240101", "Acme R100 (fw 1.2.10) build 20240301", "Acme R100 (fw 1.3.0) build 20240601"}
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := VersionPattern(vals); !ok {
			b.Fatal("no pattern")
		}
	}
}
