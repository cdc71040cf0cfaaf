package registry

import (
	"net/netip"
	"time"
)

// ScanState is where a scan is in its life: readers (matching, statistics,
// the UI) see closed scans only, so a scan being imported is never half
// counted.
type ScanState string

// The scan states of SPEC.
const (
	ScanImporting ScanState = "importing"
	ScanClosed    ScanState = "closed"
)

// Scan is one scan campaign.
type Scan struct {
	ID         int64       `json:"id"`
	Name       string      `json:"name"`
	Source     string      `json:"source,omitempty" doc:"The team that ran the scan"`
	TLP        string      `json:"tlp" enum:"clear,green,amber,amber+strict,red" doc:"Traffic Light Protocol marking"`
	Probed     []string    `json:"probed,omitempty" doc:"Address space probed, as CIDR prefixes"`
	Ports      []string    `json:"ports,omitempty" doc:"Ports probed, as transport/port ranges such as tcp/1-1024"`
	Started    time.Time   `json:"started,omitzero"`
	Finished   time.Time   `json:"finished,omitzero"`
	State      ScanState   `json:"state" enum:"importing,closed"`
	Files      []ScanInput `json:"files,omitempty"`
	Hosts      int64       `json:"hosts"`
	Services   int64       `json:"observations"`
	Registered time.Time   `json:"registered"`
}

// ScanInput is one file read into a scan, identified by its content hash so
// that the same file is not imported twice into one scan.
type ScanInput struct {
	Name     string         `json:"name"`
	Format   string         `json:"format" enum:"fingerprintx,nmap,zgrab2,masscan"`
	SHA256   string         `json:"sha256"`
	Read     int64          `json:"read"`
	Stored   int64          `json:"stored"`
	Rejected int64          `json:"rejected"`
	Reasons  map[string]int `json:"rejected_by_reason,omitempty"`
	Imported time.Time      `json:"imported"`
}

// Observation is one service (ip, transport, port) seen in one scan, with
// its fields in the vocabulary below. An open port no fingerprint
// identified has protocol "unknown": it is part of the denominator.
type Observation struct {
	IP        netip.Addr        `json:"ip"`
	Transport string            `json:"transport" enum:"tcp,udp"`
	Port      uint16            `json:"port"`
	Protocol  string            `json:"protocol"`
	TLS       bool              `json:"tls"`
	Observed  time.Time         `json:"observed"`
	Fields    map[string]string `json:"fields,omitempty"`
}

// ProtocolUnknown marks an open port with no identified service.
const ProtocolUnknown = "unknown"

// The observation field vocabulary of SPEC. Names are stable: profiles,
// stored observations and reports use them. Hashes are lower-case hex
// SHA-256 whatever the source format wrote.
const (
	FieldHTTPStatus          = "http.status"
	FieldHTTPServer          = "http.server"
	FieldHTTPTitle           = "http.title"
	FieldHTTPWWWAuthenticate = "http.www_authenticate"
	FieldHTTPLocation        = "http.location"
	FieldHTTPHeaderPrefix    = "http.header." // + lower-case header name
	FieldHTTPBodySHA256      = "http.body_sha256"
	FieldHTTPFaviconMD5      = "http.favicon_md5"
	FieldHTTPFaviconMMH3     = "http.favicon_mmh3"
	FieldTLSSubjectCN        = "tls.subject_cn"
	FieldTLSSubject          = "tls.subject"
	FieldTLSIssuer           = "tls.issuer"
	FieldTLSCertSHA256       = "tls.cert_sha256"
	FieldTLSSelfSigned       = "tls.self_signed"
	FieldTLSVersion          = "tls.version"
	FieldSSHBanner           = "ssh.banner"
	FieldSSHHostKeySHA256    = "ssh.hostkey_sha256"
	FieldSSHKex              = "ssh.kex"
	FieldFTPBanner           = "ftp.banner"
	FieldTelnetBanner        = "telnet.banner"
	FieldSMTPBanner          = "smtp.banner"
	FieldRTSPServer          = "rtsp.server"
	FieldUPnPManufacturer    = "upnp.manufacturer"
	FieldUPnPModelName       = "upnp.model_name"
	FieldUPnPModelNumber     = "upnp.model_number"
	FieldUPnPFriendlyName    = "upnp.friendly_name"
	FieldSNMPSysDescr        = "snmp.sysdescr"
	FieldSNMPSysObjectID     = "snmp.sysobjectid"
	FieldMQTTPrefix          = "mqtt." // + the broker's field
	FieldBanner              = "banner"
)
