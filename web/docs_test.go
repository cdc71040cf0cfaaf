package web_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/certprint/certprint/web"
)

// The docs page must work on a closed network: it and its assets are
// served by us, under a CSP that forbids anything else, and reference no
// other host.
func TestDocsPageIsSelfContained(t *testing.T) {
	srv := httptest.NewServer(web.NewHandler(web.Services{}))
	defer srv.Close()
	external := regexp.MustCompile(`(?i)(src|href)\s*=\s*["']?(https?:)?//|@import\s+url\(\s*["']?(https?:)?//|fetch\(\s*["'](https?:)?//`)
	for _, tt := range []struct{ path, ctype, must string }{
		{"/api/docs", "text/html", `src="/static/apidocs.js"`},
		{"/static/apidocs.js", "text/javascript", "/openapi.json"},
		{"/static/style.css", "text/css", ".apidocs"},
	} {
		resp, err := http.Get(srv.URL + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), tt.ctype) {
			t.Fatalf("GET %s: %d %s", tt.path, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
			t.Errorf("GET %s: CSP %q", tt.path, csp)
		}
		if !strings.Contains(string(body), tt.must) {
			t.Errorf("GET %s lacks %q", tt.path, tt.must)
		}
		if m := external.FindString(string(body)); m != "" {
			t.Errorf("GET %s references another host: %q", tt.path, m)
		}
		if strings.Contains(string(body), "innerHTML") {
			t.Errorf("GET %s uses innerHTML; OpenAPI text must go in as text", tt.path)
		}
	}
}
