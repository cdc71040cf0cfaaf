package synth

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"

	"github.com/certprint/certprint/registry"
)

// TruthHeader is the first line of truth.csv.
var TruthHeader = []string{"ip", "ports", "model_ref", "firmware", "verdict"}

// Truth is one device that answered in the scan: its address, the
// services of it the scan file holds, its model (empty when no registered
// model), the firmware it runs and its true class.
type Truth struct {
	IP       netip.Addr
	Ports    []string // "tcp/80", ...
	ModelRef string
	Firmware string
	Class    registry.Class
	Line     int // in truth.csv, from 1
}

// errNoTruth refuses a file without even a header.
var errNoTruth = errors.New("truth: the file is empty; it needs at least the header ip,ports,model_ref,firmware,verdict")

// maxTruthField bounds one field of truth.csv; a honeypot's port list is
// the longest.
const maxTruthField = 4096

// ReadTruth reads truth.csv record by record. An error names the line.
func ReadTruth(r io.Reader) ([]Truth, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = len(TruthHeader)
	cr.ReuseRecord = true
	var out []Truth
	for line := 1; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			if line == 1 {
				return nil, errNoTruth
			}
			return out, nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, fmt.Errorf("truth: line %d: %v", pe.StartLine, pe.Err)
			}
			return nil, fmt.Errorf("truth: line %d: %w", line, err)
		}
		pos, _ := cr.FieldPos(0)
		if line == 1 {
			rec[0] = strings.TrimPrefix(rec[0], "\ufeff")
			for k, want := range TruthHeader {
				if rec[k] != want {
					return nil, fmt.Errorf("truth: line %d: header column %d is %q, want %q (the header is %s)", pos, k+1, clip(rec[k]), want, strings.Join(TruthHeader, ","))
				}
			}
			continue
		}
		t, err := parseTruth(rec)
		if err != nil {
			return nil, fmt.Errorf("truth: line %d: %w", pos, err)
		}
		t.Line = pos
		out = append(out, t)
	}
}

func parseTruth(rec []string) (Truth, error) {
	for k, v := range rec {
		if len(v) > maxTruthField {
			return Truth{}, fmt.Errorf("%s is %d bytes long; at most %d are allowed", TruthHeader[k], len(v), maxTruthField)
		}
	}
	var t Truth
	var err error
	if t.IP, err = netip.ParseAddr(rec[0]); err != nil {
		return t, fmt.Errorf("ip %q is not an IP address", clip(rec[0]))
	}
	t.IP = t.IP.Unmap()
	for _, p := range strings.Fields(rec[1]) {
		canonical, ok := canonicalPort(p)
		if !ok {
			return t, fmt.Errorf("ports: %q is not transport/port such as tcp/80", clip(p))
		}
		t.Ports = append(t.Ports, canonical)
	}
	if len(t.Ports) == 0 {
		return t, errors.New("ports is empty; a device in the truth answered on at least one port")
	}
	t.ModelRef, t.Firmware = rec[2], rec[3]
	t.Class = registry.Class(rec[4])
	switch t.Class {
	case registry.ClassCertified, registry.ClassCertifiedOutOfScope, registry.ClassUncertified, registry.ClassUnknown:
	default:
		return t, fmt.Errorf("verdict %q is not certified, certified-out-of-scope, uncertified or unknown", clip(rec[4]))
	}
	return t, nil
}

// canonicalPort reads "tcp/80" (or "80", meaning TCP, or "UDP/1900").
func canonicalPort(s string) (string, bool) {
	transport, port, found := strings.Cut(strings.ToLower(s), "/")
	if !found {
		transport, port = "tcp", transport
	}
	if transport != "tcp" && transport != "udp" {
		return "", false
	}
	n, err := strconv.ParseUint(port, 10, 16)
	if err != nil || n == 0 {
		return "", false
	}
	return transport + "/" + strconv.FormatUint(n, 10), true
}

func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}
