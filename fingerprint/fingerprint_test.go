package fingerprint

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"math/big"
	"net/netip"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/certprint/certprint/registry"
)

func TestClean(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"  Acme-httpd/1.0 \r\n", "Acme-httpd/1.0"},
		{"220 line one\r\n220 line two", "220 line one\n220 line two"},
		{"bell\x07 esc\x1b[31m", `bell\x07 esc\x1b[31m`},
		{"latin1 \xe9t\xe9", `latin1 \xe9t\xe9`},
		{"日本語 ルーター", "日本語 ルーター"},
		{"tab\there", "tab\there"},
		{"del\x7f", `del\x7f`},
		{"nul\x00", `nul\x00`},
		{"c1 \u0085 next", `c1 \x85 next`},
	} {
		if got := Clean(c.in); got != c.want {
			t.Errorf("Clean(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestCleanBounds(t *testing.T) {
	for _, in := range []string{
		strings.Repeat("a", 5000),
		strings.Repeat("é", 3000),
		strings.Repeat("\x01", 3000),
		strings.Repeat("\xff", 3000),
	} {
		got := Clean(in)
		if len(got) > MaxValue || !utf8.ValidString(got) || got == "" {
			t.Errorf("Clean of %d bytes %q...: %d bytes, valid %t", len(in), in[:4], len(got), utf8.ValidString(got))
		}
	}
}

func FuzzClean(f *testing.F) {
	for _, s := range []string{"", "abc", "\xff\xfe", "\r\n\r\n", "\x1b]0;title\x07", strings.Repeat("ü", 600)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Clean(s)
		if len(got) > MaxValue || !utf8.ValidString(got) {
			t.Fatalf("Clean(%q) = %q: %d bytes", s, got, len(got))
		}
		for _, r := range got {
			if r < 0x20 && r != '\t' && r != '\n' || r == 0x7f || r >= 0x80 && r < 0xa0 {
				t.Fatalf("Clean(%q) kept control %U", s, r)
			}
		}
		if Clean(got) != got {
			t.Fatalf("Clean is not idempotent on %q: %q then %q", s, got, Clean(got))
		}
	})
}

func TestSetHeader(t *testing.T) {
	f := Fields{}
	f.SetHeader("Server", "Acme-httpd/1.0")
	f.SetHeader("www_authenticate", `Basic realm="R100"`)
	f.SetHeader("X-Powered-By", "PHP/5.6")
	f.SetHeader("x_frame_options", "DENY", "SAMEORIGIN")
	f.SetHeader("ETag", `"abc"`)
	f.SetHeader("Set-Cookie", "sid=1")
	f.SetHeader("Date", "Mon, 01 Jan 2024")
	f.SetHeader("bad header\x00", "x")
	want := Fields{
		registry.FieldHTTPServer:          "Acme-httpd/1.0",
		registry.FieldHTTPWWWAuthenticate: `Basic realm="R100"`,
		"http.header.x-powered-by":        "PHP/5.6",
		"http.header.x-frame-options":     "DENY, SAMEORIGIN",
	}
	if len(f) != len(want) {
		t.Fatalf("fields %v, want %v", f, want)
	}
	for k, v := range want {
		if f[k] != v {
			t.Errorf("%s = %q, want %q", k, f[k], v)
		}
	}
}

func TestHeaderBound(t *testing.T) {
	f := Fields{}
	for i := 0; i < 100; i++ {
		f.SetHeader("X-H"+strings.Repeat("a", i%7)+string(rune('a'+i%26))+hex.EncodeToString([]byte{byte(i)}), "v")
	}
	if n := f.headerCount(); n != MaxHeaders {
		t.Errorf("%d header fields kept, want %d", n, MaxHeaders)
	}
}

func TestSetStatus(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"200 OK", "200"}, {"HTTP/1.1 401 Unauthorized", "401"}, {"302", "302"},
		{"OK", ""}, {"HTTP/1.0", ""}, {"99 low", ""},
	} {
		f := Fields{}
		f.SetStatus(c.in)
		if got := f[registry.FieldHTTPStatus]; got != c.want {
			t.Errorf("SetStatus(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestTitle(t *testing.T) {
	for _, c := range []struct {
		body, want string
		ok         bool
	}{
		{"<html><head><title>Acme R100 (fw 1.2.3)</title>", "Acme R100 (fw 1.2.3)", true},
		{"<TITLE lang=en>\n  Web &amp; Admin\n</TITLE>", "Web & Admin", true},
		{"<title>never closed", "", false},
		{"no title", "", false},
		{strings.Repeat(" ", titleScan) + "<title>late</title>", "", false},
	} {
		raw, ok := Title([]byte(c.body))
		f := Fields{}
		f.SetTitle(raw)
		if ok != c.ok || f[registry.FieldHTTPTitle] != c.want {
			t.Errorf("Title(%.30q) = %q %t, want %q %t", c.body, f[registry.FieldHTTPTitle], ok, c.want, c.ok)
		}
	}
}

func TestParseHTTPHead(t *testing.T) {
	f := Fields{}
	f.ParseHTTPHead("HTTP/1.0 200 OK\r\nServer: micro_httpd\r\nDate: x\r\nX-Model: R100\r\n\r\n<html>")
	if f[registry.FieldHTTPStatus] != "200" || f[registry.FieldHTTPServer] != "micro_httpd" || f["http.header.x-model"] != "R100" || len(f) != 3 {
		t.Errorf("ParseHTTPHead: %v", f)
	}
}

func TestSSHHostKeyForms(t *testing.T) {
	blob := []byte("\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20" + strings.Repeat("k", 32))
	sum := sha256.Sum256(blob)
	want := hex.EncodeToString(sum[:])
	for name, set := range map[string]func(Fields){
		"blob base64":     func(f Fields) { f.SetSSHHostKey(base64.StdEncoding.EncodeToString(blob)) },
		"openssh SHA256:": func(f Fields) { f.SetSSHFingerprint("SHA256:" + base64.RawStdEncoding.EncodeToString(sum[:])) },
		"hex":             func(f Fields) { f.SetSSHFingerprint(strings.ToUpper(want)) },
		"colon hex": func(f Fields) {
			var parts []string
			for i := 0; i < len(want); i += 2 {
				parts = append(parts, want[i:i+2])
			}
			f.SetSSHFingerprint(strings.Join(parts, ":"))
		},
	} {
		f := Fields{}
		set(f)
		if got := f[registry.FieldSSHHostKeySHA256]; got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
	f := Fields{}
	f.SetSSHFingerprint("0a1b2c3d4e5f60718293a4b5c6d7e8f9") // MD5: not convertible
	f.SetSSHHostKey("!!not base64")
	if len(f) != 0 {
		t.Errorf("MD5 or broken input set %v", f)
	}
}

func TestSetSSHBanner(t *testing.T) {
	for _, c := range []struct{ name, text, want string }{
		{"line", "SSH-2.0-dropbear_2022.83", "SSH-2.0-dropbear_2022.83"},
		{"line end", "SSH-2.0-dropbear_2022.83\r\n", "SSH-2.0-dropbear_2022.83"},
		{"the server's KEXINIT after it", "SSH-2.0-dropbear_2022.83\r\n\x00\x00\x01\xfc\x07\x14=\x8e\x01\xdf\nmore", "SSH-2.0-dropbear_2022.83"},
		{"lines before it", "Authorised use only\r\nSSH-2.0-OpenSSH_9.2p1\r\n", "SSH-2.0-OpenSSH_9.2p1"},
		{"no SSH- line: the first", "not ssh\r\nat all", "not ssh"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := Fields{}
			f.SetSSHBanner(c.text)
			if got := f[registry.FieldSSHBanner]; got != c.want {
				t.Errorf("ssh.banner %q, want %q", got, c.want)
			}
		})
	}
}

func TestTelnetText(t *testing.T) {
	in := []byte("\xff\xfd\x18\xff\xfb\x01\xff\xfa\x18\x01\xff\xf0Acme login: \xff\xff\x00")
	if got := TelnetText(in); got != "Acme login: \xff" {
		t.Errorf("TelnetText = %q", got)
	}
	for _, in := range [][]byte{{0xff}, {0xff, 0xfa, 1, 2}, {0xff, 0xfb}} {
		TelnetText(in) // must not panic on cut sequences
	}
}

func TestProtocol(t *testing.T) {
	for _, c := range []struct {
		in   string
		want string
		tls  bool
	}{
		{"https", "http", true}, {"HTTP", "http", false}, {"ssl/http", "http", true},
		{"imaps", "imap", true}, {"ssh", "ssh", false}, {"", "unknown", false},
		{"tcpwrapped", "unknown", false}, {"weird<script>", "unknown", false},
		{"ms-wbt-server", "rdp", false}, {"x-new-proto", "x-new-proto", false},
	} {
		got, tls := Protocol(c.in)
		if got != c.want || tls != c.tls {
			t.Errorf("Protocol(%q) = %q %t, want %q %t", c.in, got, tls, c.want, c.tls)
		}
	}
}

func TestSetCertificate(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	name := pkix.Name{CommonName: "acme-r100.local", Organization: []string{"Acme, Corp"}, Country: []string{"JP"}, SerialNumber: "DEVICE-123"}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(42), Subject: name, Issuer: name,
		NotBefore: time.Unix(0, 0), NotAfter: time.Unix(1<<31, 0)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(der)
	pemText := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	fromDER, fromB64, fromPEM := Fields{}, Fields{}, Fields{}
	fromDER.SetCertificate(der)
	fromB64.SetCertificateBase64(base64.StdEncoding.EncodeToString(der))
	fromPEM.SetCertificatePEM(pemText)
	want := Fields{
		registry.FieldTLSCertSHA256: hex.EncodeToString(sum[:]),
		registry.FieldTLSSubjectCN:  "acme-r100.local",
		registry.FieldTLSSubject:    `CN=acme-r100.local, O=Acme\, Corp, C=JP`,
		registry.FieldTLSIssuer:     `CN=acme-r100.local, O=Acme\, Corp, C=JP`,
		registry.FieldTLSSelfSigned: "true",
	}
	for name, f := range map[string]Fields{"der": fromDER, "base64": fromB64, "pem": fromPEM} {
		if len(f) != len(want) {
			t.Errorf("%s: %v, want %v", name, f, want)
		}
		for k, v := range want {
			if f[k] != v {
				t.Errorf("%s: %s = %q, want %q", name, k, f[k], v)
			}
		}
	}
	names := Fields{}
	names.SetCertificateNames(DN{CommonName: []string{"acme-r100.local"}, Organization: []string{"Acme, Corp"}, Country: []string{"JP"}},
		DN{CommonName: []string{"acme-r100.local"}, Organization: []string{"Acme, Corp"}, Country: []string{"JP"}})
	for _, k := range []string{registry.FieldTLSSubject, registry.FieldTLSIssuer, registry.FieldTLSSubjectCN} {
		if names[k] != want[k] {
			t.Errorf("from names: %s = %q, want %q (the same as parsed DER)", k, names[k], want[k])
		}
	}
	broken := Fields{}
	broken.SetCertificate([]byte("not a certificate"))
	if len(broken) != 1 || broken[registry.FieldTLSCertSHA256] == "" {
		t.Errorf("unparseable DER: %v, want only its hash", broken)
	}
}

func TestFinish(t *testing.T) {
	v4mapped := netip.MustParseAddr("::ffff:192.0.2.1")
	for _, c := range []struct {
		o      registry.Observation
		reason string
	}{
		{registry.Observation{IP: v4mapped, Transport: "TCP", Port: 443, Protocol: "https"}, ""},
		{registry.Observation{Transport: "tcp", Port: 80}, "bad-address"},
		{registry.Observation{IP: v4mapped, Transport: "tcp"}, "bad-port"},
		{registry.Observation{IP: v4mapped, Transport: "sctp", Port: 1}, "bad-transport"},
	} {
		o := c.o
		reason, _ := Finish(&o)
		if reason != c.reason {
			t.Errorf("Finish(%+v) = %q, want %q", c.o, reason, c.reason)
		}
		if reason == "" && (o.IP.String() != "192.0.2.1" || o.Protocol != "http" || !o.TLS || o.Transport != "tcp") {
			t.Errorf("Finish did not canonicalise: %+v", o)
		}
	}
}

func TestFieldsBound(t *testing.T) {
	f := Fields{}
	for i := 0; i < 200; i++ {
		f.Set("x."+hex.EncodeToString([]byte{byte(i)}), "v")
	}
	f.Set(strings.Repeat("n", MaxName+1), "v")
	if len(f) != MaxFields {
		t.Errorf("%d fields, want %d", len(f), MaxFields)
	}
}

func TestSetTLSVersion(t *testing.T) {
	for in, want := range map[string]string{"TLSv1.2": "TLSv1.2", "TLS 1.3": "TLSv1.3", "TLS/1.1": "TLSv1.1",
		"tls1_2": "TLSv1.2", "SSLv3": "SSLv3", "TLSv1": "TLSv1.0", "QUIC": ""} {
		f := Fields{}
		f.SetTLSVersion(in)
		if got := f[registry.FieldTLSVersion]; got != want {
			t.Errorf("SetTLSVersion(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSetList(t *testing.T) {
	f := Fields{}
	f.SetList(registry.FieldHTTPTechnologies, []string{"nginx:1.2", "", "Boa", "nginx:1.2"}, ",")
	f.SetList(registry.FieldServiceCPE, nil, " ")
	if got := f[registry.FieldHTTPTechnologies]; got != "Boa,nginx:1.2" || len(f) != 1 {
		t.Errorf("SetList: %v", f)
	}
}

func TestInterpretBanner(t *testing.T) {
	for _, tt := range []struct {
		name, protocol, banner string
		want                   map[string]string
		wantProtocol           string
	}{
		{"rtsp", "unknown", "RTSP/1.0 200 OK\nCSeq: 1\nServer: CamCo RTSP/2.1\nPublic: OPTIONS", map[string]string{"rtsp.server": "CamCo RTSP/2.1"}, "rtsp"},
		{"http", "unknown", "HTTP/1.1 401 Unauthorized\nserver:  Boa/0.94.14rc21 \n\nbody", map[string]string{"http.server": "Boa/0.94.14rc21"}, "http"},
		{"ssh", "unknown", "SSH-2.0-dropbear_2019.78\n", map[string]string{"ssh.banner": "SSH-2.0-dropbear_2019.78"}, "ssh"},
		{"a header after the head is no header", "unknown", "HTTP/1.0 200 OK\n\nServer: fake", map[string]string{}, "http"},
		{"known protocol kept", "telnet", "SSH-2.0-x", map[string]string{"ssh.banner": "SSH-2.0-x"}, "telnet"},
		{"anything else", "unknown", "220 welcome", map[string]string{}, "unknown"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			o := registry.Observation{IP: netip.MustParseAddr("192.0.2.1"), Transport: "tcp", Port: 554, Protocol: tt.protocol,
				Fields: map[string]string{registry.FieldBanner: tt.banner}}
			if reason, msg := Finish(&o); reason != "" {
				t.Fatal(reason, msg)
			}
			if o.Protocol != tt.wantProtocol {
				t.Errorf("protocol %q, want %q", o.Protocol, tt.wantProtocol)
			}
			for k, v := range tt.want {
				if o.Fields[k] != v {
					t.Errorf("%s = %q, want %q", k, o.Fields[k], v)
				}
			}
			if len(o.Fields) != len(tt.want)+1 {
				t.Errorf("fields %v, want the banner and %v", o.Fields, tt.want)
			}
		})
	}
}
