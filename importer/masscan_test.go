package importer

import (
	"bytes"
	"context"
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

// masscanWindowOpts dates the records of the old dialect, which have no
// timestamps.
var masscanWindowOpts = Options{Observed: Window{
	From: time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC),
	To:   time.Date(2025, 10, 2, 0, 0, 0, 0, time.UTC),
}}

func TestMasscanGolden(t *testing.T) {
	cases := []goldenCase{
		{golden: "masscan-current-banners", path: "masscan/current-banners.json", format: Masscan},
		{golden: "masscan-current-banners-auto", path: "masscan/current-banners.json", format: Auto},
		{golden: "masscan-killed", path: "masscan/killed.json", format: Masscan},
		{golden: "masscan-hostile", path: "masscan/hostile.json", format: Masscan},
		{golden: "masscan-bad-records", path: "masscan/bad-records.json", format: Masscan},
		{golden: "masscan-old", path: "masscan/old.json", format: Masscan, opts: masscanWindowOpts},
		{golden: "masscan-old-quoted", path: "masscan/old-quoted.json", format: Auto, opts: masscanWindowOpts},
		{golden: "masscan-ndjson", path: "masscan/banners.ndjson", format: Auto},
		{golden: "masscan-empty", path: "masscan/empty.json", format: Masscan},
	}
	// Real masscan output, made by testdata/regen/masscan.sh, when present.
	for _, real := range []struct {
		file string
		opts Options
	}{
		{"masscan-banners.json", Options{}},
		{"masscan-banners.ndjson", Options{}},
		{"masscan-status.json", Options{}},
		{"masscan-old.json", masscanWindowOpts},
	} {
		if _, err := os.Stat(filepath.Join("testdata", "real", real.file)); err == nil {
			name := "masscan-real-" + strings.TrimPrefix(strings.ReplaceAll(real.file, ".", "-"), "masscan-")
			cases = append(cases, goldenCase{golden: name, path: "real/" + real.file, format: Auto, opts: real.opts})
		}
	}
	runGolden(t, cases)
}

// TestMasscanSniff checks that every fixture is recognised as masscan.
func TestMasscanSniff(t *testing.T) {
	files, _ := filepath.Glob("testdata/masscan/*")
	real, _ := filepath.Glob("testdata/real/masscan-*")
	for _, path := range append(files, real...) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if len(b) == 0 {
				t.Skip("empty: no results, nothing to sniff")
			}
			if len(b) > sniffSize {
				b = b[:sniffSize]
			}
			f, err := Sniff(b)
			if err != nil || f != Masscan {
				t.Errorf("Sniff = %q, %v; want masscan", f, err)
			}
		})
	}
}

// masscanRead reads all of input with the masscan reader directly, as
// Decode would, and returns what it handed on and rejected.
func masscanRead(t testing.TB, input string, opts Options) (obs []registry.Observation, rejected []*RecordError, err error) {
	t.Helper()
	r := newMasscanReader(strings.NewReader(input), opts)
	for {
		o, err := r.Next()
		var rec *RecordError
		switch {
		case err == io.EOF:
			return obs, rejected, nil
		case errors.As(err, &rec):
			rejected = append(rejected, rec)
			continue
		case err != nil:
			return obs, rejected, err
		}
		obs = append(obs, o)
	}
}

func masscanStatus(ip string, port int, ts string) string {
	return fmt.Sprintf(`{   "ip": "%s",   "timestamp": "%s", "ports": [ {"port": %d, "proto": "tcp", "status": "open", "reason": "syn-ack", "ttl": 64} ] }`, ip, ts, port)
}

func masscanBanner(ip string, port int, ts, name, banner string) string {
	return fmt.Sprintf(`{   "ip": "%s",   "timestamp": "%s", "ports": [ {"port": %d, "proto": "tcp", "service": {"name": "%s", "banner": "%s"} } ] }`, ip, ts, port, name, banner)
}

// TestMasscanMalformed puts each kind of bad record between two good ones
// (line 1 and line 3) and checks its reason and line, and that both good
// records are kept.
func TestMasscanMalformed(t *testing.T) {
	good1 := masscanStatus("192.0.2.1", 80, "1760000000")
	good2 := masscanBanner("192.0.2.2", 22, "1760000000", "ssh", "SSH-2.0-x")
	tests := []struct {
		name, bad, reason string
	}{
		{"not json", `{ "ip": "192.0.2.9", "ports": [ {"port": 80`, ReasonMalformed},
		{"json array", `["192.0.2.9", 80]`, ReasonMalformed},
		{"bad address", masscanStatus("192.0.2.300", 80, "1760000000"), ReasonAddress},
		{"empty address", masscanStatus("", 80, "1760000000"), ReasonAddress},
		{"five octets", masscanStatus("192.0.2.1.5", 80, "1760000000"), ReasonAddress},
		{"port 0", masscanStatus("192.0.2.9", 0, "1760000000"), ReasonPort},
		{"port too big", masscanStatus("192.0.2.9", 65536, "1760000000"), ReasonPort},
		{"negative port", masscanStatus("192.0.2.9", -1, "1760000000"), ReasonPort},
		{"port as string", `{ "ip": "192.0.2.9", "timestamp": "1760000000", "ports": [ {"port": "80", "proto": "tcp", "status": "open"} ] }`, ReasonMalformed},
		{"huge port", `{ "ip": "192.0.2.9", "timestamp": "1760000000", "ports": [ {"port": 1e99, "proto": "tcp", "status": "open"} ] }`, ReasonMalformed},
		{"icmp", `{ "ip": "192.0.2.9", "timestamp": "1760000000", "ports": [ {"port": 8, "proto": "icmp", "status": "open"} ] }`, ReasonTransport},
		{"sctp", `{ "ip": "192.0.2.9", "timestamp": "1760000000", "ports": [ {"port": 80, "proto": "sctp", "status": "open"} ] }`, ReasonTransport},
		{"closed", `{ "ip": "192.0.2.9", "timestamp": "1760000000", "ports": [ {"port": 80, "proto": "tcp", "status": "closed"} ] }`, masscanReasonNotOpen},
		{"no status no service", `{ "ip": "192.0.2.9", "timestamp": "1760000000", "ports": [ {"port": 80, "proto": "tcp"} ] }`, ReasonMalformed},
		{"two ports", `{ "ip": "192.0.2.9", "timestamp": "1760000000", "ports": [ {"port": 80, "proto": "tcp", "status": "open"}, {"port": 81, "proto": "tcp", "status": "open"} ] }`, ReasonMalformed},
		{"timestamp letters", masscanStatus("192.0.2.9", 80, "17600000xx"), masscanReasonTimestamp},
		{"timestamp zero", masscanStatus("192.0.2.9", 80, "0"), masscanReasonTimestamp},
		{"timestamp negative", masscanStatus("192.0.2.9", 80, "-1"), masscanReasonTimestamp},
		{"timestamp far future", masscanStatus("192.0.2.9", 80, "99999999999"), masscanReasonTimestamp},
		{"timestamp object", `{ "ip": "192.0.2.9", "timestamp": {}, "ports": [ {"port": 80, "proto": "tcp", "status": "open"} ] }`, masscanReasonTimestamp},
		{"banner not a string", `{ "ip": "192.0.2.9", "timestamp": "1760000000", "ports": [ {"port": 80, "proto": "tcp", "service": {"name": "http", "banner": 12}} ] }`, ReasonMalformed},
		{"unknown rec_type", `{"ip":"192.0.2.9","timestamp":"1760000000","port":80,"proto":"tcp","rec_type":"weird","data":{}}`, ReasonMalformed},
		{"ndjson closed", `{"ip":"192.0.2.9","timestamp":"1760000000","port":80,"proto":"tcp","rec_type":"status","data":{"status":"closed"}}`, masscanReasonNotOpen},
		{"ndjson no port", `{"ip":"192.0.2.9","timestamp":"1760000000","proto":"tcp","rec_type":"status","data":{"status":"open"}}`, ReasonPort},
		{"another format's record", `{"ip":"192.0.2.9","port":80,"protocol":"http","transport":"tcp"}`, ReasonMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			input := good1 + "\n" + tt.bad + "\n" + good2 + "\n"
			obs, rejected, err := masscanRead(t, input, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(rejected) != 1 {
				t.Fatalf("rejected %d records (%v), want 1", len(rejected), rejected)
			}
			if rejected[0].Reason != tt.reason || rejected[0].Line != 2 {
				t.Errorf("rejected with %q on line %d (%v), want %q on line 2", rejected[0].Reason, rejected[0].Line, rejected[0], tt.reason)
			}
			if len(obs) != 2 || obs[0].Port != 80 || obs[1].Port != 22 {
				t.Errorf("kept %+v, want the records of lines 1 and 3", obs)
			}
		})
	}
}

// TestMasscanTooLong skips an over-long line as too-long and reads on.
func TestMasscanTooLong(t *testing.T) {
	long := masscanBanner("192.0.2.9", 80, "1760000000", "http", strings.Repeat("A", MaxLine+10))
	input := masscanStatus("192.0.2.1", 80, "1760000000") + "\n" + long + "\n" + masscanStatus("192.0.2.2", 80, "1760000000") + "\n"
	obs, rejected, err := masscanRead(t, input, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rejected) != 1 || rejected[0].Reason != ReasonTooLong || rejected[0].Line != 2 || len(obs) != 2 {
		t.Errorf("rejected %v, kept %d; want too-long on line 2 and 2 kept", rejected, len(obs))
	}
}

// TestMasscanNeedObserved refuses the old dialect without a window.
func TestMasscanNeedObserved(t *testing.T) {
	f, err := os.Open("testdata/masscan/old.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	stored := 0
	_, err = Decode(context.Background(), f, Masscan, Options{}, Handler{
		Observation: func(*registry.Observation) error { stored++; return nil },
	})
	if !errors.Is(err, ErrNeedObserved) {
		t.Errorf("Decode = %v, want ErrNeedObserved", err)
	}
}

// TestMasscanFormatMismatch declares other formats' files as masscan:
// Decode refuses them before handing anything on, and so does the reader
// itself when sniffing is bypassed.
func TestMasscanFormatMismatch(t *testing.T) {
	inputs := map[string]string{
		"fingerprintx":           `{"host":"192.0.2.1","ip":"192.0.2.1","port":80,"protocol":"http","transport":"tcp","metadata":{}}` + "\n",
		"zgrab2":                 `{"ip":"192.0.2.1","data":{"http":{"status":"success"}}}` + "\n",
		"nmap":                   `<?xml version="1.0"?><nmaprun scanner="nmap"></nmaprun>` + "\n",
		"json array":             "[\n" + `{"name": "not a scan", "value": 1}` + "\n]\n",
		"pretty-printed masscan": "[\n{\n  \"ip\": \"192.0.2.1\",\n  \"ports\": [ {\"port\": 80, \"proto\": \"tcp\", \"status\": \"open\"} ]\n}\n]\n",
		"text":                   "Discovered open port 80/tcp on 192.0.2.1\n",
	}
	for name, input := range inputs {
		t.Run(name, func(t *testing.T) {
			stored := 0
			_, err := Decode(context.Background(), strings.NewReader(input), Masscan, Options{}, Handler{
				Observation: func(*registry.Observation) error { stored++; return nil },
			})
			var fe *FormatError
			if !errors.As(err, &fe) || stored != 0 {
				t.Errorf("Decode = %v with %d stored, want a *FormatError and nothing stored", err, stored)
			}
			if strings.HasPrefix(input, "<") {
				return // not JSON: only sniffing can refuse it, as above
			}
			obs, _, err := masscanRead(t, input, Options{})
			if !errors.As(err, &fe) || len(obs) != 0 {
				t.Errorf("reader = %v with %d observations, want a *FormatError and none", err, len(obs))
			}
		})
	}
}

// TestMasscanWindow merges records of one port up to the window apart,
// hands services on oldest first, and keeps memory bounded: one port's
// records further apart than the window become two observations.
func TestMasscanWindow(t *testing.T) {
	var b strings.Builder
	b.WriteString(masscanStatus("192.0.2.1", 80, "1760000000") + "\n")
	for i := range masscanWindow - 1 {
		b.WriteString(masscanStatus(fmt.Sprintf("10.0.%d.%d", i/256, i%256), 80, "1760000000") + "\n")
	}
	b.WriteString(masscanBanner("192.0.2.1", 80, "1760000009", "http.server", "near") + "\n")
	for i := range masscanWindow + 1 {
		b.WriteString(masscanStatus(fmt.Sprintf("10.1.%d.%d", i/256, i%256), 80, "1760000000") + "\n")
	}
	b.WriteString(masscanBanner("192.0.2.1", 80, "1760000010", "http.server", "far") + "\n")

	r := newMasscanReader(strings.NewReader(b.String()), Options{}).(*masscanReader)
	var first []registry.Observation
	n := 0
	for {
		o, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(r.pending) > masscanWindow+1 || len(r.queue) > 2*masscanWindow+2 {
			t.Fatalf("window holds %d services (queue %d), bound %d", len(r.pending), len(r.queue), masscanWindow+1)
		}
		if o.IP.String() == "192.0.2.1" {
			first = append(first, o)
		}
		n++
	}
	if n != 2*masscanWindow+2 {
		t.Errorf("%d observations, want %d", n, 2*masscanWindow+2)
	}
	if len(first) != 2 {
		t.Fatalf("192.0.2.1:80 handed on %d times, want 2 (merged once, then seen again past the window)", len(first))
	}
	if got := first[0].Fields[registry.FieldHTTPServer]; got != "near" || first[0].Protocol != "http" {
		t.Errorf("first observation %+v, want the status merged with the near banner", first[0])
	}
	if !first[0].ObservedLast.Equal(time.Unix(1760000009, 0)) || !first[0].Observed.Equal(time.Unix(1760000000, 0)) {
		t.Errorf("times %v..%v, want the status's and the banner's", first[0].Observed, first[0].ObservedLast)
	}
	if got := first[1].Fields[registry.FieldHTTPServer]; got != "far" {
		t.Errorf("second observation %+v, want the far banner alone", first[1])
	}
}

func TestMasscanQuoteKeys(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{ ip: "1.2.3.4", ports: [ {port: 80, proto: "tcp"} ] }`, `{ "ip": "1.2.3.4", "ports": [ {"port": 80, "proto": "tcp"} ] }`},
		{`{finished: 1}`, `{"finished": 1}`},
		{`{ ip: "a, b: c", x: "\"k: v\"" }`, `{ "ip": "a, b: c", "x": "\"k: v\"" }`},
		{`{ a: [true, false, null], b: {c: 1} }`, `{ "a": [true, false, null], "b": {"c": 1} }`},
		{`{ "ip": "quoted already" }`, `{ "ip": "quoted already" }`},
	}
	for _, tt := range tests {
		if got := string(masscanQuoteKeys(nil, []byte(tt.in))); got != tt.want {
			t.Errorf("masscanQuoteKeys(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func FuzzMasscan(f *testing.F) {
	files, _ := filepath.Glob("testdata/masscan/*")
	real, _ := filepath.Glob("testdata/real/masscan-*")
	for _, path := range append(files, real...) {
		if b, err := os.ReadFile(path); err == nil && len(b) < 1<<20 {
			f.Add(b)
		}
	}
	f.Add([]byte(`{ ip: "::1", ports: [ {port: 1, proto: "udp", service: {name: "snmp", banner: "sysDescr:a\nb\nsysObjectID:.1.2"}} ] },`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := newMasscanReader(bytes.NewReader(data), masscanWindowOpts)
		for range 1 << 16 {
			o, err := r.Next()
			if err == io.EOF {
				return
			}
			var rec *RecordError
			var fe *FormatError
			switch {
			case errors.As(err, &rec):
				if rec.Reason == "" || rec.Line <= 0 {
					t.Fatalf("rejection without reason or line: %+v", rec)
				}
				continue
			case errors.As(err, &fe):
				return
			case err != nil:
				t.Fatalf("fatal error %v on an in-memory file", err)
			}
			// The reader checks address, port and transport itself:
			// Finish must have nothing to reject.
			if reason, msg := fingerprint.Finish(&o); reason != "" {
				t.Fatalf("reader built an observation Finish rejects (%s: %s): %+v", reason, msg, o)
			}
			if !o.IP.IsValid() || o.Port == 0 || (o.Transport != "tcp" && o.Transport != "udp") {
				t.Fatalf("invalid observation handed on: %+v", o)
			}
			if o.Observed.IsZero() {
				t.Fatalf("observation without a time: %+v", o)
			}
			for name, value := range o.Fields {
				if !utf8.ValidString(value) || len(value) > fingerprint.MaxValue || value == "" {
					t.Fatalf("field %s = %q: not clean", name, value)
				}
			}
		}
		t.Fatal("reader did not end")
	})
}

func BenchmarkMasscan(b *testing.B) {
	var buf bytes.Buffer
	buf.WriteString("[\n")
	const hosts = 2000
	records := 0
	for i := range hosts {
		ip := fmt.Sprintf("10.%d.%d.%d", i>>16&0xff, i>>8&0xff, i&0xff)
		for _, line := range []string{
			masscanStatus(ip, 80, "1760000000"),
			masscanStatus(ip, 22, "1760000000"),
			masscanBanner(ip, 80, "1760000002", "http", `HTTP/1.1 200 OK\u000d\u000aServer: Acme-httpd/1.0\u000d\u000aContent-Type: text/html\u000d\u000aETag: \u0022abc\u0022\u000d\u000a\u000d\u000a`),
			masscanBanner(ip, 80, "1760000002", "http.server", "Acme-httpd/1.0"),
			masscanBanner(ip, 80, "1760000002", "title", "Acme R100 (fw 1.2.3)"),
			masscanBanner(ip, 22, "1760000003", "ssh", "SSH-2.0-AcmeSSH_1.0"),
		} {
			if records > 0 {
				buf.WriteString(",\n")
			}
			buf.WriteString(line + "\n")
			records++
		}
	}
	buf.WriteString("]\n")
	input := buf.Bytes()
	b.SetBytes(int64(len(input)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		r := newMasscanReader(bytes.NewReader(input), Options{})
		for {
			_, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(records)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}
