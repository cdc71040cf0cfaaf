package fingerprint

import (
	"context"
	"encoding/json"
	"maps"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/certprint/certprint/registry"
)

// memScans is a closed scan held in memory: only Observations is used.
type memScans struct {
	registry.ScanService
	hosts [][]registry.Observation // in address order
}

func (m *memScans) Observations(ctx context.Context, f registry.ObservationFilter, fn func(*registry.Observation) error) error {
	if f.ScanID != 1 {
		return registry.Errorf(registry.ENOTFOUND, "scan %d does not exist", f.ScanID)
	}
	for _, h := range m.hosts {
		for i := range h {
			o := h[i]
			if err := fn(&o); err != nil {
				return err
			}
		}
	}
	return nil
}

// at moves services to one address.
func at(ip string, obs ...registry.Observation) []registry.Observation {
	for i := range obs {
		obs[i].IP = netip.MustParseAddr(ip)
	}
	return obs
}

// gammaRegistry registers gamma-g7 as number "G7", which no banner of
// gammaScan names as a model number ("G7-CAM" reads as another): only
// its profile decides, which is what comparing profiles is about.
func gammaRegistry() *registry.Document {
	return testRegistry(func(doc *registry.Document) {
		doc.Models = append(doc.Models, registry.Model{
			Ref: "gamma-g7", Vendor: "Gamma", Name: "G7", ModelNumber: "G7", DeviceType: "camera",
			Certifications: []registry.Certification{cert("CCDS", "CCDS-77", "2025-01-01", "", registry.StatusValid, nil)},
			Profile: &registry.Profile{Signatures: []registry.Signature{
				{Protocol: "http", Fields: map[string]registry.Predicate{registry.FieldHTTPTitle: {Regex: `^Gamma G7-CAM \(fw (?P<version>[0-9.]+)\)$`}}},
				{Protocol: "telnet", Fields: map[string]registry.Predicate{registry.FieldTelnetBanner: {Exact: "G7-CAM login:"}}},
			}},
		})
	})
}

// gammaProposal keeps the title, drops the telnet greeting, and adds an
// FTP greeting of the model's own and the web page of a CamCo camera: a
// capture of the wrong device on the bench.
var gammaProposal = &registry.Profile{Signatures: []registry.Signature{
	{Protocol: "http", Fields: map[string]registry.Predicate{registry.FieldHTTPTitle: {Regex: `^Gamma G7-CAM \(fw (?P<version>[0-9.]+)\)$`}}},
	{Protocol: "ftp", Fields: map[string]registry.Predicate{registry.FieldFTPBanner: {Exact: "220 G7-CAM FTP server ready"}}},
	{Protocol: "http", Fields: map[string]registry.Predicate{
		registry.FieldHTTPWWWAuthenticate: {Exact: `Digest realm="CamCo C300"`}, registry.FieldHTTPTitle: {Exact: "C300 Live View"}}},
}}

// gammaScan has one address per case: a Gamma page (kept), a Gamma
// telnet prompt (lost), a CamCo page (taken), a Gamma FTP greeting
// (gained) and an Acme router, which nothing concerns.
func gammaScan() *memScans {
	return &memScans{hosts: [][]registry.Observation{
		at("192.0.2.1", svc(80, "http", registry.FieldHTTPTitle, "Gamma G7-CAM (fw 2.0.1)")),
		at("192.0.2.2", svc(23, "telnet", registry.FieldTelnetBanner, "G7-CAM login:")),
		at("192.0.2.3", svc(8080, "http", registry.FieldHTTPWWWAuthenticate, `Digest realm="CamCo C300"`,
			registry.FieldHTTPServer, "GoAhead-Webs", registry.FieldHTTPTitle, "C300 Live View")),
		at("192.0.2.4", svc(21, "ftp", registry.FieldFTPBanner, "220 G7-CAM FTP server ready")),
		at("192.0.2.5", acmeWeb("1.4.2")),
	}}
}

// change is a listed device in brief: address, ports, and the models
// named before and after.
type briefChange struct {
	ip, ports     string
	before, after string
}

func brief(list []DeviceChange) []briefChange {
	out := []briefChange{}
	refs := func(vs []DeviceVerdict) string {
		var s []string
		for _, v := range vs {
			s = append(s, string(v.Class)+":"+strings.Join(v.ModelRefs, ","))
		}
		return strings.Join(s, " ")
	}
	for _, c := range list {
		out = append(out, briefChange{c.IP.String(), strings.Join(c.Ports, " "), refs(c.Before), refs(c.After)})
	}
	return out
}

func TestCompareScan(t *testing.T) {
	none := []briefChange{}
	tests := []struct {
		name     string
		proposed *registry.Profile
		opts     CompareOptions
		baseline string
		totals   CompareTotals
		taken    map[string]int64
		lost     map[string]int64
		groups   [groupCount][]briefChange // gained, taken, kept, lost, changed
	}{
		{
			name: "gains, takes, keeps and loses", proposed: gammaProposal, baseline: BaselineRegistry,
			totals: CompareTotals{DevicesBefore: 5, DevicesAfter: 5, MatchedBefore: 2, MatchedAfter: 3,
				Gained: 1, Taken: 1, Kept: 1, Lost: 1, LostUnmatched: 1},
			taken: map[string]int64{"camco-c300": 1}, lost: map[string]int64{},
			groups: [groupCount][]briefChange{
				{{"192.0.2.4", "tcp/21", "unknown:", "certified:gamma-g7"}},
				{{"192.0.2.3", "tcp/8080", "uncertified:camco-c300", "certified:gamma-g7"}},
				{{"192.0.2.1", "tcp/80", "certified:gamma-g7", "certified:gamma-g7"}},
				{{"192.0.2.2", "tcp/23", "certified:gamma-g7", "unknown:"}},
				none,
			},
		},
		{
			name: "listing bounded, totals complete", proposed: gammaProposal, opts: CompareOptions{Limit: -1, Workers: 3}, baseline: BaselineRegistry,
			totals: CompareTotals{DevicesBefore: 5, DevicesAfter: 5, MatchedBefore: 2, MatchedAfter: 3,
				Gained: 1, Taken: 1, Kept: 1, Lost: 1, LostUnmatched: 1},
			taken: map[string]int64{"camco-c300": 1}, lost: map[string]int64{},
			groups: [groupCount][]briefChange{none, none, none, none, none},
		},
		{
			name: "the stored profile again changes nothing", proposed: gammaRegistry().Models[5].Profile, baseline: BaselineRegistry,
			totals: CompareTotals{DevicesBefore: 5, DevicesAfter: 5, MatchedBefore: 2, MatchedAfter: 2, Kept: 2},
			taken:  map[string]int64{}, lost: map[string]int64{},
			groups: [groupCount][]briefChange{none, none,
				{{"192.0.2.1", "tcp/80", "certified:gamma-g7", "certified:gamma-g7"}, {"192.0.2.2", "tcp/23", "certified:gamma-g7", "certified:gamma-g7"}},
				none, none},
		},
		{
			name: "the stored profile, against the registry without it", baseline: BaselineWithoutProfile,
			totals: CompareTotals{DevicesBefore: 5, DevicesAfter: 5, MatchedAfter: 2, Gained: 2},
			taken:  map[string]int64{}, lost: map[string]int64{},
			groups: [groupCount][]briefChange{
				{{"192.0.2.1", "tcp/80", "unknown:", "certified:gamma-g7"}, {"192.0.2.2", "tcp/23", "unknown:", "certified:gamma-g7"}},
				none, none, none, none},
		},
		{
			name: "removing the profile", proposed: &registry.Profile{}, baseline: BaselineRegistry,
			totals: CompareTotals{DevicesBefore: 5, DevicesAfter: 5, MatchedBefore: 2, Lost: 2, LostUnmatched: 2},
			taken:  map[string]int64{}, lost: map[string]int64{},
			groups: [groupCount][]briefChange{none, none, none,
				{{"192.0.2.1", "tcp/80", "certified:gamma-g7", "unknown:"}, {"192.0.2.2", "tcp/23", "certified:gamma-g7", "unknown:"}},
				none},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pt, err := ProfileTestOf(gammaRegistry(), "gamma-g7", tt.proposed)
			if err != nil {
				t.Fatal(err)
			}
			c, err := pt.CompareScan(context.Background(), gammaScan(), 1, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if c.Baseline != tt.baseline || c.Hosts != 5 || c.Services != 5 {
				t.Errorf("baseline %q, %d hosts, %d services", c.Baseline, c.Hosts, c.Services)
			}
			if c.Totals != tt.totals {
				t.Errorf("totals\n%+v, want\n%+v", c.Totals, tt.totals)
			}
			if !maps.Equal(c.TakenFrom, tt.taken) || !maps.Equal(c.LostTo, tt.lost) {
				t.Errorf("taken from %v, lost to %v", c.TakenFrom, c.LostTo)
			}
			lists := [groupCount][]DeviceChange{c.Gained, c.Taken, c.Kept, c.Lost, c.Changed}
			for g := range lists {
				if got := brief(lists[g]); !slices.Equal(got, tt.groups[g]) {
					t.Errorf("group %d:\n%+v, want\n%+v", g, got, tt.groups[g])
				}
			}
		})
	}
}

// The lists are the first devices by address whatever the workers do,
// and the whole comparison is the same on one goroutine or many.
func TestCompareScanIsDeterministic(t *testing.T) {
	scans := &memScans{}
	for i := range 600 {
		ip := netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}).String()
		scans.hosts = append(scans.hosts, at(ip, svc(21, "ftp", registry.FieldFTPBanner, "220 G7-CAM FTP server ready")))
	}
	pt, err := ProfileTestOf(gammaRegistry(), "gamma-g7", gammaProposal)
	if err != nil {
		t.Fatal(err)
	}
	var first []byte
	for _, workers := range []int{1, 4} {
		c, err := pt.CompareScan(context.Background(), scans, 1, CompareOptions{Workers: workers, Limit: 3})
		if err != nil {
			t.Fatal(err)
		}
		if c.Totals.Gained != 600 || len(c.Gained) != 3 || c.Gained[0].IP.String() != "10.0.0.0" || c.Gained[2].IP.String() != "10.0.0.2" {
			t.Fatalf("workers %d: %d gained, listed %+v", workers, c.Totals.Gained, brief(c.Gained))
		}
		b, _ := json.Marshal(c)
		if first == nil {
			first = b
		} else if string(b) != string(first) {
			t.Errorf("workers %d:\n%s\nworkers 1:\n%s", workers, b, first)
		}
	}
}

func TestProfileTestRefusals(t *testing.T) {
	catchAll := &registry.Profile{Signatures: []registry.Signature{
		{Protocol: "http", Fields: map[string]registry.Predicate{registry.FieldHTTPTitle: {Exact: "Gamma"}}},
		{Protocol: "http", Fields: map[string]registry.Predicate{registry.FieldHTTPServer: {Regex: ".*"}}},
	}}
	badRegex := &registry.Profile{Signatures: []registry.Signature{
		{Protocol: "http", Fields: map[string]registry.Predicate{registry.FieldHTTPTitle: {Regex: "Gamma ("}}}}}
	noProfile := gammaRegistry()
	noProfile.Models[5].Profile = nil
	tests := []struct {
		name     string
		doc      *registry.Document
		ref      string
		proposed *registry.Profile
		code     string
		want     string
	}{
		{"catch-all", gammaRegistry(), "gamma-g7", catchAll, registry.EINVALID, "signatures[1].fields.http.server"},
		{"bad regex", gammaRegistry(), "gamma-g7", badRegex, registry.EINVALID, "signatures[0].fields.http.title"},
		{"unknown model", gammaRegistry(), "nope", gammaProposal, registry.ENOTFOUND, "model nope does not exist"},
		{"no stored profile to test", noProfile, "gamma-g7", nil, registry.EINVALID, "has no profile"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ProfileTestOf(tt.doc, tt.ref, tt.proposed)
			if registry.ErrorCode(err) != tt.code || err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("%v (%s), want %s naming %q", err, registry.ErrorCode(err), tt.code, tt.want)
			}
		})
	}
	pt, err := ProfileTestOf(gammaRegistry(), "gamma-g7", gammaProposal)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pt.CompareScan(context.Background(), gammaScan(), 2, CompareOptions{}); registry.ErrorCode(err) != registry.ENOTFOUND {
		t.Errorf("an unknown scan: %v", err)
	}
}
