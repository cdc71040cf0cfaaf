package registry

import "testing"

func TestSignatureHolds(t *testing.T) {
	o := &Observation{Transport: "tcp", Port: 8080, Protocol: "http", Fields: map[string]string{
		FieldHTTPServer: "Acme-httpd/1.3.0", FieldHTTPTitle: "Acme R100 (fw 1.3.0)"}}
	cases := []struct {
		name string
		sig  Signature
		want bool
	}{
		{"all hold, port aside", Signature{Protocol: "http", Port: 80, Fields: map[string]Predicate{
			FieldHTTPServer: {Prefix: "Acme-httpd/"}, FieldHTTPTitle: {Regex: `^Acme R100 \(fw (?P<version>[0-9.]+)\)$`}}}, true},
		{"one fails", Signature{Protocol: "http", Fields: map[string]Predicate{
			FieldHTTPServer: {Exact: "Acme-httpd/1.3.0"}, FieldHTTPTitle: {Exact: "Login"}}}, false},
		{"field absent", Signature{Protocol: "http", Fields: map[string]Predicate{FieldHTTPWWWAuthenticate: {Prefix: "Basic"}}}, false},
		{"other protocol", Signature{Protocol: "ssh", Fields: map[string]Predicate{FieldHTTPServer: {Prefix: "Acme"}}}, false},
		{"other transport", Signature{Protocol: "http", Transport: "udp", Fields: map[string]Predicate{FieldHTTPServer: {Prefix: "Acme"}}}, false},
		{"broken pattern", Signature{Protocol: "http", Fields: map[string]Predicate{FieldHTTPServer: {Regex: `(`}}}, false},
	}
	for _, tc := range cases {
		if got := tc.sig.Holds(o); got != tc.want {
			t.Errorf("%s: Holds = %v, want %v", tc.name, got, tc.want)
		}
	}
}
