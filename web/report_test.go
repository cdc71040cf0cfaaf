package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/certprint/certprint/registry"
	"github.com/certprint/certprint/registry/sqlstore"
	"github.com/certprint/certprint/registry/sqlstore/sqlstoretest"
)

// anyAddress finds an IPv4 address or an IPv6 address with a double
// colon anywhere in a body.
var anyAddress = regexp.MustCompile(`\b[0-9]{1,3}(\.[0-9]{1,3}){3}\b|[0-9a-fA-F]{0,4}::[0-9a-fA-F]{0,4}`)

// Analysts read the adoption report, anonymous callers do not, and no
// answer names an address of the scan or its name.
func TestAdoptionReportAPI(t *testing.T) {
	sqlstoretest.ForEach(t, func(t *testing.T, s *sqlstore.Store) {
		fx := newFixture(t, s)
		id := closedNmapScan(t, fx)
		if status, _, body := fx.do(t, registry.RoleAnalyst, http.MethodGet, "/api/v1/reports/adoption", ""); status != http.StatusNotFound {
			t.Errorf("a report before any match: %d %s", status, body)
		}
		if status, _, body := fx.do(t, registry.RoleScanner, http.MethodPost, fmt.Sprintf("/api/v1/scans/%d/match", id), ""); status != http.StatusOK {
			t.Fatalf("match: %d %s", status, body)
		}
		// The addresses the scan saw, as the scan team reads them.
		status, _, body := fx.do(t, registry.RoleScanner, http.MethodGet, fmt.Sprintf("/api/v1/scans/%d/verdicts", id), "")
		var list struct {
			Verdicts []registry.Verdict `json:"verdicts"`
		}
		if err := json.Unmarshal(body, &list); status != http.StatusOK || err != nil || len(list.Verdicts) == 0 {
			t.Fatalf("verdicts: %d %v %s", status, err, body)
		}
		var ips []string
		for _, v := range list.Verdicts {
			ips = append(ips, regexp.QuoteMeta(v.IP.String()))
		}
		scanAddress := regexp.MustCompile(strings.Join(ips, "|"))

		path := fmt.Sprintf("/api/v1/reports/adoption?scan=%d", id)
		for _, c := range []struct {
			name   string
			role   registry.Role
			path   string
			status int
			has    string
		}{
			{"anonymous", "", path, 401, ""},
			{"an analyst", registry.RoleAnalyst, path, 200, `"funnel":{`},
			{"a certifier", registry.RoleCertifier, path + "&by=program", 200, `"groups_overlap":true`},
			// The device is the Acme router or its Bravo twin: two vendors,
			// one device type.
			{"a scanner", registry.RoleScanner, path + "&by=vendor", 200, `"key":"(ambiguous)"`},
			{"by device type", registry.RoleAnalyst, path + "&by=device_type", 200, `"key":"router"`},
			{"an admin", registry.RoleAdmin, path + "&by=month", 200, `"key":"20`},
			{"the latest scan", registry.RoleAnalyst, "/api/v1/reports/adoption?by=model", 200, `"latest":true`},
			{"an unknown grouping", registry.RoleAnalyst, path + "&by=city", 422, "by"},
			{"no such scan", registry.RoleAnalyst, "/api/v1/reports/adoption?scan=999", 404, ""},
		} {
			t.Run(c.name, func(t *testing.T) {
				status, _, body := fx.do(t, c.role, http.MethodGet, c.path, "")
				if status != c.status || !strings.Contains(string(body), c.has) {
					t.Fatalf("GET %s as %q: %d, want %d with %s: %s", c.path, c.role, status, c.status, c.has, body)
				}
				if status != http.StatusOK {
					return
				}
				if m := scanAddress.FindString(string(body)); m != "" {
					t.Errorf("the report names the scan's address %s: %s", m, body)
				}
				if m := anyAddress.FindString(string(body)); m != "" {
					t.Errorf("the report holds something like an address, %q: %s", m, body)
				}
				if strings.Contains(string(body), "loopback") {
					t.Errorf("the report names the scan: %s", body)
				}
				var rep registry.AdoptionReport
				if err := json.Unmarshal(body, &rep); err != nil {
					t.Fatal(err)
				}
				if rep.Scan.ID != id || rep.Funnel.Responsive != int64(len(list.Verdicts)) || rep.Total.Devices != rep.Funnel.Responsive {
					t.Errorf("report of scan %d: funnel %+v, total %d", rep.Scan.ID, rep.Funnel, rep.Total.Devices)
				}
			})
		}
	})
}
