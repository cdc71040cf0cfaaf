package capture_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/certprint/certprint/fingerprint"
	"github.com/certprint/certprint/fingerprint/capture"
	"github.com/certprint/certprint/fingerprint/learn"
	"github.com/certprint/certprint/importer"
	"github.com/certprint/certprint/registry"
	"github.com/certprint/certprint/registry/sqlstore"
	"github.com/certprint/certprint/registry/sqlstore/sqlstoretest"
)

var ctx = registry.WithActor(context.Background(), registry.Actor{Name: "capture-test", Role: registry.RoleCertifier})

// requireNmap skips a test that needs the real nmap when it is missing,
// and fails it under CI=true, where .ci/run installs nmap.
func requireNmap(t *testing.T) { requireTool(t, "nmap", "nmap") }

// requireTool returns the path of binary (a name looked up in PATH, or an
// absolute path: Debian keeps servers in /usr/sbin, often not in PATH). A
// test skips when it is missing, and fails under CI=true, where .ci/run
// installs the Debian package pkg.
func requireTool(t *testing.T, binary, pkg string) string {
	t.Helper()
	path, err := exec.LookPath(binary)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is required under CI=true (.ci/run installs the Debian package %s): %v", binary, pkg, err)
		}
		t.Skipf("%s not installed (Debian package %s): %v", binary, pkg, err)
	}
	return path
}

// The distinctive things the reference device says.
const (
	deviceTitle   = "Acme R300 Setup (fw 3.1.4)"
	deviceRealm   = "Acme R300 Admin"
	deviceCN      = "acme-r300.local"
	deviceSSH     = "SSH-2.0-AcmeSSH_3.1.4"
	deviceModel   = "acme-r300"
	postgresPort  = 5432
	captureBudget = 5 * time.Minute
)

// deviceServer is the Server header of the device's web interface: an
// embedded server nmap's probes know (Mbedthis Appweb is common on
// routers), so version detection stops at its first match. A Server
// header nmap does not know makes it send every probe at intensity 9,
// minutes per port; the model-specific title, realm, certificate and SSH
// version are what the test looks for.
const deviceServer = "Mbedthis-Appweb/2.4.2"

// referenceDevice is a fake Acme R300 on the loopback: its web interface
// over HTTP and HTTPS (a certificate of its own), and its SSH server.
type referenceDevice struct {
	HTTP, HTTPS, SSH int
	Postgres         bool // the PostgreSQL server on 5432 answers too
}

func (d referenceDevice) ports() string {
	p := fmt.Sprintf("%d,%d,%d", d.HTTP, d.HTTPS, d.SSH)
	if d.Postgres {
		p += fmt.Sprintf(",%d", postgresPort)
	}
	return p
}

func startReferenceDevice(t *testing.T) referenceDevice {
	t.Helper()
	web := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Server", deviceServer)
		w.Header().Set("WWW-Authenticate", `Basic realm="`+deviceRealm+`"`)
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintf(w, "<html><head><title>%s</title></head><body>Log in to continue.</body></html>", deviceTitle)
	})
	quiet := log.New(io.Discard, "", 0) // nmap's probes make handshake errors by the dozen
	plain := httptest.NewUnstartedServer(web)
	plain.Config.ErrorLog = quiet
	plain.Start()
	t.Cleanup(plain.Close)
	secure := httptest.NewUnstartedServer(web)
	secure.Config.ErrorLog = quiet
	secure.TLS = &tls.Config{Certificates: []tls.Certificate{deviceCertificate(t)}}
	secure.StartTLS()
	t.Cleanup(secure.Close)

	d := referenceDevice{HTTP: port(plain.Listener), HTTPS: port(secure.Listener), SSH: startSSH(t)}
	if c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", postgresPort), time.Second); err == nil {
		c.Close()
		d.Postgres = true
	} else if os.Getenv("CI") == "true" {
		t.Fatalf("PostgreSQL on 127.0.0.1:%d is required under CI=true: %v", postgresPort, err)
	}
	return d
}

func mustDate(t *testing.T, s string) registry.Date {
	t.Helper()
	d, err := registry.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func port(ln net.Listener) int { return ln.Addr().(*net.TCPAddr).Port }

// deviceCertificate is a self-signed certificate as a router makes one.
func deviceCertificate(t *testing.T) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: deviceCN, Organization: []string{"Acme Corp"}, Country: []string{"JP"}},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		DNSNames:     []string{deviceCN},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	tmpl.Issuer = tmpl.Subject
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// startSSH serves SSH with golang.org/x/crypto/ssh under the device's
// version string; no login succeeds.
func startSSH(t *testing.T) int {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	cfg := &ssh.ServerConfig{
		ServerVersion: deviceSSH,
		PasswordCallback: func(ssh.ConnMetadata, []byte) (*ssh.Permissions, error) {
			return nil, fmt.Errorf("no login on a reference device")
		},
	}
	cfg.AddHostKey(signer)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				c.SetDeadline(time.Now().Add(10 * time.Second))
				conn, chans, reqs, err := ssh.NewServerConn(&identCheck{Conn: c}, cfg)
				if err != nil {
					return
				}
				go ssh.DiscardRequests(reqs)
				for ch := range chans {
					ch.Reject(ssh.Prohibited, "reference device")
				}
				conn.Close()
			}()
		}
	}()
	return port(ln)
}

// identCheck ends a connection whose client does not open with "SSH-",
// as OpenSSH and dropbear do; x/crypto/ssh would wait for an SSH line
// through any number of others, and nmap's probes would each wait for
// their timeout.
type identCheck struct {
	net.Conn
	checked bool
}

func (c *identCheck) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if !c.checked && n > 0 {
		c.checked = true
		if n < 4 || string(p[:4]) != "SSH-" {
			return 0, fmt.Errorf("not an SSH client")
		}
	}
	return n, err
}

// referenceCapture is what referenceDeviceScan leaves for the test that
// matches it.
type referenceCapture struct {
	Store    *sqlstore.Store
	ScanID   int64  // the capture's nmap XML, imported as a closed scan
	ModelRef string // the model whose profile the capture became
	Device   referenceDevice
	Result   *capture.Result
	Learned  *learn.Result
}

// referenceDeviceScan starts the reference device, captures it with the
// real nmap (its ports only), learns its profile, stores the profile as
// model acme-r300's (certified under CCDS) in a fresh SQLite registry
// holding testdata/registry.json, and imports the same nmap XML as a
// closed scan. Matching that scan's host to ModelRef is the next step.
func referenceDeviceScan(t *testing.T) referenceCapture {
	t.Helper()
	requireNmap(t)
	dev := startReferenceDevice(t)
	ports, err := capture.ParsePorts(dev.ports())
	if err != nil {
		t.Fatal(err)
	}
	res, err := capture.Run(ctx, capture.Options{
		Target: netip.MustParseAddr("127.0.0.1"), Ports: ports,
		Timeout: captureBudget, Allowed: capture.Loopback,
	})
	if err != nil {
		t.Fatalf("capture: %v", err)
	}
	learned, err := learn.Learn(learn.SamplesByHost("capture", res.Observations),
		registry.Origin{Kind: "capture", Tool: res.Tool, At: res.Finished})
	if err != nil {
		t.Fatalf("learn: %v\nobservations: %+v", err, res.Observations)
	}

	store := sqlstoretest.Open(t, "sqlite")
	if _, err := store.Import(ctx, sqlstoretest.LoadDocument(t, "../../testdata/registry.json")); err != nil {
		t.Fatal(err)
	}
	_, err = store.CreateModel(ctx, &registry.Model{
		Ref: deviceModel, Vendor: "Acme", Name: "R300", ModelNumber: "R300-JP", DeviceType: "router",
		Certifications: []registry.Certification{{
			Program: "CCDS", CertificateID: "CCDS-2026-0300", Level: "IoT-HG",
			Issued: mustDate(t, "2026-01-15"), Status: registry.StatusValid,
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.SetProfile(ctx, deviceModel, learned.Profile); err != nil {
		t.Fatalf("store the profile: %v", err)
	}

	scanID := importCapture(t, store, "reference capture", res, dev.ports())
	return referenceCapture{Store: store, ScanID: scanID, ModelRef: deviceModel, Device: dev, Result: res, Learned: learned}
}

// importCapture imports a capture's nmap XML into store as a closed scan
// of 127.0.0.1 on ports (comma-separated), as `scan import` would, and
// returns the scan's id.
func importCapture(t *testing.T, store *sqlstore.Store, name string, res *capture.Result, ports string) int64 {
	t.Helper()
	scan, err := store.CreateScan(ctx, &registry.Scan{Name: name, Probed: []string{"127.0.0.1/32"}, Ports: strings.Split(ports, ",")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := importer.Load(ctx, store, scan.ID, bytes.NewReader(res.XML), importer.LoadOptions{
		Format: importer.Nmap, Name: "capture.xml", MaxErrors: 0,
	}); err != nil {
		t.Fatalf("import the capture as a scan: %v", err)
	}
	if _, err := store.CloseScan(ctx, scan.ID); err != nil {
		t.Fatal(err)
	}
	return scan.ID
}

// matchScan matches a closed scan against the store's registry as it is
// now, as `certprint match` does, and returns the index it used and the
// verdicts it stored.
func matchScan(t *testing.T, store *sqlstore.Store, scanID int64) (*fingerprint.Index, []registry.Verdict) {
	t.Helper()
	ix, rev, err := fingerprint.IndexFor(ctx, store)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fingerprint.MatchScan(ctx, ix, store, store, scanID, fingerprint.MatchOptions{Revision: rev}); err != nil {
		t.Fatal(err)
	}
	var verdicts []registry.Verdict
	err = store.Verdicts(ctx, registry.VerdictFilter{ScanID: scanID}, func(v *registry.Verdict) error {
		verdicts = append(verdicts, *v)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ix, verdicts
}

// The must-show of issue 5 that needs no matcher: real services on the
// loopback, captured with the real nmap, give a profile with the
// distinctive title, realm, certificate name and SSH version; it is
// stored, and the same XML imports as a scan.
func TestCaptureReferenceDevice(t *testing.T) {
	rc := referenceDeviceScan(t)
	dev, res := rc.Device, rc.Result
	if !strings.HasPrefix(res.Tool, "nmap 7.") && !strings.HasPrefix(res.Tool, "nmap ") {
		t.Errorf("tool %q", res.Tool)
	}
	want := []struct {
		protocol string
		port     int
		tls      bool
		field    string
		exact    string
	}{
		{"http", dev.HTTP, false, registry.FieldHTTPTitle, deviceTitle},
		{"http", dev.HTTP, false, registry.FieldHTTPWWWAuthenticate, `Basic realm="` + deviceRealm + `"`},
		{"http", dev.HTTPS, true, registry.FieldHTTPTitle, deviceTitle},
		{"http", dev.HTTPS, true, registry.FieldTLSSubjectCN, deviceCN},
		{"ssh", dev.SSH, false, registry.FieldSSHBanner, deviceSSH},
	}
	if b, err := json.MarshalIndent(rc.Learned, "", "  "); err == nil {
		t.Logf("proposed profile and what was left out:\n%s", b)
	}
	stored, err := rc.Store.GetModel(ctx, rc.ModelRef, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, profile := range []struct {
		name string
		p    *registry.Profile
	}{{"proposed", rc.Learned.Profile}, {"stored", stored.Profile}} {
		for _, w := range want {
			t.Run(profile.name+" "+w.field+" on "+fmt.Sprint(w.port), func(t *testing.T) {
				var sig *registry.Signature
				for i, s := range profile.p.Signatures {
					if s.Protocol == w.protocol && s.Port == w.port {
						sig = &profile.p.Signatures[i]
					}
				}
				if sig == nil {
					t.Fatalf("no %s signature on port %d: %+v\nobservations: %+v", w.protocol, w.port, profile.p.Signatures, res.Observations)
				}
				if got := sig.Fields[w.field]; got.Exact != w.exact {
					t.Errorf("%s: %+v, want exact %q", w.field, got, w.exact)
				}
				if sig.TLS == nil || *sig.TLS != w.tls {
					t.Errorf("tls %v, want %v", sig.TLS, w.tls)
				}
				if sig.Origin == nil || sig.Origin.Kind != "capture" || sig.Origin.Tool != res.Tool || sig.Origin.At.IsZero() {
					t.Errorf("origin %+v", sig.Origin)
				}
			})
		}
	}
	for _, s := range rc.Learned.Profile.Signatures {
		if _, ok := s.Fields[registry.FieldTLSCertSHA256]; ok {
			t.Errorf("port %d: the certificate hash of this unit was learned", s.Port)
		}
		if _, ok := s.Fields[registry.FieldSSHHostKeySHA256]; ok {
			t.Errorf("port %d: the host key hash of this unit was learned", s.Port)
		}
	}
	if len(res.Skipped) != len(capture.UDPScripts) {
		t.Errorf("skipped %+v, want the UDP scripts (no --udp)", res.Skipped)
	}

	var titles []string
	err = rc.Store.Observations(ctx, registry.ObservationFilter{ScanID: rc.ScanID}, func(o *registry.Observation) error {
		if o.Fields[registry.FieldHTTPTitle] != "" {
			titles = append(titles, fmt.Sprintf("%d=%s", o.Port, o.Fields[registry.FieldHTTPTitle]))
		}
		return nil
	})
	if err != nil || len(titles) != 2 {
		t.Errorf("the imported scan's titles %q (%v), want the HTTP and HTTPS ports'", titles, err)
	}

	// The scan's host is the reference device: matched against the
	// registry holding its stored profile, it is that model, and the
	// verdict lists the evidence.
	_, verdicts := matchScan(t, rc.Store, rc.ScanID)
	var device *registry.Verdict
	for i := range verdicts {
		if slices.Contains(verdicts[i].Ports, fmt.Sprintf("tcp/%d", dev.HTTP)) {
			device = &verdicts[i]
		}
	}
	if device == nil {
		t.Fatalf("no verdict holds the HTTP port: %+v", verdicts)
	}
	if device.Class != registry.ClassCertified || !slices.Equal(device.ModelRefs, []string{rc.ModelRef}) {
		t.Fatalf("the reference device is %s %v, want certified %s\n%+v", device.Class, device.ModelRefs, rc.ModelRef, device)
	}
	for _, p := range []string{fmt.Sprintf("tcp/%d", dev.HTTPS), fmt.Sprintf("tcp/%d", dev.SSH)} {
		if !slices.Contains(device.Ports, p) {
			t.Errorf("the device's verdict lacks %s: %v", p, device.Ports)
		}
	}
	evidence := map[string]bool{}
	for _, e := range device.Evidence {
		if e.ModelRef == rc.ModelRef && e.Weight > 0 {
			evidence[e.Field+"="+e.Observed] = true
		}
	}
	for _, want := range []string{
		registry.FieldHTTPTitle + "=" + deviceTitle,
		registry.FieldTLSSubjectCN + "=" + deviceCN,
		registry.FieldSSHBanner + "=" + deviceSSH,
	} {
		if !evidence[want] {
			t.Errorf("the verdict's evidence lacks %s: %+v", want, device.Evidence)
		}
	}
}
