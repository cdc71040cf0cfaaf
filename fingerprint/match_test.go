package fingerprint

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/certprint/certprint/registry"
)

// The hard cases of matching, one by one, on a small registry written for
// them: an OEM router and its white-label twin built on lighttpd, a camera,
// a NAS, and a model whose profile holds only generic values.

func boolPtr(b bool) *bool { return &b }

func cert(program, id, issued, expires string, status registry.Status, scope *registry.FirmwareScope, history ...registry.StatusChange) registry.Certification {
	c := registry.Certification{Program: program, CertificateID: id, Issued: registry.MustDate(issued), Status: status, Firmware: scope, History: history}
	if expires != "" {
		c.Expires = registry.MustDate(expires)
	}
	return c
}

func change(status registry.Status, effective, recorded string) registry.StatusChange {
	return registry.StatusChange{Status: status, Effective: registry.MustDate(effective), Recorded: registry.MustDate(recorded), By: "test"}
}

var semver12 = &registry.FirmwareScope{Scheme: "semver", Ranges: []string{">=1.2.0, <2.0.0"}}

func routerProfile(title, realm string) *registry.Profile {
	return &registry.Profile{Signatures: []registry.Signature{{
		Protocol: "http", Port: 80,
		Fields: map[string]registry.Predicate{
			registry.FieldHTTPServer:          {Exact: "lighttpd/1.4.59"},
			registry.FieldHTTPTitle:           {Regex: `^` + title + ` \(fw (?P<version>[0-9.]+)\)$`},
			registry.FieldHTTPWWWAuthenticate: {Exact: realm},
		},
	}}}
}

func testRegistry(mods ...func(*registry.Document)) *registry.Document {
	doc := &registry.Document{
		Programs: []registry.Program{{Code: "CCDS", Name: "CCDS"}, {Code: "JC-STAR", Name: "JC-STAR"}},
		Models: []registry.Model{
			{
				Ref: "acme-r100", Vendor: "Acme", Name: "R100", DeviceType: "router", Family: "acme-r100",
				Certifications: []registry.Certification{cert("CCDS", "CCDS-1", "2024-04-01", "2027-03-31", registry.StatusValid, semver12)},
				Profile:        routerProfile(`Acme R100`, `Basic realm="Acme R100"`),
			},
			{
				Ref: "bravo-br100", Vendor: "Bravo", Name: "BR-100", DeviceType: "router", Family: "acme-r100",
				Certifications: []registry.Certification{cert("CCDS", "CCDS-2", "2024-05-01", "2027-03-31", registry.StatusValid, semver12)},
				Profile:        routerProfile(`Acme R100`, `Basic realm="Acme R100"`),
			},
			{
				Ref: "camco-c300", Vendor: "CamCo", Name: "C300", DeviceType: "camera",
				Certifications: []registry.Certification{cert("JC-STAR", "JCS-7", "2025-01-10", "", registry.StatusRevoked, nil,
					change(registry.StatusValid, "2025-01-10", "2025-01-10"), change(registry.StatusRevoked, "2026-06-01", "2026-11-01"))},
				Profile: &registry.Profile{Signatures: []registry.Signature{
					{Protocol: "http", Fields: map[string]registry.Predicate{
						registry.FieldHTTPWWWAuthenticate: {Exact: `Digest realm="CamCo C300"`},
						registry.FieldHTTPServer:          {Prefix: "GoAhead-Webs"},
					}},
					{Protocol: "rtsp", Port: 554, Fields: map[string]registry.Predicate{
						registry.FieldRTSPServer: {Regex: `^CamCo RTSP/(?P<version>[0-9.]+)$`},
					}},
					{Protocol: "http", TLS: boolPtr(true), Fields: map[string]registry.Predicate{
						registry.FieldTLSSubjectCN: {Exact: "c300.camco.local"},
					}},
				}},
			},
			{
				Ref: "delta-n2", Vendor: "Delta Storage", Name: "N2", DeviceType: "nas",
				Certifications: []registry.Certification{cert("CCDS", "CCDS-9", "2023-02-01", "2026-01-31", registry.StatusValid, nil)},
				Profile: &registry.Profile{Signatures: []registry.Signature{{Protocol: "http", Port: 5000, Fields: map[string]registry.Predicate{
					registry.FieldHTTPTitle: {Exact: "Delta N2 Storage Manager"},
				}}, {Protocol: "ssh", Fields: map[string]registry.Predicate{
					registry.FieldSSHBanner: {Exact: "SSH-2.0-DeltaOS_N2"},
				}}}},
			},
			{
				Ref: "plain-box", Vendor: "Plain", Name: "Box", DeviceType: "router",
				Certifications: []registry.Certification{cert("CCDS", "CCDS-5", "2024-01-01", "", registry.StatusValid, nil)},
				Profile: &registry.Profile{Signatures: []registry.Signature{{Protocol: "http", Fields: map[string]registry.Predicate{
					registry.FieldHTTPServer: {Exact: "lighttpd/1.4.59"},
					registry.FieldHTTPTitle:  {Exact: "Login"},
				}}}},
			},
		},
	}
	for _, mod := range mods {
		mod(doc)
	}
	return doc
}

var scanDay = time.Date(2026, 10, 1, 3, 0, 0, 0, time.UTC)

func svc(port uint16, protocol string, fields ...string) registry.Observation {
	o := registry.Observation{IP: netip.MustParseAddr("192.0.2.7"), Transport: "tcp", Port: port, Protocol: protocol,
		Observed: scanDay, Fields: map[string]string{}}
	for i := 0; i+1 < len(fields); i += 2 {
		o.Fields[fields[i]] = fields[i+1]
	}
	if port == 443 || port == 8443 {
		o.TLS = true
	}
	return o
}

func acmeWeb(fw string) registry.Observation {
	return svc(80, "http",
		registry.FieldHTTPServer, "lighttpd/1.4.59",
		registry.FieldHTTPTitle, "Acme R100 (fw "+fw+")",
		registry.FieldHTTPWWWAuthenticate, `Basic realm="Acme R100"`,
		registry.FieldHTTPStatus, "401")
}

func camcoServices() []registry.Observation {
	return []registry.Observation{
		svc(443, "http", registry.FieldTLSSubjectCN, "c300.camco.local", registry.FieldHTTPServer, "GoAhead-Webs"),
		svc(554, "rtsp", registry.FieldRTSPServer, "CamCo RTSP/2.4"),
		svc(8080, "http", registry.FieldHTTPWWWAuthenticate, `Digest realm="CamCo C300"`, registry.FieldHTTPServer, "GoAhead-Webs"),
	}
}

func mustIndex(t testing.TB, doc *registry.Document) *Index {
	t.Helper()
	ix, err := NewIndex(doc)
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

func TestMatchHardCases(t *testing.T) {
	onlyAcmeCertified := func(doc *registry.Document) {
		doc.Models[1].Certifications[0].Status = registry.StatusSuspended
		doc.Models[1].Certifications[0].History = []registry.StatusChange{
			change(registry.StatusValid, "2024-05-01", "2024-05-01"), change(registry.StatusSuspended, "2025-05-01", "2025-05-02")}
	}
	revokedLater := func(doc *registry.Document) {
		doc.Models[2].Certifications[0].History[1].Effective = registry.MustDate("2026-12-01")
	}
	tests := []struct {
		name      string
		doc       *registry.Document
		obs       []registry.Observation
		verdicts  int
		class     registry.Class
		refs      []string
		firmware  registry.FirmwareState
		version   string
		ambiguous bool
		reason    string
	}{
		{
			name: "generic server only", doc: testRegistry(),
			obs:      []registry.Observation{svc(80, "http", registry.FieldHTTPServer, "lighttpd/1.4.59", registry.FieldHTTPTitle, "Login")},
			verdicts: 1, class: registry.ClassUnknown, firmware: registry.FirmwareUnobserved,
		},
		{
			name: "OEM twins both certified", doc: testRegistry(),
			obs:      []registry.Observation{acmeWeb("1.4.2")},
			verdicts: 1, class: registry.ClassCertified, refs: []string{"acme-r100", "bravo-br100"},
			firmware: registry.FirmwareInScope, version: "1.4.2", ambiguous: true,
		},
		{
			name: "OEM twin without certification makes the device not certified", doc: testRegistry(onlyAcmeCertified),
			obs:      []registry.Observation{acmeWeb("1.4.2")},
			verdicts: 1, class: registry.ClassUncertified, refs: []string{"acme-r100", "bravo-br100"},
			firmware: registry.FirmwareOutOfScope, version: "1.4.2", ambiguous: true,
		},
		{
			name: "firmware out of scope", doc: testRegistry(),
			obs:      []registry.Observation{acmeWeb("2.1.0")},
			verdicts: 1, class: registry.ClassCertifiedOutOfScope, refs: []string{"acme-r100", "bravo-br100"},
			firmware: registry.FirmwareOutOfScope, version: "2.1.0", ambiguous: true,
		},
		{
			name: "firmware not shown", doc: testRegistry(),
			obs: []registry.Observation{svc(80, "http", registry.FieldHTTPServer, "lighttpd/1.4.59",
				registry.FieldHTTPWWWAuthenticate, `Basic realm="Acme R100"`)},
			verdicts: 1, class: registry.ClassCertified, refs: []string{"acme-r100", "bravo-br100"},
			firmware: registry.FirmwareUnobserved, ambiguous: true,
		},
		{
			name: "revoked before the scan", doc: testRegistry(),
			obs:      camcoServices(),
			verdicts: 1, class: registry.ClassUncertified, refs: []string{"camco-c300"},
			firmware: registry.FirmwareOutOfScope, version: "2.4",
		},
		{
			name: "revocation taking effect after the scan", doc: testRegistry(revokedLater),
			obs:      camcoServices(),
			verdicts: 1, class: registry.ClassCertified, refs: []string{"camco-c300"},
			firmware: registry.FirmwareInScope, version: "2.4",
		},
		{
			name: "certificate issued after the scan", doc: testRegistry(func(doc *registry.Document) {
				doc.Models[3].Certifications[0].Issued = registry.MustDate("2026-11-01")
				doc.Models[3].Certifications[0].Expires = registry.Date{}
			}),
			obs: []registry.Observation{
				svc(22, "ssh", registry.FieldSSHBanner, "SSH-2.0-DeltaOS_N2"),
				svc(5000, "http", registry.FieldHTTPTitle, "Delta N2 Storage Manager"),
			},
			verdicts: 1, class: registry.ClassUncertified, refs: []string{"delta-n2"},
			firmware: registry.FirmwareUnobserved,
		},
		{
			name: "expired certificate", doc: testRegistry(),
			obs: []registry.Observation{
				svc(22, "ssh", registry.FieldSSHBanner, "SSH-2.0-DeltaOS_N2"),
				svc(5000, "http", registry.FieldHTTPTitle, "Delta N2 Storage Manager"),
			},
			verdicts: 1, class: registry.ClassCertifiedOutOfScope, refs: []string{"delta-n2"},
			firmware: registry.FirmwareUnobserved,
		},
		{
			name: "conflicting evidence on one service", doc: testRegistry(),
			obs: []registry.Observation{svc(80, "http", registry.FieldHTTPServer, "GoAhead-Webs",
				registry.FieldHTTPTitle, "Acme R100 (fw 1.4.2)", registry.FieldHTTPWWWAuthenticate, `Digest realm="CamCo C300"`)},
			verdicts: 1, class: registry.ClassUnknown, firmware: registry.FirmwareUnobserved,
		},
		{
			name: "honeypot", doc: testRegistry(),
			obs: append([]registry.Observation{acmeWeb("1.4.2"), svc(22, "ssh", registry.FieldSSHBanner, "SSH-2.0-DeltaOS_N2"),
				svc(5000, "http", registry.FieldHTTPTitle, "Delta N2 Storage Manager"),
				svc(2323, "telnet", registry.FieldTelnetBanner, "RT-5500 login:"),
				svc(8000, "http", registry.FieldHTTPTitle, "NetCam NC-9000 Live View")}, camcoServices()...),
			verdicts: 1, class: registry.ClassUnknown, firmware: registry.FirmwareUnobserved, reason: "honeypot",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ix := mustIndex(t, tt.doc)
			obs := sortedServices(tt.obs)
			got := ix.NewMatcher().Host(obs)
			if len(got) != tt.verdicts {
				t.Fatalf("%d verdicts, want %d: %+v", len(got), tt.verdicts, got)
			}
			v := got[0]
			if v.Class != tt.class || !slices.Equal(v.ModelRefs, tt.refs) || v.FirmwareState != tt.firmware ||
				v.FirmwareVersion != tt.version || v.Ambiguous != tt.ambiguous {
				t.Errorf("verdict %s %v firmware %s %q ambiguous %v; want %s %v %s %q %v\ncandidates %+v\nevidence %+v",
					v.Class, v.ModelRefs, v.FirmwareState, v.FirmwareVersion, v.Ambiguous,
					tt.class, tt.refs, tt.firmware, tt.version, tt.ambiguous, v.Candidates, v.Evidence)
			}
			if !strings.HasPrefix(v.Reason, tt.reason) {
				t.Errorf("reason %q, want %q", v.Reason, tt.reason)
			}
			if v.Confidence < 0 || v.Confidence > 1 {
				t.Errorf("confidence %v outside [0,1]", v.Confidence)
			}
			if len(v.Ports) != len(obs) {
				t.Errorf("ports %v, want all %d services", v.Ports, len(obs))
			}
			if v.Class != registry.ClassUnknown && len(v.Evidence) == 0 {
				t.Errorf("an attributed verdict lists no evidence")
			}
		})
	}
}

func sortedServices(obs []registry.Observation) []registry.Observation {
	obs = slices.Clone(obs)
	slices.SortFunc(obs, func(a, b registry.Observation) int { return int(a.Port) - int(b.Port) })
	return obs
}

// An address whose ports point to two models (port forwarding behind a
// NAT) gets one verdict per device, each with its own ports; a service
// that contradicts both is a third device of its own. Three devices on
// one address are a NAT, not a honeypot.
func TestMatchNATDevices(t *testing.T) {
	ix := mustIndex(t, testRegistry())
	obs := append([]registry.Observation{acmeWeb("1.4.2"),
		svc(8000, "http", registry.FieldHTTPServer, "nginx/1.24.0", registry.FieldHTTPTitle, "Welcome to nginx!")},
		camcoServices()...)
	got := ix.NewMatcher().Host(sortedServices(obs))
	want := map[string][]string{
		"tcp/80":   {"acme-r100", "bravo-br100"},
		"tcp/443":  {"camco-c300"},
		"tcp/8000": nil,
	}
	if len(got) != 3 {
		t.Fatalf("%d verdicts, want 3: %+v", len(got), got)
	}
	for _, v := range got {
		refs, ok := want[v.Ports[0]]
		if !ok || !slices.Equal(v.ModelRefs, refs) {
			t.Errorf("device on %v is %v, want %v", v.Ports, v.ModelRefs, refs)
		}
	}
	if ports := got[1].Ports; !slices.Equal(ports, []string{"tcp/443", "tcp/554", "tcp/8080"}) {
		t.Errorf("camera ports %v", ports)
	}
}

// The same device gets the same verdict whatever else the registry holds
// of unrelated models: weights come from the registry and the background,
// and the services matched decide only through those.
func TestMatchIsDeterministic(t *testing.T) {
	ix := mustIndex(t, testRegistry())
	m := ix.NewMatcher()
	first := m.Host(camcoServices())
	for range 20 {
		again := m.Host(camcoServices())
		if again[0].Class != first[0].Class || again[0].Confidence != first[0].Confidence || len(again[0].Evidence) != len(first[0].Evidence) {
			t.Fatalf("verdict changed between runs: %+v then %+v", first[0], again[0])
		}
	}
}

// devicePorts is the ports of each verdict, in order.
func devicePorts(vs []registry.Verdict) [][]string {
	var ports [][]string
	for _, v := range vs {
		ports = append(ports, v.Ports)
	}
	return ports
}

// Which services of an address are one device. Behind a NAT the address
// is the router's: a service no profile explains on a port routers answer
// on themselves (SSH, Telnet, TR-069) joins the router, while one on a
// forwarded port stays a device of its own, and with no router among the
// devices nothing says whose it is. An address whose identified device is
// alone takes the services no profile explains; one where another web
// server answers, or a camera's silent RTSP port sits beside a router, is
// a NAT, and those services stay a device of their own instead of
// inheriting the router's verdict.
func TestMatchAddressDevices(t *testing.T) {
	dropbear := func(port uint16) registry.Observation {
		return svc(port, "ssh", registry.FieldSSHBanner, "SSH-2.0-dropbear_2020.81")
	}
	lighttpd := svc(8080, "http", registry.FieldHTTPServer, "lighttpd/1.4.59", registry.FieldHTTPTitle, "401 Unauthorized")
	telnet := svc(2323, "telnet", registry.FieldTelnetBanner, "LocalHost login:")
	nvr := svc(88, "http", registry.FieldHTTPServer, "GoAhead-http", registry.FieldHTTPTitle, "NVR Login")
	rtsp := svc(8554, "rtsp")
	router := func(more ...registry.Observation) []registry.Observation {
		return append([]registry.Observation{acmeWeb("1.4.2")}, more...)
	}
	// The camera forwarded on ports that are not the router's own.
	inside := func(more ...registry.Observation) []registry.Observation {
		return router(append([]registry.Observation{
			svc(8443, "http", registry.FieldTLSSubjectCN, "c300.camco.local", registry.FieldHTTPServer, "GoAhead-Webs"),
			svc(8554, "rtsp", registry.FieldRTSPServer, "CamCo RTSP/2.4"),
			svc(8080, "http", registry.FieldHTTPWWWAuthenticate, `Digest realm="CamCo C300"`, registry.FieldHTTPServer, "GoAhead-Webs"),
		}, more...)...)
	}
	camera := []string{"tcp/8080", "tcp/8443", "tcp/8554"}
	cases := []struct {
		name string
		obs  []registry.Observation
		want [][]string // the ports of each verdict
	}{
		{"ssh joins the router", router(append([]registry.Observation{dropbear(22)}, camcoServices()...)...),
			[][]string{{"tcp/22", "tcp/80"}, {"tcp/443", "tcp/554", "tcp/8080"}}},
		{"forwarded port stays apart", router(append([]registry.Observation{dropbear(2222)}, camcoServices()...)...),
			[][]string{{"tcp/80"}, {"tcp/443", "tcp/554", "tcp/8080"}, {"tcp/2222"}}},
		{"no router, no owner", append([]registry.Observation{dropbear(22),
			svc(5000, "http", registry.FieldHTTPTitle, "Delta N2 Storage Manager")}, camcoServices()...),
			[][]string{{"tcp/22"}, {"tcp/443", "tcp/554", "tcp/8080"}, {"tcp/5000"}}},
		{"same web server joins", router(lighttpd, telnet), [][]string{{"tcp/80", "tcp/2323", "tcp/8080"}}},
		{"another web server is another device", router(nvr, telnet), [][]string{{"tcp/80"}, {"tcp/88", "tcp/2323"}}},
		{"another build of the web server is another device", []registry.Observation{
			svc(5000, "http", registry.FieldHTTPTitle, "Delta N2 Storage Manager", registry.FieldHTTPServer, "lighttpd/1.4.64"),
			svc(8080, "http", registry.FieldHTTPStatus, "401", registry.FieldHTTPServer, "lighttpd/1.4.54")},
			[][]string{{"tcp/5000"}, {"tcp/8080"}}},
		{"the same build joins", []registry.Observation{
			svc(5000, "http", registry.FieldHTTPTitle, "Delta N2 Storage Manager", registry.FieldHTTPServer, "lighttpd/1.4.64"),
			svc(8080, "http", registry.FieldHTTPStatus, "401", registry.FieldHTTPServer, "lighttpd/1.4.64")},
			[][]string{{"tcp/5000", "tcp/8080"}}},
		{"a camera's port beside a router", router(telnet, rtsp), [][]string{{"tcp/80"}, {"tcp/2323", "tcp/8554"}}},
		{"the device inside takes its moved SSH", inside(dropbear(2222)),
			[][]string{{"tcp/80"}, {"tcp/2222", "tcp/8080", "tcp/8443", "tcp/8554"}}},
		{"two devices inside, nothing says whose", inside(dropbear(2222), svc(5000, "http", registry.FieldHTTPTitle, "Delta N2 Storage Manager")),
			[][]string{{"tcp/80"}, {"tcp/2222"}, {"tcp/5000"}, camera}},
		{"a service the inside device contradicts is another device", inside(dropbear(2222),
			svc(8081, "http", registry.FieldHTTPWWWAuthenticate, `Digest realm="NetCam X9"`)),
			[][]string{{"tcp/80"}, {"tcp/2222", "tcp/8081"}, camera}},
		{"another web server inside is another device", inside(dropbear(2222), svc(8081, "http", registry.FieldHTTPServer, "mini_httpd/1.30 26Oct2018")),
			[][]string{{"tcp/80"}, {"tcp/2222", "tcp/8081"}, camera}},
		{"a second SSH inside is another device", inside(dropbear(2222), dropbear(2200)),
			[][]string{{"tcp/80"}, {"tcp/2200", "tcp/2222"}, camera}},
		{"a greeting naming the IPv6 address joins", router(svc(21, "ftp", registry.FieldFTPBanner, "220 bftpd 2.2.1 at 2001:db8:265e:58e:8913:f3ff:fe18:85cc ready.")),
			[][]string{{"tcp/21", "tcp/80"}}},
	}
	ix := mustIndex(t, testRegistry())
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := ix.NewMatcher().Host(sortedServices(tc.obs))
			if ports := devicePorts(got); !slices.EqualFunc(ports, tc.want, slices.Equal) {
				t.Errorf("devices %v, want %v", ports, tc.want)
			}
			for _, v := range got {
				if slices.Contains(v.Ports, "tcp/80") && v.Class != registry.ClassCertified {
					t.Errorf("router is %s, want certified", v.Class)
				}
				if slices.Contains(v.Ports, "tcp/8443") && !slices.Equal(v.ModelRefs, []string{"camco-c300"}) {
					t.Errorf("camera is %v, want camco-c300", v.ModelRefs)
				}
			}
		})
	}
}

// A second hardware revision that keeps its first revision's certificate
// on 443 while its title names the revision on 80 is the second revision:
// the title belies the first, whose certificate alone would have won, and
// the firmware is judged by the second's scope.
func TestMatchRevisionBeliesSibling(t *testing.T) {
	title := func(name string) registry.Signature {
		return registry.Signature{Protocol: "http", Port: 80, TLS: boolPtr(false), Fields: map[string]registry.Predicate{
			registry.FieldHTTPTitle: {Regex: `^` + name + ` \(fw (?P<version>[0-9.]+)\)$`}}}
	}
	certSig := registry.Signature{Protocol: "http", Port: 443, TLS: boolPtr(true), Fields: map[string]registry.Predicate{
		registry.FieldTLSSubjectCN: {Exact: "echo-e7.local"}, registry.FieldHTTPTitle: {Regex: `^Echo EC-700 \(fw (?P<version>[0-9.]+)\)$`}}}
	doc := &registry.Document{
		Programs: []registry.Program{{Code: "CCDS", Name: "CCDS"}},
		Models: []registry.Model{
			{Ref: "echo-e7", Vendor: "Echo", Name: "EC-700", ModelNumber: "EC-700", DeviceType: "router", Family: "echo-e7",
				Certifications: []registry.Certification{cert("CCDS", "CCDS-71", "2024-01-01", "", registry.StatusValid,
					&registry.FirmwareScope{Scheme: "semver", Ranges: []string{">=3.0.0"}})},
				Profile: &registry.Profile{Signatures: []registry.Signature{title("Echo EC-700"), certSig}}},
			{Ref: "echo-e7-v2", Vendor: "Echo", Name: "EC-700 v2", ModelNumber: "EC-700", DeviceType: "router", Family: "echo-e7",
				Certifications: []registry.Certification{cert("CCDS", "CCDS-72", "2024-01-01", "", registry.StatusValid,
					&registry.FirmwareScope{Scheme: "semver", Ranges: []string{">=1.0.0"}})},
				Profile: &registry.Profile{Signatures: []registry.Signature{title("Echo EC-700 v2")}}},
		},
	}
	cases := []struct {
		name      string
		title80   string
		wantRefs  []string
		wantClass registry.Class
	}{
		{"second revision", "Echo EC-700 v2 (fw 1.2.0)", []string{"echo-e7-v2"}, registry.ClassCertified},
		{"first revision", "Echo EC-700 (fw 1.2.0)", []string{"echo-e7"}, registry.ClassCertifiedOutOfScope},
	}
	ix := mustIndex(t, doc)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			obs := sortedServices([]registry.Observation{
				svc(80, "http", registry.FieldHTTPTitle, tc.title80),
				svc(443, "http", registry.FieldTLSSubjectCN, "echo-e7.local", registry.FieldHTTPTitle, "Echo EC-700 (fw 1.2.0)"),
			})
			got := ix.NewMatcher().Host(obs)
			if len(got) != 1 || !slices.Equal(got[0].ModelRefs, tc.wantRefs) || got[0].Class != tc.wantClass {
				t.Fatalf("verdicts %+v, want one %s as %v", got, tc.wantClass, tc.wantRefs)
			}
		})
	}
}

// A certificate whose organisation is another registered vendor says the
// device is that vendor's: an OEM's model gives way when the certificate
// names its white-label customer, a white-label twin keeps its OEM's
// certificate, and an organisation the registry does not know proves
// nothing.
func TestMatchCertificateVendor(t *testing.T) {
	cn := func(name string) *registry.Profile {
		return &registry.Profile{Signatures: []registry.Signature{{Protocol: "http", Port: 443, TLS: boolPtr(true),
			Fields: map[string]registry.Predicate{registry.FieldTLSSubjectCN: {Exact: name}}}}}
	}
	valid := []registry.Certification{cert("CCDS", "CCDS-80", "2024-01-01", "", registry.StatusValid, nil)}
	doc := &registry.Document{
		Programs: []registry.Program{{Code: "CCDS", Name: "CCDS"}},
		Models: []registry.Model{
			{Ref: "niji-nh-295", Vendor: "Niji Home", Name: "NH-295", ModelNumber: "NH-295", DeviceType: "router",
				Family: "niji-nh-295", Certifications: valid, Profile: cn("niji-nh295.local")},
			{Ref: "shio-sh-68", Vendor: "Shio Denshi", Name: "SH-68", ModelNumber: "SH-68", DeviceType: "router",
				Family: "niji-nh-295", Certifications: valid, Profile: cn("niji-nh295.local")},
			{Ref: "cobalt-cb-9", Vendor: "Cobalt", Name: "CB-9", ModelNumber: "CB-9", DeviceType: "camera", Certifications: valid},
		},
	}
	cases := []struct {
		issuer   string
		wantRefs []string
		reason   string
	}{
		{"CN=niji-nh295.local, O=Niji Home Co.\\, Ltd., C=JP", []string{"niji-nh-295", "shio-sh-68"}, ""},
		{"CN=niji-nh295.local, O=Shio Denshi Corporation, C=JP", []string{"shio-sh-68"}, ""},
		{"CN=niji-nh295.local, O=Cobalt Technology Inc., C=TW", []string{}, "another registered vendor"},
		{"CN=niji-nh295.local, O=Internet Widgits Pty Ltd", []string{"niji-nh-295", "shio-sh-68"}, ""},
	}
	ix := mustIndex(t, doc)
	for _, tc := range cases {
		t.Run(tc.issuer, func(t *testing.T) {
			o := svc(443, "http", registry.FieldTLSSubjectCN, "niji-nh295.local", registry.FieldTLSIssuer, tc.issuer)
			got := ix.NewMatcher().Host([]registry.Observation{o})
			if len(got) != 1 || !slices.Equal(got[0].ModelRefs, tc.wantRefs) || !strings.Contains(got[0].Reason, tc.reason) {
				t.Fatalf("verdicts %+v, want %v (reason %q)", got, tc.wantRefs, tc.reason)
			}
		})
	}
}

// A device that keeps a family's certificate but names, where the OEM's
// profile names the OEM's number, a number of no model of the family is
// a sibling the registry does not list: not the white-label twin whose
// profile says nothing of that field.
func TestMatchSiblingNamesItself(t *testing.T) {
	cnSig := registry.Signature{Protocol: "http", Port: 443, TLS: boolPtr(true),
		Fields: map[string]registry.Predicate{registry.FieldTLSSubjectCN: {Exact: "us-131.umi.local"}}}
	titleSig := registry.Signature{Protocol: "http", Port: 443, TLS: boolPtr(true),
		Fields: map[string]registry.Predicate{registry.FieldHTTPTitle: {Exact: "UMI US-131"}}}
	valid := []registry.Certification{cert("CCDS", "CCDS-90", "2024-01-01", "", registry.StatusValid, nil)}
	doc := &registry.Document{
		Programs: []registry.Program{{Code: "CCDS", Name: "CCDS"}},
		Models: []registry.Model{
			{Ref: "umi-us-131", Vendor: "Umi Storage", Name: "US-131", ModelNumber: "US-131", DeviceType: "nas",
				Family: "umi-us-131", Certifications: valid, Profile: &registry.Profile{Signatures: []registry.Signature{cnSig, titleSig}}},
			{Ref: "hoku-hw-547", Vendor: "Hoku Works", Name: "HW-547", ModelNumber: "HW-547", DeviceType: "nas",
				Family: "umi-us-131", Certifications: valid, Profile: &registry.Profile{Signatures: []registry.Signature{cnSig}}},
		},
	}
	cases := []struct {
		title    string
		wantRefs []string
	}{
		{"UMI US-131", []string{"umi-us-131", "hoku-hw-547"}},
		{"HOKU HW-547", []string{"hoku-hw-547"}},
		{"UMI US-233Pro", []string{}},
	}
	ix := mustIndex(t, doc)
	for _, tc := range cases {
		t.Run(tc.title, func(t *testing.T) {
			o := svc(443, "http", registry.FieldTLSSubjectCN, "us-131.umi.local", registry.FieldHTTPTitle, tc.title)
			got := ix.NewMatcher().Host([]registry.Observation{o})
			if len(got) != 1 || !slices.Equal(got[0].ModelRefs, tc.wantRefs) {
				t.Fatalf("verdicts %+v, want %v", got, tc.wantRefs)
			}
			if len(tc.wantRefs) == 0 && !strings.Contains(got[0].Reason, "conflicting identities") {
				t.Errorf("reason %q", got[0].Reason)
			}
		})
	}
}

// A device that names a registered model number where the model's
// profile says nothing (a title on a port the reference device did not
// show, a telnet prompt) is that model on the registry's word: certified
// lists publish numbers, devices show them. The word counts once, not
// beside a profile predicate that names the number already; a sibling of
// the line named beside it defeats it; the firmware the profile reads on
// one port is read wherever the device shows it.
func TestMatchRegisteredNumber(t *testing.T) {
	valid := []registry.Certification{cert("CCDS", "CCDS-70", "2024-01-01", "", registry.StatusValid,
		&registry.FirmwareScope{Scheme: "semver", Ranges: []string{">=2.3.0"}})}
	titleSig := registry.Signature{Protocol: "http", Port: 80, TLS: boolPtr(false), Fields: map[string]registry.Predicate{
		registry.FieldHTTPTitle: {Regex: `^HINODE HT-7700 - Firmware (?P<version>[0-9.]+)$`}}}
	doc := &registry.Document{
		Programs: []registry.Program{{Code: "CCDS", Name: "CCDS"}},
		Models: []registry.Model{
			{Ref: "hinode-ht-7700", Vendor: "Hinode", Name: "HT-7700", ModelNumber: "ＨＴ－７７００", DeviceType: "router",
				Family: "hinode-ht-7700", Certifications: valid, Profile: &registry.Profile{Signatures: []registry.Signature{titleSig}}},
			{Ref: "kaze-kz-10", Vendor: "Kaze", Name: "KZ-10", ModelNumber: "KZ-10", DeviceType: "camera", Certifications: valid},
		},
	}
	cases := []struct {
		name     string
		obs      []registry.Observation
		wantRefs []string
		class    registry.Class
		firmware string
		named    int // evidence items of the registered number
	}{
		{"a prompt names the number", []registry.Observation{svc(23, "telnet", registry.FieldTelnetBanner, "HT-7700 login:")},
			[]string{"hinode-ht-7700"}, registry.ClassCertified, "", 1},
		{"a certificate with a serial after the number", []registry.Observation{
			svc(443, "http", registry.FieldTLSSubjectCN, "ht-7700-3a9f1c.hinode.local")},
			[]string{"hinode-ht-7700"}, registry.ClassCertified, "", 1},
		{"a model with no profile", []registry.Observation{svc(80, "http", registry.FieldHTTPTitle, "KZ-10 Live View")},
			[]string{"kaze-kz-10"}, registry.ClassCertified, "", 1},
		{"the profile's title names it already", []registry.Observation{
			svc(80, "http", registry.FieldHTTPTitle, "HINODE HT-7700 - Firmware 2.3.1")},
			[]string{"hinode-ht-7700"}, registry.ClassCertified, "2.3.1", 0},
		{"the profile's title over TLS tells the firmware", []registry.Observation{
			svc(443, "http", registry.FieldHTTPTitle, "HINODE HT-7700 - Firmware 2.2.0")},
			[]string{"hinode-ht-7700"}, registry.ClassCertifiedOutOfScope, "2.2.0", 1},
		{"a sibling of the line names itself", []registry.Observation{
			svc(443, "http", registry.FieldTLSSubjectCN, "ht-7700.hinode.local", registry.FieldHTTPTitle, "Hinode HT-3100N")},
			[]string{}, registry.ClassUnknown, "", 1},
		{"a digest nonce is no sibling", []registry.Observation{
			svc(80, "http", registry.FieldHTTPWWWAuthenticate, `Digest realm="HT-7700", nonce="ab167d07a3823f6775a24fbbee14c317"`)},
			[]string{"hinode-ht-7700"}, registry.ClassCertified, "", 1},
		{"a number inside another word is not named", []registry.Observation{svc(80, "http", registry.FieldHTTPTitle, "XHT-7700 Setup")},
			[]string{}, registry.ClassUnknown, "", 0},
	}
	ix := mustIndex(t, doc)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := ix.NewMatcher().Host(tc.obs)
			if len(got) != 1 || !slices.Equal(got[0].ModelRefs, tc.wantRefs) || got[0].Class != tc.class || got[0].FirmwareVersion != tc.firmware {
				t.Fatalf("verdicts %+v, want %v %s firmware %q", got, tc.wantRefs, tc.class, tc.firmware)
			}
			named := 0
			for _, e := range got[0].Evidence {
				if strings.HasPrefix(e.Predicate, "names registered model number") {
					named++
					if e.Field == namedField || e.Weight != maxModelNumberBits {
						t.Errorf("evidence %+v: want the field that names it, weighing %v", e, maxModelNumberBits)
					}
				}
			}
			if named != tc.named {
				t.Errorf("%d evidence items of the number, want %d: %+v", named, tc.named, got[0].Evidence)
			}
		})
	}
}

// A service whose evidence is as strong for several families (a greeting
// that their profiles all hold) founds no device of its own: on an
// address that shows one device, it is that device's.
func TestMatchSharedGreetingFoundsNothing(t *testing.T) {
	valid := []registry.Certification{cert("CCDS", "CCDS-80", "2024-01-01", "", registry.StatusValid, nil)}
	model := func(ref, title string) registry.Model {
		return registry.Model{Ref: ref, Vendor: ref, Name: ref, DeviceType: "nas", Certifications: valid,
			Profile: &registry.Profile{Signatures: []registry.Signature{
				{Protocol: "ftp", Fields: map[string]registry.Predicate{registry.FieldFTPBanner: {Regex: `^220 bftpd 2\.2\.1 at [0-9A-Fa-f.:]+ ready\.$`}}},
				{Protocol: "http", Fields: map[string]registry.Predicate{registry.FieldHTTPTitle: {Exact: title}}},
			}}}
	}
	doc := &registry.Document{Programs: []registry.Program{{Code: "CCDS", Name: "CCDS"}},
		Models: []registry.Model{model("ginga-gs-110", "GINGA GS-110"), model("solvane-sv431", "Solvane SV-431")}}
	ix := mustIndex(t, doc)
	ftp := svc(21, "ftp", registry.FieldFTPBanner, "220 bftpd 2.2.1 at 10.170.50.223 ready.")
	for _, e := range ix.NewMatcher().Explain([]registry.Observation{ftp}).Candidates {
		if len(e.Services) != 1 || e.Services[0].Score < assignBits {
			t.Fatalf("the greeting weighs %+v for %s; the case needs at least %v bits", e.Services, e.ModelRef, assignBits)
		}
	}
	obs := sortedServices([]registry.Observation{ftp,
		svc(80, "http", registry.FieldHTTPServer, "lighttpd/1.4.35", registry.FieldHTTPTitle, "Sorane SR-6700 - Firmware 3.4.0")})
	got := ix.NewMatcher().Host(obs)
	if ports := devicePorts(got); !slices.EqualFunc(ports, [][]string{{"tcp/21", "tcp/80"}}, slices.Equal) || got[0].Class != registry.ClassUnknown {
		t.Errorf("devices %v (%+v), want one unknown device", ports, got)
	}
}
