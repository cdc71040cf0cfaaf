package sqlstore_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/certprint/certprint/registry"
	"github.com/certprint/certprint/registry/sqlstore"
	"github.com/certprint/certprint/registry/sqlstore/sqlstoretest"
)

// reportWorld stores the example registry, with the Acme router also
// certified under JC-STAR so that one model is in two programmes, and a
// closed scan of 192.0.2.0/24 on two ports whose current run has these
// devices:
//
//	192.0.2.1 tcp/80       certified              acme (firmware unobserved)
//	192.0.2.1 tcp/443      unknown                (a silent port: not fingerprinted)
//	192.0.2.2 tcp/80,443   certified              acme and bravo (ambiguous)
//	192.0.2.3 tcp/80       uncertified            carol
//	192.0.2.4 tcp/443      certified-out-of-scope delta
//	192.0.2.5 tcp/80       uncertified            echo, seen a month later
//	192.0.2.6 tcp/80       unknown                (an http server)
//	192.0.2.7 tcp/443      unknown                (a banner only)
//	192.0.2.8 tcp/80       uncertified            a model the registry lacks
//	192.0.2.9 tcp/80       uncertified            ＡＣＭＥ X1, Acme's vendor key spelled otherwise
//
// An earlier run of the scan said otherwise: the report counts the
// current one only.
func reportWorld(t *testing.T, s *sqlstore.Store) int64 {
	t.Helper()
	doc := fixture(t)
	for i := range doc.Models {
		if doc.Models[i].Ref == "acme-r100-v2" {
			doc.Models[i].Certifications = append(doc.Models[i].Certifications, registry.Certification{
				Program: "JC-STAR", CertificateID: "JCS-1-000099", Level: "★1",
				Issued: registry.MustDate("2025-01-01"), Status: registry.StatusValid})
		}
	}
	doc.Models = append(doc.Models, registry.Model{Ref: "acme-x1", Vendor: "ＡＣＭＥ", Name: "X1", DeviceType: "router"})
	mustImport(t, s, doc)
	sc, err := s.CreateScan(ctx, &registry.Scan{Name: "report", Probed: []string{"192.0.2.0/24"}, Ports: []string{"tcp/80", "tcp/443"}})
	if err != nil {
		t.Fatal(err)
	}
	later := obs("192.0.2.5 tcp/80 http", "10:00", "http.title=Echo")
	later.Observed = later.Observed.AddDate(0, 1, 0)
	loadFile(t, s, sc.ID, "a.jsonl", "", []registry.Observation{
		obs("192.0.2.1 tcp/80 http", "10:00", "http.title=Acme"),
		obs("192.0.2.1 tcp/443 unknown", "10:00"),
		obs("192.0.2.2 tcp/80 http", "10:01", "http.title=Acme"),
		obs("192.0.2.2 tcp/443 http tls", "10:01"),
		obs("192.0.2.3 tcp/80 http", "10:02", "http.title=Carol"),
		obs("192.0.2.4 tcp/443 http tls", "10:03", "tls.subject_cn=delta"),
		later,
		obs("192.0.2.6 tcp/80 http", "10:05", "http.server=nginx"),
		obs("192.0.2.7 tcp/443 unknown", "10:06", "banner=hello"),
		obs("192.0.2.8 tcp/80 http", "10:07", "http.title=Gone"),
		obs("192.0.2.9 tcp/80 http", "10:08", "http.title=X1"),
	})
	closeScan(t, s, sc.ID)
	named := func(v registry.Verdict, fw registry.FirmwareState, refs ...string) registry.Verdict {
		v.ModelRefs, v.FirmwareState, v.Ambiguous = refs, fw, len(refs) > 1
		return v
	}
	writeRun(t, s, sc.ID, verdict("192.0.2.1", registry.ClassCertified, "tcp/80", "tcp/443"))
	writeRun(t, s, sc.ID,
		named(verdict("192.0.2.1", registry.ClassCertified, "tcp/80"), registry.FirmwareUnobserved, "acme-r100-v2"),
		verdict("192.0.2.1", registry.ClassUnknown, "tcp/443"),
		named(verdict("192.0.2.2", registry.ClassCertified, "tcp/80", "tcp/443"), registry.FirmwareInScope, "acme-r100-v2", "bravo-br100"),
		named(verdict("192.0.2.3", registry.ClassUncertified, "tcp/80"), registry.FirmwareUnobserved, "carol-cam-7"),
		named(verdict("192.0.2.4", registry.ClassCertifiedOutOfScope, "tcp/443"), registry.FirmwareOutOfScope, "delta-nas-2"),
		named(verdict("192.0.2.5", registry.ClassUncertified, "tcp/80"), registry.FirmwareUnobserved, "echo-plain"),
		verdict("192.0.2.6", registry.ClassUnknown, "tcp/80"),
		verdict("192.0.2.7", registry.ClassUnknown, "tcp/443"),
		named(verdict("192.0.2.8", registry.ClassUncertified, "tcp/80"), registry.FirmwareUnobserved, "no-such-model"),
		named(verdict("192.0.2.9", registry.ClassUncertified, "tcp/80"), registry.FirmwareUnobserved, "acme-x1"),
	)
	return sc.ID
}

// groupLines writes a report's groups as "key: devices = certified
// oos uncertified unknown", in the report's order.
func groupLines(groups []registry.AdoptionGroup) []string {
	var out []string
	for _, g := range groups {
		c := g.Classes
		out = append(out, fmt.Sprintf("%s: %d = %d %d %d %d", g.Key, g.Devices, c[registry.ClassCertified].Devices,
			c[registry.ClassCertifiedOutOfScope].Devices, c[registry.ClassUncertified].Devices, c[registry.ClassUnknown].Devices))
	}
	return out
}

func TestAdoptionReport(t *testing.T) {
	sqlstoretest.ForEach(t, func(t *testing.T, s *sqlstore.Store) {
		scanID := reportWorld(t, s)
		rep, err := s.Adoption(ctx, registry.AdoptionQuery{ScanID: scanID})
		if err != nil {
			t.Fatal(err)
		}
		want := registry.Funnel{Probed: &registry.ProbedSpace{Addresses: 256, Ports: 2, Services: 512},
			Responsive: 10, Fingerprinted: 9, Matched: 7, Certified: 2}
		if got, _ := json.Marshal(rep.Funnel); string(got) != mustJSON(t, want) {
			t.Errorf("funnel %s, want %s", got, mustJSON(t, want))
		}
		if got := groupLines([]registry.AdoptionGroup{rep.Total}); !slices.Equal(got, []string{"(all): 10 = 2 1 4 3"}) {
			t.Errorf("total %q", got)
		}
		if rep.Total.CertifiedUnobserved != 1 {
			t.Errorf("certified with firmware unobserved: %d, want 1", rep.Total.CertifiedUnobserved)
		}
		if share := rep.Total.Classes[registry.ClassCertified]; share.Share != 2.0/10 || !(share.Low < share.Share && share.Share < share.High) {
			t.Errorf("certified share %+v", share)
		}
		if rep.Latest || rep.Run == nil || rep.Run.Devices != 10 || rep.Scan.ID != scanID || rep.Groups != nil {
			t.Errorf("report %+v", rep)
		}

		for _, c := range []struct {
			by      registry.ReportBy
			overlap bool
			want    []string
		}{
			{registry.ByVendor, false, []string{"Acme: 2 = 1 0 1 0", "Delta: 1 = 0 1 0 0", "Echo: 1 = 0 0 1 0", "キャロル電機: 1 = 0 0 1 0",
				"(unmatched): 3 = 0 0 0 3", "(ambiguous): 1 = 1 0 0 0", "(not in registry): 1 = 0 0 1 0"}},
			{registry.ByDeviceType, false, []string{"router: 3 = 2 0 1 0", "camera: 1 = 0 0 1 0", "nas: 1 = 0 1 0 0", "printer: 1 = 0 0 1 0",
				"(unmatched): 3 = 0 0 0 3", "(not in registry): 1 = 0 0 1 0"}},
			{registry.ByModel, false, []string{"acme-r100-v2: 1 = 1 0 0 0", "acme-x1: 1 = 0 0 1 0", "carol-cam-7: 1 = 0 0 1 0", "delta-nas-2: 1 = 0 1 0 0",
				"echo-plain: 1 = 0 0 1 0", "no-such-model: 1 = 0 0 1 0", "(unmatched): 3 = 0 0 0 3", "(ambiguous): 1 = 1 0 0 0"}},
			// Acme is in CCDS and JC-STAR; the ambiguous device (Acme or
			// Bravo) is in JC-STAR, which both have, and (ambiguous) for
			// CCDS, which only Acme has.
			{registry.ByProgram, true, []string{"JC-STAR: 3 = 2 1 0 0", "CCDS: 2 = 1 0 1 0",
				"(no programme): 3 = 0 0 3 0", "(unmatched): 3 = 0 0 0 3", "(ambiguous): 1 = 1 0 0 0"}},
			{registry.ByMonth, false, []string{"2026-10: 9 = 2 1 3 3", "2026-11: 1 = 0 0 1 0"}},
		} {
			t.Run(string(c.by), func(t *testing.T) {
				rep, err := s.Adoption(ctx, registry.AdoptionQuery{ScanID: scanID, By: c.by})
				if err != nil {
					t.Fatal(err)
				}
				if got := groupLines(rep.Groups); !slices.Equal(got, c.want) {
					t.Errorf("groups\n got %q\nwant %q", got, c.want)
				}
				if rep.GroupsOverlap != c.overlap || rep.Grouping == "" || rep.By != c.by {
					t.Errorf("overlap %v, grouping %q, by %q", rep.GroupsOverlap, rep.Grouping, rep.By)
				}
				var sum int64
				for _, g := range rep.Groups {
					sum += g.Devices
				}
				if !c.overlap && sum != rep.Total.Devices {
					t.Errorf("groups hold %d devices, the total %d", sum, rep.Total.Devices)
				}
			})
		}

		t.Run("the report names no address and no scan name", func(t *testing.T) {
			rep, err := s.Adoption(ctx, registry.AdoptionQuery{ScanID: scanID, By: registry.ByModel})
			if err != nil {
				t.Fatal(err)
			}
			body := mustJSON(t, rep)
			if strings.Contains(body, "192.0.2.") || strings.Contains(body, `"report"`) {
				t.Errorf("report %s", body)
			}
		})
	})
}

func TestAdoptionReportScans(t *testing.T) {
	sqlstoretest.ForEach(t, func(t *testing.T, s *sqlstore.Store) {
		if _, err := s.Adoption(ctx, registry.AdoptionQuery{}); code(err) != registry.ENOTFOUND {
			t.Errorf("no matched scan at all: %v, want ENOTFOUND", err)
		}
		matched := reportWorld(t, s)
		unmatched := closedScan(t, s)
		open := newScan(t, s, "open")
		rep, err := s.Adoption(ctx, registry.AdoptionQuery{})
		if err != nil {
			t.Fatal(err)
		}
		if !rep.Latest || rep.Scan.ID != matched {
			t.Errorf("without a scan: scan %d latest %v, want the matched scan %d (the one closed after has no verdicts)", rep.Scan.ID, rep.Latest, matched)
		}
		for _, c := range []struct {
			name string
			q    registry.AdoptionQuery
			code string
		}{
			{"an unknown grouping", registry.AdoptionQuery{ScanID: matched, By: "city"}, registry.EINVALID},
			{"no such scan", registry.AdoptionQuery{ScanID: 999}, registry.ENOTFOUND},
			{"a scan never matched", registry.AdoptionQuery{ScanID: unmatched}, registry.ENOTFOUND},
			{"a scan still importing", registry.AdoptionQuery{ScanID: open.ID}, registry.ECONFLICT},
		} {
			if _, err := s.Adoption(ctx, c.q); code(err) != c.code {
				t.Errorf("%s: %v, want %s", c.name, err, c.code)
			}
		}
	})
}

// A scan that declared no address space leaves the first step of the
// funnel unknown (null), not zero; a run without devices has empty
// shares whose intervals say nothing is known.
func TestAdoptionReportEmpty(t *testing.T) {
	sqlstoretest.ForEach(t, func(t *testing.T, s *sqlstore.Store) {
		scanID := closedScan(t, s)
		writeRun(t, s, scanID)
		rep, err := s.Adoption(ctx, registry.AdoptionQuery{ScanID: scanID, By: registry.ByVendor})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Funnel.Probed != nil || rep.Funnel.Responsive != 0 || len(rep.Groups) != 0 {
			t.Errorf("funnel %+v, groups %v", rep.Funnel, rep.Groups)
		}
		if c := rep.Total.Classes[registry.ClassCertified]; c.Low != 0 || c.High != 1 {
			t.Errorf("share of nothing %+v", c)
		}
	})
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
