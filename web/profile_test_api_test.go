package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/certprint/certprint/registry"
	"github.com/certprint/certprint/registry/sqlstore"
	"github.com/certprint/certprint/registry/sqlstore/sqlstoretest"
)

// carolTakesAcme is a profile for the camera model that claims what the
// Acme router on the loopback scan shows on three of its ports.
const carolTakesAcme = `{"signatures": [
 {"protocol": "http", "fields": {"tls.subject_cn": {"exact": "acme-r100.local"},
  "tls.issuer": {"prefix": "CN=acme-r100.local, O=Acme Corp"},
  "http.title": {"regex": "^Acme R100 \\(fw (?P<version>[0-9.]+)\\)"}}},
 {"protocol": "telnet", "fields": {"telnet.banner": {"exact": "Acme R100 login:"}}},
 {"protocol": "ssh", "fields": {"ssh.banner": {"exact": "SSH-2.0-AcmeSSH_1.0"}}}]}`

type testedProfile struct {
	Source          string `json:"source"`
	Baseline        string `json:"baseline"`
	AddressesHidden bool   `json:"addresses_hidden"`
	Totals          struct {
		Gained, Taken, Kept, Lost int
	} `json:"totals"`
	TakenFrom map[string]int    `json:"taken_from"`
	Taken     []json.RawMessage `json:"taken"`
	Gained    []json.RawMessage `json:"gained"`
}

func TestProfileTestAPI(t *testing.T) {
	sqlstoretest.ForEach(t, func(t *testing.T, s *sqlstore.Store) {
		fx := newFixture(t, s)
		id := closedNmapScan(t, fx)
		status, _, body := fx.do(t, registry.RoleScanner, http.MethodPost, "/api/v1/scans", `{"name":"still importing"}`)
		if status != http.StatusCreated {
			t.Fatalf("create scan: %d %s", status, body)
		}
		var open registry.Scan
		json.Unmarshal(body, &open)
		path := func(ref string, scan int64) string {
			return fmt.Sprintf("/api/v1/models/%s/profile/test?scan=%d", ref, scan)
		}
		catchAll := `{"signatures":[{"protocol":"http","fields":{"http.server":{"exact":"Acme-httpd/1.0"}}},{"protocol":"http","fields":{"http.title":{"regex":".*"}}}]}`

		for _, c := range []struct {
			name   string
			role   registry.Role
			path   string
			body   string
			status int
			want   string
		}{
			{"anonymous", "", path("carol-cam-7", id), carolTakesAcme, 401, "bearer token"},
			{"analyst", registry.RoleAnalyst, path("carol-cam-7", id), carolTakesAcme, 403, "needs certifier"},
			{"scanner", registry.RoleScanner, path("carol-cam-7", id), carolTakesAcme, 403, "needs certifier"},
			{"catch-all", registry.RoleCertifier, path("carol-cam-7", id), catchAll, 422, `"location":"body.signatures[1].fields.http.title.regex"`},
			{"not a profile", registry.RoleCertifier, path("carol-cam-7", id), `{"signatures":[{"protocol":"http","fields":{"http.title":{"exact":7}}}]}`, 422, "body.signatures[0].fields.http.title.exact"},
			{"not JSON", registry.RoleCertifier, path("carol-cam-7", id), `{"signatures":[`, 400, ""},
			{"no stored profile", registry.RoleCertifier, path("carol-cam-7", id), "", 422, "has no profile to test"},
			{"unknown model", registry.RoleCertifier, path("nope", id), carolTakesAcme, 404, "model nope does not exist"},
			{"unknown scan", registry.RoleCertifier, path("carol-cam-7", 99), carolTakesAcme, 404, "scan 99 does not exist"},
			{"scan still importing", registry.RoleCertifier, path("carol-cam-7", open.ID), carolTakesAcme, 409, "still importing"},
			{"no scan", registry.RoleCertifier, "/api/v1/models/carol-cam-7/profile/test", carolTakesAcme, 422, "query.scan"},
		} {
			t.Run(c.name, func(t *testing.T) {
				status, ctype, body := fx.do(t, c.role, http.MethodPost, c.path, c.body)
				if status != c.status || !strings.Contains(string(body), c.want) {
					t.Fatalf("%d %s, want %d with %q", status, body, c.status, c.want)
				}
				if ctype != "application/problem+json" {
					t.Errorf("content type %q", ctype)
				}
			})
		}

		// A certifier sees what the proposal takes, from whom, on which
		// ports, by which predicates; not the address or what the device
		// showed. Admin sees both.
		for _, c := range []struct {
			role   registry.Role
			hidden bool
		}{{registry.RoleCertifier, true}, {registry.RoleAdmin, false}} {
			t.Run(string(c.role), func(t *testing.T) {
				status, _, body := fx.do(t, c.role, http.MethodPost, path("carol-cam-7", id), carolTakesAcme)
				if status != http.StatusOK {
					t.Fatalf("%d %s", status, body)
				}
				var got testedProfile
				if err := json.Unmarshal(body, &got); err != nil {
					t.Fatal(err)
				}
				if got.Source != "body" || got.Baseline != "registry" || got.AddressesHidden != c.hidden ||
					got.Totals.Taken != 1 || got.TakenFrom["acme-r100-v2"] != 1 || len(got.Taken) != 1 {
					t.Fatalf("%s", body)
				}
				taken := string(got.Taken[0])
				if !strings.Contains(taken, `"ports":["tcp/2222","tcp/2323","tcp/8443"]`) || !strings.Contains(taken, `"predicate":"exact Acme R100 login:"`) {
					t.Errorf("taken: %s", taken)
				}
				shows := strings.Contains(taken, `"ip":"127.0.0.1"`) || strings.Contains(taken, `"observed":"Acme R100 (fw 1.2.3)"`)
				if hidden := !shows; hidden != c.hidden || c.hidden && strings.Contains(taken, "127.0.0.1") {
					t.Errorf("hidden %v, want %v: %s", hidden, c.hidden, taken)
				}
			})
		}

		// Without a body: the stored profile, against the registry
		// without it.
		status, _, body = fx.do(t, registry.RoleCertifier, http.MethodPost, path("acme-r100-v2", id)+"&limit=0", "")
		var got testedProfile
		if err := json.Unmarshal(body, &got); status != http.StatusOK || err != nil {
			t.Fatalf("%d %s", status, body)
		}
		if got.Source != "stored" || got.Baseline != "without-profile" || got.Totals.Gained != 1 || len(got.Gained) != 0 {
			t.Errorf("stored profile: %s", body)
		}

		// The OpenAPI document declares the role and an optional body.
		_, _, body = fx.do(t, "", http.MethodGet, "/openapi.json", "")
		var doc struct {
			Paths map[string]map[string]struct {
				Role        string `json:"x-certprint-role"`
				RequestBody struct {
					Required bool `json:"required"`
				} `json:"requestBody"`
			} `json:"paths"`
		}
		if err := json.Unmarshal(body, &doc); err != nil {
			t.Fatal(err)
		}
		if op, ok := doc.Paths["/api/v1/models/{ref}/profile/test"]["post"]; !ok || op.Role != "certifier" || op.RequestBody.Required {
			t.Errorf("OpenAPI: %+v (declared: %v)", op, ok)
		}

		// Nothing was stored: the model has no profile still.
		_, _, body = fx.do(t, registry.RoleCertifier, http.MethodGet, "/api/v1/models/carol-cam-7", "")
		if strings.Contains(string(body), `"profile"`) {
			t.Errorf("a test stored the profile: %s", body)
		}
	})
}
