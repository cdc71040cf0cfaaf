package registry

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"
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
	Name     string           `json:"name"`
	Format   string           `json:"format" enum:"fingerprintx,nmap,zgrab2,masscan"`
	SHA256   string           `json:"sha256"`
	Read     int64            `json:"read"`
	Stored   int64            `json:"stored"`
	Rejected int64            `json:"rejected"`
	Reasons  map[string]int64 `json:"rejected_by_reason,omitempty"`
	Imported time.Time        `json:"imported"`
}

// Observation is one service (ip, transport, port) seen in one scan, with
// its fields in the vocabulary below. An open port no fingerprint
// identified has protocol "unknown": it is part of the denominator.
type Observation struct {
	IP        netip.Addr `json:"ip"`
	Transport string     `json:"transport" enum:"tcp,udp"`
	Port      uint16     `json:"port"`
	Protocol  string     `json:"protocol"`
	TLS       bool       `json:"tls"`
	Observed  time.Time  `json:"observed"`
	// ObservedLast is set when equal records seen at different times were
	// merged, or when the time is only known as a window (--observed
	// FROM/TO): the service was seen from Observed to ObservedLast.
	ObservedLast time.Time         `json:"observed_last,omitzero"`
	Fields       map[string]string `json:"fields,omitempty"`
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

	// Extensions of SPEC's starting set.
	FieldHTTPFaviconName        = "http.favicon_name" // nmap's name for a favicon it knows
	FieldHTTPTechnologies       = "http.technologies" // sorted, comma-joined (wappalyzer names)
	FieldSSHHostKeyType         = "ssh.hostkey_type"  // ssh-ed25519, ecdsa-sha2-nistp256, ...
	FieldPOP3Banner             = "pop3.banner"       //
	FieldIMAPBanner             = "imap.banner"       //
	FieldUPnPServer             = "upnp.server"       // the SSDP Server header
	FieldUPnPModelDescr         = "upnp.model_description"
	FieldServiceProduct         = "service.product"     // a scanner's product name (nmap p/)
	FieldServiceVersion         = "service.version"     // a scanner's version text (nmap v/, fingerprintx version)
	FieldServiceInfo            = "service.info"        // nmap i/ (extrainfo)
	FieldServiceDeviceType      = "service.device_type" // nmap d/
	FieldServiceOS              = "service.os"          // nmap o/
	FieldServiceCPE             = "service.cpe"         // CPE names, sorted, space-separated
	FieldMQTTVersion            = "mqtt.version"
	FieldSSHPasswordAuth        = "ssh.password_auth" // fingerprintx; "false" is weak evidence
	FieldSMBOSVersion           = "smb.os_version"
	FieldSMBSigningEnabled      = "smb.signing_enabled"
	FieldSMBSigningRequired     = "smb.signing_required"
	FieldRDPOSVersion           = "rdp.os_version"
	FieldRDPOSFingerprint       = "rdp.os_fingerprint"
	FieldRedisAuthRequired      = "redis.auth_required"
	FieldPostgreSQLAuthRequired = "postgresql.auth_required"
)

// ScanService stores scans and their observations. Files go in one at a
// time through a FileWriter: its rows are committed in short transactions
// (readers and other writers go on during a long import) but become part
// of the scan only when the file commits, and the scan becomes visible to
// readers only when it is closed.
type ScanService interface {
	// CreateScan stores a new scan in state importing; EINVALID.
	CreateScan(ctx context.Context, s *Scan) (*Scan, error)
	// GetScan returns one scan with its files; ENOTFOUND.
	GetScan(ctx context.Context, id int64) (*Scan, error)
	// ListScans returns scans, newest first, without their files.
	ListScans(ctx context.Context, f ScanFilter) ([]Scan, error)
	// BeginFile starts loading one file into an importing scan. Rows of
	// files whose loader died are removed first. ECONFLICT when the scan
	// is closed, or when in.SHA256 is set and a file with that content is
	// already in the scan (unless force).
	BeginFile(ctx context.Context, scanID int64, in ScanInput, force bool) (FileWriter, error)
	// CloseScan merges equal observations, counts hosts and services and
	// makes the scan visible; ECONFLICT while a file is still loading.
	CloseScan(ctx context.Context, id int64) (*Scan, error)
	// DropScan deletes a scan and everything in it; ECONFLICT while a
	// live loader is writing into it.
	DropScan(ctx context.Context, id int64) error
	// Observations calls fn for each observation of a closed scan, ordered
	// by address, transport and port, stopping at the first error fn
	// returns; ENOTFOUND, ECONFLICT for a scan still importing.
	Observations(ctx context.Context, f ObservationFilter, fn func(*Observation) error) error
}

// FileWriter loads the observations of one file. Nothing it wrote counts
// until Commit; Abort (or the death of the process) throws it all away.
type FileWriter interface {
	// Write hands a batch of observations to the file: EINVALID for an
	// invalid one, and then nothing of the batch is kept. Write keeps no
	// reference to batch once it returns. The store may
	// gather batches and write them later in short transactions (by
	// Commit at the latest); an error writing them is returned by a
	// later Write or by Commit.
	Write(ctx context.Context, batch []Observation) error
	// Commit records the file with its final counts and hash and makes its
	// rows part of the scan; ECONFLICT for content already in the scan.
	Commit(ctx context.Context, final ScanInput) (*ScanInput, error)
	// Abort removes what Write stored. It is safe after Commit (a no-op).
	Abort(ctx context.Context) error
}

// ScanFilter selects scans.
type ScanFilter struct {
	State ScanState
	Name  string
}

// ObservationFilter selects observations of one scan.
type ObservationFilter struct {
	ScanID   int64
	IP       netip.Addr // zero: every address
	Protocol string
	Page     Page
}

// DefaultTLP is the marking of a scan imported without one: scan results
// name addresses, so they are not for sharing unless someone says so.
const DefaultTLP = "amber"

var tlpLevels = map[string]bool{"clear": true, "green": true, "amber": true, "amber+strict": true, "red": true}

// Validate checks a scan before it is stored, filling in the TLP default
// and canonical forms of the probed prefixes and ports.
func (s *Scan) Validate() error {
	if err := checkText("name", s.Name, 200, true); err != nil {
		return err
	}
	if err := checkText("source", s.Source, 200, false); err != nil {
		return err
	}
	s.TLP = strings.ToLower(strings.TrimSpace(s.TLP))
	if s.TLP == "" {
		s.TLP = DefaultTLP
	}
	if !tlpLevels[s.TLP] {
		return Invalid("tlp", "%q is not a TLP marking (clear, green, amber, amber+strict, red)", s.TLP)
	}
	for i, p := range s.Probed {
		prefix, err := netip.ParsePrefix(p)
		if err != nil {
			addr, aerr := netip.ParseAddr(p)
			if aerr != nil {
				return Invalid(fmt.Sprintf("probed[%d]", i), "%q is not a CIDR prefix or address", p)
			}
			prefix = netip.PrefixFrom(addr, addr.BitLen())
		}
		s.Probed[i] = prefix.Masked().String()
	}
	for i, p := range s.Ports {
		canonical, err := parsePortRange(p)
		if err != nil {
			return Invalid(fmt.Sprintf("ports[%d]", i), "%v", err)
		}
		s.Ports[i] = canonical
	}
	return nil
}

// parsePortRange reads "80", "tcp/80", "1-1024" or "udp/161-162"; a bare
// range means TCP, as in scanners' own port lists.
func parsePortRange(s string) (string, error) {
	transport, ports, found := strings.Cut(strings.ToLower(strings.TrimSpace(s)), "/")
	if !found {
		transport, ports = "tcp", transport
	}
	if transport != "tcp" && transport != "udp" {
		return "", fmt.Errorf("%q: transport must be tcp or udp", s)
	}
	lo, hi, isRange := strings.Cut(ports, "-")
	from, err1 := strconv.ParseUint(lo, 10, 16)
	to := from
	var err2 error
	if isRange {
		to, err2 = strconv.ParseUint(hi, 10, 16)
	}
	if err1 != nil || err2 != nil || from == 0 || to < from {
		return "", fmt.Errorf("%q is not a port or port range (1-65535)", s)
	}
	if from == to {
		return fmt.Sprintf("%s/%d", transport, from), nil
	}
	return fmt.Sprintf("%s/%d-%d", transport, from, to), nil
}

// Digest identifies what an observation says, apart from where and when:
// two records of one (ip, transport, port) with the same digest are the
// same facts and merge; different digests are kept side by side.
func (o *Observation) Digest() string { return string(o.AppendDigest(nil)) }

// AppendDigest appends the Digest to dst: 32 lower-case hex digits, half
// of a SHA-256 of the protocol, TLS and fields, names sorted, each name
// and value with its length before it.
func (o *Observation) AppendDigest(dst []byte) []byte {
	var stack [16]string
	names := stack[:0]
	for name := range o.Fields {
		names = append(names, name)
	}
	sort.Strings(names)
	// Hashed at once: most observations fit the stack.
	var text [1024]byte
	buf := append(text[:0], o.Protocol...)
	buf = append(buf, 0, '0')
	if o.TLS {
		buf[len(buf)-1] = '1'
	}
	for _, name := range names {
		// Length prefixes keep "a"+"bc" apart from "ab"+"c".
		value := o.Fields[name]
		buf = strconv.AppendInt(append(buf, 0), int64(len(name)), 10)
		buf = append(append(buf, ':'), name...)
		buf = strconv.AppendInt(buf, int64(len(value)), 10)
		buf = append(append(buf, ':'), value...)
	}
	sum := sha256.Sum256(buf)
	return hex.AppendEncode(dst, sum[:16])
}
