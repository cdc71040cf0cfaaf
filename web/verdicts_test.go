package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/certprint/certprint/fingerprint"
	"github.com/certprint/certprint/registry"
	"github.com/certprint/certprint/registry/sqlstore"
	"github.com/certprint/certprint/registry/sqlstore/sqlstoretest"
)

// closedNmapScan uploads the real nmap capture of the fake Acme device and
// closes the scan.
func closedNmapScan(t *testing.T, fx *fixture) int64 {
	t.Helper()
	status, _, body := fx.do(t, registry.RoleScanner, http.MethodPost, "/api/v1/scans", `{"name":"loopback"}`)
	if status != http.StatusCreated {
		t.Fatalf("create scan: %d %s", status, body)
	}
	var scan registry.Scan
	json.Unmarshal(body, &scan)
	f, err := os.Open("../importer/testdata/real/nmap-loopback.xml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if status, body := fx.upload(t, registry.RoleScanner, scan.ID, "format=nmap", f); status != http.StatusCreated {
		t.Fatalf("upload: %d %s", status, body)
	}
	if status, _, body := fx.do(t, registry.RoleScanner, http.MethodPost, fmt.Sprintf("/api/v1/scans/%d/close", scan.ID), ""); status != http.StatusOK {
		t.Fatalf("close: %d %s", status, body)
	}
	return scan.ID
}

func TestVerdictsAPI(t *testing.T) {
	sqlstoretest.ForEach(t, func(t *testing.T, s *sqlstore.Store) {
		fx := newFixture(t, s)
		id := closedNmapScan(t, fx)
		path := func(p string) string { return fmt.Sprintf("/api/v1/scans/%d%s", id, p) }

		if status, _, _ := fx.do(t, registry.RoleScanner, http.MethodGet, path("/verdicts"), ""); status != http.StatusNotFound {
			t.Errorf("verdicts of an unmatched scan: %d, want 404", status)
		}
		for _, c := range []struct {
			role   registry.Role
			method string
			path   string
			status int
		}{
			{"", http.MethodPost, "/match", 401},
			{registry.RoleAnalyst, http.MethodPost, "/match", 403},
			{registry.RoleCertifier, http.MethodPost, "/match", 403},
			{registry.RoleScanner, http.MethodPost, "/match", 200},
			{registry.RoleAnalyst, http.MethodGet, "/match", 200},
			{registry.RoleAnalyst, http.MethodGet, "/verdicts", 403},
			{registry.RoleAnalyst, http.MethodGet, "/explain/127.0.0.1", 403},
			{registry.RoleScanner, http.MethodGet, "/explain/not-an-ip", 422},
			{registry.RoleScanner, http.MethodGet, "/explain/192.0.2.200", 404},
			{registry.RoleScanner, http.MethodGet, "/verdicts?ip=nope", 422},
		} {
			if status, _, body := fx.do(t, c.role, c.method, path(c.path), ""); status != c.status {
				t.Errorf("%s %s as %q: %d, want %d: %s", c.method, c.path, c.role, status, c.status, body)
			}
		}

		status, _, body := fx.do(t, registry.RoleScanner, http.MethodGet, path("/verdicts?ip=127.0.0.1"), "")
		if status != http.StatusOK {
			t.Fatalf("verdicts: %d %s", status, body)
		}
		var list struct {
			Run      registry.MatchRun  `json:"run"`
			Verdicts []registry.Verdict `json:"verdicts"`
		}
		if err := json.Unmarshal(body, &list); err != nil {
			t.Fatal(err)
		}
		if list.Run.Matcher != fingerprint.MatcherVersion || list.Run.Devices != 1 || len(list.Verdicts) != 1 {
			t.Fatalf("run %+v, %d verdicts", list.Run, len(list.Verdicts))
		}
		v := list.Verdicts[0]
		if want := []string{"tcp/2222", "tcp/2323", "tcp/8080", "tcp/8443"}; !slices.Equal(v.Ports, want) {
			t.Errorf("device ports %v, want %v", v.Ports, want)
		}
		if len(v.Candidates) == 0 || v.Candidates[0].ModelRef != "acme-r100-v2" || v.Registry != list.Run.Registry {
			t.Errorf("verdict %+v", v)
		}

		status, _, body = fx.do(t, registry.RoleScanner, http.MethodGet, path("/explain/127.0.0.1"), "")
		if status != http.StatusOK || !strings.Contains(string(body), `"model_ref":"acme-r100-v2"`) || !strings.Contains(string(body), `"null_bits"`) {
			t.Errorf("explain: %d %s", status, body)
		}
	})
}
