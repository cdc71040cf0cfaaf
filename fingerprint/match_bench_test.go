package fingerprint

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"runtime"
	"strings"
	"testing"

	"github.com/certprint/certprint/registry"
)

var benchServers = []string{"lighttpd/1.4.59", "Boa/0.94.14rc21", "GoAhead-Webs", "mini_httpd/1.30 26Oct2018", "RomPager/4.07 UPnP/1.0"}

// benchRegistry builds n models whose profiles look like registered
// embedded devices: a title and realm naming the model, a server string
// from a handful of embedded servers, a certificate CN, an SSH banner.
// It is independent of `certprint synth`, so that the benchmark does not
// move when the synthetic world does.
func benchRegistry(n int) *registry.Document {
	doc := &registry.Document{Programs: []registry.Program{{Code: "CCDS", Name: "CCDS"}}}
	for i := range n {
		vendor := fmt.Sprintf("Vendor%03d", i/10)
		model := fmt.Sprintf("X%04d", i)
		doc.Models = append(doc.Models, registry.Model{
			Ref: fmt.Sprintf("m%05d", i), Vendor: vendor, Name: model, Family: fmt.Sprintf("f%05d", i),
			Certifications: []registry.Certification{cert("CCDS", fmt.Sprintf("C-%05d", i), "2024-01-01", "2028-01-01", registry.StatusValid, semver12)},
			Profile: &registry.Profile{Signatures: []registry.Signature{
				{Protocol: "http", Port: 80, Fields: map[string]registry.Predicate{
					registry.FieldHTTPTitle:           {Regex: fmt.Sprintf(`^%s %s \(v(?P<version>[0-9.]+)\)$`, vendor, model)},
					registry.FieldHTTPWWWAuthenticate: {Exact: fmt.Sprintf(`Basic realm="%s"`, model)},
					registry.FieldHTTPServer:          {Exact: benchServers[i%len(benchServers)]},
					registry.FieldHTTPStatus:          {Exact: "401"},
				}},
				{Protocol: "http", TLS: boolPtr(true), Fields: map[string]registry.Predicate{
					registry.FieldTLSSubjectCN: {Exact: fmt.Sprintf("%s.%s.local", model, vendor)},
				}},
				{Protocol: "ssh", Fields: map[string]registry.Predicate{
					registry.FieldSSHBanner: {Prefix: "SSH-2.0-dropbear"},
				}},
			}},
		})
	}
	return doc
}

// benchHosts returns addresses with two to four services each: a third
// are registered devices, a third devices on the same servers that no
// registry lists, a third ordinary servers.
func benchHosts(n, models int, seed uint64) [][]registry.Observation {
	r := rand.New(rand.NewPCG(seed, 1))
	hosts := make([][]registry.Observation, n)
	for h := range hosts {
		ip := netip.AddrFrom4([4]byte{10, byte(h >> 16), byte(h >> 8), byte(h)})
		o := func(port uint16, proto string, tls bool, kv ...string) registry.Observation {
			fields := map[string]string{}
			for i := 0; i+1 < len(kv); i += 2 {
				fields[kv[i]] = kv[i+1]
			}
			return registry.Observation{IP: ip, Transport: "tcp", Port: port, Protocol: proto, TLS: tls, Fields: fields, Observed: scanDay}
		}
		i := r.IntN(models)
		vendor, model := fmt.Sprintf("Vendor%03d", i/10), fmt.Sprintf("X%04d", i)
		server := benchServers[i%len(benchServers)]
		switch h % 3 {
		case 0:
			hosts[h] = []registry.Observation{
				o(22, "ssh", false, registry.FieldSSHBanner, "SSH-2.0-dropbear_2019.78"),
				o(80, "http", false, registry.FieldHTTPTitle, fmt.Sprintf("%s %s (v1.%d.0)", vendor, model, 2+r.IntN(7)),
					registry.FieldHTTPWWWAuthenticate, fmt.Sprintf(`Basic realm="%s"`, model),
					registry.FieldHTTPServer, server, registry.FieldHTTPStatus, "401"),
				o(443, "http", true, registry.FieldTLSSubjectCN, fmt.Sprintf("%s.%s.local", model, vendor), registry.FieldHTTPStatus, "401"),
			}
		case 1:
			hosts[h] = []registry.Observation{
				o(80, "http", false, registry.FieldHTTPTitle, "Login", registry.FieldHTTPServer, "lighttpd/1.4.59", registry.FieldHTTPStatus, "200"),
				o(23, "telnet", false, registry.FieldTelnetBanner, "(none) login:"),
			}
		default:
			hosts[h] = []registry.Observation{
				o(22, "ssh", false, registry.FieldSSHBanner, "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3"),
				o(80, "http", false, registry.FieldHTTPTitle, "Welcome to nginx!", registry.FieldHTTPServer, "nginx/1.22.1", registry.FieldHTTPStatus, "200"),
				o(443, "http", true, registry.FieldTLSSubjectCN, fmt.Sprintf("www%d.example.org", h), registry.FieldHTTPServer, "nginx/1.22.1"),
				o(25, "smtp", false, registry.FieldSMTPBanner, "220 mail.example.org ESMTP Postfix (Debian/GNU)"),
			}
		}
	}
	return hosts
}

func countServices(hosts [][]registry.Observation) int {
	n := 0
	for _, h := range hosts {
		n += len(h)
	}
	return n
}

// BenchmarkMatcher measures matching alone, on 5,000 registered profiles:
// observations/s per goroutine and, in parallel, on every CPU.
func BenchmarkMatcher(b *testing.B) {
	ix := mustIndex(b, benchRegistry(5000))
	hosts := benchHosts(30000, 5000, 1)
	services := countServices(hosts)
	b.Run("serial", func(b *testing.B) {
		m := ix.NewMatcher()
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			for _, h := range hosts {
				m.Host(h)
			}
			_ = i
		}
		b.ReportMetric(float64(services*b.N)/b.Elapsed().Seconds(), "obs/s")
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			m := ix.NewMatcher()
			h := 0
			for pb.Next() {
				m.Host(hosts[h%len(hosts)])
				h++
			}
		})
		perHost := float64(services) / float64(len(hosts))
		b.ReportMetric(perHost*float64(b.N)/b.Elapsed().Seconds(), "obs/s")
	})
}

// BenchmarkIndex measures building the index of 5,000 profiles and the
// memory it holds.
func BenchmarkIndex(b *testing.B) {
	doc := benchRegistry(5000)
	var ix *Index
	b.ReportAllocs()
	for range b.N {
		ix = mustIndex(b, doc)
	}
	b.StopTimer()
	runtime.GC()
	var before, after runtime.MemStats
	ix = nil
	runtime.GC()
	runtime.ReadMemStats(&before)
	ix = mustIndex(b, doc)
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "index-MB")
	runtime.KeepAlive(ix)
}

// The benchmark's world is matched as intended: registered devices are
// certified, the rest unknown. Without this the benchmark could measure
// a matcher that finds nothing.
func TestBenchWorldMatches(t *testing.T) {
	ix := mustIndex(t, benchRegistry(500))
	m := ix.NewMatcher()
	for h, host := range benchHosts(300, 500, 2) {
		vs := m.Host(host)
		want := registry.ClassUnknown
		if h%3 == 0 {
			want = registry.ClassCertified
		}
		if len(vs) != 1 || vs[0].Class != want {
			t.Fatalf("host %d: %+v, want one %s verdict", h, vs, want)
		}
	}
}

// The names of a greeting: an everyday one that writes the IPv6 address
// it was reached on, and a hostile kilobyte of address bytes, which must
// cost no more than its length.
func BenchmarkTextKeys(b *testing.B) {
	for _, bc := range []struct{ name, text string }{
		{"ipv6-greeting", "220 FZR-6500 FTP server at [2001:db8:265e:58e:8913:f3ff:fe18:85cc]:21 ready."},
		{"hostile-groups", strings.Repeat("fe18:", 200)},
		{"hostile-colons", strings.Repeat(":.", 500)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var keys []string
			for b.Loop() {
				keys = textKeys(keys[:0], bc.text)
			}
		})
	}
}
