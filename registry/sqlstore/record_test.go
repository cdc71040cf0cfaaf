package sqlstore

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/certprint/certprint/registry"
)

// decodeRecord reads a record back, as appendRowArgs and migration 0004
// unpack it.
func decodeRecord(t *testing.T, rec string) (o registry.Observation, digest, fields string) {
	t.Helper()
	at := func(pos, n int) string { return rec[pos-1 : pos-1+n] }
	o.IP = netip.MustParseAddr(strings.TrimRight(at(recIP, recIPLen), " "))
	o.Transport = at(recTransport, 3)
	port, err := time.ParseDuration(strings.TrimLeft(at(recPort, 5), "0") + "ns")
	if err != nil {
		t.Fatal(err)
	}
	o.Port = uint16(port)
	o.Protocol = strings.TrimRight(at(recProtocol, recProtoLen), " ")
	o.TLS = at(recTLS, 1) == "1"
	if o.Observed, err = time.Parse(recTimeLayout, at(recObserved, recTimeLen)); err != nil {
		t.Fatal(err)
	}
	if last := at(recLast, recTimeLen); strings.TrimSpace(last) != "" {
		if o.ObservedLast, err = time.Parse(recTimeLayout, last); err != nil {
			t.Fatal(err)
		}
	}
	if key := strings.TrimRight(at(recIPSort, recIPSortLen), " "); key != ipKey(o.IP) {
		t.Errorf("ip_sort %q, want %q", key, ipKey(o.IP))
	}
	return o, at(recDigest, 32), rec[recHeadLen:]
}

func TestRecordRoundTrip(t *testing.T) {
	for _, tt := range []registry.Observation{
		{IP: netip.MustParseAddr("192.0.2.1"), Transport: "tcp", Port: 80, Protocol: "http",
			Observed: time.Date(2026, 10, 1, 12, 30, 5, 123456789, time.UTC),
			Fields:   map[string]string{"http.title": "Acme <R100> & \"friends\"\n", "http.server": "日本語\u2028\xff"}},
		{IP: netip.MustParseAddr("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), Transport: "udp", Port: 65535, Protocol: strings.Repeat("p", maxProtocolLen), TLS: true,
			Observed: time.Date(9999, 12, 31, 23, 59, 59, 0, time.FixedZone("JST", 9*3600)), ObservedLast: time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC)},
		{IP: netip.MustParseAddr("::ffff:10.0.0.1"), Transport: "tcp", Port: 1, Protocol: "unknown", Observed: time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC)},
	} {
		t.Run(tt.IP.String(), func(t *testing.T) {
			var e recordEncoder
			rec, err := e.append(nil, &tt)
			if err != nil {
				t.Fatal(err)
			}
			got, digest, fields := decodeRecord(t, string(rec))
			want := tt
			want.IP = tt.IP.Unmap()
			want.Observed = tt.Observed.UTC().Truncate(time.Microsecond)
			if !tt.ObservedLast.IsZero() {
				want.ObservedLast = tt.ObservedLast.UTC().Truncate(time.Microsecond)
			}
			want.Fields = nil
			if got.IP != want.IP || got.Transport != want.Transport || got.Port != want.Port || got.Protocol != want.Protocol ||
				got.TLS != want.TLS || !got.Observed.Equal(want.Observed) || !got.ObservedLast.Equal(want.ObservedLast) {
				t.Errorf("decoded %+v\nwant    %+v", got, want)
			}
			if digest != tt.Digest() {
				t.Errorf("digest %s, want %s", digest, tt.Digest())
			}
			wantFields := ""
			if len(tt.Fields) > 0 {
				b, _ := json.Marshal(tt.Fields)
				wantFields = string(b)
			}
			if fields != wantFields {
				t.Errorf("fields %s, want %s", fields, wantFields)
			}
		})
	}
}

// FuzzRecordFields checks the hand-written JSON against encoding/json.
func FuzzRecordFields(f *testing.F) {
	f.Add(false, "http.title", "Acme <R100>", "http.server", "a\x00b\u2029\xc3")
	f.Add(true, "", "", "ssh.banner", "SSH-2.0-dropbear\r\n")
	f.Fuzz(func(t *testing.T, tls bool, k1, v1, k2, v2 string) {
		o := registry.Observation{IP: netip.MustParseAddr("192.0.2.1"), Transport: "tcp", Port: 80,
			Protocol: "x", TLS: tls, Observed: time.Unix(0, 0), Fields: map[string]string{k1: v1, k2: v2}}
		var e recordEncoder
		rec, err := e.append(nil, &o)
		if err != nil {
			t.Fatal(err)
		}
		_, digest, fields := decodeRecord(t, string(rec))
		if digest != o.Digest() {
			t.Errorf("digest %s, want %s", digest, o.Digest())
		}
		want, _ := json.Marshal(o.Fields)
		if fields != string(want) {
			t.Errorf("fields %s, want %s", fields, want)
		}
	})
}

func TestRecordRefusals(t *testing.T) {
	ok := registry.Observation{IP: netip.MustParseAddr("192.0.2.1"), Transport: "tcp", Port: 80, Protocol: "http", Observed: time.Unix(1e9, 0)}
	for _, tt := range []struct {
		name  string
		edit  func(*registry.Observation)
		field string
	}{
		{"long protocol", func(o *registry.Observation) { o.Protocol = strings.Repeat("p", maxProtocolLen+1) }, "protocol"},
		{"protocol with a space", func(o *registry.Observation) { o.Protocol = "http 2" }, "protocol"},
		{"year 10000", func(o *registry.Observation) { o.Observed = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }, "observed"},
		{"last before year 1", func(o *registry.Observation) { o.ObservedLast = time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC) }, "observed_last"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			o := ok
			tt.edit(&o)
			var e recordEncoder
			_, err := e.append(nil, &o)
			if e := registry.AsError(err); e == nil || e.Code != registry.EINVALID || e.Field != tt.field {
				t.Errorf("got %v, want %s on %s", err, registry.EINVALID, tt.field)
			}
		})
	}
}

// A run goes into the database in the order of the index of
// observations: by address (IPv4 first), transport and port, and records
// of one service in the order they were written.
func TestRunSortsByService(t *testing.T) {
	services := []string{
		"192.0.2.2 tcp 80 first", "192.0.2.1 tcp 443", "192.0.2.1 tcp 80", "192.0.2.2 tcp 80 second",
		"10.0.0.1 udp 161", "::1 tcp 22", "192.0.2.1 udp 80", "2001:db8::1 tcp 22", "255.255.255.255 tcp 1",
	}
	want := []string{
		"10.0.0.1 udp 161", "192.0.2.1 tcp 80", "192.0.2.1 tcp 443", "192.0.2.1 udp 80", "192.0.2.2 tcp 80 first",
		"192.0.2.2 tcp 80 second", "255.255.255.255 tcp 1", "::1 tcp 22", "2001:db8::1 tcp 22",
	}
	var batch []registry.Observation
	for _, s := range services {
		f := strings.Fields(s)
		port, _ := strconv.Atoi(f[2])
		o := registry.Observation{IP: netip.MustParseAddr(f[0]), Transport: f[1], Port: uint16(port), Protocol: "x", Observed: time.Unix(0, 0)}
		if len(f) > 3 {
			o.Fields = map[string]string{"n": f[3]}
		}
		batch = append(batch, o)
	}
	var r run
	var e recordEncoder
	if err := r.add(&e, batch); err != nil {
		t.Fatal(err)
	}
	r.sort()
	var got []string
	for _, s := range r.recs {
		o, _, fields := decodeRecord(t, string(r.buf[s.start:s.end]))
		line := fmt.Sprintf("%s %s %d", o.IP, o.Transport, o.Port)
		if fields != "" {
			var m map[string]string
			json.Unmarshal([]byte(fields), &m)
			line += " " + m["n"]
		}
		got = append(got, line)
	}
	if !slices.Equal(got, want) {
		t.Errorf("sorted run:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
