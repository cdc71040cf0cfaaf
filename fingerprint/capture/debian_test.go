//go:build linux

package capture_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/certprint/certprint/fingerprint/capture"
	"github.com/certprint/certprint/fingerprint/synth"
	"github.com/certprint/certprint/registry"
	"github.com/certprint/certprint/registry/sqlstore/sqlstoretest"
)

// The servers of Debian packages the test runs, where Debian installs
// them (/usr/sbin is often not in PATH), and the packages .ci/run installs.
const (
	lighttpdBinary   = "/usr/sbin/lighttpd"
	lighttpdPackage  = "lighttpd"
	lighttpdOpenSSL  = "/usr/lib/lighttpd/mod_openssl.so"
	lighttpdTLSPkg   = "lighttpd-mod-openssl"
	lighttpdPage     = "/usr/share/lighttpd/index.html" // Debian's placeholder page
	miniHTTPDBinary  = "/usr/sbin/mini_httpd"
	miniHTTPDPackage = "mini-httpd"
	miniHTTPDPages   = "/usr/share/mini-httpd/html" // Debian's placeholder page
	dropbearBinary   = "/usr/sbin/dropbear"
	dropbearKeygen   = "/usr/bin/dropbearkey"
	dropbearPackage  = "dropbear-bin"
)

// debianCertCN is the name on the HTTPS server's certificate: a freshly
// installed Debian server's self-signed certificate names the machine.
const debianCertCN = "localhost"

// The synthetic world whose registry the Debian servers are matched
// against: the demo's, 300 models of embedded devices, many of which run
// lighttpd, mini_httpd and dropbear.
var debianWorld = synth.Config{Seed: 1, Models: 300}

// debianServers are the ports of the servers the test started.
type debianServers struct {
	Lighttpd, LighttpdTLS, MiniHTTPD, Dropbear int
}

func (s debianServers) ports() string {
	return fmt.Sprintf("%d,%d,%d,%d", s.Lighttpd, s.LighttpdTLS, s.MiniHTTPD, s.Dropbear)
}

// server names the server on a port, for messages.
func (s debianServers) server(port int) string {
	return map[int]string{s.Lighttpd: "lighttpd", s.LighttpdTLS: "lighttpd (HTTPS)", s.MiniHTTPD: "mini_httpd", s.Dropbear: "dropbear"}[port]
}

// startDebianServers runs lighttpd (HTTP and HTTPS), mini_httpd and
// dropbear from their Debian packages on free ports of 127.0.0.1, with
// Debian's own placeholder pages and keys made for the test, and returns
// once every port accepts connections. The servers stop when the test
// ends.
func startDebianServers(t *testing.T) debianServers {
	t.Helper()
	lighttpd := requireTool(t, lighttpdBinary, lighttpdPackage)
	requireFile(t, lighttpdOpenSSL, lighttpdTLSPkg)
	mini := requireTool(t, miniHTTPDBinary, miniHTTPDPackage)
	dropbear := requireTool(t, dropbearBinary, dropbearPackage)
	keygen := requireTool(t, dropbearKeygen, dropbearPackage)
	dir := t.TempDir()
	s := debianServers{Lighttpd: freePort(t), LighttpdTLS: freePort(t), MiniHTTPD: freePort(t), Dropbear: freePort(t)}

	// lighttpd serves Debian's placeholder page from a document root of
	// the test's, on both ports.
	www := filepath.Join(dir, "www")
	page, err := os.ReadFile(lighttpdPage)
	if err != nil {
		t.Fatalf("Debian's lighttpd page (package %s): %v", lighttpdPackage, err)
	}
	if err := os.Mkdir(www, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(www, "index.html"), page)
	pem := filepath.Join(dir, "server.pem")
	writeFile(t, pem, selfSignedPEM(t, debianCertCN))
	conf := filepath.Join(dir, "lighttpd.conf")
	writeFile(t, conf, []byte(fmt.Sprintf(`server.document-root = %q
server.bind = "127.0.0.1"
server.port = %d
server.errorlog = %q
server.modules = ("mod_indexfile", "mod_staticfile", "mod_openssl")
index-file.names = ("index.html")
mimetype.assign = (".html" => "text/html")
$SERVER["socket"] == "127.0.0.1:%d" {
	ssl.engine = "enable"
	ssl.pemfile = %q
}
`, www, s.Lighttpd, filepath.Join(dir, "lighttpd.log"), s.LighttpdTLS, pem)))
	startServer(t, "lighttpd", []int{s.Lighttpd, s.LighttpdTLS}, lighttpd, "-D", "-f", conf)

	// mini_httpd serves Debian's placeholder page where the package put
	// it: run as root, it serves as nobody, who cannot read the test's
	// temporary directory.
	startServer(t, "mini_httpd", []int{s.MiniHTTPD}, mini, "-D", "-h", "127.0.0.1", "-p", strconv.Itoa(s.MiniHTTPD),
		"-d", miniHTTPDPages, "-l", filepath.Join(dir, "mini_httpd.log"))

	// dropbear with one RSA host key: nmap 7.93's ssh-hostkey gets no key
	// from dropbear 2022.83 and waits out a 30 s read timeout on every key
	// type it offers, and it offered ssh-rsa even with an Ed25519 or ECDSA
	// key alone, so one RSA key costs the least (30 s, not 60).
	hostKey := filepath.Join(dir, "dropbear_rsa_host_key")
	if out, err := exec.Command(keygen, "-t", "rsa", "-s", "2048", "-f", hostKey).CombinedOutput(); err != nil {
		t.Fatalf("dropbearkey: %v\n%s", err, out)
	}
	startServer(t, "dropbear", []int{s.Dropbear}, dropbear, "-F", "-E", "-p", fmt.Sprintf("127.0.0.1:%d", s.Dropbear),
		"-r", hostKey, "-P", filepath.Join(dir, "dropbear.pid"))
	return s
}

// requireFile is requireTool for a file a package installs that is not
// a program (a lighttpd module).
func requireFile(t *testing.T, path, pkg string) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is required under CI=true (.ci/run installs the Debian package %s): %v", path, pkg, err)
		}
		t.Skipf("%s not installed (Debian package %s): %v", path, pkg, err)
	}
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// freePort returns a TCP port of 127.0.0.1 that was free a moment ago,
// for a server that takes its port on the command line.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return port(ln)
}

// syncBuffer collects a server's output, written by exec's copying
// goroutine and read by the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *syncBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *syncBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// startServer runs a server in a process group of its own (mini_httpd
// and dropbear fork a child per connection), kills the group when the
// test ends, and waits until each of ports accepts a connection. A server
// that exits or does not listen within the deadline fails the test with
// what it said.
func startServer(t *testing.T, name string, ports []int, path string, args ...string) {
	t.Helper()
	var out syncBuffer
	cmd := exec.Command(path, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
	})
	deadline := time.Now().Add(10 * time.Second)
	for _, p := range ports {
		addr := fmt.Sprintf("127.0.0.1:%d", p)
		for {
			c, err := net.DialTimeout("tcp", addr, time.Second)
			if err == nil {
				c.Close()
				break
			}
			select {
			case <-exited:
				t.Fatalf("%s exited (%v) before listening on %s:\n%s", name, waitErr, addr, out.String())
			case <-time.After(50 * time.Millisecond):
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s does not listen on %s after 10 s: %v\n%s", name, addr, err, out.String())
			}
		}
	}
}

// selfSignedPEM is a certificate and its key, as a freshly installed
// server makes them: self-signed, naming the machine and nothing else.
func selfSignedPEM(t *testing.T, cn string) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		DNSNames:     []string{cn},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	tmpl.Issuer = tmpl.Subject
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: der})
	pem.Encode(&b, &pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
	return b.Bytes()
}

// modelsNaming counts the models of doc with a predicate on field whose
// text holds word, and those with a predicate that is exact.
func modelsNaming(doc *registry.Document, field, word, exact string) (named, exactly int) {
	for _, m := range doc.Models {
		if m.Profile == nil {
			continue
		}
		var n, e bool
		for _, s := range m.Profile.Signatures {
			p, ok := s.Fields[field]
			if !ok {
				continue
			}
			n = n || strings.Contains(p.Exact+p.Prefix+p.Regex, word)
			e = e || p.Exact == exact
		}
		if n {
			named++
		}
		if e {
			exactly++
		}
	}
	return named, exactly
}

// debianLookalikes are models of embedded devices that run exactly the
// servers the Debian packages announce (the Server headers of lighttpd
// and mini_httpd and the SSH banner the capture saw), each with what such
// a device says and a Debian server does not: a page title, a realm, a
// certificate's name.
func debianLookalikes(lighttpd, mini, ssh string) []registry.Model {
	tls := func(b bool) *bool { return &b }
	sig := func(protocol string, port int, secure *bool, fields map[string]registry.Predicate) registry.Signature {
		return registry.Signature{Protocol: protocol, Transport: "tcp", Port: port, TLS: secure, Fields: fields,
			Origin: &registry.Origin{Kind: "manual", Note: "the Debian servers' versions, with a device's own page"}}
	}
	exact := func(s string) registry.Predicate { return registry.Predicate{Exact: s} }
	return []registry.Model{
		{
			Ref: "kumo-kr7", Vendor: "Kumo Networks", Name: "KR-7 Home Router", ModelNumber: "KR-7", DeviceType: "router",
			Profile: &registry.Profile{Signatures: []registry.Signature{
				sig("http", 80, tls(false), map[string]registry.Predicate{
					registry.FieldHTTPServer: exact(lighttpd), registry.FieldHTTPTitle: exact("Kumo KR-7 Router Login")}),
				sig("http", 80, tls(false), map[string]registry.Predicate{
					registry.FieldHTTPServer: exact(lighttpd), registry.FieldHTTPWWWAuthenticate: exact(`Basic realm="KR-7 Admin"`)}),
				sig("http", 443, tls(true), map[string]registry.Predicate{
					registry.FieldHTTPServer: exact(lighttpd), registry.FieldTLSSubjectCN: exact("kr7.kumo.local")}),
				sig("ssh", 22, nil, map[string]registry.Predicate{registry.FieldSSHBanner: exact(ssh)}),
			}},
		},
		{
			Ref: "kumo-c2", Vendor: "Kumo Networks", Name: "KumoCam C2", ModelNumber: "KC-C2", DeviceType: "camera",
			Profile: &registry.Profile{Signatures: []registry.Signature{
				sig("http", 80, tls(false), map[string]registry.Predicate{
					registry.FieldHTTPServer: exact(mini), registry.FieldHTTPTitle: exact("KumoCam C2 Live View")}),
				sig("http", 80, tls(false), map[string]registry.Predicate{
					registry.FieldHTTPServer: exact(mini), registry.FieldHTTPWWWAuthenticate: exact(`Basic realm="KumoCam"`)}),
				sig("ssh", 22, nil, map[string]registry.Predicate{registry.FieldSSHBanner: exact(ssh)}),
			}},
		},
	}
}

// The must-show of issue 5 that needs the matcher to hold back: real
// servers from Debian packages, captured with the real nmap and imported
// as a scan, are unknown against a registry of embedded devices that use
// the same servers, the synthetic world's and two models that name
// exactly the versions the Debian packages announce. A generic server
// shows what hundreds of products share and nothing that names one.
func TestDebianServersAreUnknown(t *testing.T) {
	requireNmap(t)
	servers := startDebianServers(t)
	ports, err := capture.ParsePorts(servers.ports())
	if err != nil {
		t.Fatal(err)
	}
	res, err := capture.Run(ctx, capture.Options{
		Target: netip.MustParseAddr("127.0.0.1"), Ports: ports,
		Timeout: 2 * time.Minute, Allowed: capture.Loopback,
	})
	if err != nil {
		t.Fatalf("capture: %v", err)
	}

	// The capture saw each server for what it is.
	byPort := map[int]registry.Observation{}
	for _, o := range res.Observations {
		byPort[int(o.Port)] = o
	}
	seen := []struct {
		port          int
		field, prefix string
	}{
		{servers.Lighttpd, registry.FieldHTTPServer, "lighttpd/"},
		{servers.LighttpdTLS, registry.FieldHTTPServer, "lighttpd/"},
		{servers.LighttpdTLS, registry.FieldTLSSubjectCN, debianCertCN},
		{servers.MiniHTTPD, registry.FieldHTTPServer, "mini_httpd/"},
		{servers.Dropbear, registry.FieldSSHBanner, "SSH-2.0-dropbear_"},
	}
	for _, s := range seen {
		if got := byPort[s.port].Fields[s.field]; !strings.HasPrefix(got, s.prefix) {
			t.Errorf("%s on %d: %s = %q, want %q...", servers.server(s.port), s.port, s.field, got, s.prefix)
		}
	}
	// dropbear sends its KEXINIT right after its line: the banner is the
	// line alone, or no banner of dropbear's would match a profile.
	if b := byPort[servers.Dropbear].Fields[registry.FieldSSHBanner]; strings.ContainsAny(b, "\r\n") {
		t.Errorf("ssh.banner %q holds more than the identification line", b)
	}
	if t.Failed() {
		t.Fatalf("the capture did not see the servers: %+v", res.Observations)
	}
	lighttpd := byPort[servers.Lighttpd].Fields[registry.FieldHTTPServer]
	mini := byPort[servers.MiniHTTPD].Fields[registry.FieldHTTPServer]
	ssh := byPort[servers.Dropbear].Fields[registry.FieldSSHBanner]
	t.Logf("nmap took %s; the Debian servers say %q, %q and %q", res.Finished.Sub(res.Started).Round(time.Second), lighttpd, mini, ssh)

	// The registry holds embedded devices that run the same servers.
	doc, err := synth.Registry(debianWorld)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []struct{ field, word, exact string }{
		{registry.FieldHTTPServer, "lighttpd", lighttpd},
		{registry.FieldHTTPServer, "mini_httpd", mini},
		{registry.FieldSSHBanner, "dropbear", ssh},
	} {
		named, exactly := modelsNaming(doc, want.field, want.word, want.exact)
		if named == 0 {
			t.Fatalf("no model of the synthetic registry (seed %d, %d models) names %s in %s: the test would prove nothing",
				debianWorld.Seed, debianWorld.Models, want.word, want.field)
		}
		t.Logf("%d synthetic models name %s in %s, %d of them %q exactly", named, want.word, want.field, exactly, want.exact)
	}
	store := sqlstoretest.Open(t, "sqlite")
	if _, err := store.Import(ctx, doc); err != nil {
		t.Fatal(err)
	}
	for _, m := range debianLookalikes(lighttpd, mini, ssh) {
		profile := m.Profile
		m.Profile = nil
		m.Certifications = []registry.Certification{{
			Program: "CCDS", CertificateID: "CCDS-2026-" + m.Ref, Level: "IoT-HG",
			Issued: mustDate(t, "2026-01-15"), Status: registry.StatusValid,
		}}
		if _, err := store.CreateModel(ctx, &m); err != nil {
			t.Fatal(err)
		}
		if _, err := store.SetProfile(ctx, m.Ref, profile); err != nil {
			t.Fatalf("%s: %v", m.Ref, err)
		}
	}

	scanID := importCapture(t, store, "Debian servers", res, servers.ports())
	ix, verdicts := matchScan(t, store, scanID)
	var obs []registry.Observation
	err = store.Observations(ctx, registry.ObservationFilter{ScanID: scanID}, func(o *registry.Observation) error {
		obs = append(obs, *o)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []int{servers.Lighttpd, servers.LighttpdTLS, servers.MiniHTTPD, servers.Dropbear} {
		name := fmt.Sprintf("tcp/%d", p)
		if !slices.ContainsFunc(verdicts, func(v registry.Verdict) bool { return slices.Contains(v.Ports, name) }) {
			t.Errorf("no verdict holds %s (%s): %+v", name, servers.server(p), verdicts)
		}
	}
	for _, v := range verdicts {
		if v.Class != registry.ClassUnknown {
			t.Errorf("%v is %s as %v, confidence %.3f; evidence:", v.Ports, v.Class, v.ModelRefs, v.Confidence)
			for _, e := range v.Evidence {
				verb := "matches"
				if e.Weight < 0 {
					verb = "is contradicted by"
				}
				t.Errorf("  %s %s: %s %s %s %q (%+.1f bits)", e.ModelRef, e.Port, e.Field, e.Predicate, verb, e.Observed, e.Weight)
			}
		}
	}
	if t.Failed() || testing.Verbose() {
		var b strings.Builder
		if err := ix.NewMatcher().Explain(obs).Render(&b); err != nil {
			t.Fatal(err)
		}
		t.Logf("the matcher's explanation:\n%s", b.String())
	}
}
