package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/certprint/certprint/registry"
	"github.com/certprint/certprint/registry/sqlstore/sqlstoretest"
)

// adoptionOf runs report adoption --json with args and decodes it.
func adoptionOf(t *testing.T, args ...string) registry.AdoptionReport {
	t.Helper()
	out := mustRun(t, append([]string{"--json", "report", "adoption"}, args...)...)
	var rep registry.AdoptionReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("report adoption --json: %v\n%s", err, out)
	}
	return rep
}

// checkGroup asserts what must hold of every group: the class counts sum
// to the denominator, each share is its count over it, and each
// interval holds its share.
func checkGroup(t *testing.T, g registry.AdoptionGroup) {
	t.Helper()
	var sum int64
	for _, c := range registry.ReportClasses {
		s, ok := g.Classes[c]
		if !ok {
			t.Errorf("group %q lacks class %s", g.Key, c)
		}
		sum += s.Devices
		if want := float64(s.Devices) / float64(g.Devices); g.Devices > 0 && s.Share != want {
			t.Errorf("group %q, %s: share %v, want %d/%d", g.Key, c, s.Share, s.Devices, g.Devices)
		}
		if !(0 <= s.Low && s.Low <= s.Share && s.Share <= s.High && s.High <= 1) || s.Low == s.High {
			t.Errorf("group %q, %s: interval [%v, %v] around %v", g.Key, c, s.Low, s.High, s.Share)
		}
	}
	if sum != g.Devices || g.Devices == 0 {
		t.Errorf("group %q: classes sum to %d, devices %d", g.Key, sum, g.Devices)
	}
	if g.CertifiedUnobserved > g.Classes[registry.ClassCertified].Devices {
		t.Errorf("group %q: %d certified with firmware unobserved of %d certified", g.Key, g.CertifiedUnobserved, g.Classes[registry.ClassCertified].Devices)
	}
}

// The report of a small synthetic world agrees with the verdicts it
// counts: the funnel narrows step by step, and grouping by vendor, done
// again here from the verdicts and the registry file, gives the same
// counts.
func TestReportAdoption(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, "synth", "--seed", "5", "--models", "120", "--hosts", "1500", "--out", dir)
	doc := sqlstoretest.LoadDocument(t, filepath.Join(dir, "registry.json"))
	vendorOf := map[string]string{}
	for _, m := range doc.Models {
		vendorOf[m.Ref] = m.Vendor
	}
	for _, dialect := range sqlstoretest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			db := sqlstoretest.DSN(t, dialect)
			mustRun(t, "--db", db, "registry", "import", filepath.Join(dir, "registry.json"))
			if code, _, errOut := run(t, "--db", db, "report", "adoption"); code != 1 || !strings.Contains(errOut, "no closed scan has verdicts") {
				t.Errorf("a report before any match: exit %d %s", code, errOut)
			}
			mustRun(t, "--db", db, "scan", "import", "--format", "nmap", "--name", "synth-5",
				"--probed", "10.0.0.0/8,2001:db8::/32", "--ports", "tcp/1-65535,udp/1-65535", filepath.Join(dir, "scan.xml"))
			mustRun(t, "--db", db, "match", "--scan", "1")

			// What the verdicts say, counted here.
			want := map[string]map[registry.Class]int64{}
			total := map[registry.Class]int64{}
			var responsive, matched int64
			for _, line := range strings.Split(strings.TrimSpace(mustRun(t, "--db", db, "--json", "verdicts", "--scan", "1")), "\n") {
				var v registry.Verdict
				if err := json.Unmarshal([]byte(line), &v); err != nil {
					t.Fatal(err)
				}
				responsive++
				total[v.Class]++
				key := registry.GroupUnmatched
				if len(v.ModelRefs) > 0 {
					matched++
					vendors := map[string]bool{}
					for _, ref := range v.ModelRefs {
						vendors[vendorOf[ref]] = true
					}
					key = registry.GroupAmbiguous
					if len(vendors) == 1 {
						key = vendorOf[v.ModelRefs[0]]
					}
				}
				if want[key] == nil {
					want[key] = map[registry.Class]int64{}
				}
				want[key][v.Class]++
			}

			rep := adoptionOf(t, "--db", db, "--scan", "1")
			f := rep.Funnel
			if f.Probed == nil || f.Probed.Ports != 2*65535 || f.Probed.Addresses != 1<<24+1<<96 {
				t.Fatalf("probed %+v", f.Probed)
			}
			if !(f.Probed.Services >= float64(f.Responsive) && f.Responsive >= f.Fingerprinted && f.Fingerprinted >= f.Matched &&
				f.Matched >= f.Certified && f.Certified > 0) {
				t.Errorf("the funnel does not narrow: %+v", f)
			}
			if f.Responsive != responsive || f.Matched != matched || f.Certified != total[registry.ClassCertified] || f.Fingerprinted == f.Responsive {
				t.Errorf("funnel %+v; the verdicts say %d responsive, %d matched, %d certified", f, responsive, matched, total[registry.ClassCertified])
			}
			checkGroup(t, rep.Total)
			for _, c := range registry.ReportClasses {
				if rep.Total.Classes[c].Devices != total[c] || rep.Run.Classes[c] != total[c] {
					t.Errorf("%s: %d in the report, %d in the run, %d verdicts", c, rep.Total.Classes[c].Devices, rep.Run.Classes[c], total[c])
				}
			}
			if rep.Latest || rep.Groups != nil {
				t.Errorf("latest %v, %d groups without --by", rep.Latest, len(rep.Groups))
			}

			byVendor := adoptionOf(t, "--db", db, "--by", "vendor")
			if !byVendor.Latest || byVendor.Scan.ID != 1 || byVendor.By != registry.ByVendor {
				t.Errorf("without --scan: scan %d latest %v by %q", byVendor.Scan.ID, byVendor.Latest, byVendor.By)
			}
			var sum int64
			got := map[string]map[registry.Class]int64{}
			for _, g := range byVendor.Groups {
				checkGroup(t, g)
				sum += g.Devices
				got[g.Key] = map[registry.Class]int64{}
				for _, c := range registry.ReportClasses {
					if n := g.Classes[c].Devices; n > 0 {
						got[g.Key][c] = n
					}
				}
			}
			if sum != f.Responsive {
				t.Errorf("vendor groups hold %d devices, %d are responsive", sum, f.Responsive)
			}
			if a, b := fmt.Sprint(got), fmt.Sprint(want); a != b {
				t.Errorf("by vendor\n got %s\nwant %s", a, b)
			}
			if len(got) < 5 || got[registry.GroupUnmatched] == nil {
				t.Errorf("only %d vendor groups: %v", len(got), got)
			}

			for _, by := range []string{"program", "device_type", "model", "month"} {
				rep := adoptionOf(t, "--db", db, "--scan", "1", "--by", by)
				sum := int64(0)
				for _, g := range rep.Groups {
					checkGroup(t, g)
					sum += g.Devices
				}
				if overlap := by == "program"; rep.GroupsOverlap != overlap || (!overlap && sum != f.Responsive) || sum < f.Responsive {
					t.Errorf("by %s: groups hold %d devices of %d (overlap %v)", by, sum, f.Responsive, rep.GroupsOverlap)
				}
			}

			code, text, errOut := run(t, "--db", db, "report", "adoption", "--by", "vendor")
			if code != 0 || !strings.Contains(errOut, "the latest closed scan that has verdicts") {
				t.Errorf("exit %d, stderr %q", code, errOut)
			}
			lines := strings.Split(text, "\n")
			funnel, shares := slices.Index(lines, "funnel"), slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, "shares of the responsive devices") })
			if funnel < 0 || shares < funnel || !strings.Contains(text, "(all)") || !strings.Contains(text, "certified-out-of-scope") ||
				!strings.Contains(text, fmt.Sprintf("%d devices", f.Fingerprinted)) || !strings.Contains(text, "by vendor: ") {
				t.Errorf("report for people:\n%s", text)
			}
			if m := regexp.MustCompile(`\b10\.[0-9]+\.[0-9]+|2001:db8:|synth-5`).FindString(text); m != "" {
				t.Errorf("the report names an address or the scan (%q):\n%s", m, text)
			}
			if code, _, _ := run(t, "--db", db, "report", "adoption", "--by", "city"); code != 2 {
				t.Errorf("--by city: exit %d, want 2", code)
			}
			if code, _, _ := run(t, "--db", db, "report", "adoption", "--scan", "9"); code != 1 {
				t.Errorf("--scan 9: exit %d, want 1", code)
			}
		})
	}
}

// A group's name is registry text: a tab or newline in a vendor's name
// stays inside its cell and cannot start a row of its own.
func TestRenderAdoptionGroupNames(t *testing.T) {
	rep := &registry.AdoptionReport{Run: &registry.MatchRun{ID: 1},
		Groups: []registry.AdoptionGroup{{Key: "Evil\n(all)  99999\tVendor", Devices: 3}},
	}
	var b strings.Builder
	renderAdoption(&b, rep)
	lines := strings.Split(b.String(), "\n")
	rows := 0
	for _, l := range lines {
		if strings.Contains(l, "Evil") {
			rows++
			if !strings.Contains(l, "Evil (all) 99999 Vendor") {
				t.Errorf("group row %q", l)
			}
		}
		if strings.HasPrefix(l, "(all)  99999") {
			t.Errorf("a group name started a row: %q", l)
		}
	}
	if rows != 1 {
		t.Errorf("%d rows name the group, want 1:\n%s", rows, b.String())
	}
}
