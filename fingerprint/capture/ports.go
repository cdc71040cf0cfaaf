package capture

import (
	"fmt"
	"strconv"
	"strings"
)

// PortRange is a range of ports on one transport, both ends included.
type PortRange struct {
	Transport string // "tcp" or "udp"
	From, To  uint16
}

// PortList is what a capture probes. The zero value means DefaultPorts.
type PortList []PortRange

// maxPortItems bounds the ranges of one --ports list: a reference device
// has a handful of services, and nmap's own command line is not the place
// for thousands of items.
const maxPortItems = 256

// DefaultPorts are the TCP ports embedded devices answer on most often:
// file transfer, remote login (ssh, telnet and its 2323 alternative), DNS,
// the web interface on its usual ports (80, 81, 443, 5000/5001, 8000,
// 8008, 8080, 8081, 8443, 8888, 9000), SMB, RTSP cameras, IPP printers,
// MQTT (1883, 8883), TR-069 (7547), Huawei's 37215 and the UPnP control
// port 49152. A capture of a device whose services sit elsewhere names
// them with --ports.
var DefaultPorts = mustParsePorts("21,22,23,53,80,81,443,445,554,631,1883,2323,5000,5001,7547," +
	"8000,8008,8080,8081,8443,8883,8888,9000,37215,49152")

// DefaultUDPPorts are probed with --udp: SNMP (161) and SSDP (1900), the
// ports of the snmp-sysdescr and upnp-info scripts.
var DefaultUDPPorts = mustParsePorts("udp/161,udp/1900")

func mustParsePorts(s string) PortList {
	l, err := ParsePorts(s)
	if err != nil {
		panic(err)
	}
	return l
}

// ParsePorts reads a port list as the command line takes it: comma
// separated ports and ranges, each optionally prefixed with its transport,
// such as "80,443,8000-8100,udp/161". A bare port means TCP, as in
// `scan import --ports`.
func ParsePorts(s string) (PortList, error) {
	var out PortList
	for _, item := range strings.Split(s, ",") {
		item = strings.ToLower(strings.TrimSpace(item))
		if item == "" {
			continue
		}
		if len(out) == maxPortItems {
			return nil, fmt.Errorf("more than %d ports or ranges", maxPortItems)
		}
		r, err := parsePortRange(item)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%q names no port", s)
	}
	return out, nil
}

func parsePortRange(item string) (PortRange, error) {
	transport, ports, found := strings.Cut(item, "/")
	if !found {
		transport, ports = "tcp", item
	}
	if transport != "tcp" && transport != "udp" {
		return PortRange{}, fmt.Errorf("%q: transport must be tcp or udp", item)
	}
	lo, hi, isRange := strings.Cut(ports, "-")
	from, err := parsePort(lo)
	if err != nil {
		return PortRange{}, fmt.Errorf("%q: %v", item, err)
	}
	to := from
	if isRange {
		if to, err = parsePort(hi); err != nil {
			return PortRange{}, fmt.Errorf("%q: %v", item, err)
		}
		if to < from {
			return PortRange{}, fmt.Errorf("%q: the range ends before it starts", item)
		}
	}
	return PortRange{Transport: transport, From: from, To: to}, nil
}

func parsePort(s string) (uint16, error) {
	// ParseUint alone would take "+80" and leading zeros without end.
	if s == "" || len(s) > 5 || strings.TrimLeft(s, "0123456789") != "" {
		return 0, fmt.Errorf("%q is not a port number", s)
	}
	n, err := strconv.ParseUint(s, 10, 16)
	if err != nil || n == 0 {
		return 0, fmt.Errorf("%q is not a port number (1-65535)", s)
	}
	return uint16(n), nil
}

// String writes the list back in the syntax ParsePorts reads.
func (l PortList) String() string {
	items := make([]string, len(l))
	for i, r := range l {
		items[i] = r.String()
	}
	return strings.Join(items, ",")
}

// String writes one range, "udp/161" or "8000-8100".
func (r PortRange) String() string {
	s := strconv.Itoa(int(r.From))
	if r.To != r.From {
		s += "-" + strconv.Itoa(int(r.To))
	}
	if r.Transport == "udp" {
		s = "udp/" + s
	}
	return s
}

// has reports whether the list names a port of the transport.
func (l PortList) has(transport string) bool {
	for _, r := range l {
		if r.Transport == transport {
			return true
		}
	}
	return false
}

// without returns the list less the ranges of one transport.
func (l PortList) without(transport string) PortList {
	var out PortList
	for _, r := range l {
		if r.Transport != transport {
			out = append(out, r)
		}
	}
	return out
}

// nmapSpec is the list in nmap's -p syntax: "T:80,443,U:161".
func (l PortList) nmapSpec() string {
	var b strings.Builder
	for _, transport := range []string{"tcp", "udp"} {
		first := true
		for _, r := range l {
			if r.Transport != transport {
				continue
			}
			if b.Len() > 0 {
				b.WriteByte(',')
			}
			if first {
				b.WriteString(strings.ToUpper(transport[:1]) + ":")
				first = false
			}
			b.WriteString(strconv.Itoa(int(r.From)))
			if r.To != r.From {
				b.WriteString("-" + strconv.Itoa(int(r.To)))
			}
		}
	}
	return b.String()
}

// count is how many ports the list names.
func (l PortList) count() int {
	n := 0
	for _, r := range l {
		n += int(r.To-r.From) + 1
	}
	return n
}
