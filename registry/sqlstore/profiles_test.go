package sqlstore_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/certprint/certprint/registry"
	"github.com/certprint/certprint/registry/sqlstore"
	"github.com/certprint/certprint/registry/sqlstore/sqlstoretest"
)

func learnedProfile(title string) *registry.Profile {
	return &registry.Profile{Signatures: []registry.Signature{{
		Protocol: "http", Transport: "tcp", Port: 80,
		Fields: map[string]registry.Predicate{"http.title": {Exact: title}},
		Origin: &registry.Origin{Kind: "capture", Tool: "nmap 7.93"},
	}}}
}

// SetProfile replaces, keeps and removes a profile, each change audited
// with its before and after, and leaves the rest of the model alone.
func TestSetProfile(t *testing.T) {
	sqlstoretest.ForEach(t, func(t *testing.T, s *sqlstore.Store) {
		mustImport(t, s, fixture(t))
		before, err := s.GetModel(ctx, "acme-r100-v2", false)
		if err != nil {
			t.Fatal(err)
		}
		if before.Profile == nil {
			t.Fatal("the fixture's acme-r100-v2 has no profile to replace")
		}
		audits := func() []registry.AuditEvent {
			t.Helper()
			ev, err := s.Audit(ctx, registry.AuditFilter{Entity: "profile", Key: "acme-r100-v2", Page: registry.Page{Limit: 100}})
			if err != nil {
				t.Fatal(err)
			}
			return ev
		}
		start := len(audits())

		m, err := s.SetProfile(ctx, "acme-r100-v2", learnedProfile("Acme R100"))
		if err != nil {
			t.Fatal(err)
		}
		if got := m.Profile.Signatures[0].Fields["http.title"].Exact; got != "Acme R100" || len(m.Profile.Signatures) != 1 {
			t.Fatalf("stored profile %+v", m.Profile)
		}
		if m.Vendor != before.Vendor || len(m.Certifications) != len(before.Certifications) {
			t.Errorf("the rest of the model changed: %+v", m)
		}
		ev := audits()
		if len(ev) != start+1 || ev[0].Action != "update" || ev[0].Actor != "test" {
			t.Fatalf("audit after the replace: %+v", ev)
		}
		var was, is registry.Profile
		if json.Unmarshal(ev[0].Before, &was) != nil || json.Unmarshal(ev[0].After, &is) != nil ||
			len(was.Signatures) != len(before.Profile.Signatures) || is.Signatures[0].Fields["http.title"].Exact != "Acme R100" {
			t.Errorf("audit before/after: %s / %s", ev[0].Before, ev[0].After)
		}

		rev, _ := s.Revision(ctx)
		if _, err := s.SetProfile(ctx, "acme-r100-v2", learnedProfile("Acme R100")); err != nil {
			t.Fatal(err)
		}
		if again, _ := s.Revision(ctx); again != rev || len(audits()) != start+1 {
			t.Errorf("the same profile again changed the registry (revision %d -> %d)", rev, again)
		}

		m, err = s.SetProfile(ctx, "acme-r100-v2", &registry.Profile{})
		if err != nil || m.Profile != nil {
			t.Fatalf("remove: %+v, %v", m, err)
		}
		if ev := audits(); len(ev) != start+2 || ev[0].After != nil {
			t.Errorf("audit after the removal: %+v", ev[0])
		}
		m, err = s.SetProfile(ctx, "acme-r100-v2", learnedProfile("Acme R100 again"))
		if err != nil || m.Profile == nil {
			t.Fatalf("set after removal: %+v, %v", m, err)
		}
		if ev := audits(); ev[0].Action != "create" {
			t.Errorf("a profile set where none was is audited as %q", ev[0].Action)
		}
	})
}

func TestSetProfileErrors(t *testing.T) {
	sqlstoretest.ForEach(t, func(t *testing.T, s *sqlstore.Store) {
		mustImport(t, s, fixture(t))
		catchAll := learnedProfile("x")
		catchAll.Signatures[0].Fields["http.title"] = registry.Predicate{Regex: ".*"}
		for _, c := range []struct {
			name, ref string
			p         *registry.Profile
			code      string
			want      string
		}{
			{"unknown model", "nope", learnedProfile("x"), registry.ENOTFOUND, "nope does not exist"},
			{"catch-all", "acme-r100-v2", catchAll, registry.EINVALID, "signatures[0].fields.http.title.regex"},
		} {
			t.Run(c.name, func(t *testing.T) {
				_, err := s.SetProfile(ctx, c.ref, c.p)
				if registry.ErrorCode(err) != c.code || !strings.Contains(err.Error(), c.want) {
					t.Fatalf("error %v (code %s), want %s with %q", err, registry.ErrorCode(err), c.code, c.want)
				}
			})
		}
		m, _ := s.GetModel(ctx, "acme-r100-v2", false)
		if m.Profile == nil || m.Profile.Signatures[0].Fields["http.title"].Regex == ".*" {
			t.Errorf("a refused profile was stored: %+v", m.Profile)
		}
	})
}
