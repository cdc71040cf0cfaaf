package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/certprint/certprint/registry"
	"github.com/certprint/certprint/registry/sqlstore"
	"github.com/certprint/certprint/registry/sqlstore/sqlstoretest"
	"github.com/certprint/certprint/web"
)

// fixture is a server on a store holding testdata/registry.json, with one
// token per role.
type fixture struct {
	srv    *httptest.Server
	tokens map[registry.Role]string
}

func newFixture(t *testing.T, s *sqlstore.Store) *fixture {
	t.Helper()
	ctx := registry.WithActor(context.Background(), registry.Actor{Name: "setup", Role: registry.RoleAdmin})
	if _, err := s.Import(ctx, sqlstoretest.LoadDocument(t, "../testdata/registry.json")); err != nil {
		t.Fatal(err)
	}
	fx := &fixture{tokens: map[registry.Role]string{}}
	for _, role := range registry.Roles {
		_, secret, err := s.CreateToken(ctx, string(role)+"-test", role)
		if err != nil {
			t.Fatal(err)
		}
		fx.tokens[role] = secret
	}
	fx.srv = httptest.NewServer(web.NewHandler(web.Services{Registry: s, Tokens: s, Scans: s, Verdicts: s, Reports: s, MaxUpload: maxUpload}))
	t.Cleanup(fx.srv.Close)
	return fx
}

// do sends a request as role ("" for anonymous) and returns the status,
// content type and body.
func (fx *fixture) do(t *testing.T, role registry.Role, method, path, body string) (int, string, []byte) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, fx.srv.URL+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if role != "" {
		req.Header.Set("Authorization", "Bearer "+fx.tokens[role])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), b
}

func refsOf(t *testing.T, body []byte) string {
	t.Helper()
	var page registry.ModelPage
	if err := json.Unmarshal(body, &page); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	var refs []string
	for _, m := range page.Models {
		refs = append(refs, m.Ref)
	}
	return strings.Join(refs, " ")
}

func TestOpenAPIDocument(t *testing.T) {
	fx := newFixture(t, sqlstoretest.Open(t, "sqlite"))
	status, ctype, body := fx.do(t, "", "GET", "/openapi.json", "")
	if status != 200 || !strings.HasPrefix(ctype, "application/") {
		t.Fatalf("GET /openapi.json: %d %s", status, ctype)
	}
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi %q", doc.OpenAPI)
	}
	for _, p := range []string{"/api/v1/models", "/api/v1/models/{ref}", "/api/v1/programs", "/api/v1/certifications/{program}/{certificate_id}/status", "/api/v1/audit", "/api/v1/tokens"} {
		if doc.Paths[p] == nil {
			t.Errorf("the OpenAPI document lacks %s", p)
		}
	}
	post := doc.Paths["/api/v1/models"]["post"].(map[string]any)
	if post["x-certprint-role"] != "certifier" {
		t.Errorf("create-model declares role %v", post["x-certprint-role"])
	}
	report, _ := doc.Paths["/api/v1/reports/adoption"]["get"].(map[string]any)
	if report["x-certprint-role"] != "analyst or certifier or scanner" {
		t.Errorf("adoption-report declares role %v", report["x-certprint-role"])
	}
}

// The must-show of the registry issue: reads find the imported models, and
// a write is 401 without a token, 403 with an analyst token, 201 with a
// certifier token; a malformed body is problem+json naming the field.
func TestModelsAPI(t *testing.T) {
	sqlstoretest.ForEach(t, func(t *testing.T, s *sqlstore.Store) {
		fx := newFixture(t, s)
		status, _, body := fx.do(t, "", "GET", "/api/v1/models?vendor=acme", "")
		if status != 200 || refsOf(t, body) != "acme-r100-v2" {
			t.Fatalf("GET models?vendor=acme: %d %s", status, body)
		}
		model := `{"ref":"foxtrot-f1","vendor":"Foxtrot","name":"F1","device_type":"router",
			"certifications":[{"program":"CCDS","certificate_id":"CCDS-2026-0001","issued":"2026-01-10","status":"valid"}]}`
		writes := []struct {
			role registry.Role
			want int
		}{{"", 401}, {registry.RoleAnalyst, 403}, {registry.RoleScanner, 403}, {registry.RoleCertifier, 201}, {registry.RoleCertifier, 409}}
		for _, w := range writes {
			status, ctype, body := fx.do(t, w.role, "POST", "/api/v1/models", model)
			if status != w.want {
				t.Fatalf("POST as %q: %d, want %d: %s", w.role, status, w.want, body)
			}
			if status >= 400 && ctype != "application/problem+json" {
				t.Fatalf("POST as %q: content type %q", w.role, ctype)
			}
		}
		status, _, body = fx.do(t, "", "GET", "/api/v1/models/foxtrot-f1", "")
		if status != 200 || !bytes.Contains(body, []byte(`"certificate_id":"CCDS-2026-0001"`)) {
			t.Fatalf("GET the created model: %d %s", status, body)
		}
	})
}

func TestMalformedBodies(t *testing.T) {
	fx := newFixture(t, sqlstoretest.Open(t, "sqlite"))
	tests := []struct {
		name, body, location string
	}{
		{"bad date", `{"ref":"x","vendor":"X","name":"X","certifications":[{"program":"CCDS","certificate_id":"a","issued":"2024-13-01","status":"valid"}]}`, "body.certifications[0].issued"},
		{"unknown field", `{"ref":"x","vendor":"X","name":"X","colour":"red"}`, "body.colour"},
		{"wrong type", `{"ref":"x","vendor":"X","name":42}`, "body.name"},
		{"missing field", `{"ref":"x","vendor":"X"}`, "body.name"},
		{"bad status", `{"ref":"x","vendor":"X","name":"X","certifications":[{"program":"CCDS","certificate_id":"a","issued":"2024-01-01","status":"great"}]}`, "body.certifications[0].status"},
		{"expiry before issue", `{"ref":"x","vendor":"X","name":"X","certifications":[{"program":"CCDS","certificate_id":"a","issued":"2024-02-01","expires":"2023-01-01","status":"valid"}]}`, "body.certifications[0].expires"},
		{"unknown programme", `{"ref":"x","vendor":"X","name":"X","certifications":[{"program":"NOPE","certificate_id":"a","issued":"2024-02-01","status":"valid"}]}`, "body.certifications[0].program"},
		{"catch-all regex", `{"ref":"x","vendor":"X","name":"X","profile":{"signatures":[{"protocol":"http","fields":{"http.title":{"regex":".*"}}}]}}`, "body.profile.signatures[0].fields.http.title.regex"},
		{"bad ref", `{"ref":"a b","vendor":"X","name":"X"}`, "body.ref"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, ctype, body := fx.do(t, registry.RoleCertifier, "POST", "/api/v1/models", tt.body)
			if status != 422 || ctype != "application/problem+json" {
				t.Fatalf("%d %s: %s", status, ctype, body)
			}
			var p struct {
				Errors []struct{ Location, Message string } `json:"errors"`
			}
			if err := json.Unmarshal(body, &p); err != nil {
				t.Fatal(err)
			}
			for _, e := range p.Errors {
				// huma names a missing property in the message of an
				// error located at its parent object.
				parent, name, _ := strings.Cut(tt.location, ".")
				if e.Location == tt.location || (e.Location == parent && strings.Contains(e.Message, "property "+name+" ")) {
					return
				}
			}
			t.Fatalf("no error at %s: %s", tt.location, body)
		})
	}
}

// Anonymous callers read the public registry only; the roles that work
// with the data also see unlisted certifications.
func TestVisibility(t *testing.T) {
	fx := newFixture(t, sqlstoretest.Open(t, "sqlite"))
	for _, tt := range []struct {
		role registry.Role
		want string
	}{
		{"", "acme-r100-v2 carol-cam-7 delta-nas-2"},
		{registry.RoleAnalyst, "acme-r100-v2 bravo-br100 carol-cam-7 delta-nas-2 echo-plain"},
	} {
		_, _, body := fx.do(t, tt.role, "GET", "/api/v1/models", "")
		if got := refsOf(t, body); got != tt.want {
			t.Errorf("as %q: %s, want %s", tt.role, got, tt.want)
		}
	}
	if status, _, _ := fx.do(t, "", "GET", "/api/v1/models/bravo-br100", ""); status != 404 {
		t.Errorf("anonymous GET of an unlisted model: %d, want 404", status)
	}
	if status, _, _ := fx.do(t, "", "GET", "/api/v1/audit", ""); status != 401 {
		t.Errorf("anonymous audit log: %d, want 401", status)
	}
	req, _ := http.NewRequest("GET", fx.srv.URL+"/api/v1/models", nil)
	req.Header.Set("Authorization", "Bearer cpt_forged")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") == "" {
		t.Errorf("a forged token on an open operation: %d, want 401 with WWW-Authenticate", resp.StatusCode)
	}
}

func TestStatusChangeAPI(t *testing.T) {
	fx := newFixture(t, sqlstoretest.Open(t, "sqlite"))
	path := "/api/v1/certifications/CCDS/CCDS-2024-0012/status"
	status, _, body := fx.do(t, registry.RoleCertifier, "POST", path, `{"status":"revoked","effective":"2025-02-01","reason":"key leak"}`)
	if status != 200 || !bytes.Contains(body, []byte(`"status":"revoked"`)) || !bytes.Contains(body, []byte(`"by":"token:certifier-test"`)) {
		t.Fatalf("revoke: %d %s", status, body)
	}
	status, _, body = fx.do(t, registry.RoleCertifier, "POST", path, `{"status":"valid","reason":"oops"}`)
	if status != 422 || !bytes.Contains(body, []byte("cannot become valid again")) {
		t.Fatalf("revoked back to valid: %d %s", status, body)
	}
	status, _, body = fx.do(t, registry.RoleCertifier, "GET", "/api/v1/audit?entity=certification&key=CCDS/CCDS-2024-0012", "")
	if status != 200 || !bytes.Contains(body, []byte(`"action":"update"`)) || !bytes.Contains(body, []byte(`"actor":"token:certifier-test"`)) {
		t.Fatalf("audit: %d %s", status, body)
	}
}

func TestTokensAPI(t *testing.T) {
	fx := newFixture(t, sqlstoretest.Open(t, "sqlite"))
	if status, _, _ := fx.do(t, registry.RoleCertifier, "POST", "/api/v1/tokens", `{"name":"x","role":"admin"}`); status != 403 {
		t.Fatalf("a certifier issuing an admin token: %d, want 403", status)
	}
	status, _, body := fx.do(t, registry.RoleAdmin, "POST", "/api/v1/tokens", `{"name":"bot","role":"scanner"}`)
	if status != 201 || !bytes.Contains(body, []byte(`"secret":"cpt_`)) {
		t.Fatalf("admin issuing a token: %d %s", status, body)
	}
}
