package importer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/certprint/certprint/fingerprint"
	"github.com/certprint/certprint/registry"
)

// fxWindow dates the fixtures, which carry no time of their own.
var fxWindow = Options{Observed: Window{From: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)}}

func TestFingerprintxGolden(t *testing.T) {
	runGolden(t, []goldenCase{
		{golden: "fingerprintx-current", path: "fingerprintx/current.jsonl", format: Fingerprintx, opts: fxWindow},
		{golden: "fingerprintx-readme2022", path: "fingerprintx/readme2022.jsonl", format: Fingerprintx, opts: fxWindow},
		{golden: "fingerprintx-loopback", path: "fingerprintx/loopback.jsonl", format: Fingerprintx, opts: fxWindow},
		{golden: "fingerprintx-sniffed", path: "fingerprintx/loopback.jsonl", format: Auto, opts: Options{
			Observed: Window{From: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 10, 2, 0, 0, 0, 0, time.UTC)},
		}},
	})
}

// decodeFX reads text through Decode as fingerprintx output.
func decodeFX(t testing.TB, text string) ([]registry.Observation, []*RecordError, error) {
	t.Helper()
	var obs []registry.Observation
	var rejected []*RecordError
	_, err := Decode(context.Background(), strings.NewReader(text), Fingerprintx, fxWindow, Handler{
		Observation: func(o *registry.Observation) error { obs = append(obs, *o); return nil },
		Reject:      func(e *RecordError) { rejected = append(rejected, e) },
	})
	return obs, rejected, err
}

// TestFingerprintxFields holds each protocol's mapping to the field
// values FORMATS.md A.1 says the record means.
func TestFingerprintxFields(t *testing.T) {
	tests := []struct {
		name     string
		line     string
		protocol string
		tls      bool
		want     map[string]string
	}{{
		name:     "http technologies sorted, cpes, volatile headers left out",
		line:     `{"ip":"192.0.2.1","port":80,"protocol":"http","tls":false,"transport":"tcp","version":"Boa/0.94","metadata":{"status":"200 OK","statusCode":200,"responseHeaders":{"Date":["Mon, 19 Sep 2022 18:23:18 GMT"],"Etag":["\"x\""],"Server":["Boa/0.94"],"Set-Cookie":["a=b"],"X-Powered-By":["PHP/5.2","DVR"]},"technologies":["PHP:5.2","Boa:0.94","Apache","Boa:0.94"],"cpes":["cpe:2.3:a:z:z:1","cpe:2.3:a:a:a:1"]}}`,
		protocol: "http",
		want: map[string]string{
			"http.status": "200", "http.server": "Boa/0.94", "http.header.x-powered-by": "PHP/5.2, DVR",
			"http.technologies": "Apache,Boa:0.94,PHP:5.2", "service.cpe": "cpe:2.3:a:a:a:1 cpe:2.3:a:z:z:1",
		},
	}, {
		name:     "http status line only, version for a missing Server header",
		line:     `{"ip":"192.0.2.1","port":80,"protocol":"http","tls":false,"transport":"tcp","version":"Acme","metadata":{"status":"404 Not Found","responseHeaders":{}}}`,
		protocol: "http",
		want:     map[string]string{"http.status": "404", "http.server": "Acme"},
	}, {
		name:     "http Server header wins over version",
		line:     `{"ip":"192.0.2.1","port":80,"protocol":"http","tls":false,"transport":"tcp","version":"other","metadata":{"statusCode":302,"responseHeaders":{"Server":["  Acme  httpd "],"Location":["/login"]}}}`,
		protocol: "http",
		want:     map[string]string{"http.status": "302", "http.server": "Acme httpd", "http.location": "/login"},
	}, {
		name:     "https sets TLS",
		line:     `{"ip":"192.0.2.1","port":443,"protocol":"https","tls":true,"transport":"tcp","metadata":{"statusCode":200,"responseHeaders":{"Server":["x"]}}}`,
		protocol: "http", tls: true,
		want: map[string]string{"http.status": "200", "http.server": "x"},
	}, {
		name:     "ssh with key exchange: cookie never kept",
		line:     `{"ip":"192.0.2.1","port":22,"protocol":"ssh","tls":false,"transport":"tcp","metadata":{"banner":"SSH-2.0-dropbear\r\n","passwordAuthEnabled":true,"algo":"map[CiphersClientServer:aes128-ctr Cookie:0011 KexAlgos:curve25519-sha256,ecdh-sha2-nistp256 LanguagesClientServer: LanguagesServerClient: ServerHostKeyAlgos:ssh-ed25519]","hostKey":"AAAAC3NzaC1lZDI1NTE5AAAAIDAxMjM0NTY3ODk6Ozw9Pj9AQUJDREVGR0hJSktMTU5P","hostKeyType":"ssh-ed25519","hostKeyFingerprint":"SHA256:0pVpCq7O+X7ooCLMkHS2dTcrKFEdDqOgv3YqS1CvoZU"}}`,
		protocol: "ssh",
		want: map[string]string{
			"ssh.banner": "SSH-2.0-dropbear", "ssh.kex": "curve25519-sha256,ecdh-sha2-nistp256",
			"ssh.password_auth": "true", "ssh.hostkey_type": "ssh-ed25519",
			// From hostKey: the blob, not the (different) fingerprint.
			"ssh.hostkey_sha256": "3ec5a3516d3da3f35e99aee4e416eade17895461100408bbfcd8b1097fb997ab",
		},
	}, {
		name:     "ssh fingerprint before an unusable key",
		line:     `{"ip":"192.0.2.1","port":22,"protocol":"ssh","tls":false,"transport":"tcp","metadata":{"hostKeyFingerprint":"SHA256:PsWjUW09o/Nema7k5Bbq3heJVGEQBAi7/NixCX+5l6s","hostKey":"!!","banner":"SSH-2.0-x"}}`,
		protocol: "ssh",
		want: map[string]string{
			"ssh.banner":         "SSH-2.0-x",
			"ssh.hostkey_sha256": "3ec5a3516d3da3f35e99aee4e416eade17895461100408bbfcd8b1097fb997ab",
		},
	}, {
		name:     "ssh banner only: password auth not probed",
		line:     `{"ip":"192.0.2.1","port":2222,"protocol":"ssh","tls":false,"transport":"tcp","metadata":{"banner":"SSH-2.0-AcmeSSH_1.0\r\n\u0000\u0000\u0001","passwordAuthEnabled":false,"algo":""}}`,
		protocol: "ssh",
		want:     map[string]string{"ssh.banner": "SSH-2.0-AcmeSSH_1.0"},
	}, {
		name:     "ftp banner and version",
		line:     `{"ip":"192.0.2.1","port":21,"protocol":"ftp","tls":false,"transport":"tcp","version":"3.0.3","metadata":{"banner":"220 (vsFTPd 3.0.3)\r\n","confidence":"high"}}`,
		protocol: "ftp",
		want:     map[string]string{"ftp.banner": "220 (vsFTPd 3.0.3)", "service.version": "3.0.3"},
	}, {
		name:     "smtps, pop3 and imap banners",
		line:     `{"ip":"192.0.2.1","port":465,"protocol":"smtps","tls":true,"transport":"tcp","metadata":{"banner":"220 mx ESMTP\r\n","auth_methods":["PLAIN"]}}`,
		protocol: "smtp", tls: true,
		want: map[string]string{"smtp.banner": "220 mx ESMTP"},
	}, {
		name:     "telnet negotiation stripped",
		line:     `{"ip":"192.0.2.1","port":23,"protocol":"telnet","tls":false,"transport":"tcp","metadata":{"serverData":"fffb01fffa1801fff0fffb03c0c14c6f67696e3a20"}}`,
		protocol: "telnet",
		want:     map[string]string{"telnet.banner": `\xc0\xc1Login:`},
	}, {
		name:     "telnet damaged hex: the valid prefix",
		line:     `{"ip":"192.0.2.1","port":23,"protocol":"telnet","tls":false,"transport":"tcp","metadata":{"serverData":"fffb014f4bzz41"}}`,
		protocol: "telnet",
		want:     map[string]string{"telnet.banner": "OK"},
	}, {
		name:     "rtsp server",
		line:     `{"ip":"192.0.2.1","port":554,"protocol":"rtsp","tls":false,"transport":"tcp","metadata":{"serverInfo":"Hipcam RealServer/V1.0"}}`,
		protocol: "rtsp",
		want:     map[string]string{"rtsp.server": "Hipcam RealServer/V1.0"},
	}, {
		name:     "mqtt version",
		line:     `{"ip":"192.0.2.1","port":1883,"protocol":"mqtt","tls":false,"transport":"tcp","version":"3.1.x","metadata":{}}`,
		protocol: "mqtt",
		want:     map[string]string{"mqtt.version": "3.1.x"},
	}, {
		name:     "snmp with OID tail, tag and a printable length byte",
		line:     `{"ip":"192.0.2.1","port":161,"protocol":"snmp","tls":false,"transport":"udp","version":"\u0000\u0004ART-AX88U Linux","metadata":{}}`,
		protocol: "snmp",
		want:     map[string]string{"snmp.sysdescr": "RT-AX88U Linux"},
	}, {
		name:     "snmp with long-form lengths",
		line:     `{"ip":"192.0.2.1","port":161,"protocol":"snmp","tls":false,"transport":"udp","version":"\u0001\u0000\u0004\ufffd\ufffdCisco IOS Software, C2960\r\nTechnical Support","metadata":{}}`,
		protocol: "snmp",
		want:     map[string]string{"snmp.sysdescr": "Cisco IOS Software, C2960\nTechnical Support"},
	}, {
		name:     "snmp where the offset landed on the text",
		line:     `{"ip":"192.0.2.1","port":161,"protocol":"snmp","tls":false,"transport":"udp","version":"Linux gw 5.10.0","metadata":{}}`,
		protocol: "snmp",
		want:     map[string]string{"snmp.sysdescr": "Linux gw 5.10.0"},
	}, {
		name:     "smb: names of the device left out",
		line:     `{"ip":"192.0.2.1","port":445,"protocol":"smb","tls":false,"transport":"tcp","version":"6.1.7601","metadata":{"signingEnabled":true,"signingRequired":false,"osVersion":"6.1.7601","netBIOSComputerName":"NAS01","dnsComputerName":"nas01.local"}}`,
		protocol: "smb",
		want:     map[string]string{"smb.os_version": "6.1.7601", "smb.signing_enabled": "true", "smb.signing_required": "false"},
	}, {
		name:     "rdp",
		line:     `{"ip":"192.0.2.1","port":3389,"protocol":"rdp","tls":true,"transport":"tcp","metadata":{"osVersion":"10.0.19041","targetName":"OFFICE","fingerprint":"Windows 10"}}`,
		protocol: "rdp", tls: true,
		want: map[string]string{"rdp.os_version": "10.0.19041", "rdp.os_fingerprint": "Windows 10"},
	}, {
		name:     "vnc version",
		line:     `{"ip":"192.0.2.1","port":5900,"protocol":"vnc","tls":false,"transport":"tcp","version":"003.008","metadata":{}}`,
		protocol: "vnc",
		want:     map[string]string{"service.version": "003.008"},
	}, {
		name:     "redis key with the trailing colon, over tcptls",
		line:     `{"ip":"192.0.2.1","port":6380,"protocol":"redis","tls":true,"transport":"tcptls","version":"7.0.15","metadata":{"authRequired:":true}}`,
		protocol: "redis", tls: true,
		want: map[string]string{"redis.auth_required": "true", "service.version": "7.0.15"},
	}, {
		name:     "mysql error message names the scanner: left out",
		line:     `{"ip":"192.0.2.1","port":3306,"protocol":"mysql","tls":false,"transport":"tcp","version":"8.0.36","metadata":{"packetType":"error","errorMsg":"Host '198.51.100.9' is not allowed","errorCode":1130,"cpes":["cpe:2.3:a:oracle:mysql:8.0.36"]}}`,
		protocol: "mysql",
		want:     map[string]string{"service.version": "8.0.36", "service.cpe": "cpe:2.3:a:oracle:mysql:8.0.36"},
	}, {
		name:     "unknown protocol keeps name and version",
		line:     `{"ip":"192.0.2.1","port":9000,"protocol":"Nerva-Thing","tls":false,"transport":"tcp","version":"2.1","metadata":{"product":"Thing","x":[{"y":null}]}}`,
		protocol: "nerva-thing",
		want:     map[string]string{"service.version": "2.1", "service.product": "Thing"},
	}, {
		name:     "2022 shape: service key, version in metadata, string booleans",
		line:     `{"ip":"192.0.2.1","port":445,"service":"smb","transport":"tcp","metadata":{"computerName":"WINDEV01","osVersion":"6.1.7601","signingEnabled":"true","signingRequired":"false"}}`,
		protocol: "smb",
		want:     map[string]string{"smb.os_version": "6.1.7601", "smb.signing_enabled": "true", "smb.signing_required": "false"},
	}, {
		name:     "2022 https: TLS from the name",
		line:     `{"ip":"192.0.2.1","port":8443,"service":"https","transport":"tcp","metadata":{"status":"200 OK","statusCode":200,"version":"GoAhead-Webs"}}`,
		protocol: "http", tls: true,
		want: map[string]string{"http.status": "200", "http.server": "GoAhead-Webs"},
	}, {
		name:     "values of unexpected types are skipped, not fatal",
		line:     `{"ip":"192.0.2.1","port":80,"protocol":"http","tls":"yes","transport":"tcp","metadata":{"statusCode":"200","status":200,"responseHeaders":["Server"],"technologies":"Nginx"}}`,
		protocol: "http",
		want:     map[string]string{"http.technologies": "Nginx"},
	}, {
		name:     "invalid UTF-8 from the device is kept for Clean to escape",
		line:     "{\"ip\":\"192.0.2.1\",\"port\":21,\"protocol\":\"ftp\",\"tls\":false,\"transport\":\"tcp\",\"metadata\":{\"banner\":\"220 \xc0\xc1 ready\"}}",
		protocol: "ftp",
		want:     map[string]string{"ftp.banner": `220 \xc0\xc1 ready`},
	}, {
		name:     "escaped strings and key order",
		line:     `{"metadata":{"serverInfo":"Cam\u00e9ra \ud83d\udcf7 \ud800x"},"transport":"tcp","protocol":"rtsp","port":554,"ip":"192.0.2.1"}`,
		protocol: "rtsp",
		want:     map[string]string{"rtsp.server": "Caméra 📷 \ufffdx"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obs, rejected, err := decodeFX(t, tt.line+"\n")
			if err != nil || len(rejected) > 0 || len(obs) != 1 {
				t.Fatalf("err %v, rejected %v, %d observations", err, rejected, len(obs))
			}
			o := obs[0]
			if o.Protocol != tt.protocol || o.TLS != tt.tls {
				t.Errorf("protocol %q tls %v, want %q %v", o.Protocol, o.TLS, tt.protocol, tt.tls)
			}
			got := o.Fields
			if got == nil {
				got = map[string]string{}
			}
			if !maps.Equal(got, tt.want) {
				t.Errorf("fields\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

// TestFingerprintxMalformed checks each rejection's reason and line, and
// that the good records around it are read.
func TestFingerprintxMalformed(t *testing.T) {
	good := func(port int) string {
		return fmt.Sprintf(`{"ip":"192.0.2.1","port":%d,"protocol":"vnc","tls":false,"transport":"tcp","version":"003.008","metadata":{}}`, port)
	}
	type rejection struct {
		reason string
		line   int64
	}
	tests := []struct {
		name  string
		lines []string
		want  []rejection
	}{
		{"truncated line", []string{good(1), `{"ip":"192.0.2.1","port":80,"protocol":"http","metadata":{"status`, good(2)}, []rejection{{ReasonMalformed, 2}}},
		{"truncated first line", []string{`{"ip":"192.0.2.1","port":80,"protocol":"http","meta`, good(1), good(2)}, []rejection{{ReasonMalformed, 1}}},
		{"not an object", []string{good(1), `["192.0.2.1",80]`, `"x"`, `null`, good(2)}, []rejection{{ReasonMalformed, 2}, {ReasonMalformed, 3}, {ReasonMalformed, 4}}},
		{"trailing garbage", []string{good(1), good(9) + `x`, good(9) + `{}`, good(2)}, []rejection{{ReasonMalformed, 2}, {ReasonMalformed, 3}}},
		{"trailing comma", []string{good(1), `{"ip":"192.0.2.1","port":80,"protocol":"vnc","transport":"tcp",}`, good(2)}, []rejection{{ReasonMalformed, 2}}},
		{"bad escape", []string{good(1), `{"ip":"192.0.2.1","port":80,"protocol":"v\x","transport":"tcp"}`, `{"ip":"192.0.2.1","port":80,"protocol":"v\u12","transport":"tcp"}`, good(2)}, []rejection{{ReasonMalformed, 2}, {ReasonMalformed, 3}}},
		{"nesting too deep", []string{good(1), `{"ip":"192.0.2.1","port":80,"protocol":"vnc","transport":"tcp","metadata":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`, good(2)}, []rejection{{ReasonMalformed, 2}}},
		{"nesting at the bound", []string{good(1),
			`{"ip":"192.0.2.1","port":80,"protocol":"vnc","transport":"sctp","metadata":{"x":` + strings.Repeat("[", 31) + strings.Repeat("]", 31) + `}}`,
			`{"ip":"192.0.2.1","port":80,"protocol":"vnc","transport":"sctp","metadata":{"x":` + strings.Repeat("[", 32) + strings.Repeat("]", 32) + `}}`,
			`{"metadata":{"x":` + strings.Repeat("[", 31) + strings.Repeat("]", 31) + `},"ip":"192.0.2.1","port":80,"protocol":"vnc","transport":"sctp"}`,
			`{"ip":"192.0.2.1","port":80,"protocol":"vnc","transport":"sctp","x":` + strings.Repeat(`{"a":`, 32) + `1` + strings.Repeat("}", 32) + `}`,
			`{"ip":"192.0.2.1","port":80,"protocol":"vnc","transport":"sctp","x":` + strings.Repeat(`{"a":`, 33) + `1` + strings.Repeat("}", 33) + `}`,
			good(2)}, []rejection{{ReasonTransport, 2}, {ReasonMalformed, 3}, {ReasonTransport, 4}, {ReasonTransport, 5}, {ReasonMalformed, 6}}},
		{"bad address", []string{good(1), `{"ip":"192.0.2.300","port":80,"protocol":"vnc","transport":"tcp"}`, `{"port":80,"protocol":"vnc","transport":"tcp"}`, `{"ip":"192.0.2.1:80","port":80,"protocol":"vnc","transport":"tcp"}`, good(2)}, []rejection{{ReasonAddress, 2}, {ReasonAddress, 3}, {ReasonAddress, 4}}},
		{"bad port", []string{good(1), `{"ip":"192.0.2.1","port":0,"protocol":"vnc","transport":"tcp"}`, `{"ip":"192.0.2.1","port":65536,"protocol":"vnc","transport":"tcp"}`, `{"ip":"192.0.2.1","port":"80","protocol":"vnc","transport":"tcp"}`, `{"ip":"192.0.2.1","port":80.5,"protocol":"vnc","transport":"tcp"}`, `{"ip":"192.0.2.1","protocol":"vnc","transport":"tcp"}`, `{"ip":"192.0.2.1","port":-80,"protocol":"vnc","transport":"tcp"}`, `{"ip":"192.0.2.1","port":99999999999999999999999,"protocol":"vnc","transport":"tcp"}`, good(2)},
			[]rejection{{ReasonPort, 2}, {ReasonPort, 3}, {ReasonPort, 4}, {ReasonPort, 5}, {ReasonPort, 6}, {ReasonPort, 7}, {ReasonPort, 8}}},
		{"bad transport", []string{good(1), `{"ip":"192.0.2.1","port":80,"protocol":"vnc","transport":"sctp"}`, `{"ip":"192.0.2.1","port":80,"protocol":"vnc","metadata":{}}`, good(2)}, []rejection{{ReasonTransport, 2}, {ReasonTransport, 3}}},
		{"blank lines and CRLF are not records", []string{good(1), "", "  \t", good(2) + "\r"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obs, rejected, err := decodeFX(t, strings.Join(tt.lines, "\n")+"\n")
			if err != nil {
				t.Fatal(err)
			}
			var got []rejection
			for _, e := range rejected {
				got = append(got, rejection{e.Reason, e.Line})
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("rejections %v, want %v", got, tt.want)
			}
			if len(obs) != 2 || obs[0].Port != 1 || obs[1].Port != 2 {
				t.Errorf("observations %v, want ports 1 and 2", obs)
			}
		})
	}
}

// TestFingerprintxTooLong checks that a line over MaxLine is skipped, not
// buffered, and the next one read.
func TestFingerprintxTooLong(t *testing.T) {
	long := `{"ip":"192.0.2.1","port":80,"protocol":"http","transport":"tcp","metadata":{"x":"` + strings.Repeat("a", MaxLine) + `"}}`
	good := `{"ip":"192.0.2.1","port":81,"protocol":"vnc","transport":"tcp"}`
	obs, rejected, err := decodeFX(t, good+"\n"+long+"\n"+good+"\n")
	if err != nil {
		t.Fatal(err)
	}
	if len(rejected) != 1 || rejected[0].Reason != ReasonTooLong || rejected[0].Line != 2 {
		t.Errorf("rejected %v", rejected)
	}
	if len(obs) != 2 {
		t.Errorf("%d observations, want 2", len(obs))
	}
}

// TestFingerprintxFormatMismatch feeds other formats' files to the
// fingerprintx reader: the file is refused and nothing handed on, both
// through Decode (which sniffs) and through the reader alone.
func TestFingerprintxFormatMismatch(t *testing.T) {
	tests := []struct{ name, text string }{
		{"nmap xml", "<?xml version=\"1.0\"?>\n<nmaprun scanner=\"nmap\">\n<host></host>\n</nmaprun>\n"},
		{"zgrab2", `{"ip":"198.51.100.7","data":{"http":{"status":"success","protocol":"http","port":80,"result":{}}}}` + "\n"},
		{"masscan array", "[\n{ \"ip\": \"203.0.113.5\", \"timestamp\": \"1700000000\", \"ports\": [ {\"port\": 80, \"proto\": \"tcp\", \"status\": \"open\"} ] }\n]\n"},
		{"masscan ndjson", `{"ip":"203.0.113.5","timestamp":"1700000000","port":80,"proto":"tcp","rec_type":"status","data":{"status":"open"}}` + "\n"},
		{"old masscan", "{ ip: \"203.0.113.5\", ports: [ {port: 80, proto: \"tcp\", status: \"open\"} ] },\n{finished: 1}\n"},
		{"plain text", "Starting Nmap 7.93\nHost is up.\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var handed int
			_, err := Decode(context.Background(), strings.NewReader(tt.text), Fingerprintx, fxWindow, Handler{
				Observation: func(*registry.Observation) error { handed++; return nil },
			})
			var fe *FormatError
			if !errors.As(err, &fe) || handed != 0 {
				t.Errorf("Decode: err %v, %d handed on; want a FormatError and none", err, handed)
			}
			r, _ := NewReader(Fingerprintx, strings.NewReader(tt.text), fxWindow)
			for range 10 {
				o, err := r.Next()
				if errors.As(err, &fe) {
					return
				}
				if err == nil {
					t.Fatalf("reader handed on %+v", o)
				}
				var rec *RecordError
				if !errors.As(err, &rec) {
					t.Fatalf("reader: %v, want a FormatError", err)
				}
			}
			t.Fatal("reader: no FormatError")
		})
	}
}

// TestFingerprintxNeedObserved checks that records without a window are
// refused, not dated "now".
func TestFingerprintxNeedObserved(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "fingerprintx", "loopback.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	_, err = Decode(context.Background(), f, Fingerprintx, Options{}, Handler{
		Observation: func(*registry.Observation) error { t.Error("an observation without a date"); return nil },
	})
	if !errors.Is(err, ErrNeedObserved) {
		t.Errorf("err %v, want ErrNeedObserved", err)
	}
}

func TestSSHKexAlgos(t *testing.T) {
	tests := []struct{ algo, want string }{
		{"map[Cookie:00 KexAlgos:a,b LanguagesClientServer: LanguagesServerClient:]", "a,b"},
		{"map[KexAlgos:a b,c LanguagesClientServer:]", "a b,c"}, // a hostile name with a space
		{"map[Cookie:00 KexAlgos:a,b]", "a,b"},
		{"map[Cookie:00 KexAlgos:a,b ServerHostKeyAlgos:x]", "a,b"},
		{"map[FakeKexAlgos:x KexAlgos:y LanguagesClientServer:]", "y"},
		{"map[Cookie:00]", ""},
		{"KexAlgos:", ""},
	}
	for _, tt := range tests {
		if got := fxSSHKexAlgos([]byte(tt.algo)); got != tt.want {
			t.Errorf("fxSSHKexAlgos(%q) = %q, want %q", tt.algo, got, tt.want)
		}
	}
}

// FuzzFingerprintx feeds arbitrary lines to the reader: it must not
// panic, and what it hands on (after Finish, as Decode does) must be a
// storable observation.
func FuzzFingerprintx(f *testing.F) {
	for _, name := range []string{"current.jsonl", "readme2022.jsonl", "loopback.jsonl"} {
		data, err := os.ReadFile(filepath.Join("testdata", "fingerprintx", name))
		if err != nil {
			f.Fatal(err)
		}
		for _, line := range bytes.Split(data, []byte("\n")) {
			f.Add(line)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"ip":"::ffff:192.0.2.1","port":1,"service":"telnet","transport":"TCP","metadata":{"serverData":"ff"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := NewReader(Fingerprintx, bytes.NewReader(data), fxWindow)
		if err != nil {
			t.Fatal(err)
		}
		handed := 0
		for n := 0; ; n++ {
			if n > len(data)+2 {
				t.Fatal("more results than lines")
			}
			o, err := r.Next()
			if err == io.EOF {
				return
			}
			var rec *RecordError
			var fe *FormatError
			switch {
			case errors.As(err, &rec):
				if rec.Line < 1 {
					t.Fatalf("rejection without a line: %v", rec)
				}
				continue
			case errors.As(err, &fe):
				if handed > 0 {
					t.Fatalf("FormatError after %d observations: %v", handed, err)
				}
				return
			case err != nil:
				t.Fatalf("fatal error %v", err)
			}
			if reason, _ := fingerprint.Finish(&o); reason != "" {
				continue
			}
			handed++
			if !o.IP.IsValid() || o.Port == 0 || (o.Transport != "tcp" && o.Transport != "udp") || o.Observed.IsZero() {
				t.Fatalf("bad observation %+v", o)
			}
			for k, v := range o.Fields {
				if !utf8.ValidString(v) || len(v) > fingerprint.MaxValue || v == "" {
					t.Fatalf("field %s = %q", k, v)
				}
			}
		}
	})
}

// fxBenchInput is n typical records: mostly HTTP, as in Internet-wide
// scans, with SSH and a telnet among them.
func fxBenchInput(n int) []byte {
	templates := []string{
		`{"ip":"10.%d.%d.%d","port":80,"protocol":"http","tls":false,"transport":"tcp","version":"lighttpd/1.4.59","metadata":{"status":"401 Unauthorized","statusCode":401,"responseHeaders":{"Content-Length":["0"],"Content-Type":["text/html"],"Date":["Fri, 02 Oct 2026 03:14:07 GMT"],"Server":["lighttpd/1.4.59"],"Www-Authenticate":["Basic realm=\"NETGEAR R7000\""],"X-Frame-Options":["SAMEORIGIN"]},"technologies":["lighttpd:1.4.59","Basic"],"cpes":["cpe:2.3:a:lighttpd:lighttpd:1.4.59:*:*:*:*:*:*:*"]}}`,
		`{"ip":"10.%d.%d.%d","port":443,"protocol":"https","tls":true,"transport":"tcp","version":"Acme-httpd/1.0","metadata":{"status":"200 OK","statusCode":200,"responseHeaders":{"Content-Length":["79"],"Content-Type":["text/html; charset=utf-8"],"Etag":["\"56b51e224782a04a\""],"Server":["Acme-httpd/1.0"],"Set-Cookie":["sid=3f9c2a51d07e4b6a8c1e5f2d9b0a7c64; Path=/; HttpOnly"]}}}`,
		`{"ip":"10.%d.%d.%d","port":8080,"protocol":"http","tls":false,"transport":"tcp","version":"Boa/0.94.14rc21","metadata":{"status":"200 OK","statusCode":200,"responseHeaders":{"Server":["Boa/0.94.14rc21"],"X-Powered-By":["DVR-WebUI"],"Content-Type":["text/html"]}}}`,
		`{"ip":"10.%d.%d.%d","port":22,"protocol":"ssh","tls":false,"transport":"tcp","metadata":{"banner":"SSH-2.0-dropbear_2020.81\r\n","passwordAuthEnabled":true,"algo":"map[CiphersClientServer:aes128-ctr,aes256-ctr Cookie:9f3b1c0e5a7d2e4f6b8a0c1d3e5f7a9b KexAlgos:curve25519-sha256,ecdh-sha2-nistp256 LanguagesClientServer: LanguagesServerClient: MACsClientServer:hmac-sha2-256 MACsServerClient:hmac-sha2-256 ServerHostKeyAlgos:ssh-ed25519]","hostKey":"AAAAC3NzaC1lZDI1NTE5AAAAIDAxMjM0NTY3ODk6Ozw9Pj9AQUJDREVGR0hJSktMTU5P","hostKeyType":"ssh-ed25519","hostKeyFingerprint":"SHA256:PsWjUW09o/Nema7k5Bbq3heJVGEQBAi7/NixCX+5l6s"}}`,
		`{"ip":"10.%d.%d.%d","port":23,"protocol":"telnet","tls":false,"transport":"tcp","metadata":{"serverData":"fffb01fffb03fffd1f0d0a42434d3936333338204144534c20526f757465720d0a4c6f67696e3a20"}}`,
	}
	mix := []int{0, 1, 2, 0, 1, 2, 0, 3, 2, 4}
	var b bytes.Buffer
	for i := range n {
		fmt.Fprintf(&b, templates[mix[i%len(mix)]], i>>16&0xff, i>>8&0xff, i&0xff)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// BenchmarkFingerprintx decodes a mixed in-memory input: "reader" is the
// reader alone, "decode" the whole of Decode (hashing, sniffing, Finish);
// "http" is the reader on the typical HTTP record alone.
func BenchmarkFingerprintx(b *testing.B) {
	const n = 10000
	mixed := fxBenchInput(n)
	httpOnly := bytes.Repeat(append([]byte(fmt.Sprintf(`{"ip":"10.0.0.1","port":80,"protocol":"http","tls":false,"transport":"tcp","version":"lighttpd/1.4.59","metadata":{"status":"401 Unauthorized","statusCode":401,"responseHeaders":{"Content-Length":["0"],"Content-Type":["text/html"],"Date":["Fri, 02 Oct 2026 03:14:07 GMT"],"Server":["lighttpd/1.4.59"],"Www-Authenticate":["Basic realm=\"NETGEAR R7000\""],"X-Frame-Options":["SAMEORIGIN"]},"technologies":["lighttpd:1.4.59","Basic"],"cpes":["cpe:2.3:a:lighttpd:lighttpd:1.4.59:*:*:*:*:*:*:*"]}}`)), '\n'), n)
	readAll := func(b *testing.B, input []byte) {
		b.SetBytes(int64(len(input)))
		b.ReportAllocs()
		cpu := processCPU()
		for b.Loop() {
			r, _ := NewReader(Fingerprintx, bytes.NewReader(input), fxWindow)
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
		reportRecords(b, n, cpu)
	}
	b.Run("reader", func(b *testing.B) { readAll(b, mixed) })
	b.Run("http", func(b *testing.B) { readAll(b, httpOnly) })
	b.Run("decode", func(b *testing.B) {
		b.SetBytes(int64(len(mixed)))
		b.ReportAllocs()
		cpu := processCPU()
		for b.Loop() {
			_, err := Decode(context.Background(), bytes.NewReader(mixed), Fingerprintx, fxWindow, Handler{
				Observation: func(*registry.Observation) error { return nil },
			})
			if err != nil {
				b.Fatal(err)
			}
		}
		reportRecords(b, n, cpu)
	})
}

// reportRecords reports records per second of wall time and per second
// of CPU time used by the process (GC included): on a shared machine the
// second is the one that says what a core can do.
func reportRecords(b *testing.B, perOp int, cpuBefore time.Duration) {
	records := float64(perOp) * float64(b.N)
	b.ReportMetric(records/b.Elapsed().Seconds(), "records/s")
	if used := processCPU() - cpuBefore; used > 0 {
		b.ReportMetric(records/used.Seconds(), "records/cpu-s")
	}
}

// processCPU is the user and system time the process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
