package sqlstore_test

import (
	"fmt"
	"testing"

	"github.com/certprint/certprint/registry"
	"github.com/certprint/certprint/registry/sqlstore/sqlstoretest"
)

// benchDocument is a registry of n models with three certifications each,
// across three programmes, with firmware scopes and a profile.
func benchDocument(n int) *registry.Document {
	doc := &registry.Document{Programs: []registry.Program{
		{Code: "CCDS", Name: "CCDS"}, {Code: "JC-STAR", Name: "JC-STAR"}, {Code: "DLPA", Name: "DLPA"},
	}}
	for i := range n {
		m := registry.Model{
			Ref: fmt.Sprintf("vendor%03d-model-%05d", i%300, i), Vendor: fmt.Sprintf("Vendor %03d", i%300),
			Name: fmt.Sprintf("Model %05d", i), ModelNumber: fmt.Sprintf("M-%05d", i), DeviceType: "router",
			Profile: &registry.Profile{Signatures: []registry.Signature{{Protocol: "http", Port: 80,
				Fields: map[string]registry.Predicate{"http.title": {Regex: fmt.Sprintf(`^Model %05d \(fw (?P<version>[0-9.]+)\)`, i)}}}}},
		}
		for k, p := range doc.Programs {
			m.Certifications = append(m.Certifications, registry.Certification{
				Program: p.Code, CertificateID: fmt.Sprintf("%s-%06d", p.Code, i), Issued: registry.MustDate("2024-04-01"),
				Expires: registry.MustDate("2027-03-31"), Status: registry.StatusValid, Level: fmt.Sprint(k + 1),
				Firmware: &registry.FirmwareScope{Scheme: "semver", Ranges: []string{">=1.2.0, <2.0.0"}},
			})
		}
		doc.Models = append(doc.Models, m)
	}
	return doc
}

// BenchmarkImport10k measures importing 10,000 models with 3 certifications
// each into an empty database: one op is one whole import.
func BenchmarkImport10k(b *testing.B) {
	for _, dialect := range sqlstoretest.Dialects {
		b.Run(dialect, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				s := sqlstoretest.Open(b, dialect)
				doc := benchDocument(10_000)
				b.StartTimer()
				if _, err := s.Import(ctx, doc); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(10_000*b.N)/b.Elapsed().Seconds(), "models/s")
		})
	}
}

// BenchmarkReimport10kUnchanged measures the idempotent path: the same
// 10,000 models again, nothing to write.
func BenchmarkReimport10kUnchanged(b *testing.B) {
	s := sqlstoretest.Open(b, "sqlite")
	if _, err := s.Import(ctx, benchDocument(10_000)); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Import(ctx, benchDocument(10_000)); err != nil {
			b.Fatal(err)
		}
	}
}
