package fingerprint

import "testing"

func TestMasscanTelnetText(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "Acme R100 login: ", "Acme R100 login: "},
		// proto-telnet.c's own self-test input "\xff\xfd\x01...F670\r\n\rLogin: "
		// comes out as below.
		{"options and line breaks", ` WONT(echo) WONT(naws) WONT(0x21) DONT(echo) DONT(sga)F670\n Login: `, "F670\nLogin: "},
		{"subnegotiation and commands", ` SB(ttype) IAC(AYT)ready\n `, "ready\n"},
		{"break at the end", `login\n`, "login\n"},
		{"parenthesis in text kept", "Router (v2) login:", "Router (v2) login:"},
		{"word without closing parenthesis kept", " DO(echo login:", " DO(echo login:"},
		{"overlong option kept", " DO(" + "x123456789012345678901234567890" + ")", " DO(" + "x123456789012345678901234567890" + ")"},
		{"other backslash kept", `C:\ path`, `C:\ path`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MasscanTelnetText(tt.in); got != tt.want {
				t.Errorf("MasscanTelnetText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
