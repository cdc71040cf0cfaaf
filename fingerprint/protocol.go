package fingerprint

import "strings"

// protocols maps the service names scanners write to the protocol names
// profiles use. A name with a TLS variant ("https", "imaps") maps to the
// plain protocol and sets TLS, because a profile describes the service,
// and TLS is a separate fact of the observation.
var protocols = map[string]struct {
	name string
	tls  bool
}{
	"https":          {"http", true},
	"https-alt":      {"http", true},
	"ssl/http":       {"http", true},
	"http-alt":       {"http", false},
	"http-proxy":     {"http", false},
	"www":            {"http", false},
	"imaps":          {"imap", true},
	"pop3s":          {"pop3", true},
	"pop":            {"pop3", false},
	"smtps":          {"smtp", true},
	"submission":     {"smtp", false},
	"ldaps":          {"ldap", true},
	"ftps":           {"ftp", true},
	"domain":         {"dns", false},
	"dns-ver":        {"dns", false},
	"microsoft-ds":   {"smb", false},
	"ms-wbt-server":  {"rdp", false},
	"postgres":       {"postgresql", false},
	"secure-mqtt":    {"mqtt", true},
	"mqtts":          {"mqtt", true},
	"telnets":        {"telnet", true},
	"rtsps":          {"rtsp", true},
	"ssdp":           {"upnp", false},
	"ssl":            {"unknown", true},
	"tls":            {"unknown", true},
	"tcpwrapped":     {"unknown", false},
	"":               {"unknown", false},
	"mqtt3":          {"mqtt", false},
	"mqtt5":          {"mqtt", false},
	"snmptrap":       {"snmp", false},
	"netbios-ns":     {"netbios", false},
	"http.server":    {"http", false},
	"vnc-http":       {"http", false},
	"rtsp-alt":       {"rtsp", false},
	"ms-sql-s":       {"mssql", false},
	"oracle-tns":     {"oracle", false},
	"mongod":         {"mongodb", false},
	"ssh-alt":        {"ssh", false},
	"telnet-alt":     {"telnet", false},
	"ftp-proxy":      {"ftp", false},
	"printer":        {"lpd", false},
	"rfb":            {"vnc", false},
	"nbtstat":        {"netbios", false},
	"netbios-ssn":    {"netbios", false},
	"memcache":       {"memcached", false},
	"xmpp-client":    {"xmpp", false},
	"upnp-ssdp":      {"upnp", false},
	"dhcps":          {"dhcp", false},
	"isakmp":         {"ipsec", false},
	"winrm":          {"http", false},
	"wsman":          {"http", false},
	"wsmans":         {"http", true},
	"http-mgmt":      {"http", false},
	"http-rpc-epmap": {"msrpc", false},
}

// Protocol returns the canonical name of a service as scanners write it,
// and whether the name itself says TLS. Names it does not know are kept,
// lower-cased and bounded, so new scanner protocols still group together.
func Protocol(name string) (string, bool) {
	key := strings.ToLower(strings.TrimSpace(name))
	if p, ok := protocols[key]; ok {
		return p.name, p.tls
	}
	if rest, ok := strings.CutPrefix(key, "ssl/"); ok {
		p, _ := Protocol(rest)
		return p, true
	}
	key = Clean(truncate(key, 32))
	for _, r := range key {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return "unknown", false
		}
	}
	return key, false
}
