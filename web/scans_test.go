package web_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/certprint/certprint/registry"
	"github.com/certprint/certprint/registry/sqlstore"
	"github.com/certprint/certprint/registry/sqlstore/sqlstoretest"
)

// maxUpload is the fixture server's upload limit: small, so a test can
// pass it.
const maxUpload = 64 << 10

const fingerprintxRecords = `{"ip":"192.0.2.10","port":8080,"protocol":"http","tls":false,"transport":"tcp","metadata":{"statusCode":401,"responseHeaders":{"Server":["lighttpd/1.4.59"]}}}
{"ip":"2001:db8::7","port":22,"protocol":"ssh","tls":false,"transport":"tcp","metadata":{"banner":"SSH-2.0-dropbear\r\n"}}
{"ip":"not an address","port":22,"protocol":"ssh","tls":false,"transport":"tcp","metadata":{}}
`

// upload streams body into scan id as role and returns status and body.
func (fx *fixture) upload(t *testing.T, role registry.Role, id int64, query string, body io.Reader) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, fmt.Sprintf("%s/api/v1/scans/%d/files?%s", fx.srv.URL, id, query), body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	if role != "" {
		req.Header.Set("Authorization", "Bearer "+fx.tokens[role])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func TestScanUpload(t *testing.T) {
	sqlstoretest.ForEach(t, func(t *testing.T, s *sqlstore.Store) {
		fx := newFixture(t, s)
		status, _, body := fx.do(t, registry.RoleScanner, http.MethodPost, "/api/v1/scans", `{"name":"api scan","ports":["tcp/22","8080"]}`)
		if status != http.StatusCreated {
			t.Fatalf("create scan: %d %s", status, body)
		}
		var scan registry.Scan
		json.Unmarshal(body, &scan)

		var gz bytes.Buffer
		zw := gzip.NewWriter(&gz)
		zw.Write([]byte(fingerprintxRecords))
		zw.Close()
		for _, c := range []struct {
			name   string
			role   registry.Role
			query  string
			body   io.Reader
			status int
			want   string
		}{
			{"anonymous", "", "observed=2026-10-01", strings.NewReader(fingerprintxRecords), 401, "bearer token"},
			{"analyst", registry.RoleAnalyst, "observed=2026-10-01", strings.NewReader(fingerprintxRecords), 403, "needs scanner"},
			{"no date", registry.RoleScanner, "format=fingerprintx", strings.NewReader(fingerprintxRecords), 422, "--observed"},
			{"wrong format", registry.RoleScanner, "format=nmap&observed=2026-10-01", strings.NewReader(fingerprintxRecords), 422, "not a nmap file"},
			{"control characters in the name", registry.RoleScanner, "observed=2026-10-01&name=a%1b%5B2J", strings.NewReader(fingerprintxRecords), 422, "query.name"},
			{"bad window", registry.RoleScanner, "observed=yesterday", strings.NewReader(fingerprintxRecords), 422, "query.observed"},
			{"too many errors", registry.RoleScanner, "observed=2026-10-01&max_errors=0", strings.NewReader(fingerprintxRecords), 422, "too many rejected"},
			{"too large", registry.RoleScanner, "observed=2026-10-01", strings.NewReader(strings.Repeat(fingerprintxRecords, maxUpload/len(fingerprintxRecords)+1)), 413, "larger than"},
			{"stored", registry.RoleScanner, "observed=2026-10-01&name=a.jsonl.gz", bytes.NewReader(gz.Bytes()), 201, `"stored":2`},
			{"same content again", registry.RoleScanner, "observed=2026-10-01", bytes.NewReader(gz.Bytes()), 409, "already"},
		} {
			status, body := fx.upload(t, c.role, scan.ID, c.query, c.body)
			if status != c.status || !strings.Contains(string(body), c.want) {
				t.Errorf("%s: %d %s, want %d with %q", c.name, status, body, c.status, c.want)
			}
		}

		status, _, body = fx.do(t, registry.RoleScanner, http.MethodPost, fmt.Sprintf("/api/v1/scans/%d/close", scan.ID), "")
		if status != http.StatusOK {
			t.Fatalf("close: %d %s", status, body)
		}
		status, _, body = fx.do(t, registry.RoleAnalyst, http.MethodGet, fmt.Sprintf("/api/v1/scans/%d", scan.ID), "")
		var got registry.Scan
		if err := json.Unmarshal(body, &got); err != nil || status != 200 {
			t.Fatalf("get scan: %d %s", status, body)
		}
		if got.State != registry.ScanClosed || got.Hosts != 2 || got.Services != 2 || len(got.Files) != 1 ||
			got.Files[0].Rejected != 1 || got.Files[0].Reasons["bad-address"] != 1 {
			t.Errorf("scan after upload and close: %+v", got)
		}
		if status, _, _ := fx.do(t, "", http.MethodGet, "/api/v1/scans", ""); status != http.StatusUnauthorized {
			t.Errorf("anonymous list of scans: %d, want 401", status)
		}
	})
}
