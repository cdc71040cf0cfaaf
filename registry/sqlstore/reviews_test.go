package sqlstore_test

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/certprint/certprint/registry"
	"github.com/certprint/certprint/registry/sqlstore"
	"github.com/certprint/certprint/registry/sqlstore/sqlstoretest"
)

func modelVerdict(ip string, class registry.Class, models []string, ports ...string) registry.Verdict {
	v := verdict(ip, class, ports...)
	v.ModelRefs = models
	v.Ambiguous = len(models) > 1
	return v
}

// reviewedScan is a matched scan of the fixture registry: an address with
// two devices (one certified Acme router, one unknown), an ambiguous
// device and an unknown one.
func reviewedScan(t *testing.T, s *sqlstore.Store) int64 {
	t.Helper()
	mustImport(t, s, fixture(t))
	scanID := closedScan(t, s)
	writeRun(t, s, scanID,
		modelVerdict("192.0.2.10", registry.ClassCertified, []string{"acme-r100-v2"}, "tcp/80", "tcp/443"),
		modelVerdict("192.0.2.10", registry.ClassUnknown, []string{}, "tcp/8080"),
		modelVerdict("192.0.2.9", registry.ClassCertified, []string{"acme-r100-v2", "bravo-br100"}, "tcp/22"),
		modelVerdict("192.0.2.11", registry.ClassUnknown, []string{}, "tcp/80"))
	return scanID
}

func reviewsOf(t *testing.T, s *sqlstore.Store, scanID int64) map[string]registry.Review {
	t.Helper()
	list, err := s.Reviews(ctx, registry.ReviewFilter{ScanID: scanID})
	if err != nil {
		t.Fatalf("reviews: %v", err)
	}
	out := map[string]registry.Review{}
	for _, r := range list {
		out[r.IP.String()+" "+registry.PortsKey(r.Ports)] = r
	}
	return out
}

func verdictsByDevice(t *testing.T, s *sqlstore.Store, scanID int64) map[string]registry.Verdict {
	t.Helper()
	out := map[string]registry.Verdict{}
	err := s.Verdicts(ctx, registry.VerdictFilter{ScanID: scanID}, func(v *registry.Verdict) error {
		out[v.IP.String()+" "+registry.PortsKey(v.Ports)] = *v
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Each kind of review is stored with the model it says the device is, or
// refused with the code the interface documents; the verdicts read back
// carry the review, the audit log has one event per review and names no
// address, and the registry's revision does not move.
func TestReviews(t *testing.T) {
	sqlstoretest.ForEach(t, func(t *testing.T, s *sqlstore.Store) {
		scanID := reviewedScan(t, s)
		unmatched := closedScan(t, s)
		rev, err := s.Revision(ctx)
		if err != nil {
			t.Fatal(err)
		}
		ip := netip.MustParseAddr
		for _, c := range []struct {
			name      string
			in        registry.ReviewInput
			code      string
			state     registry.ReviewState
			model     string
			wantPorts string
		}{
			{"confirm by a port", registry.ReviewInput{IP: ip("192.0.2.10"), Port: "443", State: registry.ReviewConfirmed}, "", registry.ReviewConfirmed, "acme-r100-v2", "tcp/80 tcp/443"},
			{"reject the other device", registry.ReviewInput{IP: ip("192.0.2.10"), Port: "tcp/8080", State: registry.ReviewRejected, Note: "a NAS behind the router"}, "", registry.ReviewRejected, "", "tcp/8080"},
			{"correct an ambiguous verdict to one model", registry.ReviewInput{IP: ip("192.0.2.9"), State: registry.ReviewCorrected, ModelRef: "bravo-br100", Note: "the SSH banner says Bravo"}, "", registry.ReviewCorrected, "bravo-br100", "tcp/22"},
			{"correct an unknown", registry.ReviewInput{IP: ip("192.0.2.11"), State: registry.ReviewCorrected, ModelRef: "carol-cam-7"}, "", registry.ReviewCorrected, "carol-cam-7", "tcp/80"},
			{"an address with two devices needs a port", registry.ReviewInput{IP: ip("192.0.2.10"), State: registry.ReviewConfirmed}, registry.EINVALID, "", "", ""},
			{"no device has the port", registry.ReviewInput{IP: ip("192.0.2.10"), Port: "9999", State: registry.ReviewConfirmed}, registry.ENOTFOUND, "", "", ""},
			{"no device on the address", registry.ReviewInput{IP: ip("198.51.100.1"), State: registry.ReviewConfirmed}, registry.ENOTFOUND, "", "", ""},
			{"confirming an ambiguous verdict", registry.ReviewInput{IP: ip("192.0.2.9"), State: registry.ReviewConfirmed}, registry.ECONFLICT, "", "", ""},
			{"correcting to the model named", registry.ReviewInput{IP: ip("192.0.2.10"), Port: "80", State: registry.ReviewCorrected, ModelRef: "acme-r100-v2"}, registry.ECONFLICT, "", "", ""},
			{"correcting to an unknown model", registry.ReviewInput{IP: ip("192.0.2.11"), State: registry.ReviewCorrected, ModelRef: "no-such-model"}, registry.ENOTFOUND, "", "", ""},
			{"a correction without a model", registry.ReviewInput{IP: ip("192.0.2.11"), State: registry.ReviewCorrected}, registry.EINVALID, "", "", ""},
			{"a confirmation naming a model", registry.ReviewInput{IP: ip("192.0.2.11"), State: registry.ReviewConfirmed, ModelRef: "carol-cam-7"}, registry.EINVALID, "", "", ""},
			{"state auto", registry.ReviewInput{IP: ip("192.0.2.11"), State: registry.ReviewAuto}, registry.EINVALID, "", "", ""},
			{"a control character in the note", registry.ReviewInput{IP: ip("192.0.2.11"), State: registry.ReviewRejected, Note: "ok\x1b[2J"}, registry.EINVALID, "", "", ""},
			{"a note too long", registry.ReviewInput{IP: ip("192.0.2.11"), State: registry.ReviewRejected, Note: strings.Repeat("n", registry.MaxReviewNote+1)}, registry.EINVALID, "", "", ""},
			{"not a port", registry.ReviewInput{IP: ip("192.0.2.11"), Port: "tcp/http", State: registry.ReviewRejected}, registry.EINVALID, "", "", ""},
			{"a scan never matched", registry.ReviewInput{ScanID: unmatched, IP: ip("192.0.2.1"), State: registry.ReviewRejected}, registry.ENOTFOUND, "", "", ""},
			{"no such scan", registry.ReviewInput{ScanID: 999, IP: ip("192.0.2.1"), State: registry.ReviewRejected}, registry.ENOTFOUND, "", "", ""},
		} {
			t.Run(c.name, func(t *testing.T) {
				in := c.in
				if in.ScanID == 0 {
					in.ScanID = scanID
				}
				r, err := s.Review(ctx, in)
				if code(err) != c.code {
					t.Fatalf("code %q (%v), want %q", code(err), err, c.code)
				}
				if err != nil {
					return
				}
				if r.State != c.state || r.ModelRef != c.model || registry.PortsKey(r.Ports) != c.wantPorts || r.By != "test" || r.At.IsZero() || r.Note != in.Note {
					t.Errorf("review %+v", r)
				}
			})
		}

		vs := verdictsByDevice(t, s, scanID)
		for key, want := range map[string]struct {
			state registry.ReviewState
			model string
		}{
			"192.0.2.10 tcp/80 tcp/443": {registry.ReviewConfirmed, "acme-r100-v2"},
			"192.0.2.10 tcp/8080":       {registry.ReviewRejected, ""},
			"192.0.2.9 tcp/22":          {registry.ReviewCorrected, "bravo-br100"},
			"192.0.2.11 tcp/80":         {registry.ReviewCorrected, "carol-cam-7"},
		} {
			v := vs[key]
			if v.Review != want.state || v.ReviewModel != want.model || v.ReviewedBy != "test" || v.ReviewedAt.IsZero() || v.ReviewID == 0 {
				t.Errorf("verdict %s: review %q model %q by %q at %v", key, v.Review, v.ReviewModel, v.ReviewedBy, v.ReviewedAt)
			}
		}
		if v := vs["192.0.2.9 tcp/22"]; v.ReviewNote != "the SSH banner says Bravo" || len(v.ModelRefs) != 2 {
			t.Errorf("the corrected verdict keeps what the matcher said beside the review: %+v", v)
		}

		events, err := s.Audit(ctx, registry.AuditFilter{Entity: "review", Page: registry.Page{Limit: 100}})
		if err != nil {
			t.Fatal(err)
		}
		if len(events) != 4 {
			t.Fatalf("%d review audit events, want 4: %+v", len(events), events)
		}
		for _, e := range events {
			text := e.Key + string(e.Before) + string(e.After)
			if e.Actor != "test" || e.Action != "create" || e.Before != nil || !strings.Contains(string(e.After), `"state":`) || strings.Contains(text, "192.0.2.") {
				t.Errorf("audit event %+v %s", e, e.After)
			}
		}
		if again, _ := s.Revision(ctx); again != rev {
			t.Errorf("reviews moved the registry revision from %d to %d", rev, again)
		}

		// A second review of a device replaces the first, audited with
		// its before.
		if _, err := s.Review(ctx, registry.ReviewInput{ScanID: scanID, IP: ip("192.0.2.11"), State: registry.ReviewRejected}); err != nil {
			t.Fatal(err)
		}
		events, _ = s.Audit(ctx, registry.AuditFilter{Entity: "review", Page: registry.Page{Limit: 1}})
		if e := events[0]; e.Action != "update" || !strings.Contains(string(e.Before), `"carol-cam-7"`) || !strings.Contains(string(e.After), `"rejected"`) {
			t.Errorf("re-review audited as %+v %s -> %s", e, e.Before, e.After)
		}
		if rs := reviewsOf(t, s, scanID); len(rs) != 4 || rs["192.0.2.11 tcp/80"].State != registry.ReviewRejected {
			t.Errorf("after the re-review: %+v", rs)
		}
		if list, err := s.Reviews(ctx, registry.ReviewFilter{ScanID: scanID, ModelRef: "bravo-br100"}); err != nil || len(list) != 1 || list[0].IP != ip("192.0.2.9") {
			t.Errorf("reviews naming bravo-br100: %+v %v", list, err)
		}
		if _, err := s.Reviews(ctx, registry.ReviewFilter{ScanID: 999}); code(err) != registry.ENOTFOUND {
			t.Errorf("reviews of no scan: %v", err)
		}
	})
}

// A re-match keeps every review on the device with the same address and
// ports; a review whose device the new run no longer has is listed as
// stale, and a scan dropped takes its reviews with it.
func TestReviewsSurviveRematch(t *testing.T) {
	sqlstoretest.ForEach(t, func(t *testing.T, s *sqlstore.Store) {
		scanID := reviewedScan(t, s)
		ip := netip.MustParseAddr
		for _, in := range []registry.ReviewInput{
			{ScanID: scanID, IP: ip("192.0.2.10"), Port: "80", State: registry.ReviewConfirmed},
			{ScanID: scanID, IP: ip("192.0.2.10"), Port: "8080", State: registry.ReviewRejected},
			{ScanID: scanID, IP: ip("192.0.2.9"), State: registry.ReviewCorrected, ModelRef: "bravo-br100"},
		} {
			if _, err := s.Review(ctx, in); err != nil {
				t.Fatalf("%+v: %v", in, err)
			}
		}
		// The new run joins 192.0.2.10's services into one device and
		// names bravo-br100 alone on 192.0.2.9.
		writeRun(t, s, scanID,
			modelVerdict("192.0.2.10", registry.ClassCertified, []string{"acme-r100-v2"}, "tcp/80", "tcp/443", "tcp/8080"),
			modelVerdict("192.0.2.9", registry.ClassUncertified, []string{"bravo-br100"}, "tcp/22"),
			modelVerdict("192.0.2.11", registry.ClassUnknown, []string{}, "tcp/80"))

		rs := reviewsOf(t, s, scanID)
		for key, stale := range map[string]bool{"192.0.2.10 tcp/80 tcp/443": true, "192.0.2.10 tcp/8080": true, "192.0.2.9 tcp/22": false} {
			r, ok := rs[key]
			if !ok || r.Stale != stale {
				t.Errorf("review of %s: %+v (present %v), want stale %v", key, r, ok, stale)
			}
		}
		vs := verdictsByDevice(t, s, scanID)
		if v := vs["192.0.2.9 tcp/22"]; v.Review != registry.ReviewCorrected || v.ReviewModel != "bravo-br100" || len(v.ModelRefs) != 1 {
			t.Errorf("the surviving review on the new run's verdict: %+v", v)
		}
		if v := vs["192.0.2.10 tcp/80 tcp/443 tcp/8080"]; v.Review != registry.ReviewAuto || v.ReviewedBy != "" {
			t.Errorf("a stale review shows on the device that replaced its own: %+v", v)
		}
		if v := vs["192.0.2.11 tcp/80"]; v.Review != registry.ReviewAuto {
			t.Errorf("an unreviewed device: %+v", v)
		}

		// The device as it now is can be reviewed; the stale reviews stay.
		if _, err := s.Review(ctx, registry.ReviewInput{ScanID: scanID, IP: ip("192.0.2.10"), State: registry.ReviewConfirmed}); err != nil {
			t.Fatal(err)
		}
		if rs := reviewsOf(t, s, scanID); len(rs) != 4 || rs["192.0.2.10 tcp/80 tcp/443 tcp/8080"].Stale {
			t.Errorf("after reviewing the new device: %+v", rs)
		}

		if err := s.DropScan(ctx, scanID); err != nil {
			t.Fatal(err)
		}
		if n := count(t, s, "reviews"); n != 0 {
			t.Errorf("%d reviews left of a dropped scan", n)
		}
	})
}
