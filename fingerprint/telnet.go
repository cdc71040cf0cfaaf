package fingerprint

// Telnet protocol bytes (RFC 854).
const (
	iac  = 0xff
	sb   = 0xfa
	se   = 0xf0
	will = 0xfb
	dont = 0xfe
)

// TelnetText strips option negotiation (IAC sequences, subnegotiations
// included) from the first bytes a telnet server sent, leaving the text a
// person would see, usually a login banner.
func TelnetText(data []byte) string {
	out := make([]byte, 0, len(data))
	for i := 0; i < len(data); i++ {
		c := data[i]
		if c != iac {
			if c != 0 {
				out = append(out, c)
			}
			continue
		}
		if i+1 >= len(data) {
			break
		}
		switch op := data[i+1]; {
		case op == iac: // an escaped 0xff data byte
			out = append(out, iac)
			i++
		case op == sb: // skip to IAC SE
			j := i + 2
			for j+1 < len(data) && !(data[j] == iac && data[j+1] == se) {
				j++
			}
			i = j + 1
		case op >= will && op <= dont: // IAC WILL/WONT/DO/DONT option
			i += 2
		default: // a two-byte command
			i++
		}
	}
	return string(out)
}
