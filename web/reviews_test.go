package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/certprint/certprint/registry"
	"github.com/certprint/certprint/registry/sqlstore"
	"github.com/certprint/certprint/registry/sqlstore/sqlstoretest"
	"github.com/certprint/certprint/web"
)

// reviewFixture is the API fixture with the review service, on a matched
// scan of the real nmap capture of the Acme device (one device,
// 127.0.0.1, named acme-r100-v2).
func reviewFixture(t *testing.T, s *sqlstore.Store) (*fixture, int64) {
	t.Helper()
	fx := newFixture(t, s)
	fx.srv.Close()
	fx.srv = httptest.NewServer(web.NewHandler(web.Services{Registry: s, Tokens: s, Scans: s, Verdicts: s, Reviews: s}))
	t.Cleanup(fx.srv.Close)
	id := closedNmapScan(t, fx)
	if status, _, body := fx.do(t, registry.RoleScanner, http.MethodPost, fmt.Sprintf("/api/v1/scans/%d/match", id), ""); status != http.StatusOK {
		t.Fatalf("match: %d %s", status, body)
	}
	return fx, id
}

// Roles first: reviews are the scan team's, promotion the certifiers';
// analysts get neither, and nothing a certifier gets back names an
// address. Then the errors, each as problem details.
func TestReviewsAPI(t *testing.T) {
	sqlstoretest.ForEach(t, func(t *testing.T, s *sqlstore.Store) {
		fx, id := reviewFixture(t, s)
		reviews := fmt.Sprintf("/api/v1/scans/%d/reviews", id)
		promote := func(ref, query string) string {
			return fmt.Sprintf("/api/v1/models/%s/profile/promote?scan=%d%s", ref, id, query)
		}
		// The capture's verdict names the Acme router and its Bravo twin:
		// a confirmation cannot say which, a correction can.
		confirm := `{"ip":"127.0.0.1","port":"8080","state":"confirmed"}`
		correct := `{"ip":"127.0.0.1","port":"tcp/8080","state":"corrected","model_ref":"acme-r100-v2","note":"title and telnet greeting agree"}`
		for _, c := range []struct {
			name   string
			role   registry.Role
			method string
			path   string
			body   string
			status int
			has    string
		}{
			{"anonymous may not review", "", http.MethodPost, reviews, correct, 401, ""},
			{"an analyst may not review", registry.RoleAnalyst, http.MethodPost, reviews, correct, 403, ""},
			{"a certifier may not review", registry.RoleCertifier, http.MethodPost, reviews, correct, 403, ""},
			{"an analyst may not list reviews", registry.RoleAnalyst, http.MethodGet, reviews, "", 403, ""},
			{"nothing reviewed yet", registry.RoleCertifier, http.MethodPost, promote("acme-r100-v2", ""), "", 409, "no device reviewed as acme-r100-v2"},
			{"confirming an ambiguous verdict", registry.RoleScanner, http.MethodPost, reviews, confirm, 409, "cannot be told apart"},
			{"a scanner reviews", registry.RoleScanner, http.MethodPost, reviews, correct, 200, `"model_ref":"acme-r100-v2"`},
			{"an admin reviews", registry.RoleAdmin, http.MethodPost, reviews, correct, 200, `"state":"corrected"`},
			{"a scanner lists reviews", registry.RoleScanner, http.MethodGet, reviews, "", 200, `"ip":"127.0.0.1"`},
			{"not an address", registry.RoleScanner, http.MethodPost, reviews, `{"ip":"localhost","state":"confirmed"}`, 422, "body.ip"},
			{"state auto", registry.RoleScanner, http.MethodPost, reviews, `{"ip":"127.0.0.1","state":"auto"}`, 422, "body.state"},
			{"a correction without a model", registry.RoleScanner, http.MethodPost, reviews, `{"ip":"127.0.0.1","state":"corrected"}`, 422, "body.model_ref"},
			{"a correction to an unknown model", registry.RoleScanner, http.MethodPost, reviews, `{"ip":"127.0.0.1","state":"corrected","model_ref":"nope"}`, 404, "nope"},
			{"a control character in the note", registry.RoleScanner, http.MethodPost, reviews, `{"ip":"127.0.0.1","state":"rejected","note":"a\u001b[31m"}`, 422, "body.note"},
			{"a note too long", registry.RoleScanner, http.MethodPost, reviews, `{"ip":"127.0.0.1","state":"rejected","note":"` + strings.Repeat("x", 1001) + `"}`, 422, ""},
			{"no device on the address", registry.RoleScanner, http.MethodPost, reviews, `{"ip":"192.0.2.1","state":"rejected"}`, 404, ""},
			{"a scan that does not exist", registry.RoleScanner, http.MethodPost, "/api/v1/scans/999/reviews", confirm, 404, ""},
			{"a scanner may not promote", registry.RoleScanner, http.MethodPost, promote("acme-r100-v2", "&dry_run=true"), "", 403, ""},
			{"an analyst may not promote", registry.RoleAnalyst, http.MethodPost, promote("acme-r100-v2", "&dry_run=true"), "", 403, ""},
			{"promote needs a scan", registry.RoleCertifier, http.MethodPost, "/api/v1/models/acme-r100-v2/profile/promote", "", 422, "scan"},
			{"promote an unknown model", registry.RoleCertifier, http.MethodPost, promote("nope", ""), "", 404, ""},
			{"promote a model nobody reviewed", registry.RoleCertifier, http.MethodPost, promote("bravo-br100", ""), "", 409, "no device reviewed as bravo-br100"},
			{"a certifier promotes, dry run", registry.RoleCertifier, http.MethodPost, promote("acme-r100-v2", "&dry_run=true"), "", 200, `"stored":false`},
			{"a certifier promotes", registry.RoleCertifier, http.MethodPost, promote("acme-r100-v2", ""), "", 200, `"kind":"review"`},
		} {
			t.Run(c.name, func(t *testing.T) {
				status, ctype, body := fx.do(t, c.role, c.method, c.path, c.body)
				if status != c.status || !strings.Contains(string(body), c.has) {
					t.Fatalf("%d %s, want %d with %q", status, body, c.status, c.has)
				}
				if status >= 400 && ctype != "application/problem+json" {
					t.Errorf("content type %q, want problem details", ctype)
				}
				if c.role == registry.RoleCertifier && strings.Contains(string(body), "127.0.0.1") {
					t.Errorf("a certifier's answer names the address: %s", body)
				}
			})
		}

		status, _, body := fx.do(t, registry.RoleCertifier, http.MethodGet, "/api/v1/models/acme-r100-v2", "")
		var m registry.Model
		if err := json.Unmarshal(body, &m); status != 200 || err != nil || m.Profile == nil {
			t.Fatalf("model after the promotion: %d %s", status, body)
		}
		review := 0
		for _, sig := range m.Profile.Signatures {
			if sig.Origin != nil && sig.Origin.Kind == "review" {
				review++
				if !strings.Contains(sig.Origin.Note, fmt.Sprintf("scan %d: 1 device (0 confirmed, 1 corrected) reviewed by token:admin-test", id)) {
					t.Errorf("origin note %q", sig.Origin.Note)
				}
			}
		}
		if review == 0 {
			t.Errorf("no signature of the stored profile comes from the review: %+v", m.Profile)
		}

		status, _, body = fx.do(t, registry.RoleCertifier, http.MethodGet, "/api/v1/audit?entity=review", "")
		var audit struct{ Events []registry.AuditEvent }
		if err := json.Unmarshal(body, &audit); status != 200 || err != nil || len(audit.Events) != 2 {
			t.Fatalf("review audit events: %d %s", status, body)
		}
		if strings.Contains(string(body), "127.0.0.1") || audit.Events[0].Action != "update" || audit.Events[0].Actor != "token:admin-test" {
			t.Errorf("review audit events: %s", body)
		}

		status, _, body = fx.do(t, registry.RoleScanner, http.MethodGet, fmt.Sprintf("/api/v1/scans/%d/verdicts", id), "")
		if status != 200 || !strings.Contains(string(body), `"review":"corrected"`) || !strings.Contains(string(body), `"reviewed_by":"token:admin-test"`) ||
			!strings.Contains(string(body), `"review_note":"title and telnet greeting agree"`) {
			t.Errorf("verdicts after the review: %d %s", status, body)
		}
	})
}

// The new operations are in the OpenAPI document with their roles.
func TestReviewsOpenAPI(t *testing.T) {
	fx, _ := reviewFixture(t, sqlstoretest.Open(t, "sqlite"))
	_, _, body := fx.do(t, "", http.MethodGet, "/openapi.json", "")
	var doc struct {
		Paths map[string]map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		"/api/v1/scans/{id}/reviews":           "scanner",
		"/api/v1/models/{ref}/profile/promote": "certifier",
	} {
		op := doc.Paths[path]["post"]
		if op == nil || op["x-certprint-role"] != want || op["description"] == "" {
			t.Errorf("%s: %v", path, op)
		}
	}
}
