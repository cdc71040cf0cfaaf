package synth

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"maps"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/certprint/certprint/fingerprint"
	"github.com/certprint/certprint/importer"
	"github.com/certprint/certprint/registry"
)

// world writes one world into a temporary directory.
func world(t *testing.T, cfg Config) (string, Summary) {
	t.Helper()
	dir := t.TempDir()
	sum, err := Generate(cfg, dir)
	if err != nil {
		t.Fatal(err)
	}
	return dir, sum
}

// decode imports a scan file through the importer, as `scan import` does.
func decode(t *testing.T, path string, f Format, date registry.Date) ([]registry.Observation, importer.Decoded) {
	t.Helper()
	file, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	opts := importer.Options{}
	if f == Fingerprintx {
		opts.Observed = importer.Window{From: date.Time()}
	}
	var obs []registry.Observation
	var rejects []string
	d, err := importer.Decode(context.Background(), file, importer.Format(f), opts, importer.Handler{
		Observation: func(o *registry.Observation) error { obs = append(obs, *o); return nil },
		Reject: func(e *importer.RecordError) {
			if len(rejects) < 5 {
				rejects = append(rejects, e.Error())
			}
		},
	})
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if d.Rejected != 0 {
		t.Fatalf("%s: %d records rejected (%v), first: %v", path, d.Rejected, d.Reasons, rejects)
	}
	return obs, d
}

func TestSameSeedSameBytes(t *testing.T) {
	for _, f := range Formats {
		t.Run(string(f), func(t *testing.T) {
			cfg := Config{Seed: 7, Models: 60, Hosts: 400, Format: f}
			a, _ := world(t, cfg)
			b, _ := world(t, cfg)
			for _, name := range []string{"registry.json", f.FileName(), "truth.csv"} {
				x, _ := os.ReadFile(filepath.Join(a, name))
				y, _ := os.ReadFile(filepath.Join(b, name))
				if len(x) == 0 || !bytes.Equal(x, y) {
					t.Errorf("%s: %d and %d bytes, not the same", name, len(x), len(y))
				}
			}
			other, _ := world(t, Config{Seed: 8, Models: 60, Hosts: 400, Format: f})
			x, _ := os.ReadFile(filepath.Join(a, f.FileName()))
			y, _ := os.ReadFile(filepath.Join(other, f.FileName()))
			if bytes.Equal(x, y) {
				t.Error("seeds 7 and 8 wrote the same scan")
			}
		})
	}
}

// Host i depends on (seed, i) only: a longer scan starts with the hosts
// of a shorter one.
func TestHostsDoNotDependOnCount(t *testing.T) {
	_, short := world(t, Config{Seed: 3, Models: 40, Hosts: 100, Format: ZGrab2})
	dirLong, _ := world(t, Config{Seed: 3, Models: 40, Hosts: 300, Format: ZGrab2})
	dirShort, _ := world(t, Config{Seed: 3, Models: 40, Hosts: 100, Format: ZGrab2})
	a, _ := os.ReadFile(filepath.Join(dirShort, "truth.csv"))
	b, _ := os.ReadFile(filepath.Join(dirLong, "truth.csv"))
	if !bytes.HasPrefix(b, a) || short.Devices == 0 {
		t.Error("the truth of 100 hosts is not the start of the truth of 300")
	}
}

func TestRegistryValidates(t *testing.T) {
	for _, tt := range []struct {
		m    int
		date string
	}{{1, "2026-10-01"}, {37, "2026-10-01"}, {500, "2026-10-01"}, {300, "2021-06-01"}, {300, "2031-01-15"}, {5000, "2026-10-01"}} {
		m := tt.m
		t.Run(fmt.Sprint(m, "-", tt.date), func(t *testing.T) {
			dir, _ := world(t, Config{Seed: 11, Models: m, Hosts: 10, Date: registry.MustDate(tt.date)})
			doc := readRegistry(t, dir)
			if len(doc.Models) != m {
				t.Errorf("%d models, want %d", len(doc.Models), m)
			}
			doc.Normalize()
			if err := doc.Validate(nil); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func readRegistry(t *testing.T, dir string) *registry.Document {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "registry.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := registry.DecodeDocument(f)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func readTruthFile(t *testing.T, dir string) []Truth {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "truth.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	truth, err := ReadTruth(f)
	if err != nil {
		t.Fatal(err)
	}
	return truth
}

type service struct {
	ip   netip.Addr
	port string
}

// Every format imports with nothing rejected, one observation per service
// the truth names, and the fields the generator says a format carries are
// what the importer read.
func TestImportMatchesTruth(t *testing.T) {
	for _, f := range Formats {
		t.Run(string(f), func(t *testing.T) {
			cfg := Config{Seed: 5, Models: 120, Hosts: 1500, Format: f}
			dir, sum := world(t, cfg)
			obs, d := decode(t, filepath.Join(dir, f.FileName()), f, DefaultDate)
			truth := readTruthFile(t, dir)
			want := map[service]bool{}
			for _, tr := range truth {
				for _, p := range tr.Ports {
					want[service{tr.IP, p}] = true
				}
			}
			got := map[service]registry.Observation{}
			for _, o := range obs {
				got[service{o.IP, fmt.Sprintf("%s/%d", o.Transport, o.Port)}] = o
				if day := registry.DateOf(o.Observed); day != DefaultDate {
					t.Fatalf("%s observed on %s, not the scan date", o.IP, day)
				}
			}
			if len(got) != len(want) || int(d.Stored) != sum.Services || len(want) != sum.Services {
				t.Fatalf("imported %d services (%d stored), truth names %d, summary %d", len(got), d.Stored, len(want), sum.Services)
			}
			for s := range want {
				if _, ok := got[s]; !ok {
					t.Fatalf("truth names %s %s, the import has no such service", s.ip, s.port)
				}
			}
			// The generator's own account of each service, both ways:
			// what it says a format carries was imported, and of the
			// fields it accounts for in any format, the importer read
			// no more (the truth's firmware follows from these).
			g := newGenerator(mustValid(cfg))
			accounted := map[string]bool{}
			for i := 0; i < cfg.Hosts; i++ {
				for _, dv := range g.newHost(i).devices {
					for _, in := range dv.svcs {
						for _, other := range Formats {
							for name := range carried(other, in) {
								accounted[name] = true
							}
						}
					}
				}
			}
			checked := 0
			for i := 0; i < cfg.Hosts; i++ {
				h := g.newHost(i)
				for _, dv := range h.devices {
					for _, in := range dv.svcs {
						if !appears(f, h, in) {
							continue
						}
						o := got[service{h.ip, portName(in)}]
						fields := carried(f, in)
						for name, value := range fields {
							if o.Fields[name] != value {
								t.Fatalf("%s %s %s: imported %q, the generator says %q", h.ip, portName(in), name, o.Fields[name], value)
							}
							checked++
						}
						for name, value := range o.Fields {
							if _, ok := fields[name]; accounted[name] && !ok {
								t.Fatalf("%s %s %s: imported %q, the generator says the format does not carry it", h.ip, portName(in), name, value)
							}
						}
					}
				}
			}
			if checked < sum.Services/2 {
				t.Errorf("only %d fields checked for %d services", checked, sum.Services)
			}
		})
	}
}

func mustValid(cfg Config) Config {
	if err := cfg.Validate(); err != nil {
		panic(err)
	}
	return cfg
}

// The truth's classes follow from the files alone: registry.json, the
// imported scan and the scan date, by SPEC's rules. The firmware counts as
// shown when a version-capturing predicate of the model's profile reads it
// from an observation of the device.
func TestTruthFollowsFromRegistry(t *testing.T) {
	type run struct {
		f    Format
		date registry.Date
	}
	runs := []run{{Nmap, registry.MustDate("2027-03-15")}}
	for _, f := range Formats {
		runs = append(runs, run{f, DefaultDate})
	}
	for _, tt := range runs {
		f, date := tt.f, tt.date
		t.Run(string(f)+"-"+date.String(), func(t *testing.T) {
			dir, sum := world(t, Config{Seed: 9, Models: 200, Hosts: 2000, Format: f, Date: date})
			doc := readRegistry(t, dir)
			models := map[string]*registry.Model{}
			for i := range doc.Models {
				models[doc.Models[i].Ref] = &doc.Models[i]
			}
			obs, _ := decode(t, filepath.Join(dir, f.FileName()), f, date)
			fields := map[service]map[string]string{}
			for _, o := range obs {
				fields[service{o.IP, fmt.Sprintf("%s/%d", o.Transport, o.Port)}] = o.Fields
			}
			counts := map[registry.Class]int{}
			for _, tr := range readTruthFile(t, dir) {
				counts[tr.Class]++
				want := registry.ClassUnknown
				if m := models[tr.ModelRef]; m != nil {
					shown := false
					for _, p := range tr.Ports {
						if v, ok := captureVersion(t, m, fields[service{tr.IP, p}]); ok {
							shown = true
							if v != tr.Firmware {
								t.Errorf("line %d: the scan shows firmware %s, the truth says %s", tr.Line, v, tr.Firmware)
							}
						}
					}
					want = expectedClass(m, tr.Firmware, shown, date)
				} else if tr.ModelRef != "" {
					t.Fatalf("line %d: model %s is not in the registry", tr.Line, tr.ModelRef)
				}
				if tr.Class != want {
					t.Errorf("line %d (%s %s fw %s): truth %s, the registry says %s", tr.Line, tr.IP, tr.ModelRef, tr.Firmware, tr.Class, want)
				}
			}
			for c, n := range sum.Classes {
				if counts[c] != n {
					t.Errorf("%s: %d rows, the summary says %d", c, counts[c], n)
				}
			}
			for _, c := range Classes {
				if counts[c] == 0 {
					t.Errorf("no device of class %s", c)
				}
			}
		})
	}
}

// captureVersion reads the firmware from an observation with the model's
// version-capturing predicates.
func captureVersion(t *testing.T, m *registry.Model, fields map[string]string) (string, bool) {
	if m.Profile == nil {
		return "", false
	}
	for _, sig := range m.Profile.Signatures {
		for name, p := range sig.Fields {
			if p.CaptureGroup() == "" {
				continue
			}
			v, ok := fields[name]
			if !ok {
				continue
			}
			re := regexp.MustCompile(p.Regex)
			if sub := re.FindStringSubmatch(v); sub != nil && sub[re.SubexpIndex(p.CaptureGroup())] != "" {
				return sub[re.SubexpIndex(p.CaptureGroup())], true
			}
		}
	}
	return "", false
}

// expectedClass is SPEC's verdict rule, written again from the registry
// types: certified when a certification is in force and the firmware is
// in scope or not shown; out of scope when one is in force for other
// firmware, or has expired; uncertified otherwise.
func expectedClass(m *registry.Model, fw string, shown bool, d registry.Date) registry.Class {
	class := registry.ClassUncertified
	for _, c := range m.Certifications {
		s, ok := c.StatusOn(d)
		switch {
		case !ok:
		case s == registry.StatusValid && (!shown || c.Firmware == nil || c.Firmware.Contains(fw)):
			return registry.ClassCertified
		case s == registry.StatusValid || s == registry.StatusExpired:
			class = registry.ClassCertifiedOutOfScope
		}
	}
	return class
}

// The world holds the hard cases the matcher must face.
func TestHardCasesPresent(t *testing.T) {
	dir, sum := world(t, Config{Seed: 2, Models: 500, Hosts: 20000, Format: Nmap})
	for _, kind := range hostKindNames {
		if sum.Kinds[kind] == 0 {
			t.Errorf("no %s address", kind)
		}
	}
	if sum.IPv6Hosts == 0 || sum.NATDevices == 0 {
		t.Errorf("%d IPv6 addresses, %d devices behind NAT", sum.IPv6Hosts, sum.NATDevices)
	}
	truth := readTruthFile(t, dir)
	perIP := map[netip.Addr]int{}
	moved, honeypots := 0, 0
	for _, tr := range truth {
		perIP[tr.IP]++
		if tr.ModelRef == "" && len(tr.Ports) >= 8 {
			honeypots++
		}
		for _, p := range tr.Ports {
			if p == "tcp/8080" || p == "tcp/2222" || p == "tcp/8443" {
				moved++
			}
		}
	}
	if len(perIP) != sum.Hosts {
		t.Errorf("%d addresses in the truth, %d hosts", len(perIP), sum.Hosts)
	}
	shared := 0
	for _, n := range perIP {
		if n > 1 {
			shared++
		}
	}
	if shared == 0 || honeypots == 0 || moved == 0 {
		t.Errorf("%d addresses with several devices, %d honeypots, %d services on moved ports", shared, honeypots, moved)
	}
	doc := readRegistry(t, dir)
	date := DefaultDate
	var twins, fullWidth, revokedLate, expired, suspended, future, captures, generic int
	families := map[string][]string{}
	for _, m := range doc.Models {
		if m.Family != "" {
			families[m.Family] = append(families[m.Family], m.Vendor)
		}
		if m.ModelNumber != registry.Key(m.ModelNumber) && strings.ContainsAny(m.ModelNumber, "０１２３４５６７８９") {
			fullWidth++
		}
		for _, c := range m.Certifications {
			s, _ := c.StatusOn(date)
			switch {
			case c.Issued.After(date):
				future++
			case s == registry.StatusExpired:
				expired++
			case s == registry.StatusSuspended:
				suspended++
			}
			for _, h := range c.History {
				if h.Status == registry.StatusRevoked && h.Effective.Before(date) && h.Recorded.After(date) {
					revokedLate++
				}
			}
		}
		if m.Profile != nil {
			for _, s := range m.Profile.Signatures {
				for name, p := range s.Fields {
					if p.CaptureGroup() != "" {
						captures++
					}
					if name == registry.FieldHTTPServer && strings.HasPrefix(p.Exact, "lighttpd/") {
						generic++
					}
				}
			}
		}
	}
	for _, vendors := range families {
		sort.Strings(vendors)
		if len(vendors) > 1 && vendors[0] != vendors[len(vendors)-1] {
			twins++
		}
	}
	for name, n := range map[string]int{"OEM twin families": twins, "full-width model numbers": fullWidth, "revocations recorded after the scan": revokedLate,
		"expired": expired, "suspended": suspended, "issued after the scan": future, "version captures": captures, "generic Server predicates": generic} {
		if n == 0 {
			t.Errorf("no %s", name)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	for name, cfg := range map[string]Config{
		"no models":   {Models: 0, Hosts: 1},
		"too many":    {Models: MaxModels + 1},
		"bad hosts":   {Models: 1, Hosts: -1},
		"bad format":  {Models: 1, Format: "shodan"},
		"auto format": {Models: 1, Format: "auto"},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Write(cfg, io.Discard, io.Discard, io.Discard); err == nil {
				t.Error("no error")
			}
		})
	}
}

// BenchmarkWrite measures a 200,000-host world in each format (set
// -benchtime=1x; the registry has 500 models).
func BenchmarkWrite(b *testing.B) {
	for _, f := range Formats {
		b.Run(string(f), func(b *testing.B) {
			for range b.N {
				var n countWriter
				sum, err := Write(Config{Seed: 1, Models: 500, Hosts: 200000, Format: f}, io.Discard, &n, io.Discard)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(n), "scan-bytes")
				b.ReportMetric(float64(sum.Devices), "devices")
			}
		})
	}
}

type countWriter int64

func (c *countWriter) Write(p []byte) (int, error) { *c += countWriter(len(p)); return len(p), nil }

var fairHosts = flag.Int("fairhosts", 12000, "hosts in each world of TestWorldIsFair")

// The world is hard but fair: in the formats the matcher is held to
// (nmap, ZGrab2), nearly every truly certified device shows something
// that names its model, or its OEM twin, in the services the scan holds.
// What is left (devices that answered on bare ports only, or only on a
// generic service, and devices whose look-alike is not certified, which
// an honest matcher calls ambiguous) bounds the recall any matcher can
// reach; the test keeps that bound above the 0.95 asked for, on seeds
// that once drew a look-alike among the most popular models (4, 101).
//
// Precision has a bound too, at that recall: a matcher that calls
// certified every device the recall bound counts (TP_max) calls certified
// every device that looks the same, truly certified or not. Those that are
// not (FP, as fairness.add counts them) bound its precision by
// TP_max / (TP_max + FP). The test logs both bounds, and what a matcher
// that also called certified the look-alikes an honest one calls
// ambiguous would reach, on seeds 1 to 5 and the held-out 101 to 105
// (-fairhosts sets the size of the worlds). It holds the worlds above to
// 0.96 for recall and 0.99 for precision, well below what they measure.
func TestWorldIsFair(t *testing.T) {
	floor := map[string]bool{"1-nmap": true, "1-zgrab2": true, "4-nmap": true, "101-zgrab2": true, "104-nmap": true}
	for _, seed := range []uint64{1, 2, 3, 4, 5, 101, 102, 103, 104, 105} {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			// Hosts do not depend on the format: one world, scored as
			// each format shows it.
			cfg := mustValid(Config{Seed: seed, Models: 500, Hosts: *fairHosts})
			g := newGenerator(cfg)
			counts := []*fairness{newFairness(g, Nmap), newFairness(g, ZGrab2)}
			for i := 0; i < cfg.Hosts; i++ {
				h := g.newHost(i)
				for _, c := range counts {
					c.add(h)
				}
			}
			for _, c := range counts {
				t.Run(string(c.f), func(t *testing.T) {
					counted := c.certified - c.hidden - c.ambiguous
					recall := float64(counted) / float64(c.certified)
					precision := float64(counted) / float64(counted+c.forced)
					// A matcher that calls the ambiguous ones
					// certified as well.
					tp, fp := counted+c.ambiguous, c.forced+c.mixed
					t.Logf("%d certified devices: %d show nothing of their model, %d have an uncertified look-alike; recall bound %.4f", c.certified, c.hidden, c.ambiguous, recall)
					t.Logf("%d devices not certified look as one of the %d counted (%d of models no registry lists); precision bound %.4f; "+
						"calling the %d ambiguous ones certified too adds %d such devices: recall %.4f, precision %.4f",
						c.forced, counted, c.forcedUnlisted, precision, c.ambiguous, c.mixed, float64(tp)/float64(c.certified), float64(tp)/float64(tp+fp))
					// The certified share such a matcher
					// estimates misses by the devices it
					// cannot count, less the look-alikes it
					// counts instead.
					t.Logf("%d devices: a matcher at both bounds estimates the certified share %+.2f pp off",
						c.devices, 100*float64(c.forced-c.hidden-c.ambiguous)/float64(c.devices))
					if floor[fmt.Sprint(seed, "-", c.f)] && recall < 0.96 {
						t.Errorf("recall bound %.4f", recall)
					}
					// Issue 4 asks for precision 0.995 on every
					// seed: a world whose look-alikes alone
					// forbid it measures the world, not a
					// matcher.
					if precision < 0.995 {
						t.Errorf("precision bound %.4f", precision)
					}
				})
			}
		})
	}
}

// fairness counts, in one format, the devices that bound the recall and
// the precision any matcher can reach.
type fairness struct {
	g *generator
	f Format
	// looks maps a service's look (serviceLook) to the registered
	// models with a service that looks so.
	looks map[string][]*model

	devices   int // devices with a service in the scan: truth.csv's rows
	certified int // devices truly certified
	hidden    int // ... that show nothing naming their model or its twin
	ambiguous int // ... that do, but whose look-alike is not certified for their firmware

	// Devices not truly certified that look as a device the recall
	// bound counts would (forced; of models no registry lists:
	// forcedUnlisted), and that look as a certified device the recall
	// bound leaves out as ambiguous would (mixed).
	forced, forcedUnlisted, mixed int
}

func newFairness(g *generator, f Format) *fairness {
	c := &fairness{g: g, f: f, looks: map[string][]*model{}}
	for _, md := range g.cat.models[:g.cat.nreg] {
		seen := map[string]bool{}
		for k := range md.services {
			for _, silent := range []bool{false, true} {
				look := serviceLook(f, &md.services[k], silent)
				if !seen[look] {
					seen[look] = true
					c.looks[look] = append(c.looks[look], md)
				}
			}
		}
	}
	return c
}

// Where the recall bound leaves a device, in the order of how far it gets.
const (
	fairNotCertified = iota
	fairUnnamed      // certified, nothing names its model
	fairAmbiguous    // certified, named, its look-alike is not certified
	fairCounted      // counted in the bound's numerator (TP_max)
)

// fairClass is where the recall bound leaves device d: counted when it is
// truly certified, a service of it in the scan carries a value naming its
// model or its OEM twin, and its look-alike (identical twin, hidden
// hardware revision), if any, is certified too for its firmware.
func (c *fairness) fairClass(h *host, d *device) int {
	f, date := c.f, c.g.cfg.Date
	seen := shown(f, h, d)
	if d.md == nil || classOfDevice(d, seen, date) != registry.ClassCertified {
		return fairNotCertified
	}
	named := false
	for _, in := range d.svcs {
		if !appears(f, h, in) {
			continue
		}
		for _, v := range carried(f, in) {
			named = named || distinctive(d.md, v) || d.md.twin >= 0 && distinctive(c.g.cat.models[d.md.twin], v)
		}
	}
	switch {
	case !named:
		return fairUnnamed
	case d.md.lookalike >= 0 && c.lookalikeFails(h, d):
		return fairAmbiguous
	}
	return fairCounted
}

// lookalikeFails reports whether device d's look-alike would not be
// certified with d's firmware: a matcher that cannot tell the two apart
// judges both by the firmware either profile reads from d's services.
func (c *fairness) lookalikeFails(h *host, d *device) bool {
	l := &device{md: c.g.cat.models[d.md.lookalike], fw: d.fw, svcs: d.svcs}
	return classOfDevice(l, shown(c.f, h, d) || shown(c.f, h, l), c.g.cfg.Date) != registry.ClassCertified
}

// add counts the devices of host h.
//
// A device not truly certified (of a model no registry lists, of a
// registered model uncertified or out of scope, a server, a honeypot) is
// forced when some registered model L has, for each of the device's
// services in the scan, a service that looks the same in this format
// (serviceLook), and a unit of L with the device's firmware and services
// would count towards the recall bound (fairClass, L's captures reading
// the firmware). No matcher can tell the device from that unit, so one
// that calls every counted unit certified calls this device certified
// too. It is mixed when the best such L leaves the unit ambiguous
// instead: a matcher that calls ambiguous units certified calls it
// certified as well. Looks are compared, not links between models, so
// every way the generator makes two models look the same counts:
// identical twins and hidden hardware revisions (every service), visible
// revisions (every service but the primary ones), a sibling no registry
// lists whose services name only its brand or stack, models of one brand
// sharing a banner that names only the brand (which the recall bound
// counts as naming the model).
func (c *fairness) add(h *host) {
	for _, d := range h.devices {
		// A device the format shows nothing of is no row of truth.csv:
		// neither counted nor missed.
		if !slices.ContainsFunc(d.svcs, func(in *instance) bool { return appears(c.f, h, in) }) {
			continue
		}
		c.devices++
		switch c.fairClass(h, d) {
		case fairNotCertified:
		case fairUnnamed:
			c.certified++
			c.hidden++
			continue
		case fairAmbiguous:
			c.certified++
			c.ambiguous++
			continue
		default:
			c.certified++
			continue
		}
		var cands []*model
		first := true
		for _, in := range d.svcs {
			if !appears(c.f, h, in) {
				continue
			}
			same := c.looks[serviceLook(c.f, in.t, in.silent)]
			if first {
				cands, first = same, false
				continue
			}
			var both []*model
			for _, md := range cands {
				if slices.Contains(same, md) {
					both = append(both, md)
				}
			}
			cands = both
		}
		best := fairNotCertified
		for _, md := range cands {
			best = max(best, c.fairClass(h, &device{md: md, fw: d.fw, svcs: d.svcs}))
		}
		switch best {
		case fairCounted:
			c.forced++
			if d.md != nil && !d.md.registered {
				c.forcedUnlisted++
			}
		case fairAmbiguous:
			c.mixed++
		}
	}
}

// serviceLook is what format f shows of a service of template t on any
// unit: the values carried, with the placeholders a unit fills ({fw},
// {mac}, {serial}, ...) left as they are, the template's kind, port and
// TLS; for a service that sends nothing, only its port.
func serviceLook(f Format, t *svcTemplate, silent bool) string {
	if silent {
		return fmt.Sprint("open ", t.udp, t.port)
	}
	in := &instance{t: t, port: t.port, udp: t.udp, title: t.title, finalTitle: t.finalTitle, realm: t.realm, location: t.location, server: t.server, text: t.text}
	if t.upnp != nil {
		in.upnp = *t.upnp
	}
	if ct := t.cert; ct != nil {
		in.cert = []byte{}
		in.subject = ct.dn()
		in.issuerText = ct.issuerDN()
		if ct.issuerCN != "" {
			in.issuerText = dnText(fingerprint.DN{CommonName: []string{ct.issuerCN}, Organization: []string{ct.issuerO}, Country: []string{"US"}})
		}
	}
	fields := carried(f, in)
	names := slices.Sorted(maps.Keys(fields))
	var b strings.Builder
	fmt.Fprint(&b, t.kind, " ", t.udp, " ", t.port, " ", t.tls)
	for _, name := range names {
		fmt.Fprintf(&b, " %s=%q", name, fields[name])
	}
	return b.String()
}

// A registered model's profile describes its devices: every predicate of
// a signature for the service's protocol and TLS holds on the device's
// observations whenever the field is there (a profile is captured from a
// unit of the model; firmware, MAC suffixes and nonces vary, the
// predicates allow for it).
func TestProfilesDescribeDevices(t *testing.T) {
	for _, f := range []Format{Nmap, ZGrab2, Masscan, Fingerprintx} {
		t.Run(string(f), func(t *testing.T) {
			dir, _ := world(t, Config{Seed: 6, Models: 300, Hosts: 2500, Format: f})
			doc := readRegistry(t, dir)
			models := map[string]*registry.Model{}
			for i := range doc.Models {
				models[doc.Models[i].Ref] = &doc.Models[i]
			}
			obs, _ := decode(t, filepath.Join(dir, f.FileName()), f, DefaultDate)
			byService := map[service]registry.Observation{}
			for _, o := range obs {
				byService[service{o.IP, fmt.Sprintf("%s/%d", o.Transport, o.Port)}] = o
			}
			held := 0
			for _, tr := range readTruthFile(t, dir) {
				m := models[tr.ModelRef]
				if m == nil || m.Profile == nil {
					continue
				}
				for _, p := range tr.Ports {
					o := byService[service{tr.IP, p}]
					for _, sig := range m.Profile.Signatures {
						if sig.Protocol != o.Protocol || sig.TLS != nil && *sig.TLS != o.TLS {
							continue
						}
						for name, pred := range sig.Fields {
							v, ok := o.Fields[name]
							if !ok {
								continue
							}
							if !holds(pred, v) {
								t.Fatalf("line %d: %s %s: %s = %q does not satisfy %+v", tr.Line, tr.ModelRef, p, name, v, pred)
							}
							held++
						}
					}
				}
			}
			if held == 0 {
				t.Error("no predicate checked")
			}
		})
	}
}

func holds(p registry.Predicate, v string) bool {
	switch {
	case p.Exact != "":
		return v == p.Exact
	case p.Prefix != "":
		return strings.HasPrefix(v, p.Prefix)
	}
	return regexp.MustCompile(p.Regex).MatchString(v)
}

// No address has two services on one transport and port: scanners see
// one, and the truth could not tell whose it is.
func TestOneServicePerPort(t *testing.T) {
	g := newGenerator(mustValid(Config{Seed: 2, Models: 500, Hosts: 25000, Format: Nmap}))
	for i := 0; i < 25000; i++ {
		h := g.newHost(i)
		seen := map[string]bool{}
		for _, d := range h.devices {
			for _, in := range d.svcs {
				if seen[portName(in)] {
					t.Fatalf("host %d (%s, %s): two services on %s", i, h.ip, hostKindNames[h.kind], portName(in))
				}
				seen[portName(in)] = true
			}
		}
	}
}
