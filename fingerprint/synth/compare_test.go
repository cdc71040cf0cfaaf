package synth

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/certprint/certprint/fingerprint"
	"github.com/certprint/certprint/fingerprint/learn"
	"github.com/certprint/certprint/registry"
)

// scanOf is a decoded scan held in memory as a closed scan: only
// Observations is used.
type scanOf struct {
	registry.ScanService
	obs []registry.Observation // ordered by address, transport and port
}

func (s *scanOf) Observations(_ context.Context, _ registry.ObservationFilter, fn func(*registry.Observation) error) error {
	for i := range s.obs {
		o := s.obs[i]
		if err := fn(&o); err != nil {
			return err
		}
	}
	return nil
}

// A profile learned from a registered model's own devices in a scan, and
// the model's registered profile tested against the registry without it,
// gain none of the ordinary servers the world mixes in: nginx, Apache and
// OpenSSH are no device model. The comparison must also find the model's
// own devices, or it would pass by finding nothing.
func TestProfileTestGainsNoServer(t *testing.T) {
	cfg := Config{Seed: 5, Models: 60, Hosts: 1500, Format: Nmap}
	dir, _ := world(t, cfg)
	obs, _ := decode(t, filepath.Join(dir, cfg.Format.FileName()), cfg.Format, DefaultDate)
	slices.SortStableFunc(obs, func(a, b registry.Observation) int {
		return cmp.Or(a.IP.Compare(b.IP), cmp.Compare(a.Transport, b.Transport), cmp.Compare(a.Port, b.Port))
	})
	scan := &scanOf{obs: obs}
	doc := readRegistry(t, dir)
	doc.Normalize()

	g := newGenerator(cfg)
	servers := map[netip.Addr]bool{}
	alone := map[string][]netip.Addr{} // addresses with one device of a registered model, by ref
	for i := range cfg.Hosts {
		h := g.newHost(i)
		switch {
		case h.kind == hostServer:
			servers[h.ip] = true
		case h.kind == hostRegistered && len(h.devices) == 1:
			alone[h.devices[0].md.ref] = append(alone[h.devices[0].md.ref], h.ip)
		}
	}
	if len(servers) < 100 {
		t.Fatalf("%d servers in the world; the test needs many", len(servers))
	}
	// The registered model seen alone on the most addresses.
	ref := ""
	for r, ips := range alone {
		if len(ips) > len(alone[ref]) || len(ips) == len(alone[ref]) && r < ref {
			ref = r
		}
	}
	if len(alone[ref]) < 3 {
		t.Fatalf("model %s is alone on %d addresses; the test needs a few", ref, len(alone[ref]))
	}
	learned := learnFrom(t, obs, alone[ref])

	for _, tt := range []struct {
		name     string
		proposed *registry.Profile
	}{
		{"learned from the scan", learned},
		{"the registered profile", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			pt, err := fingerprint.ProfileTestOf(doc, ref, tt.proposed)
			if err != nil {
				t.Fatal(err)
			}
			c, err := pt.CompareScan(context.Background(), scan, 1, fingerprint.CompareOptions{Limit: cfg.Hosts})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: %+v, taken from %v, lost to %v", ref, c.Totals, c.TakenFrom, c.LostTo)
			if int64(len(c.Gained)) != c.Totals.Gained || int64(len(c.Taken)) != c.Totals.Taken {
				t.Fatalf("listed %d gained and %d taken of %d and %d", len(c.Gained), len(c.Taken), c.Totals.Gained, c.Totals.Taken)
			}
			for _, d := range slices.Concat(c.Gained, c.Taken) {
				if servers[d.IP] {
					t.Errorf("the profile of %s gains the server %s (%s): %+v", ref, d.IP, strings.Join(d.Ports, " "), d.After)
				}
			}
			own := 0
			for _, d := range slices.Concat(c.Gained, c.Taken, c.Kept) {
				if slices.Contains(alone[ref], d.IP) {
					own++
				}
			}
			if own == 0 {
				t.Errorf("the profile of %s matches none of its %d devices seen alone", ref, len(alone[ref]))
			}
		})
	}
}

// learnFrom learns a profile from the addresses, as `profile learn` does
// from captures: the largest set of them that show the same services,
// three at most.
func learnFrom(t *testing.T, obs []registry.Observation, ips []netip.Addr) *registry.Profile {
	t.Helper()
	byShape := map[string][]learn.Sample{}
	for _, ip := range ips {
		var host []registry.Observation
		var shape []string
		for _, o := range obs {
			if o.IP == ip {
				host = append(host, o)
				shape = append(shape, fmt.Sprintf("%s/%d %s", o.Transport, o.Port, o.Protocol))
			}
		}
		key := strings.Join(shape, " ")
		byShape[key] = append(byShape[key], learn.Sample{Name: ip.String(), Observations: host})
	}
	var best []learn.Sample
	for _, key := range slices.Sorted(maps.Keys(byShape)) {
		if len(byShape[key]) > len(best) {
			best = byShape[key]
		}
	}
	res, err := learn.Learn(best[:min(len(best), 3)], registry.Origin{Kind: "learned", Tool: "nmap", At: time.Now().UTC()})
	if err != nil {
		t.Fatal(err)
	}
	return res.Profile
}
