package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/certprint/certprint/fingerprint/capture"
	"github.com/certprint/certprint/registry"
	"github.com/certprint/certprint/registry/sqlstore"
	"github.com/certprint/certprint/registry/sqlstore/sqlstoretest"
	"github.com/certprint/certprint/web"
)

const maxProfileUpload = 32 << 10

var firmwareCaptures = []string{
	"../fingerprint/learn/testdata/acme-r100-fw1.2.3.xml",
	"../fingerprint/learn/testdata/acme-r100-fw1.2.10.xml",
	"../fingerprint/learn/testdata/acme-r100-fw1.3.0.xml",
}

// profileFixture is the API fixture with the profile options set: a small
// learn upload bound, and capture through fake instead of nmap.
func profileFixture(t *testing.T, s *sqlstore.Store, targets []netip.Prefix, fake func(context.Context, capture.Options) (*capture.Result, error)) *fixture {
	t.Helper()
	fx := newFixture(t, s)
	fx.srv.Close()
	fx.srv = httptest.NewServer(web.NewHandler(web.Services{Registry: s, Tokens: s, Scans: s,
		MaxProfileUpload: maxProfileUpload, CaptureTargets: targets, Capture: fake}))
	t.Cleanup(fx.srv.Close)
	return fx
}

func (fx *fixture) send(t *testing.T, role registry.Role, path, contentType string, body io.Reader) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, fx.srv.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
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

type proposal struct {
	Model   string           `json:"model"`
	Stored  bool             `json:"stored"`
	Profile registry.Profile `json:"profile"`
	Samples int              `json:"samples"`
	Tool    string           `json:"tool"`
}

func decodeProposal(t *testing.T, body []byte) proposal {
	t.Helper()
	var p proposal
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	return p
}

func TestSetProfileAPI(t *testing.T) {
	sqlstoretest.ForEach(t, func(t *testing.T, s *sqlstore.Store) {
		fx := newFixture(t, s)
		good := `{"signatures":[{"protocol":"http","port":80,"fields":{"http.title":{"regex":"^Acme R100 \\(fw (?P<version>[0-9.]+)\\)$"}},"origin":{"kind":"manual"}}]}`
		for _, c := range []struct {
			name   string
			role   registry.Role
			path   string
			body   string
			status int
			want   string
		}{
			{"anonymous", "", "/api/v1/models/acme-r100-v2/profile", good, 401, "bearer token"},
			{"analyst", registry.RoleAnalyst, "/api/v1/models/acme-r100-v2/profile", good, 403, "needs certifier"},
			{"scanner", registry.RoleScanner, "/api/v1/models/acme-r100-v2/profile", good, 403, "needs certifier"},
			{"catch-all", registry.RoleCertifier, "/api/v1/models/acme-r100-v2/profile", `{"signatures":[{"protocol":"http","fields":{"http.title":{"regex":".*"}}}]}`, 422, "body.signatures[0].fields.http.title.regex"},
			{"unknown model", registry.RoleCertifier, "/api/v1/models/nope/profile", good, 404, "does not exist"},
			{"stored", registry.RoleCertifier, "/api/v1/models/acme-r100-v2/profile", good, 200, `"origin":{"kind":"manual"}`},
			{"removed by admin", registry.RoleAdmin, "/api/v1/models/echo-plain/profile", `{"signatures":[]}`, 200, `"ref":"echo-plain"`},
		} {
			t.Run(c.name, func(t *testing.T) {
				status, ctype, body := fx.do(t, c.role, http.MethodPut, c.path, c.body)
				if status != c.status || !strings.Contains(string(body), c.want) {
					t.Fatalf("%d %s, want %d with %q", status, body, c.status, c.want)
				}
				if status >= 400 && ctype != "application/problem+json" {
					t.Errorf("content type %q", ctype)
				}
			})
		}
		_, _, body := fx.do(t, registry.RoleAdmin, http.MethodGet, "/api/v1/audit?entity=profile&key=acme-r100-v2", "")
		if !bytes.Contains(body, []byte(`"action":"update"`)) || !bytes.Contains(body, []byte(`"actor":"token:certifier-test"`)) {
			t.Errorf("audit: %s", body)
		}
	})
}

func multipartCaptures(t *testing.T, paths ...string) (string, *bytes.Buffer) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		w, err := mw.CreateFormFile("file", p[strings.LastIndexByte(p, '/')+1:])
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	mw.WriteField("comment", "ignored")
	mw.Close()
	return mw.FormDataContentType(), &buf
}

func TestLearnProfileAPI(t *testing.T) {
	sqlstoretest.ForEach(t, func(t *testing.T, s *sqlstore.Store) {
		fx := profileFixture(t, s, nil, nil)
		one, err := os.ReadFile(firmwareCaptures[0])
		if err != nil {
			t.Fatal(err)
		}
		const raw = "application/octet-stream"
		path := "/api/v1/models/acme-r100-v2/profile/learn"
		for _, c := range []struct {
			name   string
			role   registry.Role
			path   string
			ctype  string
			body   func() io.Reader
			status int
			want   string
		}{
			{"anonymous", "", path, raw, func() io.Reader { return bytes.NewReader(one) }, 401, "bearer token"},
			{"scanner", registry.RoleScanner, path, raw, func() io.Reader { return bytes.NewReader(one) }, 403, "needs certifier"},
			{"unknown model", registry.RoleCertifier, "/api/v1/models/nope/profile/learn", raw, func() io.Reader { return bytes.NewReader(one) }, 404, "does not exist"},
			{"wrong format", registry.RoleCertifier, path + "?format=zgrab2", raw, func() io.Reader { return bytes.NewReader(one) }, 422, "not a zgrab2 file"},
			{"bad format name", registry.RoleCertifier, path + "?format=pcap", raw, func() io.Reader { return bytes.NewReader(one) }, 422, "query.format"},
			{"not a capture", registry.RoleCertifier, path, raw, func() io.Reader { return strings.NewReader("hello") }, 422, "nothing was stored"},
			{"too large", registry.RoleCertifier, path, raw, func() io.Reader { return bytes.NewReader(bytes.Repeat(one, maxProfileUpload/len(one)+1)) }, 413, "larger than"},
			{"multipart without files", registry.RoleCertifier, path, "multipart/form-data; boundary=x", func() io.Reader { return strings.NewReader("--x--\r\n") }, 422, `no form field`},
			{"one file, dry run", registry.RoleCertifier, path + "?dry_run=true", raw, func() io.Reader { return bytes.NewReader(one) }, 200, `"stored":false`},
		} {
			t.Run(c.name, func(t *testing.T) {
				status, body := fx.send(t, c.role, c.path, c.ctype, c.body())
				if status != c.status || !strings.Contains(string(body), c.want) {
					t.Fatalf("%d %s, want %d with %q", status, body, c.status, c.want)
				}
			})
		}
		_, _, body := fx.do(t, registry.RoleCertifier, http.MethodGet, "/api/v1/models/acme-r100-v2", "")
		if bytes.Contains(body, []byte("AcmeSSH")) {
			t.Fatalf("a dry run stored its profile: %s", body)
		}

		ctype, form := multipartCaptures(t, firmwareCaptures...)
		status, body := fx.send(t, registry.RoleCertifier, path+"?format=nmap", ctype, form)
		if status != 200 {
			t.Fatalf("%d %s", status, body)
		}
		p := decodeProposal(t, body)
		if !p.Stored || p.Samples != 3 || len(p.Profile.Signatures) != 4 {
			t.Fatalf("proposal %+v", p)
		}
		if o := p.Profile.Signatures[0].Origin; o == nil || o.Kind != "learned" || o.Tool != "nmap" || !strings.Contains(o.Note, "acme-r100-fw1.3.0.xml") {
			t.Errorf("origin %+v", o)
		}
		_, _, body = fx.do(t, registry.RoleCertifier, http.MethodGet, "/api/v1/models/acme-r100-v2", "")
		if !bytes.Contains(body, []byte(`AcmeSSH_(?P\u003cversion\u003e`)) && !bytes.Contains(body, []byte(`AcmeSSH_(?P<version>`)) {
			t.Errorf("the learned profile is not stored: %s", body)
		}
	})
}

// fakeCapture answers a capture with one HTTP service, after release is
// closed (nil: at once), and records what it was asked.
type fakeCapture struct {
	asked   chan capture.Options
	release chan struct{}
	err     error
}

func (f *fakeCapture) run(ctx context.Context, opts capture.Options) (*capture.Result, error) {
	f.asked <- opts
	if f.release != nil {
		<-f.release
	}
	if f.err != nil {
		return nil, f.err
	}
	return &capture.Result{Target: opts.Target, Tool: "nmap 7.93", Finished: time.Now(),
		Observations: []registry.Observation{{IP: opts.Target, Transport: "tcp", Port: 80, Protocol: "http",
			Fields: map[string]string{"http.title": "Acme R300 Setup", "http.status": "401"}}},
		Skipped: []capture.Skipped{{Script: "upnp-info", Reason: "UDP not asked for (--udp)"}}}, nil
}

func TestCaptureProfileAPI(t *testing.T) {
	s := sqlstoretest.Open(t, "sqlite")
	fake := &fakeCapture{asked: make(chan capture.Options, 16)}
	fx := profileFixture(t, s, nil, fake.run)
	path := "/api/v1/models/acme-r100-v2/profile/capture"
	for _, c := range []struct {
		name   string
		role   registry.Role
		path   string
		body   string
		status int
		want   string
		ran    bool
	}{
		{"anonymous", "", path, `{"target":"127.0.0.1"}`, 401, "bearer token", false},
		{"analyst", registry.RoleAnalyst, path, `{"target":"127.0.0.1"}`, 403, "needs certifier", false},
		{"outside the allowed targets", registry.RoleCertifier, path, `{"target":"192.0.2.1"}`, 403, "outside the capture targets", false},
		{"mapped address outside", registry.RoleCertifier, path, `{"target":"::ffff:10.0.0.1"}`, 403, "10.0.0.1 is outside", false},
		{"a name", registry.RoleCertifier, path, `{"target":"localhost"}`, 422, "body.target", false},
		{"bad ports", registry.RoleCertifier, path, `{"target":"127.0.0.1","ports":"80-"}`, 422, "body.ports", false},
		{"unknown model", registry.RoleCertifier, "/api/v1/models/nope/profile/capture", `{"target":"127.0.0.1"}`, 404, "does not exist", false},
		{"dry run", registry.RoleCertifier, path, `{"target":"127.0.0.1","ports":"80","dry_run":true}`, 200, `"stored":false`, true},
		{"stored", registry.RoleCertifier, path, `{"target":"127.0.0.2","timeout_seconds":60}`, 200, `"stored":true`, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			status, _, body := fx.do(t, c.role, http.MethodPost, c.path, c.body)
			if status != c.status || !strings.Contains(string(body), c.want) {
				t.Fatalf("%d %s, want %d with %q", status, body, c.status, c.want)
			}
			select {
			case opts := <-fake.asked:
				if !c.ran {
					t.Fatalf("nmap was run for a refused request: %+v", opts)
				}
				if len(opts.Allowed) == 0 || !opts.Allowed[0].Contains(netip.MustParseAddr("127.0.0.1")) {
					t.Errorf("the capture was not bounded to the allowed targets: %+v", opts.Allowed)
				}
			default:
				if c.ran {
					t.Fatal("the capture did not run")
				}
			}
		})
	}
	_, _, body := fx.do(t, registry.RoleCertifier, http.MethodGet, "/api/v1/models/acme-r100-v2", "")
	if !bytes.Contains(body, []byte(`"exact":"Acme R300 Setup"`)) || !bytes.Contains(body, []byte(`"kind":"capture"`)) {
		t.Errorf("the captured profile is not stored: %s", body)
	}

	t.Run("nothing found", func(t *testing.T) {
		fake.err = fmt.Errorf("%w: 127.0.0.1 is up but none of the 25 probed ports is open", capture.ErrNoService)
		defer func() { fake.err = nil }()
		status, _, body := fx.do(t, registry.RoleCertifier, http.MethodPost, path, `{"target":"127.0.0.1"}`)
		<-fake.asked
		if status != 422 || !strings.Contains(string(body), "none of the 25 probed ports") {
			t.Fatalf("%d %s", status, body)
		}
	})
	t.Run("one capture at a time", func(t *testing.T) {
		fake.release = make(chan struct{})
		defer func() { fake.release = nil }()
		first := make(chan int)
		go func() {
			status, _, _ := fx.do(t, registry.RoleCertifier, http.MethodPost, path, `{"target":"127.0.0.1","dry_run":true}`)
			first <- status
		}()
		<-fake.asked // the first is running
		status, _, body := fx.do(t, registry.RoleCertifier, http.MethodPost, path, `{"target":"127.0.0.1","dry_run":true}`)
		close(fake.release)
		if status != 409 || !strings.Contains(string(body), "already running") {
			t.Errorf("a second capture at once: %d %s", status, body)
		}
		if s := <-first; s != 200 {
			t.Errorf("the first capture: %d", s)
		}
	})
}

func TestCaptureTargetsOption(t *testing.T) {
	s := sqlstoretest.Open(t, "sqlite")
	none, err := web.ParseCaptureTargets([]string{"none"})
	if err != nil || none == nil || len(none) != 0 {
		t.Fatalf("none: %v %v", none, err)
	}
	fake := &fakeCapture{asked: make(chan capture.Options, 4)}
	fx := profileFixture(t, s, none, fake.run)
	status, _, body := fx.do(t, registry.RoleCertifier, http.MethodPost, "/api/v1/models/acme-r100-v2/profile/capture", `{"target":"127.0.0.1"}`)
	if status != 403 {
		t.Errorf("capture with --capture-allow none: %d %s", status, body)
	}
	bench, err := web.ParseCaptureTargets([]string{"192.168.1.20", "10.9.0.0/16"})
	if err != nil || len(bench) != 2 || bench[0].String() != "192.168.1.20/32" {
		t.Errorf("prefixes: %v %v", bench, err)
	}
	for _, bad := range [][]string{{"none", "10.0.0.0/8"}, {"bench"}} {
		if _, err := web.ParseCaptureTargets(bad); err == nil {
			t.Errorf("%q taken", bad)
		}
	}
}
