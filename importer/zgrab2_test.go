package importer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/certprint/certprint/fingerprint"
	"github.com/certprint/certprint/registry"
)

func TestZGrab2Golden(t *testing.T) {
	window := Options{Observed: Window{From: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)}}
	runGolden(t, []goldenCase{
		{golden: "zgrab2-loopback", path: "zgrab2/loopback.jsonl", format: ZGrab2},
		{golden: "zgrab2-modules", path: "zgrab2/modules.jsonl", format: ZGrab2},
		{golden: "zgrab2-notime", path: "zgrab2/notime.jsonl", format: ZGrab2, opts: window},
		{golden: "zgrab2-sniffed", path: "zgrab2/loopback.jsonl", format: Auto},
	})
}

// TestZGrab2Loopback pins what matters of the loopback capture, so that
// the nmap reader's output for the same services can be held against it:
// the same certificate hash, server, title and banners.
func TestZGrab2Loopback(t *testing.T) {
	obs, rejected, _ := decodeFile(t, "testdata/zgrab2/loopback.jsonl", ZGrab2, Options{})
	byPort := map[uint16]registry.Observation{}
	for _, o := range obs {
		byPort[o.Port] = o
	}
	want := []struct {
		port     uint16
		protocol string
		tls      bool
		fields   map[string]string
	}{
		{8080, "http", false, map[string]string{
			registry.FieldHTTPServer: "Acme-httpd/1.0", registry.FieldHTTPTitle: "Acme R100 (fw 1.2.3)",
			registry.FieldHTTPStatus:     "200",
			registry.FieldHTTPBodySHA256: "8a1dec0add72da109c78f287fb1caf04d974965a27fa432bde4643fff0cbc57c"}},
		{8443, "http", true, map[string]string{
			registry.FieldHTTPServer:    "Acme-httpd/1.0",
			registry.FieldTLSCertSHA256: "451d432041a27b81dd6ab5d9ee420fcf18fb524946492703d9189f92d04e6551",
			registry.FieldTLSSubjectCN:  "acme-r100.local", registry.FieldTLSSubject: "CN=acme-r100.local, O=Acme Corp, C=JP",
			registry.FieldTLSSelfSigned: "true"}},
		{2222, "ssh", false, map[string]string{registry.FieldSSHBanner: "SSH-2.0-AcmeSSH_1.0"}},
		{2323, registry.ProtocolUnknown, false, map[string]string{registry.FieldBanner: "Acme R100 login:"}},
	}
	for _, w := range want {
		o, ok := byPort[w.port]
		if !ok {
			t.Errorf("port %d: no observation", w.port)
			continue
		}
		if o.Protocol != w.protocol || o.TLS != w.tls {
			t.Errorf("port %d: protocol %q tls %v, want %q %v", w.port, o.Protocol, o.TLS, w.protocol, w.tls)
		}
		for name, value := range w.fields {
			if o.Fields[name] != value {
				t.Errorf("port %d: %s = %q, want %q", w.port, name, o.Fields[name], value)
			}
		}
		for name := range o.Fields {
			if name == "http.header.etag" || name == "http.header.set-cookie" || strings.Contains(name, "date") {
				t.Errorf("port %d: volatile field %s stored", w.port, name)
			}
		}
	}
	if len(rejected) != 1 || rejected[0].Reason != zgReasonNotOpen {
		t.Errorf("rejections %v, want the closed port 9 as not-open", rejected)
	}
}

func TestZGrab2NeedObserved(t *testing.T) {
	f, err := os.Open("testdata/zgrab2/notime.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := 0
	_, err = Decode(context.Background(), f, ZGrab2, Options{}, Handler{
		Observation: func(*registry.Observation) error { n++; return nil },
	})
	if !errors.Is(err, ErrNeedObserved) || n != 0 {
		t.Errorf("got %v after %d observations, want ErrNeedObserved before any", err, n)
	}
}

// zgGood is a well-formed record on port p.
func zgGood(p int) string {
	return fmt.Sprintf(`{"ip":"198.51.100.1","data":{"http":{"status":"success","protocol":"http","port":%d,`+
		`"result":{"response":{"status_code":200,"headers":{"server":["ok"]}}},"timestamp":"2024-05-01T10:00:00Z"}}}`, p)
}

// zgOne is a record with one data entry.
func zgOne(entry string) string {
	return `{"ip":"198.51.100.1","data":{"http":` + entry + `}}`
}

func TestZGrab2Malformed(t *testing.T) {
	cases := []struct {
		name, record, reason string
	}{
		{"truncated", `{"ip":"198.51.100.1","data":{"http":{"status":"succ`, ReasonMalformed},
		{"not an object", `[1,2,3]`, ReasonMalformed},
		{"not JSON", `ip=198.51.100.1 data=http`, ReasonMalformed},
		{"no data", `{"ip":"198.51.100.1","port":80}`, ReasonMalformed},
		{"data not an object", `{"ip":"198.51.100.1","data":["http"]}`, ReasonMalformed},
		{"empty data", `{"ip":"198.51.100.1","data":{}}`, zgReasonNoData},
		{"bad address", `{"ip":"198.51.100.300","data":{"http":{"status":"success","port":80}}}`, ReasonAddress},
		{"no address", `{"domain":"example.org","data":{"http":{"status":"success","port":80}}}`, ReasonAddress},
		{"address not a string", `{"ip":3325256705,"data":{"http":{"status":"success","port":80}}}`, ReasonAddress},
		{"record port too big", `{"ip":"198.51.100.1","port":70000,"data":{"http":{"status":"success"}}}`, ReasonPort},
		{"entry port negative", zgOne(`{"status":"success","port":-1}`), ReasonPort},
		{"entry port a string", zgOne(`{"status":"success","port":"80"}`), ReasonPort},
		{"entry port a fraction", zgOne(`{"status":"success","port":80.5}`), ReasonPort},
		{"entry not an object", zgOne(`"success"`), ReasonMalformed},
		{"no status", zgOne(`{"protocol":"http","port":80}`), ReasonMalformed},
		{"response not an object", zgOne(`{"status":"success","port":80,"result":{"response":"200 OK"}}`), ReasonMalformed},
		{"headers of the wrong shape", zgOne(`{"status":"success","port":80,"result":{"response":{"headers":[1]}}}`), ReasonMalformed},
		{"header values of the wrong shape", zgOne(`{"status":"success","port":80,"result":{"response":{"headers":{"server":5}}}}`), ReasonMalformed},
		{"TLS log of the wrong shape", zgOne(`{"status":"success","port":80,"result":{"response":{"request":{"tls_log":{"handshake_log":[1]}}}}}`), ReasonMalformed},
		{"ssh result of the wrong shape", `{"ip":"198.51.100.1","data":{"ssh":{"status":"success","port":22,"result":{"server_id":"SSH-2.0-x"}}}}`, ReasonMalformed},
		{"status not a string", zgOne(`{"status":1,"port":80}`), ReasonMalformed},
		{"entry missing a comma", zgOne(`{"status":"success" "port":80}`), ReasonMalformed},
		{"trailing garbage", zgGood(82) + `x`, ReasonMalformed},
		{"broken last entry", `{"ip":"198.51.100.1","data":{"http82":{"status":"success","port":82,"timestamp":"2024-05-01T10:00:00Z"},"x":}}`, ReasonMalformed},
		{"bad time", zgOne(`{"status":"success","port":80,"timestamp":"yesterday"}`), zgReasonTime},
		{"banner without port", `{"ip":"198.51.100.1","data":{"banner":{"status":"success","result":{"banner":"hi","length":2}}}}`, zgReasonNoPort},
		{"refused", zgOne(`{"status":"connection-refused","port":80}`), zgReasonNotOpen},
		{"io-timeout without data", zgOne(`{"status":"io-timeout","port":80,"result":{}}`), zgReasonNotOpen},
		{"unknown-error", zgOne(`{"status":"unknown-error","port":80}`), zgReasonScanError},
		{"too long", `{"ip":"198.51.100.1","data":{"banner":{"status":"success","port":1,"result":{"banner":"` +
			strings.Repeat("A", MaxLine) + `"}}}}`, ReasonTooLong},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			input := zgGood(80) + "\n" + c.record + "\n" + zgGood(81) + "\n"
			r, err := NewReader(ZGrab2, strings.NewReader(input), Options{})
			if err != nil {
				t.Fatal(err)
			}
			var ports []uint16
			var rejected []*RecordError
			for {
				o, err := r.Next()
				var rec *RecordError
				if errors.As(err, &rec) {
					rejected = append(rejected, rec)
					continue
				}
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("fatal error %v", err)
				}
				ports = append(ports, o.Port)
			}
			if len(rejected) != 1 || rejected[0].Reason != c.reason || rejected[0].Line != 2 {
				t.Errorf("rejections %v, want one %s on line 2", rejected, c.reason)
			}
			if fmt.Sprint(ports) != "[80 81]" {
				t.Errorf("observations on ports %v, want [80 81]: the good records around it", ports)
			}
		})
	}
}

func TestZGrab2FormatMismatch(t *testing.T) {
	cases := []struct{ name, input string }{
		{"fingerprintx", `{"host":"198.51.100.1","ip":"198.51.100.1","port":80,"protocol":"http","tls":false,"transport":"tcp","metadata":{}}` + "\n"},
		{"masscan", `[{"ip":"198.51.100.1","timestamp":"1714557600","ports":[{"port":80,"proto":"tcp","status":"open"}]}]` + "\n"},
		{"nmap", `<?xml version="1.0"?><nmaprun scanner="nmap"></nmaprun>` + "\n"},
		{"text", "198.51.100.1:80 open\n"},
		{"JSON without data", `{"ip":"198.51.100.1","port":80}` + "\n" + zgGood(80) + "\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n := 0
			_, err := Decode(context.Background(), strings.NewReader(c.input), ZGrab2, Options{}, Handler{
				Observation: func(*registry.Observation) error { n++; return nil },
			})
			var fe *FormatError
			if !errors.As(err, &fe) || n != 0 {
				t.Errorf("Decode: %v after %d observations, want a FormatError before any", err, n)
			}
			// The reader refuses on its own too, when used without Decode's sniffing.
			r, _ := NewReader(ZGrab2, strings.NewReader(c.input), Options{})
			if _, err := r.Next(); !errors.As(err, &fe) {
				t.Errorf("Next: %v, want a FormatError", err)
			}
		})
	}
}

func TestZGrab2BannerText(t *testing.T) {
	cases := []struct {
		name   string
		text   string
		length int64
		want   string
	}{
		{"plain", "220 ready\r\n", 11, "220 ready\r\n"},
		{"plain without length", "deadbeef", 0, "deadbeef"},
		{"hex-looking plain", "deadbeef", 8, "deadbeef"},
		{"hex", "00414243ff", 5, "\x00ABC\xff"},
		{"upper-case hex", "4A4B", 2, "JK"},
		{"base64", "UkZCIDAwMy4wMDgK", 12, "RFB 003.008\n"},
		{"base64 with padding", "QUI=", 2, "AB"},
		{"not base64", "QU!=", 2, "QU!="},
		{"invalid UTF-8 made U+FFFD", "a\ufffd", 2, "a\ufffd"},
		{"long plain cut", strings.Repeat("é", 2000), 4000, strings.Repeat("é", zgBannerKeep/2)},
		{"long hex cut", strings.Repeat("41", 5000), 5000, strings.Repeat("A", zgBannerKeep)},
		{"long base64 cut", strings.Repeat("QUFB", 2000), 6000, strings.Repeat("A", 3*((zgBannerKeep+2)/3))},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := zgBannerText(c.text, c.length); got != c.want {
				t.Errorf("zgBannerText(%.40q, %d) = %.40q, want %.40q", c.text, c.length, got, c.want)
			}
		})
	}
}

func TestZGrab2Members(t *testing.T) {
	cases := []struct {
		name, object string
		want         []string // key=value
	}{
		{"empty", `{}`, nil},
		{"spaced", " { \"a\" : 1 ,\n\"b\":\t[1, {\"c\": \"}\"}] } ", []string{`a=1`, `b=[1, {"c": "}"}]`}},
		{"escapes", `{"k\"ey":"va\\\"l}","x":{"y":"\\"},"z":null}`, []string{`k\"ey="va\\\"l}"`, `x={"y":"\\"}`, `z=null`}},
		{"literals", `{"t":true,"f":false,"n":-1.5e3}`, []string{`t=true`, `f=false`, `n=-1.5e3`}},
		{"duplicates", `{"a":1,"a":2}`, []string{`a=1`, `a=2`}},
		{"truncated", `{"a":1,"b":{"c":`, nil}, // only checked text is walked
		{"trailing garbage", `{"a":1} x`, nil},
		{"not an object", `[1]`, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			var w zgWalk
			if w.object([]byte(c.object)) {
				for k, v, ok := w.next(); ok; k, v, ok = w.next() {
					got = append(got, string(k)+"="+string(v))
				}
			}
			if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", c.want) {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

// TestZGrab2WalkParts walks the parts of an indexed line: objects at any
// depth are found as parts of the line, objects inside arrays are not.
func TestZGrab2WalkParts(t *testing.T) {
	text := []byte(` {"a":{"b":{"c":1,"d":[{"e":2}]}},"f":{}} `)
	var w zgWalk
	line := w.index(text)
	if string(line) != string(text[1:len(text)-1]) {
		t.Fatalf("index gave %q", line)
	}
	a, _ := w.member(line, "a")
	b, _ := w.member(a, "b")
	d, _ := w.member(b, "d")
	c, _, err := w.stringMember(b, "c")
	if string(b) != `{"c":1,"d":[{"e":2}]}` || string(d) != `[{"e":2}]` || err == nil || c != "" {
		t.Errorf("a.b = %s, a.b.d = %s, a.b.c: %q %v", b, d, c, err)
	}
	if w.object(d) {
		t.Error("an array walked as an object")
	}
	if f, _ := w.member(line, "f"); !w.object(f) {
		t.Error("an empty object not walked")
	} else if _, _, ok := w.next(); ok {
		t.Error("an empty object with members")
	}
	if &w.b[0] != &text[0] || len(w.objects) != 4 {
		t.Errorf("%d objects indexed, want 4, all at once", len(w.objects))
	}
}

func TestZGrab2UnquotePrefix(t *testing.T) {
	cases := []struct {
		name, raw string
		max       int
	}{
		{"plain", `"<html>"`, 100},
		{"escapes", `"a\"b\\c\/d\b\f\n\r\t"`, 100},
		{"html escapes", `"\u003ctitle\u003eA \u0026 B\u003c/title\u003e"`, 100},
		{"non-ASCII", `"\u00e9t\u00E9 \u65e5\u672c"`, 100},
		{"surrogate pair", `"\ud83d\ude00!"`, 100},
		{"lone surrogate", `"\ud83dx"`, 100},
		{"cut", `"abcdefgh"`, 3},
		{"cut before an escape", `"ab\u0041cd"`, 2},
		{"cut among escapes", `"` + strings.Repeat(`\u0041`, 100) + `"`, 7},
		{"cut among surrogate pairs", `"` + strings.Repeat(`\ud83d\ude00`, 100) + `"`, 9},
		{"not a string", `123`, 100},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var w zgWalk
			got := string(w.unquotePrefix([]byte(c.raw), c.max))
			var want string
			if json.Unmarshal([]byte(c.raw), &want) != nil {
				want = "" // anything that is not a JSON string
			}
			if len(want) > c.max {
				want = want[:c.max]
			}
			if got != want {
				t.Errorf("unquotePrefix(%s, %d) = %q, want %q", c.raw, c.max, got, want)
			}
		})
	}
}

func TestZGrab2ByteOrderMark(t *testing.T) {
	data, err := os.ReadFile("testdata/zgrab2/loopback.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	r, _ := NewReader(ZGrab2, bytes.NewReader(append([]byte("\ufeff"), data...)), Options{})
	n := 0
	for {
		_, err := r.Next()
		var rec *RecordError
		if err == io.EOF {
			break
		} else if errors.As(err, &rec) {
			continue
		} else if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 4 {
		t.Errorf("%d observations, want 4", n)
	}
}

// zgSeeds are the lines of the fixture files, and the small files whole.
func zgSeeds(tb testing.TB) [][]byte {
	files, err := filepath.Glob("testdata/zgrab2/*.jsonl")
	if err != nil || len(files) == 0 {
		tb.Fatalf("no fixtures: %v", err)
	}
	var seeds [][]byte
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			tb.Fatal(err)
		}
		if len(b) < 4<<10 { // multi-line seeds, kept small: each exec parses every certificate
			seeds = append(seeds, b)
		}
		for _, line := range bytes.Split(b, []byte("\n")) {
			if len(line) > 0 {
				seeds = append(seeds, line)
			}
		}
	}
	return seeds
}

func FuzzZGrab2(f *testing.F) {
	for _, seed := range zgSeeds(f) {
		f.Add(seed)
	}
	window := Options{Observed: Window{From: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)}}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := NewReader(ZGrab2, bytes.NewReader(data), window)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; ; i++ {
			if i > len(data)+10 {
				t.Fatalf("more records than bytes: the reader does not advance")
			}
			o, err := r.Next()
			var rec *RecordError
			if errors.As(err, &rec) {
				if rec.Line <= 0 || rec.Reason == "" {
					t.Fatalf("rejection without a line or reason: %+v", rec)
				}
				continue
			}
			if err != nil {
				return // io.EOF, or a FormatError on the first line
			}
			if reason, _ := fingerprint.Finish(&o); reason != "" {
				continue // Decode counts these as rejections
			}
			if !o.IP.IsValid() || o.Port == 0 || (o.Transport != "tcp" && o.Transport != "udp") {
				t.Fatalf("invalid observation handed on: %+v", o)
			}
			if o.Observed.IsZero() {
				t.Fatalf("observation without a time: %+v", o)
			}
			for name, value := range o.Fields {
				if !utf8.ValidString(value) || len(value) > fingerprint.MaxValue || value == "" {
					t.Fatalf("field %s = %q: invalid UTF-8, empty or over %d bytes", name, value, fingerprint.MaxValue)
				}
			}
		}
	})
}

// zgBenchInput makes n target lines from the fixtures' records, each with
// its own address.
func zgBenchInput(b *testing.B, n int, bodySize int) []byte {
	var records [][]byte
	for _, name := range []string{"testdata/zgrab2/loopback.jsonl", "testdata/zgrab2/modules.jsonl"} {
		data, err := os.ReadFile(name)
		if err != nil {
			b.Fatal(err)
		}
		for _, line := range bytes.Split(data, []byte("\n")) {
			if len(line) > 0 {
				records = append(records, line)
			}
		}
	}
	if bodySize > 0 {
		body := `<html><head><title>Big page</title></head><body>` + strings.Repeat("<p>lorem ipsum dolor sit amet</p>", bodySize/33) + `</body></html>`
		quoted, _ := json.Marshal(body)
		records = [][]byte{[]byte(`{"ip":"127.0.0.1","data":{"http":{"status":"success","protocol":"http","port":80,` +
			`"result":{"response":{"status_code":200,"headers":{"server":["big"]},"body":` + string(quoted) +
			`}},"timestamp":"2024-05-01T10:00:00Z"}}}`)}
	}
	var out bytes.Buffer
	for i := 0; i < n; i++ {
		line := records[i%len(records)]
		var top struct {
			IP string `json:"ip"`
		}
		json.Unmarshal(line, &top)
		ip := fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)
		out.Write(bytes.Replace(line, []byte(`"ip":"`+top.IP+`"`), []byte(`"ip":"`+ip+`"`), 1))
		out.WriteByte('\n')
	}
	return out.Bytes()
}

func BenchmarkZGrab2(b *testing.B) {
	for _, bc := range []struct {
		name  string
		lines int
		body  int
	}{
		{"fixtures", 5000, 0},
		{"body-256k", 200, 256 << 10},
	} {
		b.Run(bc.name, func(b *testing.B) {
			input := zgBenchInput(b, bc.lines, bc.body)
			window := Options{Observed: Window{From: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)}}
			b.SetBytes(int64(len(input)))
			b.ReportAllocs()
			records := 0
			for b.Loop() {
				r, _ := NewReader(ZGrab2, bytes.NewReader(input), window)
				for {
					_, err := r.Next()
					if err == io.EOF {
						break
					}
					var rec *RecordError
					if err != nil && !errors.As(err, &rec) {
						b.Fatal(err)
					}
					records++
				}
			}
			b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
		})
	}
}
