package sqlstore_test

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

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

// benchFields are the field sets of synthetic observations: a few hundred
// device types, as a scan of home routers and cameras shows.
var benchFields = func() []map[string]string {
	out := make([]map[string]string, 512)
	for i := range out {
		out[i] = map[string]string{
			"http.status":           "200",
			"http.server":           fmt.Sprintf("Vendor%03d-httpd/%d.%d", i%97, i%5, i%11),
			"http.title":            fmt.Sprintf("Model %05d (fw %d.%d.%d)", i, i%3, i%7, i%13),
			"http.www_authenticate": `Basic realm="router"`,
		}
	}
	return out
}()

var benchPorts = []struct {
	port     uint16
	protocol string
}{{80, "http"}, {443, "http"}, {22, "ssh"}, {23, "telnet"}, {8080, "http"}, {7547, "unknown"}, {554, "rtsp"}, {21, "ftp"}}

// synthObservation is observation i of a synthetic scan: addresses in no
// particular order (a bijective hash of i), one in eight IPv6.
func synthObservation(i int, o *registry.Observation) {
	h := uint32(i) * 2654435761
	if i%8 == 7 {
		var a [16]byte
		a[0], a[1], a[2], a[3] = 0x20, 0x01, 0x0d, 0xb8
		a[12], a[13], a[14], a[15] = byte(h>>24), byte(h>>16), byte(h>>8), byte(h)
		o.IP = netip.AddrFrom16(a)
	} else {
		o.IP = netip.AddrFrom4([4]byte{byte(h >> 24), byte(h >> 16), byte(h >> 8), byte(h)})
	}
	p := benchPorts[i%len(benchPorts)]
	o.Transport, o.Port, o.Protocol = "tcp", p.port, p.protocol
	o.TLS = p.port == 443
	o.Observed = benchStart.Add(time.Duration(i) * time.Millisecond)
	o.Fields = nil
	if p.protocol != "unknown" {
		o.Fields = benchFields[(i/len(benchPorts))%len(benchFields)]
	}
}

var benchStart = time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)

// BenchmarkWriteObservations loads 1,000,000 synthetic observations, in
// batches of 4096, into one file of a new scan: one op is the whole file.
func BenchmarkWriteObservations(b *testing.B) {
	const total, batchSize = 1_000_000, 4096
	for _, dialect := range sqlstoretest.Dialects {
		b.Run(dialect, func(b *testing.B) {
			s := sqlstoretest.Open(b, dialect)
			batch := make([]registry.Observation, batchSize)
			next := 0
			b.ReportAllocs()
			cpu0 := cpuTime()
			for b.Loop() {
				sc := newScan(b, s, "bench")
				w, err := s.BeginFile(ctx, sc.ID, registry.ScanInput{Name: "bench.json"}, false)
				if err != nil {
					b.Fatal(err)
				}
				for done := 0; done < total; done += batchSize {
					rows := batch[:min(batchSize, total-done)]
					for i := range rows {
						synthObservation(next, &rows[i])
						next++
					}
					if err := w.Write(ctx, rows); err != nil {
						b.Fatal(err)
					}
				}
				if _, err := w.Commit(ctx, registry.ScanInput{Read: total}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(total*b.N)/b.Elapsed().Seconds(), "obs/s")
			b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/1e3/float64(total*b.N), "cpu-µs/obs")
		})
	}
}

// BenchmarkCloseScan closes a scan of one file of 1,000,000 synthetic
// observations, a tenth of them repeated by a second file (merged) and
// the open ports of a third file identified by the first (dropped): one
// op is one close.
func BenchmarkCloseScan(b *testing.B) {
	const total, batchSize = 1_000_000, 4096
	for _, dialect := range sqlstoretest.Dialects {
		b.Run(dialect, func(b *testing.B) {
			s := sqlstoretest.Open(b, dialect)
			batch := make([]registry.Observation, batchSize)
			load := func(scanID int64, name string, from, to, step int) {
				w, err := s.BeginFile(ctx, scanID, registry.ScanInput{Name: name}, false)
				if err != nil {
					b.Fatal(err)
				}
				rows := batch[:0]
				for i := from; i < to; i += step {
					rows = rows[:len(rows)+1]
					synthObservation(i, &rows[len(rows)-1])
					if name == "ports" {
						rows[len(rows)-1].Protocol, rows[len(rows)-1].Fields = registry.ProtocolUnknown, nil
					}
					if len(rows) == batchSize {
						if err := w.Write(ctx, rows); err != nil {
							b.Fatal(err)
						}
						rows = rows[:0]
					}
				}
				if err := w.Write(ctx, rows); err != nil {
					b.Fatal(err)
				}
				if _, err := w.Commit(ctx, registry.ScanInput{}); err != nil {
					b.Fatal(err)
				}
			}
			cpu := time.Duration(0)
			for b.Loop() {
				b.StopTimer()
				sc := newScan(b, s, "bench")
				load(sc.ID, "main", 0, total, 1)
				load(sc.ID, "again", 0, total, 10)
				load(sc.ID, "ports", 0, total, 10)
				b.StartTimer()
				cpu0 := cpuTime()
				closed, err := s.CloseScan(ctx, sc.ID)
				if err != nil {
					b.Fatal(err)
				}
				cpu += cpuTime() - cpu0
				if closed.Services != total {
					b.Fatalf("%d services, want %d", closed.Services, total)
				}
			}
			b.ReportMetric(float64(total*b.N)/b.Elapsed().Seconds(), "obs/s")
			b.ReportMetric(float64(cpu.Nanoseconds())/1e3/float64(total*b.N), "cpu-µs/obs")
		})
	}
}
