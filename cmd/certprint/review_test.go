package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/certprint/certprint/fingerprint/synth"
	"github.com/certprint/certprint/registry"
	"github.com/certprint/certprint/registry/sqlstore"
	"github.com/certprint/certprint/registry/sqlstore/sqlstoretest"
)

func jsonLines[T any](t *testing.T, out string) []T {
	t.Helper()
	var list []T
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if line == "" {
			continue
		}
		var v T
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		list = append(list, v)
	}
	return list
}

func withStore(t *testing.T, db string, fn func(*sqlstore.Store)) {
	t.Helper()
	s, err := sqlstore.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	fn(s)
}

// The learning-from-review loop on a synthetic world: devices of one model
// are confirmed while its profile exists, the profile is removed (its
// devices turn unknown, the confirmations stay on them), two more are
// corrected to the model, and promotion learns a profile from the four
// that, after matching again, names the model on every reviewed device
// and on no device the truth says is not a registered model: ordinary
// servers, unregistered embedded devices, silent ports, honeypots. Each
// command runs as a script would run it.
func TestPromoteFromReviews(t *testing.T) {
	dir := t.TempDir()
	db := sqlstoretest.DSN(t, "sqlite")
	mustRun(t, "synth", "--seed", "5", "--models", "60", "--hosts", "1500", "--out", dir)
	mustRun(t, "--db", db, "registry", "import", filepath.Join(dir, "registry.json"))
	mustRun(t, "--db", db, "scan", "import", "--format", "nmap", "--name", "synth-5", filepath.Join(dir, "scan.xml"))
	mustRun(t, "--db", db, "match", "--scan", "1")

	f, err := os.Open(filepath.Join(dir, "truth.csv"))
	if err != nil {
		t.Fatal(err)
	}
	truth, err := synth.ReadTruth(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	device := func(ip string, ports []string) string { return ip + " " + registry.PortsKey(ports) }
	verdicts := map[string]registry.Verdict{}
	for _, v := range verdictsOf(t, db) {
		verdicts[device(v.IP.String(), v.Ports)] = v
	}
	perAddress := map[string]int{}
	for _, tr := range truth {
		perAddress[tr.IP.String()]++
	}
	// Devices the matcher got right, alone on their address, grouped by
	// model and ports: one group's devices are what reviewers would pick.
	groups := map[string][]string{}
	for _, tr := range truth {
		v, ok := verdicts[device(tr.IP.String(), tr.Ports)]
		if tr.ModelRef == "" || perAddress[tr.IP.String()] > 1 || !ok || !slices.Equal(v.ModelRefs, []string{tr.ModelRef}) {
			continue
		}
		key := tr.ModelRef + " " + registry.PortsKey(tr.Ports)
		groups[key] = append(groups[key], tr.IP.String())
	}
	var best string
	for key, g := range groups {
		if len(g) > len(groups[best]) || len(g) == len(groups[best]) && key < best {
			best = key
		}
	}
	if len(groups[best]) < 4 {
		t.Fatalf("no model has four correctly matched devices: %v", groups)
	}
	ref := strings.Fields(best)[0]
	ips := groups[best][:4]
	sort.Strings(ips)

	for _, ip := range ips[:2] {
		mustRun(t, "--db", db, "verdicts", "review", "--scan", "1", "--ip", ip, "--confirm", "--note", "title and SSH banner agree")
	}
	// The profile is lost, and the list is found to give the number of a
	// regional variant, which the devices do not show: a device that
	// shows its registered number is the model's on the registry's word,
	// and every device of a synthetic world does.
	withStore(t, db, func(s *sqlstore.Store) {
		ctx := registry.WithActor(context.Background(), registry.Actor{Name: "test"})
		m, err := s.GetModel(ctx, ref, false)
		if err != nil {
			t.Fatal(err)
		}
		m.ModelNumber += "J"
		if _, err := s.UpdateModel(ctx, m); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetProfile(ctx, ref, nil); err != nil {
			t.Fatal(err)
		}
	})
	mustRun(t, "--db", db, "match", "--scan", "1")
	reviews := jsonLines[registry.Review](t, mustRun(t, "--db", db, "--json", "verdicts", "reviews", "--scan", "1"))
	if len(reviews) != 2 || reviews[0].Stale || reviews[1].Stale || reviews[0].ModelRef != ref {
		t.Fatalf("the confirmations after matching without the profile: %+v", reviews)
	}
	for _, ip := range ips[2:] {
		mustRun(t, "--db", db, "verdicts", "review", "--scan", "1", "--ip", ip, "--correct", ref)
	}
	if code, _, errOut := run(t, "--db", db, "verdicts", "review", "--scan", "1", "--ip", ips[0], "--correct", "no-such-model"); code != 1 || !strings.Contains(errOut, "does not exist") {
		t.Errorf("correcting to an unknown model: exit %d %s", code, errOut)
	}
	if code, _, errOut := run(t, "--db", db, "verdicts", "review", "--scan", "1", "--ip", ips[0], "--reject", "--note", "\x1b]0;owned\x07"); code != 1 || strings.Contains(errOut, "\x1b") {
		t.Errorf("a note with control characters: exit %d %q", code, errOut)
	}

	type promotion struct {
		Stored    bool              `json:"stored"`
		Devices   int               `json:"devices"`
		Confirmed int               `json:"confirmed"`
		Corrected int               `json:"corrected"`
		Reviewers []string          `json:"reviewers"`
		Profile   *registry.Profile `json:"profile"`
	}
	var dry promotion
	if err := json.Unmarshal([]byte(mustRun(t, "--db", db, "--json", "profile", "promote", "--model", ref, "--scan", "1", "--dry-run")), &dry); err != nil {
		t.Fatal(err)
	}
	if dry.Stored || dry.Devices != 4 || dry.Confirmed != 2 || dry.Corrected != 2 || len(dry.Reviewers) != 1 || !strings.HasPrefix(dry.Reviewers[0], "cli") {
		t.Errorf("dry run %+v", dry)
	}
	if shown := mustRun(t, "--db", db, "--json", "profile", "show", "--model", ref); !strings.Contains(shown, `"signatures":[]`) {
		t.Errorf("a dry run stored a profile: %s", shown)
	}
	var p promotion
	if err := json.Unmarshal([]byte(mustRun(t, "--db", db, "--json", "profile", "promote", "--model", ref, "--scan", "1")), &p); err != nil {
		t.Fatal(err)
	}
	if !p.Stored || p.Profile == nil || len(p.Profile.Signatures) == 0 {
		t.Fatalf("promotion %+v", p)
	}
	for _, sig := range p.Profile.Signatures {
		if o := sig.Origin; o == nil || o.Kind != "review" || !strings.Contains(o.Note, "scan 1: 4 devices (2 confirmed, 2 corrected)") || o.At.IsZero() {
			t.Errorf("signature origin %+v", sig.Origin)
		}
	}
	withStore(t, db, func(s *sqlstore.Store) {
		ev, err := s.Audit(context.Background(), registry.AuditFilter{Entity: "profile", Key: ref, Page: registry.Page{Limit: 1}})
		if err != nil || len(ev) != 1 || ev[0].Action != "create" || !strings.Contains(string(ev[0].After), `"kind":"review"`) || !strings.HasPrefix(ev[0].Actor, "cli") {
			t.Errorf("the promotion's audit event: %+v %v", ev, err)
		}
		for _, ip := range ips {
			if strings.Contains(string(ev[0].After), ip) {
				t.Errorf("the stored profile names the reviewed address %s", ip)
			}
		}
	})

	mustRun(t, "--db", db, "match", "--scan", "1")
	verdicts = map[string]registry.Verdict{}
	for _, v := range verdictsOf(t, db) {
		verdicts[device(v.IP.String(), v.Ports)] = v
	}
	for _, ip := range ips {
		v, ok := verdicts[device(ip, strings.Fields(best)[1:])]
		if !ok || !slices.Contains(v.ModelRefs, ref) || v.Review == registry.ReviewAuto {
			t.Errorf("reviewed device %s after promotion: %+v", ip, v)
		}
	}
	// The verdict is what "matches" means: a learned signature may hold
	// on an unregistered sibling of the model (the same stack's OpenSSH
	// banner), as the captured one did, and the matcher weighs such text
	// by its rarity; it must never name the model there.
	background := 0
	for _, tr := range truth {
		if tr.ModelRef != "" {
			continue
		}
		background++
		if v := verdicts[device(tr.IP.String(), tr.Ports)]; slices.Contains(v.ModelRefs, ref) {
			t.Errorf("%s, no registered model, is matched to %s after promotion", tr.IP, ref)
		}
	}
	if background < 100 {
		t.Errorf("only %d background devices to test against", background)
	}

	other := "no-reviews"
	for _, tr := range truth {
		if tr.ModelRef != "" && tr.ModelRef != ref {
			other = tr.ModelRef
			break
		}
	}
	if code, _, errOut := run(t, "--db", db, "profile", "promote", "--model", other, "--scan", "1"); code != 1 || !strings.Contains(errOut, "no device reviewed as "+other) {
		t.Errorf("promoting a model nobody reviewed: exit %d %s", code, errOut)
	}
	for _, args := range [][]string{
		{"verdicts", "review", "--scan", "1", "--ip", ips[0]},
		{"verdicts", "review", "--scan", "1", "--ip", ips[0], "--confirm", "--reject"},
		{"verdicts", "review", "--scan", "1", "--confirm"},
		{"verdicts", "review", "--scan", "1", "--ip", ips[0], "--port", "http", "--confirm"},
		{"profile", "promote", "--model", ref},
	} {
		if code, _, errOut := run(t, append([]string{"--db", db}, args...)...); code != 2 {
			t.Errorf("%v: exit %d, want 2: %s", args, code, errOut)
		}
	}
}
