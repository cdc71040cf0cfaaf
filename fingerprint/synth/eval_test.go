package synth

import (
	"math"
	"net/netip"
	"strings"
	"testing"

	"github.com/certprint/certprint/registry"
)

const (
	cert = registry.ClassCertified
	oos  = registry.ClassCertifiedOutOfScope
	unc  = registry.ClassUncertified
	unk  = registry.ClassUnknown
)

func truthRow(ip, ports, ref string, class registry.Class) Truth {
	return Truth{IP: netip.MustParseAddr(ip), Ports: strings.Fields(ports), ModelRef: ref, Class: class}
}

func verdict(ip, ports string, class registry.Class, refs ...string) registry.Verdict {
	return registry.Verdict{IP: netip.MustParseAddr(ip), Ports: strings.Fields(ports), Class: class, ModelRefs: refs}
}

func TestEvaluate(t *testing.T) {
	// A router and a camera behind it on one address, a certified device,
	// an uncertified one and a server.
	truth := []Truth{
		truthRow("10.0.0.1", "tcp/80 tcp/443", "acme-r1", unc),
		truthRow("10.0.0.1", "tcp/8080 tcp/554", "acme-c1", cert),
		truthRow("10.0.0.2", "tcp/80", "acme-r2", cert),
		truthRow("10.0.0.3", "tcp/80 tcp/22", "acme-r3", unc),
		truthRow("10.0.0.4", "tcp/443", "", unk),
	}
	tests := []struct {
		name                             string
		verdicts                         []registry.Verdict
		precision, recall, estimated     float64
		tp, fp, fn, merged, extra, unmat int
		cells                            map[[2]registry.Class]int // true, predicted
	}{
		{
			name: "perfect",
			verdicts: []registry.Verdict{
				verdict("10.0.0.1", "tcp/80 tcp/443", unc, "acme-r1"),
				verdict("10.0.0.1", "tcp/554 tcp/8080", cert, "acme-c1"),
				verdict("10.0.0.2", "tcp/80", cert, "acme-r2"),
				verdict("10.0.0.3", "tcp/22 tcp/80", unc, "acme-r3"),
				verdict("10.0.0.4", "tcp/443", unk),
			},
			precision: 1, recall: 1, estimated: 2.0 / 5, tp: 2,
			cells: map[[2]registry.Class]int{{cert, cert}: 2, {unc, unc}: 2, {unk, unk}: 1},
		},
		{
			// The NAT address judged as one certified camera: the router
			// takes the camera's class and is a false positive.
			name: "NAT merged",
			verdicts: []registry.Verdict{
				verdict("10.0.0.1", "tcp/80 tcp/443 tcp/554 tcp/8080", cert, "acme-c1"),
				verdict("10.0.0.2", "tcp/80", cert, "acme-r2"),
				verdict("10.0.0.3", "tcp/22 tcp/80", unc, "acme-r3"),
				verdict("10.0.0.4", "tcp/443", unk),
			},
			precision: 2.0 / 3, recall: 1, estimated: 2.0 / 4, tp: 2, fp: 1, merged: 2,
			cells: map[[2]registry.Class]int{{cert, cert}: 2, {unc, cert}: 1, {unc, unc}: 1, {unk, unk}: 1},
		},
		{
			// An ambiguous verdict naming both twins counts for either; a
			// certified verdict for the wrong model counts against both
			// precision and recall.
			name: "ambiguous and wrong model",
			verdicts: []registry.Verdict{
				verdict("10.0.0.1", "tcp/80 tcp/443", unc, "acme-r1"),
				verdict("10.0.0.1", "tcp/554 tcp/8080", cert, "bravo-c1", "acme-c1"),
				verdict("10.0.0.2", "tcp/80", cert, "bravo-r2"),
				verdict("10.0.0.3", "tcp/22 tcp/80", unc, "acme-r3"),
				verdict("10.0.0.4", "tcp/443", unk),
			},
			precision: 0.5, recall: 0.5, estimated: 2.0 / 5, tp: 1, fp: 1, fn: 1,
			cells: map[[2]registry.Class]int{{cert, cert}: 2, {unc, unc}: 2, {unk, unk}: 1},
		},
		{
			// A split: the server's address gets a second, certified
			// verdict no device maps to; a device with no verdict at all
			// is predicted unknown.
			name: "split and missing",
			verdicts: []registry.Verdict{
				verdict("10.0.0.1", "tcp/80 tcp/443", unc, "acme-r1"),
				verdict("10.0.0.1", "tcp/554 tcp/8080", cert, "acme-c1"),
				verdict("10.0.0.3", "tcp/22", unc, "acme-r3"),
				verdict("10.0.0.3", "tcp/80", oos, "acme-r3"),
				verdict("10.0.0.4", "tcp/443", unk),
				verdict("10.0.0.4", "tcp/8443", cert, "acme-r2"),
			},
			precision: 0.5, recall: 0.5, estimated: 2.0 / 6, tp: 1, fp: 1, fn: 1, extra: 2, unmat: 1,
			cells: map[[2]registry.Class]int{{cert, cert}: 1, {cert, unk}: 1, {unc, unc}: 2, {unk, unk}: 1},
		},
		{
			name:   "no verdicts",
			recall: 0, tp: 0, fn: 2, unmat: 5,
			cells: map[[2]registry.Class]int{{cert, unk}: 2, {unc, unk}: 2, {unk, unk}: 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Evaluate(truth, tt.verdicts)
			near := func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
			if !near(r.Precision, tt.precision) || !near(r.Recall, tt.recall) {
				t.Errorf("precision %v recall %v, want %v %v", r.Precision, r.Recall, tt.precision, tt.recall)
			}
			if r.TruePositives != tt.tp || r.FalsePositives != tt.fp || r.FalseNegatives != tt.fn {
				t.Errorf("tp %d fp %d fn %d, want %d %d %d", r.TruePositives, r.FalsePositives, r.FalseNegatives, tt.tp, tt.fp, tt.fn)
			}
			if r.Merged != tt.merged || r.Extra != tt.extra || r.Unmatched != tt.unmat {
				t.Errorf("merged %d extra %d unmatched %d, want %d %d %d", r.Merged, r.Extra, r.Unmatched, tt.merged, tt.extra, tt.unmat)
			}
			if !near(r.CertifiedShareTrue, 2.0/5) || !near(r.CertifiedShareEstimated, tt.estimated) || !near(r.ShareErrorPP, 100*(tt.estimated-0.4)) {
				t.Errorf("shares %v %v (%v pp), want 0.4 %v", r.CertifiedShareTrue, r.CertifiedShareEstimated, r.ShareErrorPP, tt.estimated)
			}
			total := 0
			for _, tc := range Classes {
				for _, pc := range Classes {
					n, ok := r.Confusion[tc][pc]
					if !ok {
						t.Fatalf("confusion lacks the cell %s x %s", tc, pc)
					}
					if n != tt.cells[[2]registry.Class{tc, pc}] {
						t.Errorf("confusion %s x %s = %d, want %d", tc, pc, n, tt.cells[[2]registry.Class{tc, pc}])
					}
					total += n
				}
			}
			if total != len(truth) {
				t.Errorf("confusion holds %d devices, truth %d", total, len(truth))
			}
		})
	}
}

func TestReportText(t *testing.T) {
	truth := []Truth{truthRow("10.0.0.1", "tcp/80", "m", cert), truthRow("10.0.0.2", "tcp/80", "", unk)}
	r := Evaluate(truth, []registry.Verdict{verdict("10.0.0.1", "tcp/80", cert, "m"), verdict("10.0.0.2", "tcp/80", cert, "m")})
	var b strings.Builder
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"precision 0.5000, recall 1.0000", "true 50.00 %, estimated 100.00 %, error +50.00 pp", "unknown                                        1                       0                       0                       0"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("missing %q in\n%s", want, b.String())
		}
	}
}

// Ports are compared in canonical form, and IPv4-mapped IPv6 verdict
// addresses find their IPv4 devices.
func TestEvaluateCanonicalPorts(t *testing.T) {
	truth := []Truth{truthRow("10.0.0.9", "tcp/80", "m", cert)}
	v := verdict("::ffff:10.0.0.9", "TCP/80", cert, "m")
	if r := Evaluate(truth, []registry.Verdict{v}); r.TruePositives != 1 {
		t.Errorf("%+v", r)
	}
}

func TestReadTruth(t *testing.T) {
	good := "ip,ports,model_ref,firmware,verdict\n10.0.0.1,tcp/80 udp/1900,acme-r1,1.2.3,certified\n2001:db8::1,tcp/22,,,unknown\n"
	list, err := ReadTruth(strings.NewReader("\ufeff" + good))
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Ports[1] != "udp/1900" || list[0].Firmware != "1.2.3" || list[1].Class != unk || list[1].Line != 3 {
		t.Errorf("%+v", list)
	}
	bad := []struct{ name, text, want string }{
		{"empty", "", "the file is empty"},
		{"header", "ip,port,model_ref,firmware,verdict\n", "line 1: header column 2"},
		{"address", good + "10.0.0.300,tcp/80,,,unknown\n", "line 4: ip"},
		{"class", good + "10.0.0.3,tcp/80,,,maybe\n", `line 4: verdict "maybe"`},
		{"port", good + "10.0.0.3,tcp/http,,,unknown\n", "line 4: ports"},
		{"no ports", good + "10.0.0.3,,,,unknown\n", "line 4: ports is empty"},
		{"columns", good + "10.0.0.3,tcp/80,unknown\n", "line 4: wrong number of fields"},
		{"quote", good + "10.0.0.3,\"tcp/80,,,unknown\n", "line 4"},
		{"long", good + "10.0.0.3,tcp/80," + strings.Repeat("x", 5000) + ",,unknown\n", "line 4: model_ref is 5000 bytes"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadTruth(strings.NewReader(tt.text))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// The truth the generator writes reads back whole.
func TestTruthRoundTrip(t *testing.T) {
	dir, sum := world(t, Config{Seed: 4, Models: 30, Hosts: 500, Format: Masscan})
	list := readTruthFile(t, dir)
	if len(list) != sum.Devices {
		t.Errorf("%d rows read, %d written", len(list), sum.Devices)
	}
}

func FuzzReadTruth(f *testing.F) {
	f.Add("ip,ports,model_ref,firmware,verdict\n10.0.0.1,tcp/80 tcp/443,acme,1.0,certified\n")
	f.Add("ip,ports,model_ref,firmware,verdict\n\"10.0.0.1\",\"tcp/80\",,,unknown\n")
	f.Add("ip,ports\n")
	f.Fuzz(func(t *testing.T, text string) {
		list, err := ReadTruth(strings.NewReader(text))
		if err != nil {
			return
		}
		for _, tr := range list {
			if !tr.IP.IsValid() || len(tr.Ports) == 0 || !validClass(tr.Class) {
				t.Fatalf("accepted %+v", tr)
			}
		}
		Evaluate(list, nil)
	})
}
