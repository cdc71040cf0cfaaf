// Package capture fingerprints a reference device with nmap: it runs nmap
// as a subprocess (TCP connect scan, so no raw sockets are needed; version
// detection at intensity 9; the NSE scripts whose output the scan reader
// turns into fields) and reads its XML with the same reader as `scan
// import`, so a profile learned from a capture speaks exactly the field
// vocabulary the matcher sees in imported scans.
//
// nmap scans whatever it is told to. The command line captures the target
// its user names; the API passes Options.Allowed, so that a server cannot
// be made to scan anything but the bench it is meant for (by default its
// own loopback).
package capture

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os/exec"
	"strings"
	"time"

	"github.com/certprint/certprint/importer"
	"github.com/certprint/certprint/registry"
)

// Defaults of Options.
const (
	// DefaultTimeout bounds one nmap run. nmap identifies a common service
	// in seconds, but on a service it cannot identify it tries every probe
	// at intensity 9, which takes minutes.
	DefaultTimeout = 10 * time.Minute
	// DefaultMaxOutput bounds nmap's XML: a device of a few dozen ports
	// writes tens of kilobytes, certificates included.
	DefaultMaxOutput = 32 << 20
	// VersionIntensity is nmap's --version-intensity: 9 sends every probe
	// whose rarity allows it until one matches, so that an embedded server
	// nmap knows only from a rare probe is still named.
	VersionIntensity = 9
)

// TCPScripts are the NSE scripts of every capture: the ones whose output
// the scan reader turns into fields. http-auth is beyond SPEC's list: the
// Basic realm is often the most model-specific thing a device's web
// server says.
var TCPScripts = []string{"http-title", "http-server-header", "http-favicon", "http-auth", "ssl-cert", "ssh-hostkey", "banner"}

// UDPScripts run with --udp, when raw sockets are allowed.
var UDPScripts = []string{"upnp-info", "snmp-sysdescr"}

// Loopback is the default of the API's capture targets: the server's own
// loopback, where a test bench or a port forward to the device sits.
var Loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}

// Options say what to capture and how.
type Options struct {
	Target  netip.Addr    // one address; host names are not taken (see CheckTarget)
	Ports   PortList      // nil: DefaultPorts (and DefaultUDPPorts with UDP)
	UDP     bool          // also scan UDP, with UDPScripts, if raw sockets are allowed
	Timeout time.Duration // 0: DefaultTimeout
	// Allowed, when not nil, are the only prefixes Target may be in. The
	// API sets it; nil means any address, for the command line.
	Allowed []netip.Prefix
	// Nmap is the nmap binary; "" looks "nmap" up in PATH.
	Nmap string
	// MaxOutput bounds nmap's XML output (0: DefaultMaxOutput).
	MaxOutput int64
}

// Result is one capture.
type Result struct {
	Target       netip.Addr             `json:"target"`
	Tool         string                 `json:"tool"` // "nmap 7.93", for the profile's origin
	Args         []string               `json:"args"`
	Started      time.Time              `json:"started"`
	Finished     time.Time              `json:"finished"`
	Ports        PortStates             `json:"ports"`
	Observations []registry.Observation `json:"observations"`
	Rejected     []string               `json:"rejected,omitempty"` // records the reader refused, with their offsets
	Skipped      []Skipped              `json:"skipped,omitempty"`  // scripts not run, and why
	// XML is nmap's output as it wrote it, for `scan import` or a later
	// `profile learn`.
	XML []byte `json:"-"`
}

// Skipped is a script a capture did not run. It is not a failure: UDP
// needs raw sockets, which a connect scan does without.
type Skipped struct {
	Script string `json:"script"`
	Reason string `json:"reason"`
}

// Errors a caller can tell apart with errors.Is.
var (
	// ErrNmapMissing: no nmap binary.
	ErrNmapMissing = errors.New("nmap is not installed; install the Debian package nmap (apt-get install nmap)")
	// ErrNoAnswer: every probed port was filtered (host down, firewalled
	// or not there).
	ErrNoAnswer = errors.New("the target does not answer")
	// ErrNoService: the host answered but no probed port is open, or no
	// open port gave nmap anything to identify it by.
	ErrNoService = errors.New("no service found")
	// ErrTargetNotAllowed: Target is outside Options.Allowed.
	ErrTargetNotAllowed = errors.New("target not allowed")
	// ErrTimeout: nmap did not finish within Options.Timeout.
	ErrTimeout = errors.New("nmap did not finish in time")
	// ErrOutputTooLarge: nmap wrote more than Options.MaxOutput.
	ErrOutputTooLarge = errors.New("nmap's output is over the size bound")
)

// CheckTarget refuses what nmap should never be pointed at: no address,
// an unspecified or multicast address, a range, and anything outside
// allowed (when allowed is not nil). An IPv4-mapped IPv6 address is
// judged as the IPv4 address it is.
func CheckTarget(addr netip.Addr, allowed []netip.Prefix) error {
	if !addr.IsValid() {
		return fmt.Errorf("%w: no target address", ErrTargetNotAllowed)
	}
	addr = addr.Unmap()
	if addr.IsUnspecified() || addr.IsMulticast() {
		return fmt.Errorf("%w: %s is not the address of one device", ErrTargetNotAllowed, addr)
	}
	if allowed == nil {
		return nil
	}
	for _, p := range allowed {
		if p.Contains(addr) {
			return nil
		}
	}
	names := make([]string, len(allowed))
	for i, p := range allowed {
		names[i] = p.String()
	}
	return fmt.Errorf("%w: %s is outside the capture targets this server allows (%s)", ErrTargetNotAllowed, addr, strings.Join(names, ", "))
}

// ParseTarget reads a target address. Only a literal address is taken: a
// name would be resolved by nmap, after the allow-list check, to whatever
// the resolver says then.
func ParseTarget(s string) (netip.Addr, error) {
	addr, err := netip.ParseAddr(strings.TrimSpace(s))
	if err != nil {
		return netip.Addr{}, fmt.Errorf("%q is not an IP address (give the device's address, not a name or a range)", s)
	}
	if addr.Zone() != "" {
		return netip.Addr{}, fmt.Errorf("%q: an address with a zone is not taken", s)
	}
	return addr.Unmap(), nil
}

// Run captures one device: it checks the target, runs nmap and reads its
// XML. The observations are those the scan reader would import; Result.XML
// is nmap's output itself.
func Run(ctx context.Context, opts Options) (*Result, error) {
	if err := CheckTarget(opts.Target, opts.Allowed); err != nil {
		return nil, err
	}
	target := opts.Target.Unmap()
	nmap, err := lookNmap(opts.Nmap)
	if err != nil {
		return nil, err
	}
	version, err := nmapVersion(ctx, nmap)
	if err != nil {
		return nil, err
	}
	res := &Result{Target: target, Tool: "nmap " + version}
	args, skipped := arguments(opts, target, nmap)
	res.Args, res.Skipped = args, skipped

	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	limit := opts.MaxOutput
	if limit <= 0 {
		limit = DefaultMaxOutput
	}
	res.Started = time.Now().UTC()
	out, err := runNmap(ctx, nmap, args, timeout, limit)
	res.Finished = time.Now().UTC()
	if err != nil {
		return nil, err
	}
	res.XML = out
	if err := res.read(ctx); err != nil {
		return nil, err
	}
	return res, res.check(opts)
}

func lookNmap(path string) (string, error) {
	if path == "" {
		path = "nmap"
	}
	found, err := exec.LookPath(path)
	if err != nil {
		return "", fmt.Errorf("%w (%s: %v)", ErrNmapMissing, path, err)
	}
	return found, nil
}

// nmapVersion runs `nmap --version`.
func nmapVersion(ctx context.Context, nmap string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, nmap, "--version")
	ownProcessGroup(cmd)
	var out bytes.Buffer
	cmd.Stdout = &limitedBuffer{buf: &out, limit: maxVersionOutput}
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return "", fmt.Errorf("nmap --version: %w", context.Cause(ctx))
		}
		return "", fmt.Errorf("nmap --version: %v", err)
	}
	return ParseVersion(out.Bytes())
}

// arguments builds nmap's command line: a TCP connect scan without host
// discovery (a device on the bench need not answer pings) or name
// resolution, version detection at full intensity, the scripts, XML on
// stdout. UDP is added only when asked and allowed.
func arguments(opts Options, target netip.Addr, nmap string) ([]string, []Skipped) {
	ports := opts.Ports
	if ports == nil {
		ports = DefaultPorts
		if opts.UDP {
			ports = append(append(PortList{}, DefaultPorts...), DefaultUDPPorts...)
		}
	}
	scripts := append([]string{}, TCPScripts...)
	scans := []string{"-sT"}
	var skipped []Skipped
	udp, privileged := false, false
	if opts.UDP {
		udp, privileged = rawSockets(nmap)
	}
	switch {
	case !opts.UDP:
		for _, s := range UDPScripts {
			skipped = append(skipped, Skipped{Script: s, Reason: "UDP not asked for (--udp)"})
		}
		ports = ports.without("udp")
	case !udp:
		for _, s := range UDPScripts {
			skipped = append(skipped, Skipped{Script: s, Reason: "a UDP scan needs raw sockets: run as root, or give nmap CAP_NET_RAW (setcap cap_net_raw+eip)"})
		}
		ports = ports.without("udp")
	case !ports.has("udp"):
		for _, s := range UDPScripts {
			skipped = append(skipped, Skipped{Script: s, Reason: "no UDP port in --ports"})
		}
	default:
		scans = append(scans, "-sU")
		scripts = append(scripts, UDPScripts...)
	}
	args := []string{}
	if privileged {
		args = append(args, "--privileged")
	}
	args = append(args, scans...)
	args = append(args, "-sV", "--version-intensity", fmt.Sprint(VersionIntensity),
		"-Pn", "-n", "--noninteractive",
		"-p", ports.nmapSpec(), "--script", strings.Join(scripts, ","), "-oX", "-")
	if target.Is6() {
		args = append(args, "-6")
	}
	return append(args, target.String()), skipped
}

// runNmap runs nmap in a process group of its own, stdout bounded, and
// turns its failures into errors that say what to do.
func runNmap(ctx context.Context, nmap string, args []string, timeout time.Duration, limit int64) ([]byte, error) {
	ctx, cancel := context.WithTimeoutCause(ctx, timeout, fmt.Errorf("%w within %s (raise --timeout)", ErrTimeout, timeout))
	defer cancel()
	cmd := exec.CommandContext(ctx, nmap, args...)
	ownProcessGroup(cmd)
	cmd.WaitDelay = 5 * time.Second
	var out bytes.Buffer
	stdout := &limitedBuffer{buf: &out, limit: limit, cancel: cancel}
	stderr := &tailBuffer{limit: 8 << 10}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	err := cmd.Run()
	switch {
	case stdout.over:
		return nil, fmt.Errorf("%w (%d bytes); capture fewer ports", ErrOutputTooLarge, limit)
	case ctx.Err() != nil:
		cause := context.Cause(ctx)
		if errors.Is(cause, ErrTimeout) {
			return nil, cause
		}
		return nil, fmt.Errorf("capture interrupted, nmap stopped: %w", cause)
	case err != nil:
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = "no message"
		}
		return nil, fmt.Errorf("nmap failed (%v): %s", err, msg)
	}
	return out.Bytes(), nil
}

// read decodes the XML into observations with the scan reader.
func (res *Result) read(ctx context.Context) error {
	states, err := summarise(res.XML)
	if err != nil {
		return fmt.Errorf("nmap wrote XML that does not parse: %v", err)
	}
	res.Ports = states
	res.Observations = []registry.Observation{}
	_, err = importer.Decode(ctx, bytes.NewReader(res.XML), importer.Nmap, importer.Options{}, importer.Handler{
		Observation: func(o *registry.Observation) error {
			res.Observations = append(res.Observations, *o)
			return nil
		},
		Reject: func(e *importer.RecordError) {
			if len(res.Rejected) < 16 {
				res.Rejected = append(res.Rejected, e.Error())
			}
		},
	})
	if err != nil {
		return fmt.Errorf("reading nmap's XML: %w", err)
	}
	return nil
}

// check turns a capture that found nothing into the error that says why.
func (res *Result) check(opts Options) error {
	probed := res.Ports.Open + res.Ports.Closed + res.Ports.Filtered
	switch {
	case res.Ports.Hosts == 0:
		return fmt.Errorf("%w: nmap reported no host for %s", ErrNoAnswer, res.Target)
	case len(res.Observations) == 0 && res.Ports.Closed == 0:
		return fmt.Errorf("%w: %s answered on none of the %d probed ports (host down, or every port filtered)", ErrNoAnswer, res.Target, probed)
	case len(res.Observations) == 0:
		return fmt.Errorf("%w: %s is up but none of the %d probed ports is open (%d closed, %d filtered); name the device's ports with --ports",
			ErrNoService, res.Target, probed, res.Ports.Closed, res.Ports.Filtered)
	}
	for _, o := range res.Observations {
		if o.Protocol != registry.ProtocolUnknown || len(o.Fields) > 0 {
			return nil
		}
	}
	return fmt.Errorf("%w: %s has %d open ports, but nmap identified no service on any and none sent a banner", ErrNoService, res.Target, len(res.Observations))
}

// limitedBuffer keeps up to limit bytes; past that it fails the write and
// cancels the run, so a runaway nmap neither fills memory nor runs on.
type limitedBuffer struct {
	buf    *bytes.Buffer
	limit  int64
	over   bool
	cancel context.CancelFunc
}

func (w *limitedBuffer) Write(p []byte) (int, error) {
	if int64(w.buf.Len())+int64(len(p)) > w.limit {
		w.over = true
		if w.cancel != nil {
			w.cancel()
		}
		return 0, io.ErrShortWrite
	}
	return w.buf.Write(p)
}

// tailBuffer keeps the last limit bytes written: nmap's error message is
// at the end of what it says.
type tailBuffer struct {
	b     []byte
	limit int
}

func (w *tailBuffer) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	if len(w.b) > w.limit {
		w.b = append(w.b[:0], w.b[len(w.b)-w.limit:]...)
	}
	return len(p), nil
}

func (w *tailBuffer) String() string { return string(w.b) }
