package learn

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/certprint/certprint/registry"
)

func sig(protocol string, port int, fields map[string]registry.Predicate) registry.Signature {
	return registry.Signature{Protocol: protocol, Transport: "tcp", Port: port, Fields: fields}
}

// Merge keeps what the reviewed devices neither restate nor contradict,
// says why it removes the rest, and adds no learned signature that an
// existing one already says more generally.
func TestMerge(t *testing.T) {
	learned := &registry.Profile{Signatures: []registry.Signature{
		sig("http", 80, map[string]registry.Predicate{
			registry.FieldHTTPTitle:  {Regex: `^Acme R100 \(fw (?P<version>[0-9.]+)\)$`},
			registry.FieldHTTPServer: {Exact: "Acme-httpd/1.0"},
		}),
	}}
	device := []registry.Observation{{Protocol: "http", Transport: "tcp", Port: 80, Fields: map[string]string{
		registry.FieldHTTPTitle: "Acme R100 (fw 1.3.0)", registry.FieldHTTPServer: "Acme-httpd/1.0"}}}
	for _, c := range []struct {
		name     string
		existing registry.Signature
		kept     bool   // the existing signature stays
		added    bool   // the learned signature is added
		reason   string // why the existing one goes
	}{
		{"restated by the learned signature", sig("http", 80, map[string]registry.Predicate{registry.FieldHTTPServer: {Exact: "Acme-httpd/1.0"}}), false, true, "says all it does"},
		{"an exact value the learned pattern accepts", sig("http", 80, map[string]registry.Predicate{registry.FieldHTTPTitle: {Exact: "Acme R100 (fw 1.3.0)"}}), false, true, "more generally"},
		{"contradicted by a reviewed device", sig("http", 0, map[string]registry.Predicate{registry.FieldHTTPTitle: {Exact: "Acme R100 (fw 1.2.0)"}}), false, true, "another value"},
		{"already more general than the learned one", sig("http", 80, map[string]registry.Predicate{
			registry.FieldHTTPTitle:  {Regex: `^Acme R100 \(fw (?P<version>[0-9.]+)\)$`},
			registry.FieldHTTPServer: {Prefix: "Acme-httpd/"}}), true, false, ""},
		{"a field the scan did not show", sig("http", 80, map[string]registry.Predicate{registry.FieldHTTPWWWAuthenticate: {Exact: `Basic realm="R100"`}}), true, true, ""},
		{"a service the devices kept closed", sig("telnet", 23, map[string]registry.Predicate{registry.FieldTelnetBanner: {Prefix: "Acme R100 login"}}), true, true, ""},
		{"the same fields on another port", sig("http", 8080, map[string]registry.Predicate{registry.FieldHTTPServer: {Exact: "Acme-httpd/1.0"}}), true, true, ""},
		{"a narrower prefix beside an exact value", sig("http", 80, map[string]registry.Predicate{
			registry.FieldHTTPServer: {Prefix: "Acme-httpd/1.0"}, registry.FieldHTTPTitle: {Exact: "Acme R100 (fw 1.3.0)"}}), true, true, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, kept, replaced := Merge(&registry.Profile{Signatures: []registry.Signature{c.existing}}, learned, device)
			want := 0
			if c.kept {
				want++
			}
			if c.added {
				want++
			}
			if len(got.Signatures) != want || (len(kept) == 1) != c.kept || (len(replaced) == 1) == c.kept {
				t.Fatalf("%d signatures, kept %v, replaced %+v", len(got.Signatures), kept, replaced)
			}
			if !c.kept && !strings.Contains(replaced[0].Reason, c.reason) {
				t.Errorf("replaced because %q, want %q", replaced[0].Reason, c.reason)
			}
			last := got.Signatures[len(got.Signatures)-1]
			if isLearned := last.Fields[registry.FieldHTTPServer].Exact == "Acme-httpd/1.0" && last.Fields[registry.FieldHTTPTitle].Regex != ""; isLearned != c.added {
				t.Errorf("the learned signature added %v, want %v: %+v", isLearned, c.added, got.Signatures)
			}
		})
	}
	if got, kept, replaced := Merge(nil, learned, device); len(got.Signatures) != 1 || kept != nil || replaced != nil {
		t.Errorf("merge into no profile: %+v %v %v", got, kept, replaced)
	}
}

// A value that names a reviewed device's own address never reaches a
// profile, which is public.
func TestWithoutAddresses(t *testing.T) {
	res := &Result{Profile: &registry.Profile{Signatures: []registry.Signature{
		sig("ftp", 21, map[string]registry.Predicate{registry.FieldFTPBanner: {Exact: "220 10.1.2.3 FTP ready"}}),
		sig("http", 443, map[string]registry.Predicate{
			registry.FieldTLSSubjectCN: {Regex: `^dev-10-1-2-3\.example$`},
			registry.FieldHTTPTitle:    {Exact: "Acme R100"}}),
	}}}
	got := withoutAddresses(res, []netip.Addr{netip.MustParseAddr("10.1.2.3")})
	if len(got.Signatures) != 1 || len(got.Signatures[0].Fields) != 1 || got.Signatures[0].Fields[registry.FieldHTTPTitle].Exact != "Acme R100" {
		t.Errorf("profile %+v", got)
	}
	if len(res.Dropped) != 2 {
		t.Errorf("dropped %+v", res.Dropped)
	}
}
