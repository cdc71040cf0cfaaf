package sqlstore_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/certprint/certprint/registry"
	"github.com/certprint/certprint/registry/sqlstore"
	"github.com/certprint/certprint/registry/sqlstore/sqlstoretest"
)

var ctx = registry.WithActor(context.Background(), registry.Actor{Name: "test", Role: registry.RoleAdmin})

func fixture(t *testing.T) *registry.Document {
	return sqlstoretest.LoadDocument(t, "../../testdata/registry.json")
}

func mustImport(t *testing.T, s *sqlstore.Store, doc *registry.Document) registry.ImportSummary {
	t.Helper()
	sum, err := s.Import(ctx, doc)
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	return sum
}

func export(t *testing.T, s *sqlstore.Store) []byte {
	t.Helper()
	doc, err := s.Export(ctx)
	if err != nil {
		t.Fatalf("export: %v", err)
	}
	var b bytes.Buffer
	if err := doc.Encode(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// Import, export, import into a fresh database, export again: the two
// exports are identical, and the export keeps every field of the fixture.
func TestRoundTrip(t *testing.T) {
	sqlstoretest.ForEach(t, func(t *testing.T, s *sqlstore.Store) {
		mustImport(t, s, fixture(t))
		first := export(t, s)

		doc, err := registry.DecodeDocument(bytes.NewReader(first))
		if err != nil {
			t.Fatalf("the export does not decode: %v", err)
		}
		fresh := sqlstoretest.Open(t, s.Dialect())
		mustImport(t, fresh, doc)
		second := export(t, fresh)
		if !bytes.Equal(first, second) {
			t.Fatalf("exports differ:\n--- first\n%s\n--- second\n%s", first, second)
		}
		for _, want := range []string{
			`"later_firmware": "not-covered"`, `"released_from": "2019-12-01"`, `"basis": "member-commitment"`,
			`"released": "2024-03"`, `"cpe": "cpe:2.3:h:acme:r100:v2:*:*:*:*:*:*:*"`, `"Bravo BR-100"`,
			`"public": false`, `"ranges": [`, `">=1.2.0, <2.0.0"`, `"1.2.3",`, `"scheme": "zyxel"`,
			`"regex": "^Acme R100 \\(fw (?P<version>[0-9.]+)\\)"`, `"reason": "fix not delivered"`,
			`"model_number": "ＣＣ－７０００"`, `"level": "★1"`,
		} {
			if !bytes.Contains(first, []byte(want)) {
				t.Errorf("export lacks %s", want)
			}
		}
	})
}

func TestImportIsIdempotent(t *testing.T) {
	sqlstoretest.ForEach(t, func(t *testing.T, s *sqlstore.Store) {
		first := mustImport(t, s, fixture(t))
		if first.Models.Created != 5 || first.Programs.Created != 3 || first.Certifications.Created != 4 {
			t.Fatalf("first import: %+v", first)
		}
		before := export(t, s)
		again := mustImport(t, s, fixture(t))
		want := registry.ImportSummary{
			Programs:       registry.Counts{Unchanged: 3},
			Models:         registry.Counts{Unchanged: 5},
			Certifications: registry.Counts{},
			Revision:       first.Revision,
		}
		if again != want {
			t.Fatalf("second import changed something: %+v, want %+v", again, want)
		}
		if after := export(t, s); !bytes.Equal(before, after) {
			t.Fatal("the second import changed the export")
		}
	})
}

// A changed file updates what changed and records it: a status without a
// history entry gets one dated today, and the audit log has before and after.
func TestImportChangedFile(t *testing.T) {
	sqlstoretest.ForEach(t, func(t *testing.T, s *sqlstore.Store) {
		mustImport(t, s, fixture(t))
		doc := fixture(t)
		doc.Models[1].Certifications[0].Status = registry.StatusSuspended
		doc.Models[4].Family = "echo-printers"
		sum := mustImport(t, s, doc)
		if sum.Models.Updated != 2 || sum.Models.Unchanged != 3 || sum.Certifications.Updated != 1 || sum.StatusChanges != 1 {
			t.Fatalf("summary %+v", sum)
		}
		m, err := s.GetModel(ctx, "bravo-br100", false)
		if err != nil {
			t.Fatal(err)
		}
		h := m.Certifications[0].History
		last := h[len(h)-1]
		if last.Status != registry.StatusSuspended || last.Recorded != registry.Today() || last.By != "test" {
			t.Fatalf("history %+v", h)
		}
		events, err := s.Audit(ctx, registry.AuditFilter{Entity: "certification", Key: "JC-STAR/JCS-1-000042", Page: registry.Page{Limit: 10}})
		if err != nil {
			t.Fatal(err)
		}
		if len(events) != 2 || events[0].Action != "update" || !bytes.Contains(events[0].Before, []byte(`"status":"valid"`)) ||
			!bytes.Contains(events[0].After, []byte(`"status":"suspended"`)) || events[0].Actor != "test" {
			t.Fatalf("audit events %+v", events)
		}
	})
}

// Every mistake refuses the whole file: nothing of it is stored.
func TestImportIsAtomic(t *testing.T) {
	tests := []struct {
		name   string
		break_ func(*registry.Document)
		want   string
	}{
		{"unknown programme", func(d *registry.Document) { d.Models[3].Certifications[0].Program = "NOPE" },
			`models[3] (ref delta-nas-2): certifications[0].program: unknown programme "NOPE"`},
		{"certificate under two models", func(d *registry.Document) {
			d.Models[4].Certifications = []registry.Certification{d.Models[0].Certifications[0]}
		}, `models[4] (ref echo-plain): certifications[0].certificate_id: certificate CCDS-2024-0012 of CCDS is also listed under models[0] (ref acme-r100-v2)`},
		{"duplicate ref", func(d *registry.Document) { d.Models[4].Ref = "acme-r100-v2" },
			`(ref acme-r100-v2): ref: duplicate ref`},
		{"expiry before issue", func(d *registry.Document) { d.Models[0].Certifications[0].Expires = registry.MustDate("2020-01-01") },
			`models[0] (ref acme-r100-v2): certifications[0].expires: 2020-01-01 is before the issue date 2024-04-01`},
		{"bad range", func(d *registry.Document) { d.Models[0].Certifications[0].Firmware.Ranges = []string{">=banana"} },
			`certifications[0].firmware.ranges[0]: not a semver range`},
		{"revoked back to valid", func(d *registry.Document) {
			d.Models[2].Certifications[0].History = append(d.Models[2].Certifications[0].History,
				registry.StatusChange{Status: registry.StatusValid, Effective: registry.MustDate("2025-03-01"), Recorded: registry.MustDate("2025-03-01")})
			d.Models[2].Certifications[0].Status = registry.StatusValid
		}, `cannot become valid again`},
		{"catch-all profile", func(d *registry.Document) {
			d.Models[0].Profile.Signatures[0].Fields["http.title"] = registry.Predicate{Regex: ".*"}
		}, `profile.signatures[0].fields.http.title.regex: ".*" matches any value`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sqlstoretest.ForEach(t, func(t *testing.T, s *sqlstore.Store) {
				doc := fixture(t)
				tt.break_(doc)
				_, err := s.Import(ctx, doc)
				if err == nil || registry.ErrorCode(err) != registry.EINVALID || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("error %v, want EINVALID containing %q", err, tt.want)
				}
				if doc, err := s.Export(ctx); err != nil || len(doc.Models)+len(doc.Programs) != 0 {
					t.Fatalf("a refused import stored %d models and %d programmes (%v)", len(doc.Models), len(doc.Programs), err)
				}
			})
		})
	}
}

func TestListModelsFilters(t *testing.T) {
	sqlstoretest.ForEach(t, func(t *testing.T, s *sqlstore.Store) {
		mustImport(t, s, fixture(t))
		tests := []struct {
			name   string
			filter registry.ModelFilter
			want   string
		}{
			{"all", registry.ModelFilter{}, "acme-r100-v2 bravo-br100 carol-cam-7 delta-nas-2 echo-plain"},
			{"vendor, case folded", registry.ModelFilter{Vendor: "ACME"}, "acme-r100-v2"},
			{"vendor, half-width katakana", registry.ModelFilter{Vendor: "ｷｬﾛﾙ電機"}, "carol-cam-7"},
			{"text, ASCII for full-width", registry.ModelFilter{Text: "cc-7000"}, "carol-cam-7"},
			{"text in alias", registry.ModelFilter{Text: "BR-100"}, "acme-r100-v2 bravo-br100"},
			{"text is literal", registry.ModelFilter{Text: "%"}, ""},
			{"device type", registry.ModelFilter{DeviceType: "Router"}, "acme-r100-v2 bravo-br100"},
			{"programme", registry.ModelFilter{Program: "JC-STAR"}, "bravo-br100 delta-nas-2"},
			{"status", registry.ModelFilter{Status: registry.StatusRevoked}, "carol-cam-7"},
			{"public only", registry.ModelFilter{PublicOnly: true}, "acme-r100-v2 carol-cam-7 delta-nas-2"},
			{"vendor and public only", registry.ModelFilter{Vendor: "acme", PublicOnly: true}, "acme-r100-v2"},
			{"programme and public only", registry.ModelFilter{Program: "JC-STAR", PublicOnly: true}, "delta-nas-2"},
			{"page", registry.ModelFilter{Page: registry.Page{Limit: 2, Offset: 1}}, "bravo-br100 carol-cam-7"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if tt.filter.Limit == 0 {
					tt.filter.Limit = 100
				}
				page, err := s.ListModels(ctx, tt.filter)
				if err != nil {
					t.Fatal(err)
				}
				var refs []string
				for _, m := range page.Models {
					refs = append(refs, m.Ref)
				}
				if got := strings.Join(refs, " "); got != tt.want {
					t.Fatalf("got %q, want %q", got, tt.want)
				}
			})
		}
	})
}

// A public listing never shows a certification the vendor kept off the list.
func TestPublicOnlyHidesUnlistedCertifications(t *testing.T) {
	sqlstoretest.ForEach(t, func(t *testing.T, s *sqlstore.Store) {
		doc := fixture(t)
		unlisted := false
		doc.Models[0].Certifications = append(doc.Models[0].Certifications, registry.Certification{
			Program: "JC-STAR", CertificateID: "JCS-1-000099", Issued: registry.MustDate("2025-01-01"),
			Status: registry.StatusValid, Public: &unlisted})
		mustImport(t, s, doc)
		m, err := s.GetModel(ctx, "acme-r100-v2", true)
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Certifications) != 1 || m.Certifications[0].CertificateID != "CCDS-2024-0012" {
			t.Fatalf("public view shows %+v", m.Certifications)
		}
		if _, err := s.GetModel(ctx, "bravo-br100", true); registry.ErrorCode(err) != registry.ENOTFOUND {
			t.Fatalf("a model with only unlisted certifications: %v, want not found", err)
		}
		page, err := s.ListCertifications(ctx, registry.CertificationFilter{PublicOnly: true, Page: registry.Page{Limit: 50}})
		if err != nil || page.Total != 3 {
			t.Fatalf("public certifications: %d (%v), want 3", page.Total, err)
		}
	})
}

func TestChangeStatus(t *testing.T) {
	sqlstoretest.ForEach(t, func(t *testing.T, s *sqlstore.Store) {
		mustImport(t, s, fixture(t))
		// A revocation entered today that took effect in the past.
		got, err := s.ChangeStatus(ctx, "CCDS", "CCDS-2024-0012", registry.StatusChange{
			Status: registry.StatusRevoked, Effective: registry.MustDate("2025-01-10"), Reason: "key leaked"})
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != registry.StatusRevoked || got.ModelRef != "acme-r100-v2" {
			t.Fatalf("after revocation: %+v", got)
		}
		if st, _ := got.StatusOn(registry.MustDate("2025-01-09")); st != registry.StatusValid {
			t.Fatalf("status the day before the revocation took effect: %s", st)
		}
		if st, _ := got.StatusOn(registry.MustDate("2025-01-10")); st != registry.StatusRevoked {
			t.Fatalf("status on the effective date: %s", st)
		}
		_, err = s.ChangeStatus(ctx, "CCDS", "CCDS-2024-0012", registry.StatusChange{Status: registry.StatusValid})
		if registry.ErrorCode(err) != registry.EINVALID || !strings.Contains(err.Error(), "cannot become valid again") {
			t.Fatalf("revoked back to valid: %v", err)
		}
		if _, err := s.ChangeStatus(ctx, "CCDS", "NOPE", registry.StatusChange{Status: registry.StatusValid}); registry.ErrorCode(err) != registry.ENOTFOUND {
			t.Fatalf("unknown certificate: %v", err)
		}
	})
}

func TestCreateAndUpdate(t *testing.T) {
	sqlstoretest.ForEach(t, func(t *testing.T, s *sqlstore.Store) {
		mustImport(t, s, fixture(t))
		m := registry.Model{Ref: "foxtrot-1", Vendor: "Foxtrot", Name: "F1"}
		if _, err := s.CreateModel(ctx, &m); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateModel(ctx, &m); registry.ErrorCode(err) != registry.ECONFLICT {
			t.Fatalf("second create: %v, want conflict", err)
		}
		ghost := registry.Model{Ref: "ghost", Vendor: "G", Name: "G"}
		if _, err := s.UpdateModel(ctx, &ghost); registry.ErrorCode(err) != registry.ENOTFOUND {
			t.Fatalf("update of a missing model: %v", err)
		}
		c := registry.Certification{Program: "CCDS", CertificateID: "CCDS-2024-0012", Issued: registry.MustDate("2025-01-01"), Status: registry.StatusValid}
		if _, err := s.AddCertification(ctx, "foxtrot-1", &c); registry.ErrorCode(err) != registry.ECONFLICT {
			t.Fatalf("a certificate id of another model: %v, want conflict", err)
		}
		c.CertificateID = "CCDS-2025-0001"
		got, err := s.AddCertification(ctx, "foxtrot-1", &c)
		if err != nil || got.ModelRef != "foxtrot-1" || len(got.History) != 1 || got.History[0].Reason != "registered" {
			t.Fatalf("add certification: %+v, %v", got, err)
		}
	})
}

func TestTokens(t *testing.T) {
	sqlstoretest.ForEach(t, func(t *testing.T, s *sqlstore.Store) {
		tok, secret, err := s.CreateToken(ctx, "ccds-bot", registry.RoleCertifier)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(secret, "cpt_") || len(secret) < 40 || tok.Role != registry.RoleCertifier {
			t.Fatalf("token %+v secret %q", tok, secret)
		}
		a, err := s.Authenticate(ctx, secret)
		if err != nil || a.Role != registry.RoleCertifier || a.Name != "token:ccds-bot" {
			t.Fatalf("authenticate: %+v, %v", a, err)
		}
		for _, bad := range []string{"", "cpt_nope", secret + "x", "Bearer " + secret} {
			if _, err := s.Authenticate(ctx, bad); registry.ErrorCode(err) != registry.EUNAUTHORIZED {
				t.Errorf("secret %q: %v, want unauthorized", bad, err)
			}
		}
		if _, _, err := s.CreateToken(ctx, "x", "root"); registry.ErrorCode(err) != registry.EINVALID {
			t.Fatalf("unknown role: %v", err)
		}
	})
}

// Reopening a database applies no migration twice and keeps the data.
func TestReopenKeepsData(t *testing.T) {
	dsn := sqlstoretest.DSN(t, "sqlite")
	s, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	mustImport(t, s, fixture(t))
	first := export(t, s)
	s.Close()
	s, err = sqlstore.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	if !bytes.Equal(first, export(t, s)) {
		t.Fatal("reopening changed the registry")
	}
}

func TestOpenRejectsUnknownDSN(t *testing.T) {
	for _, dsn := range []string{"mysql://x", "certprint.db", "sqlite:"} {
		if _, err := sqlstore.Open(ctx, dsn); registry.ErrorCode(err) != registry.EINVALID {
			t.Errorf("%q: %v, want invalid", dsn, err)
		}
	}
}
