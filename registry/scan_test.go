package registry

import (
	"net/netip"
	"strings"
	"testing"
)

func TestScanValidate(t *testing.T) {
	for _, c := range []struct {
		name  string
		scan  Scan
		field string // "" when valid
	}{
		{"defaults", Scan{Name: "NOTICE 2026-10"}, ""},
		{"no name", Scan{}, "name"},
		{"bad tlp", Scan{Name: "x", TLP: "white"}, "tlp"},
		{"bad prefix", Scan{Name: "x", Probed: []string{"10.0.0.0/33"}}, "probed[0]"},
		{"bad port", Scan{Name: "x", Ports: []string{"tcp/0"}}, "ports[0]"},
		{"reversed range", Scan{Name: "x", Ports: []string{"100-10"}}, "ports[0]"},
		{"bad transport", Scan{Name: "x", Ports: []string{"sctp/80"}}, "ports[0]"},
		{"control character", Scan{Name: "x\x1b[2J"}, "name"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := c.scan.Validate()
			if c.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if e := AsError(err); e == nil || e.Code != EINVALID || e.Field != c.field {
				t.Fatalf("Validate() = %v, want EINVALID on %s", err, c.field)
			}
		})
	}
}

func TestScanValidateCanonical(t *testing.T) {
	s := Scan{Name: "x", TLP: " AMBER ", Probed: []string{"192.0.2.7/24", "2001:db8::1", "198.51.100.1"},
		Ports: []string{"80", "UDP/161", "tcp/1-1024", "443-443"}}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	want := Scan{TLP: "amber", Probed: []string{"192.0.2.0/24", "2001:db8::1/128", "198.51.100.1/32"},
		Ports: []string{"tcp/80", "udp/161", "tcp/1-1024", "tcp/443"}}
	if s.TLP != want.TLP || !equal(s.Probed, want.Probed) || !equal(s.Ports, want.Ports) {
		t.Errorf("canonical forms: tlp %q probed %v ports %v", s.TLP, s.Probed, s.Ports)
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestObservationDigest(t *testing.T) {
	ip := netip.MustParseAddr("192.0.2.1")
	base := Observation{IP: ip, Transport: "tcp", Port: 80, Protocol: "http", Fields: map[string]string{"a": "bc", "http.server": "x"}}
	same := base
	same.IP, same.Port = netip.MustParseAddr("2001:db8::1"), 8080 // where is not what
	if base.Digest() != same.Digest() {
		t.Error("the digest depends on the address or port")
	}
	for name, o := range map[string]Observation{
		"tls":      {Protocol: "http", TLS: true, Fields: base.Fields},
		"protocol": {Protocol: "https", Fields: base.Fields},
		"shifted":  {Protocol: "http", Fields: map[string]string{"ab": "c", "http.server": "x"}},
		"value":    {Protocol: "http", Fields: map[string]string{"a": "bc", "http.server": "y"}},
		"fewer":    {Protocol: "http", Fields: map[string]string{"a": "bc"}},
	} {
		if o.Digest() == base.Digest() {
			t.Errorf("%s: same digest for different facts", name)
		}
	}
}

// Digests are stored: the value of an observation must not change from
// one version to the next, or rows written before and after an upgrade
// would no longer merge.
func TestObservationDigestIsStable(t *testing.T) {
	for _, tt := range []struct {
		o    Observation
		want string
	}{
		{Observation{Protocol: "http", Fields: map[string]string{"a": "bc", "http.server": "x"}}, "5d0d2b743d677c9a8cbbd0e0a8a146e2"},
		{Observation{Protocol: "unknown", TLS: true}, "3ff7c9ab6876ce4195c5b6c5e2bdf31f"},
		// More text than AppendDigest hashes from the stack.
		{Observation{Protocol: "ssh", Fields: map[string]string{"ssh.banner": strings.Repeat("é", 700), "ssh.kex": "curve25519-sha256"}}, "6a2257e67fdaae17da539b10698b5cac"},
	} {
		if got := tt.o.Digest(); got != tt.want {
			t.Errorf("%s: digest %s, want %s", tt.o.Protocol, got, tt.want)
		}
		if got := string(tt.o.AppendDigest([]byte("x"))); got != "x"+tt.want {
			t.Errorf("%s: AppendDigest %s, want x%s", tt.o.Protocol, got, tt.want)
		}
	}
}
