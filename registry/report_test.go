package registry

import (
	"math"
	"testing"
)

// The 95 % Wilson intervals published by Newcombe (Statistics in
// Medicine 17, 1998, table I, method 3) for his worked examples, and
// the textbook symmetric case.
func TestWilson(t *testing.T) {
	for _, c := range []struct {
		k, n      int64
		low, high float64
	}{
		{81, 263, 0.2553, 0.3662},
		{15, 148, 0.0624, 0.1605},
		{0, 20, 0, 0.1611},
		{1, 29, 0.0061, 0.1718},
		{29, 29, 0.8830, 1},
		{5, 10, 0.2366, 0.7634},
		{0, 0, 0, 1},
	} {
		low, high := Wilson(c.k, c.n, z95)
		if math.Abs(low-c.low) > 5e-5 || math.Abs(high-c.high) > 5e-5 {
			t.Errorf("Wilson(%d, %d) = [%.4f, %.4f], want [%.4f, %.4f]", c.k, c.n, low, high, c.low, c.high)
		}
		if c.n > 0 {
			if p := float64(c.k) / float64(c.n); p < low || p > high {
				t.Errorf("Wilson(%d, %d) = [%.4f, %.4f] leaves out the share %.4f", c.k, c.n, low, high, p)
			}
		}
	}
}

func TestNewAdoptionGroup(t *testing.T) {
	g := NewAdoptionGroup("x", map[Class]int64{ClassCertified: 81, ClassUnknown: 182}, 7)
	if g.Devices != 263 || len(g.Classes) != len(ReportClasses) || g.CertifiedUnobserved != 7 {
		t.Fatalf("group %+v", g)
	}
	c := g.Classes[ClassCertified]
	if c.Devices != 81 || c.Share != 81.0/263 || math.Abs(c.Low-0.2553) > 5e-5 || math.Abs(c.High-0.3662) > 5e-5 {
		t.Errorf("certified %+v", c)
	}
	if z := g.Classes[ClassUncertified]; z.Devices != 0 || z.Share != 0 || z.Low != 0 || z.High <= 0 {
		t.Errorf("a class with no device %+v", z)
	}
}

func TestProbedSpaceOf(t *testing.T) {
	for _, c := range []struct {
		name   string
		probed []string
		ports  []string
		want   *ProbedSpace
	}{
		{"nothing declared", nil, []string{"tcp/80"}, nil},
		{"no ports declared", []string{"192.0.2.0/24"}, nil, &ProbedSpace{Addresses: 256}},
		{"ranges and both transports", []string{"192.0.2.0/24", "198.51.100.7/32"}, []string{"tcp/80", "tcp/8000-8100", "udp/161"},
			&ProbedSpace{Addresses: 257, Ports: 103, Services: 257 * 103}},
		{"overlaps count once", []string{"10.0.0.0/8", "10.1.0.0/16", "10.0.0.0/16"}, []string{"tcp/1-1024", "tcp/80", "tcp/1000-2000"},
			&ProbedSpace{Addresses: 1 << 24, Ports: 2000, Services: (1 << 24) * 2000}},
		{"IPv6 beyond any integer", []string{"2001:db8::/32"}, []string{"tcp/80"},
			&ProbedSpace{Addresses: math.Ldexp(1, 96), Ports: 1, Services: math.Ldexp(1, 96)}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := ProbedSpaceOf(&Scan{Probed: c.probed, Ports: c.ports})
			if (got == nil) != (c.want == nil) || got != nil && *got != *c.want {
				t.Errorf("ProbedSpaceOf = %+v, want %+v", got, c.want)
			}
		})
	}
}

func TestAdoptionQueryValidate(t *testing.T) {
	for _, c := range []struct {
		q    AdoptionQuery
		code string
	}{
		{AdoptionQuery{}, ""},
		{AdoptionQuery{ScanID: 3, By: ByMonth}, ""},
		{AdoptionQuery{By: "city"}, EINVALID},
		{AdoptionQuery{ScanID: -1}, EINVALID},
	} {
		if got := ErrorCode(c.q.Validate()); got != c.code {
			t.Errorf("%+v: %q, want %q", c.q, got, c.code)
		}
	}
}
