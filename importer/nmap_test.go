package importer

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/certprint/certprint/fingerprint"
	"github.com/certprint/certprint/registry"
)

func TestNmapGolden(t *testing.T) {
	runGolden(t, []goldenCase{
		// Real nmap 7.93 runs against testdata/regen/services.py.
		{golden: "nmap-loopback", path: "real/nmap-loopback.xml", format: Nmap},
		{golden: "nmap-loopback6", path: "real/nmap-loopback6.xml", format: Nmap},
		{golden: "nmap-truncated", path: "real/nmap-truncated.xml", format: Nmap},
		// Composed by testdata/nmap/compose.py.
		{golden: "nmap-composed", path: "nmap/composed.xml", format: Nmap},
		{golden: "nmap-sniffed", path: "nmap/composed.xml", format: Auto},
		{golden: "nmap-cut-between-hosts", path: "nmap/cut-between-hosts.xml", format: Nmap},
		{golden: "nmap-hostile", path: "nmap/hostile.xml.gz", format: Nmap},
	})
}

// nmapDoc wraps hosts in the document nmap writes around them.
func nmapDoc(hosts ...string) string {
	return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE nmaprun>
<?xml-stylesheet href="file:///usr/bin/../share/nmap/nmap.xsl" type="text/xsl"?>
<nmaprun scanner="nmap" start="1700000000" version="7.93" xmloutputversion="1.05">
` + strings.Join(hosts, "\n") + "\n"
}

const nmapEnd = "<runstats><finished time=\"1700000100\"/></runstats>\n</nmaprun>\n"

// nmapGoodHost is a host with one open HTTP port.
func nmapGoodHost(ip string) string {
	return `<host starttime="1700000001"><status state="up"/><address addr="` + ip + `" addrtype="ipv4"/>` +
		`<ports><port protocol="tcp" portid="80"><state state="open"/><service name="http" method="probed" conf="10"/></port></ports></host>`
}

type nmapDecoded struct {
	obs      []registry.Observation
	rejected []*RecordError
}

func decodeNmap(t testing.TB, doc string, opts Options) (nmapDecoded, error) {
	t.Helper()
	var got nmapDecoded
	_, err := Decode(context.Background(), strings.NewReader(doc), Nmap, opts, Handler{
		Observation: func(o *registry.Observation) error { got.obs = append(got.obs, *o); return nil },
		Reject:      func(e *RecordError) { got.rejected = append(got.rejected, e) },
	})
	return got, err
}

func TestNmapMalformed(t *testing.T) {
	huge := `<host starttime="1700000001"><address addr="192.0.2.50" addrtype="ipv4"/><ports>` +
		`<port protocol="tcp" portid="80"><state state="open"/><script id="http-title" output="x"><elem key="title">` +
		strings.Repeat("A", nmapMaxElement) + `</elem></script></port></ports></host>`
	deep := `<host starttime="1700000001"><address addr="192.0.2.50" addrtype="ipv4"/><ports><port protocol="tcp" portid="80">` +
		`<state state="open"/><script id="http-title" output="x">` + strings.Repeat("<table>", 100) + strings.Repeat("</table>", 100) +
		`</script></port></ports></host>`
	manyPorts := `<host starttime="1700000001"><address addr="192.0.2.50" addrtype="ipv4"/><ports>` +
		strings.Repeat(`<port protocol="tcp" portid="1"><state state="open"/></port>`, nmapMaxPorts+2) + `</ports></host>`
	cases := []struct {
		name    string
		bad     string // placed between two good hosts
		mark    string // the rejection's offset is where this first occurs in bad
		reason  string
		end     string // what follows the second good host
		wantObs int    // observations besides the two good hosts'
	}{
		{name: "mismatched end tag", reason: ReasonMalformed, mark: "<host",
			bad: `<host starttime="1700000001"><address addr="192.0.2.50" addrtype="ipv4"/><ports><port protocol="tcp" portid="80"><state state="open"/></ports></host>`},
		{name: "undefined entity", reason: ReasonMalformed, mark: "<host",
			bad: `<host><address addr="192.0.2.50" addrtype="ipv4"/><ports><port protocol="tcp" portid="80"><state state="open"/><script id="http-title" output="&xxe;"/></port></ports></host>`},
		{name: "character reference XML forbids", reason: ReasonMalformed, mark: "<host",
			bad: `<host><address addr="192.0.2.50" addrtype="ipv4"/><ports><port protocol="tcp" portid="80"><state state="open"/><service name="a&#x1;b"/></port></ports></host>`},
		{name: "invalid UTF-8", reason: ReasonMalformed, mark: "<host",
			bad: "<host><address addr=\"192.0.2.50\" addrtype=\"ipv4\"/><ports><port protocol=\"tcp\" portid=\"80\"><state state=\"open\"/><service name=\"a\xffb\"/></port></ports></host>"},
		{name: "garbage between hosts", reason: ReasonMalformed, mark: "</bogus>", bad: `</bogus>`},
		{name: "nesting bomb", reason: ReasonTooLong, mark: "<host", bad: deep},
		{name: "host over the size bound", reason: ReasonTooLong, mark: "<host", bad: huge},
		{name: "more ports than the bound", reason: ReasonTooLong, mark: "<host", bad: manyPorts, wantObs: nmapMaxPorts},
		{name: "sctp", reason: ReasonTransport, mark: "<port ",
			bad: `<host><address addr="192.0.2.50" addrtype="ipv4"/><ports><port protocol="sctp" portid="5060"><state state="open"/></port></ports></host>`},
		{name: "port out of range", reason: ReasonPort, mark: "<port ",
			bad: `<host><address addr="192.0.2.50" addrtype="ipv4"/><ports><port protocol="tcp" portid="65536"><state state="open"/></port></ports></host>`},
		{name: "port zero", reason: ReasonPort, mark: "<port ",
			bad: `<host><address addr="192.0.2.50" addrtype="ipv4"/><ports><port protocol="udp" portid="0"><state state="open"/></port></ports></host>`},
		{name: "no address", reason: ReasonAddress, mark: "<host",
			bad: `<host><address addr="00:11:22:33:44:55" addrtype="mac"/><ports><port protocol="tcp" portid="80"><state state="open"/></port></ports></host>`},
		{name: "address not an IP", reason: ReasonAddress, mark: "<host",
			bad: `<host><address addr="192.0.2.256" addrtype="ipv4"/><ports><port protocol="tcp" portid="80"><state state="open"/></port></ports></host>`},
		{name: "truncated", reason: ReasonTruncated, mark: "<host", end: "-",
			bad: `<host><address addr="192.0.2.50" addrtype="ipv4"/><ports><port protocol="tcp" portid="80"><state state="open"/><service name="ht`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			head := nmapDoc(nmapGoodHost("192.0.2.1"))
			doc := head + c.bad + "\n" + nmapGoodHost("192.0.2.2") + "\n" + nmapEnd
			good := []string{"192.0.2.1", "192.0.2.2"}
			if c.end == "-" { // the bad record is the last thing in the file
				doc = head + c.bad
				good = good[:1]
			}
			got, err := decodeNmap(t, doc, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(got.rejected) != 1 {
				t.Fatalf("rejected %d records, want 1: %v", len(got.rejected), got.rejected)
			}
			rej := got.rejected[0]
			wantOffset := int64(len(head) + strings.Index(c.bad, c.mark))
			if rej.Reason != c.reason || rej.Offset != wantOffset || rej.Line != 0 {
				t.Errorf("rejection %q at byte %d line %d, want %q at byte %d: %v", rej.Reason, rej.Offset, rej.Line, c.reason, wantOffset, rej)
			}
			if len(got.obs) != len(good)+c.wantObs {
				t.Fatalf("%d observations, want %d", len(got.obs), len(good)+c.wantObs)
			}
			ips := []string{got.obs[0].IP.String(), got.obs[len(got.obs)-1].IP.String()}
			if ips[0] != good[0] || ips[1] != good[len(good)-1] {
				t.Errorf("first and last observations are of %v, want %v", ips, good)
			}
		})
	}
}

// TestNmapPosition checks the offsets a reader reports after it has
// skipped a broken host and started over.
func TestNmapPosition(t *testing.T) {
	bad := `<host><address addr="192.0.2.50" addrtype="ipv4"/><ports><port protocol="tcp" portid="80"></ports></host>`
	doc := nmapDoc(nmapGoodHost("192.0.2.1"), bad, bad, nmapGoodHost("192.0.2.2")) + nmapEnd
	ports := []int64{}
	for i := 0; ; {
		j := strings.Index(doc[i:], `<port protocol="tcp" portid="80"><state state="open"/><service`)
		if j < 0 {
			break
		}
		ports = append(ports, int64(i+j))
		i += j + 1
	}
	hosts := []int64{int64(strings.Index(doc, bad)), int64(strings.LastIndex(doc, bad))}
	r, err := NewReader(Nmap, strings.NewReader(doc), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	for {
		_, err := r.Next()
		if err == io.EOF {
			break
		}
		var rec *RecordError
		if err != nil && !errors.As(err, &rec) {
			t.Fatal(err)
		}
		line, offset := r.Position()
		if line != 0 || (rec != nil && rec.Offset != offset) {
			t.Errorf("Position() = %d, %d for %v", line, offset, err)
		}
		got = append(got, offset)
	}
	want := []int64{ports[0], hosts[0], hosts[1], ports[1]}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("offsets %v, want %v", got, want)
	}
}

func TestNmapFormatMismatch(t *testing.T) {
	t.Run("fingerprintx file declared nmap", func(t *testing.T) {
		f, err := os.Open("testdata/fingerprintx/loopback.jsonl")
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		handed := 0
		_, err = Decode(context.Background(), f, Nmap, Options{}, Handler{
			Observation: func(*registry.Observation) error { handed++; return nil },
		})
		var fe *FormatError
		if !errors.As(err, &fe) || handed != 0 {
			t.Fatalf("err %v (%T), %d observations; want a *FormatError and none", err, err, handed)
		}
	})
	// Past the sniffer: the reader itself refuses what is not nmap's.
	for name, doc := range map[string]string{
		"JSON":              `{"ip":"192.0.2.1","port":80,"protocol":"http"}`,
		"other XML root":    `<?xml version="1.0"?><html><body><nmaprun/>` + nmapGoodHost("192.0.2.1") + `</body></html>`,
		"cut before a root": `<?xml version="1.0"?><!DOCTYPE nmaprun><nmap`,
		"empty":             ``,
	} {
		t.Run(name, func(t *testing.T) {
			r, err := NewReader(Nmap, strings.NewReader(doc), Options{})
			if err != nil {
				t.Fatal(err)
			}
			o, err := r.Next()
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("Next = %v, %v (%T); want a *FormatError", o, err, err)
			}
			if _, err2 := r.Next(); !errors.As(err2, &fe) {
				t.Errorf("a second Next = %v; the error must stay", err2)
			}
		})
	}
}

func TestNmapObserved(t *testing.T) {
	host := `<host><address addr="192.0.2.1" addrtype="ipv4"/><ports><port protocol="tcp" portid="80"><state state="open"/></port></ports></host>`
	doc := `<nmaprun scanner="nmap">` + host + `</nmaprun>`
	if _, err := decodeNmap(t, doc, Options{}); !errors.Is(err, ErrNeedObserved) {
		t.Fatalf("no time anywhere: err %v, want ErrNeedObserved", err)
	}
	from := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	got, err := decodeNmap(t, doc, Options{Observed: Window{From: from, To: from.Add(24 * time.Hour)}})
	if err != nil || len(got.obs) != 1 || !got.obs[0].Observed.Equal(from) || got.obs[0].ObservedLast.IsZero() {
		t.Fatalf("with --observed: %v, %+v", err, got.obs)
	}
	// The run's start dates a host without its own.
	got, err = decodeNmap(t, `<nmaprun start="1700000000">`+host+`</nmaprun>`, Options{})
	if err != nil || len(got.obs) != 1 || got.obs[0].Observed.Unix() != 1700000000 {
		t.Fatalf("nmaprun start: %v, %+v", err, got.obs)
	}
}

func TestNmapText(t *testing.T) {
	cases := []struct {
		name, in, core, script string
	}{
		{"ASCII", "Acme R100", "Acme R100", "Acme R100"},
		{"UTF-8 written byte by byte", "Caf\u00c3\u00a9", "Café", "Café"},
		{"a Latin-1 byte stays a character", "Caf\u00e9", "Café", "Café"},
		{"real UTF-8 beyond Latin-1 is kept", "\u3042 Caf\u00c3\u00a9", "\u3042 Caf\u00c3\u00a9", "\u3042 Caf\u00c3\u00a9"},
		{"protect_xml escapes", `Caf\xC3\xA9 x\x01y`, `Caf\xC3\xA9 x\x01y`, "Café x\x01y"},
		{"lower-case hex too", `\xe3\x81\x82`, `\xe3\x81\x82`, "あ"},
		{"not an escape", `C:\x \xZZ \x4`, `C:\x \xZZ \x4`, `C:\x \xZZ \x4`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := nmapCoreText(c.in); got != c.core {
				t.Errorf("nmapCoreText(%q) = %q, want %q", c.in, got, c.core)
			}
			if got := nmapScriptText(c.in); got != c.script {
				t.Errorf("nmapScriptText(%q) = %q, want %q", c.in, got, c.script)
			}
		})
	}
}

func TestNmapBanner(t *testing.T) {
	cases := []struct {
		name, protocol, output, field, want string
	}{
		{"wrapped, escapes undone", "unknown",
			"\\x00\\x01abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdef\nghijklmnop",
			registry.FieldBanner, `\x00\x01abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnop`},
		{"telnet negotiation dropped", "telnet", `\xFF\xFB\x01\xFF\xFB\x03login:\x20`, registry.FieldTelnetBanner, "login:"},
		{"ssh", "ssh", `SSH-2.0-OpenSSH_8.2p1 Ubuntu-4ubuntu0.5`, registry.FieldSSHBanner, "SSH-2.0-OpenSSH_8.2p1 Ubuntu-4ubuntu0.5"},
		// What nmap 7.93 wrote for Debian's dropbear 2022.83: dropbear sends its
		// KEXINIT without waiting for the client's line.
		{"ssh, the KEXINIT after the line", "ssh",
			"SSH-2.0-dropbear_2022.83\\x0D\\x0A\\x00\\x00\\x01\\xFC\\x07\\x14=\\x8E\\x\n01\\xDF\\xF4\\x10\\xEB\\x87]\\x15\\x93\\x84%\\xB2\\xC1j\\x00\\x00\\x00\\xD8curve25...\n",
			registry.FieldSSHBanner, "SSH-2.0-dropbear_2022.83"},
		{"ftp line break", "ftp", `220 ready\x0D\x0A`, registry.FieldFTPBanner, "220 ready"},
		{"smtp", "smtp", `220 mx ESMTP`, registry.FieldSMTPBanner, "220 mx ESMTP"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := fingerprint.Fields{}
			nmapBanner(f, c.protocol, c.output)
			if f[c.field] != c.want || len(f) != 1 {
				t.Errorf("fields %q, want %s=%q", f, c.field, c.want)
			}
		})
	}
}

// FuzzNmap feeds the reader arbitrary bytes: no panic, and whatever it
// hands on is a well-formed observation.
func FuzzNmap(f *testing.F) {
	for _, path := range []string{"testdata/nmap/composed.xml", "testdata/nmap/cut-between-hosts.xml",
		"testdata/real/nmap-loopback.xml", "testdata/real/nmap-loopback6.xml", "testdata/real/nmap-truncated.xml"} {
		data, err := os.ReadFile(path)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			f.Fatal(err)
		}
		f.Add(data)
	}
	// The hostile fixture without its 2 MB title.
	if gz, err := os.Open("testdata/nmap/hostile.xml.gz"); err == nil {
		zr, err := gzip.NewReader(gz)
		if err != nil {
			f.Fatal(err)
		}
		data, err := io.ReadAll(zr)
		gz.Close()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(bytes.ReplaceAll(data, bytes.Repeat([]byte("A"), 2<<20), []byte("A")))
	}
	f.Add([]byte(nmapDoc(nmapGoodHost("192.0.2.1")) + nmapEnd))
	window := Options{Observed: Window{From: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)}}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = Decode(context.Background(), bytes.NewReader(data), Nmap, window, Handler{
			Observation: func(o *registry.Observation) error {
				checkFuzzedObservation(t, o)
				return nil
			},
		})
	})
}

func checkFuzzedObservation(t *testing.T, o *registry.Observation) {
	t.Helper()
	if !o.IP.IsValid() || o.Port == 0 || (o.Transport != "tcp" && o.Transport != "udp") {
		t.Fatalf("handed on %+v", o)
	}
	if o.Observed.IsZero() || o.Observed.Year() > 9999 {
		t.Fatalf("observed %v", o.Observed)
	}
	if len(o.Fields) > fingerprint.MaxFields {
		t.Fatalf("%d fields", len(o.Fields))
	}
	for k, v := range o.Fields {
		if !utf8.ValidString(v) || len(v) > fingerprint.MaxValue || v == "" || !utf8.ValidString(k) {
			t.Fatalf("field %q = %q", k, v)
		}
	}
}

// nmapBenchInput is an nmap XML of n hosts, each with an HTTP, an HTTPS
// and an SSH port with their scripts, as -sV --script default writes it.
// The HTTPS ports serve the certificates given, in turn.
func nmapBenchInput(n int, certs []string) []byte {
	var b bytes.Buffer
	b.WriteString(nmapDoc())
	for i := range n {
		pemXML := strings.ReplaceAll(certs[i%len(certs)], "\n", "&#xa;")
		fmt.Fprintf(&b, `<host starttime="%d" endtime="%d"><status state="up" reason="syn-ack" reason_ttl="0"/>
<address addr="10.%d.%d.%d" addrtype="ipv4"/>
<hostnames>
</hostnames>
<ports><extraports state="closed" count="997"><extrareasons reason="resets" count="997"/></extraports>
<port protocol="tcp" portid="80"><state state="open" reason="syn-ack" reason_ttl="64"/><service name="http" product="Acme-httpd" version="1.0" method="probed" conf="10"><cpe>cpe:/a:acme:httpd:1.0</cpe></service><script id="http-title" output="Acme R100 (fw 1.2.%d)"><elem key="title">Acme R100 (fw 1.2.%d)</elem>
</script><script id="http-server-header" output="Acme-httpd/1.0"><elem>Acme-httpd/1.0</elem>
</script></port>
<port protocol="tcp" portid="443"><state state="open" reason="syn-ack" reason_ttl="64"/><service name="http" product="Acme-httpd" tunnel="ssl" method="probed" conf="10"/><script id="ssl-cert" output="Subject: commonName=acme-r100.local"><table key="subject">
<elem key="commonName">acme-r100.local</elem>
</table>
<elem key="pem">%s</elem>
</script></port>
<port protocol="tcp" portid="22"><state state="open" reason="syn-ack" reason_ttl="64"/><service name="ssh" product="OpenSSH" version="8.2" extrainfo="protocol 2.0" method="probed" conf="10"/><script id="ssh-hostkey" output="&#xa;  256 0a:1b (ED25519)"><table>
<elem key="key">AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl</elem>
<elem key="type">ssh-ed25519</elem>
<elem key="bits">256</elem>
<elem key="fingerprint">0a1b2c3d4e5f60718293a4b5c6d7e8f9</elem>
</table>
</script></port>
</ports>
<times srtt="100" rttvar="50" to="100000"/>
</host>
`, 1700000000+i, 1700000042+i, i>>16&0xff, i>>8&0xff, i&0xff, i%10, i%10, pemXML)
	}
	b.WriteString(nmapEnd)
	return b.Bytes()
}

// nmapBenchCerts makes n self-signed certificates, as n devices that each
// generated their own would serve.
func nmapBenchCerts(tb testing.TB, n int) []string {
	out := make([]string, n)
	for i := range out {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			tb.Fatal(err)
		}
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(int64(i + 1)),
			Subject:      pkix.Name{CommonName: fmt.Sprintf("device-%d.local", i), Organization: []string{"Acme Corp"}},
			NotBefore:    time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
			NotAfter:     time.Date(2036, 1, 1, 0, 0, 0, 0, time.UTC),
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
		if err != nil {
			tb.Fatal(err)
		}
		out[i] = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	}
	return out
}

// BenchmarkNmap decodes 2000 hosts of 3 open ports each: once with one
// certificate on every device (a model's default one: the reader's cache
// answers), once with a certificate of its own on every device (each is
// parsed and its self-signature checked).
func BenchmarkNmap(b *testing.B) {
	const hosts = 2000
	shared, err := os.ReadFile(filepath.Join("testdata", "regen", "acme-r100.crt"))
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		certs []string
	}{
		{"shared-cert", []string{string(shared)}},
		{"distinct-certs", nmapBenchCerts(b, hosts)},
	} {
		b.Run(c.name, func(b *testing.B) {
			input := nmapBenchInput(hosts, c.certs)
			b.SetBytes(int64(len(input)))
			b.ReportAllocs()
			records := 0
			for b.Loop() {
				r, err := NewReader(Nmap, bytes.NewReader(input), Options{})
				if err != nil {
					b.Fatal(err)
				}
				for {
					_, err := r.Next()
					if err == io.EOF {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
					records++
				}
			}
			secs := b.Elapsed().Seconds()
			b.ReportMetric(float64(records)/secs, "records/s")
			b.ReportMetric(float64(records)/3/secs, "hosts/s")
		})
	}
}

// http-auth's tables become the WWW-Authenticate header as other scanners
// write it, realm only: Digest's nonce changes with every response.
func TestNmapHTTPAuth(t *testing.T) {
	port := func(scripts string) string {
		return `<host starttime="1700000001"><address addr="192.0.2.9" addrtype="ipv4"/><ports>` +
			`<port protocol="tcp" portid="8080"><state state="open"/><service name="http-proxy" method="table" conf="3"/>` +
			scripts + `</port></ports></host>`
	}
	cases := []struct {
		name, script, want string
	}{
		{"basic", `<script id="http-auth" output="&#xa;HTTP/1.1 401 Unauthorized&#xd;&#xa;  Basic realm=Acme R100 Admin&#xa;"><table>
<elem key="scheme">Basic</elem>
<table key="params">
<elem key="realm">Acme R100 Admin</elem>
</table>
</table></script>`, `Basic realm="Acme R100 Admin"`},
		{"digest without its nonce, then basic", `<script id="http-auth" output=""><table><elem key="scheme">Digest</elem>` +
			`<table key="params"><elem key="nonce">abc123</elem><elem key="realm">cam &quot;7&quot;</elem><elem key="qop">auth</elem></table></table>` +
			`<table><elem key="scheme">Basic</elem><table key="params"><elem key="realm">cam</elem></table></table></script>`,
			`Digest realm="cam \"7\"", Basic realm="cam"`},
		{"scheme without params", `<script id="http-auth" output=""><table><elem key="scheme">Negotiate</elem></table></script>`, "Negotiate"},
		{"broken scheme dropped", `<script id="http-auth" output=""><table><elem key="scheme">Bas ic</elem></table></script>`, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := decodeNmap(t, nmapDoc(port(c.script))+nmapEnd, Options{})
			if err != nil || len(got.obs) != 1 {
				t.Fatalf("%v, %d observations", err, len(got.obs))
			}
			o := got.obs[0]
			if o.Fields[registry.FieldHTTPWWWAuthenticate] != c.want {
				t.Errorf("www_authenticate %q, want %q", o.Fields[registry.FieldHTTPWWWAuthenticate], c.want)
			}
			if o.Protocol != "http" {
				t.Errorf("protocol %q: http-auth answered, so the port speaks HTTP", o.Protocol)
			}
		})
	}
}
