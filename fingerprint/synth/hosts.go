package synth

import (
	"fmt"
	"math/big"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/certprint/certprint/fingerprint"
	"github.com/certprint/certprint/registry"
)

// hostKind is what answers on one address.
type hostKind int

const (
	hostRegistered hostKind = iota // one device of a registered model
	hostOutside                    // one embedded device no list names
	hostNAT                        // a router and devices behind it, ports forwarded
	hostServer                     // an ordinary Internet server
	hostSilent                     // open ports that send nothing
	hostHoneypot                   // many devices' banners at once
)

// hostWeights are the shares of each kind among responsive addresses.
var hostWeights = []float64{hostRegistered: 54, hostOutside: 15, hostNAT: 4, hostServer: 18, hostSilent: 4.5, hostHoneypot: 0.5}

// ipv6Share is the share of addresses that are IPv6; every kind but NAT
// and honeypots may be.
const ipv6Share = 0.06

// instance is one service of one device as it answered, placeholders
// filled.
type instance struct {
	t      *svcTemplate
	port   uint16
	udp    bool
	silent bool // open, and sent nothing a scanner parses

	title, finalTitle, realm, location, server, text string
	upnp                                             upnpTemplate
	cert                                             []byte
	subject, issuer                                  fingerprint.DN
	subjectText, issuerText                          string // as the importers render them
	notBefore, notAfter                              time.Time
	hostKey                                          []byte
	token, etag, cookie                              string
	fxText                                           bool // fingerprintx's first read got the telnet text
	offset                                           int  // seconds after the host's start
}

// device is one device (or server, or honeypot) on an address.
type device struct {
	md    *model // nil for servers, honeypots and silent hosts
	label string // what it is, for people: "server", "honeypot", ...
	fw    string
	svcs  []*instance
}

// host is one address and what answers there.
type host struct {
	kind    hostKind
	ip      netip.Addr
	start   time.Time
	devices []*device
}

// newHost draws host i.
func (g *generator) newHost(i int) *host {
	r := newRNG(g.cfg.Seed, domainHost, uint64(i))
	h := &host{kind: hostKind(r.weighted(hostWeights))}
	h.start = g.start.Add(time.Duration(r.Int64N(int64(g.window))))
	v6 := h.kind != hostNAT && h.kind != hostHoneypot && r.chance(ipv6Share)
	h.ip = g.address(i, v6)
	c := g.cat
	switch h.kind {
	case hostRegistered:
		h.devices = []*device{g.modelDevice(r, h, c.models[draw(r, c.regCum, 0)], nil)}
	case hostOutside:
		h.devices = []*device{g.modelDevice(r, h, c.models[draw(r, c.outCum, c.nreg)], nil)}
	case hostNAT:
		g.natHost(r, h)
	case hostServer:
		h.devices = []*device{g.server(r, h)}
	case hostSilent:
		h.devices = []*device{g.silent(r)}
	case hostHoneypot:
		h.devices = []*device{g.honeypot(r, h)}
	}
	return h
}

// address returns host i's address: in 10.0.0.0/8, or in 2001:db8::/32,
// so that no real Internet host is described.
func (g *generator) address(i int, v6 bool) netip.Addr {
	n := permute24(mix(g.cfg.Seed^0xadd7e55), uint64(i))
	if !v6 {
		return netip.AddrFrom4([4]byte{10, byte(n >> 16), byte(n >> 8), byte(n)})
	}
	r := newRNG(g.cfg.Seed, domainAddress, uint64(i))
	var a [16]byte
	copy(a[:], []byte{0x20, 0x01, 0x0d, 0xb8, byte(n >> 16), byte(n >> 8), byte(n), byte(r.IntN(256))})
	iid := r.bytes(8)
	if r.chance(0.3) { // EUI-64 from a MAC address
		iid[3], iid[4] = 0xff, 0xfe
	}
	copy(a[8:], iid)
	return netip.AddrFrom16(a)
}

// remap moves a service to a port users and ISPs move it to.
var remaps = map[uint16][]uint16{80: {8080, 8000, 8888, 81}, 443: {8443, 4443}, 22: {2222, 10022}, 23: {2323}, 21: {2121}, 554: {8554, 10554}}

// natPorts are the ports a router forwards to the devices behind it.
var natPorts = map[uint16][]uint16{80: {8080, 8081, 8000, 81, 8888, 9000}, 443: {8443, 4443, 9443}, 22: {2222, 2200}, 23: {2323}, 21: {2121}, 554: {554, 8554}, 5000: {5000, 5050}, 5001: {5001}}

// modelDevice draws one device of model md: its firmware, which of its
// services answer, on which ports. taken, when set, holds ports already
// used on the address (behind NAT).
func (g *generator) modelDevice(r rng, h *host, md *model, taken map[uint16]bool) *device {
	d := &device{md: md, label: "device", fw: firmwareOf(r, md)}
	mac := r.upperHex(6)
	serial := r.upperHex(8)
	silentDevice := r.chance(0.005) // answers on its ports, but says nothing
	moved := taken == nil && r.chance(0.1)
	nat := taken != nil
	if taken == nil {
		taken = map[uint16]bool{} // one port, one service, on this device too
	}
	for k := range md.services {
		t := &md.services[k]
		if t.udp && (nat || h.ip.Is6() && r.chance(0.5)) {
			continue // UPnP does not cross a NAT
		}
		if !r.chance(t.answer) {
			continue
		}
		port := t.port
		switch {
		case nat:
			port = freePort(r, port, taken)
		case moved && t.primary || moved && r.chance(0.3):
			if alt := remaps[port]; alt != nil {
				port = pick(r, alt)
			}
		}
		if taken[port] && !t.udp {
			port = freePort(r, port, taken)
		}
		if !t.udp {
			taken[port] = true
		}
		inst := g.render(r, h, d, t, port, mac, serial)
		inst.silent = silentDevice || t.kind == kindBare || r.chance(0.015)
		d.svcs = append(d.svcs, inst)
	}
	if len(d.svcs) == 0 {
		// Devices the scan found answered on at least one port.
		t := &md.services[0]
		port := t.port
		if nat {
			port = freePort(r, port, taken)
			taken[port] = true
		}
		inst := g.render(r, h, d, t, port, mac, serial)
		inst.silent = silentDevice
		d.svcs = append(d.svcs, inst)
	}
	return d
}

// freePort picks a forwarded port for a service behind NAT.
func freePort(r rng, port uint16, taken map[uint16]bool) uint16 {
	if alt := natPorts[port]; alt != nil {
		for _, k := range r.Perm(len(alt)) {
			if !taken[alt[k]] {
				return alt[k]
			}
		}
	}
	for p := port; ; p++ {
		if !taken[p] && p != 0 {
			return p
		}
	}
}

// firmwareOf draws the firmware a device runs: mostly recent versions,
// a tail of old ones nobody updated, and now and then a build its vendor
// never listed.
func firmwareOf(r rng, md *model) string {
	n := len(md.releases)
	weights := make([]float64, n)
	w := 1.0
	for i := n - 1; i >= 0; i-- {
		weights[i] = w
		w *= 0.55
	}
	v := md.releases[r.weighted(weights)].version
	if r.chance(0.015) {
		switch md.scheme {
		case "semver":
			v += "-beta" + fmt.Sprint(r.between(1, 4))
		case "dotted":
			v += "b"
		default:
			v += "-test"
		}
	}
	return v
}

// render fills a template's placeholders for one device.
func (g *generator) render(r rng, h *host, d *device, t *svcTemplate, port uint16, mac, serial string) *instance {
	in := &instance{t: t, port: port, udp: t.udp, offset: r.IntN(40)}
	rep := &filler{fw: d.fw, mac: mac, serial: serial, ip: h.ip, ts: h.start.UnixMilli(), r: r}
	in.title, in.finalTitle, in.realm, in.location, in.server, in.text = rep.fill(t.title), rep.fill(t.finalTitle), rep.fill(t.realm), rep.fill(t.location), rep.fill(t.server), rep.fill(t.text)
	if t.upnp != nil {
		u := *t.upnp
		u.friendly = rep.fill(u.friendly)
		in.upnp = u
	}
	if t.token {
		in.token = r.hexString(16)
	}
	in.etag = fmt.Sprintf(`"%x-%x"`, r.Uint32()&0xfffff, r.Uint32()&0xffff)
	if r.chance(0.3) {
		in.cookie = "SESSIONID=" + r.hexString(24) + "; path=/; HttpOnly"
	}
	if t.cert != nil {
		g.certificate(r, in, d, t.cert, rep)
	}
	if t.kind == kindSSH {
		in.hostKey = hostKeyBlob(r, t.keyType)
	}
	in.fxText = r.chance(0.3)
	return in
}

// filler fills a template's placeholders for one device.
type filler struct {
	fw, mac, serial string
	ip              netip.Addr
	ts              int64 // the request's time in milliseconds
	r               rng
}

func (f *filler) fill(s string) string {
	if strings.IndexByte(s, '{') < 0 {
		return s
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '{')
		j := strings.IndexByte(s[max(i, 0):], '}')
		if i < 0 || j < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		switch name := s[i+1 : i+j]; name {
		case "fw":
			b.WriteString(f.fw)
		case "mac":
			b.WriteString(f.mac)
		case "serial":
			b.WriteString(f.serial)
		case "ip":
			b.WriteString(f.ip.String())
		case "nonce":
			b.WriteString(f.r.hexString(32))
		case "ts":
			b.WriteString(strconv.FormatInt(f.ts, 10))
		default:
			b.WriteString(s[i : i+j+1])
		}
		s = s[i+j+1:]
	}
}

// issuerDN is a self-signed certificate's issuer (its subject) as the
// importers render it, placeholders kept.
func (ct *certTemplate) issuerDN() string { return dnText(ct.dn()) }

// dnText is fingerprint.DN's rendering ("CN=a, O=b\, c, C=JP"), without
// building a replacer for every value.
func dnText(d fingerprint.DN) string {
	var b strings.Builder
	add := func(key string, values []string) {
		for _, v := range values {
			if v = strings.TrimSpace(v); v == "" {
				continue
			}
			if b.Len() > 0 {
				b.WriteString(", ")
			}
			b.WriteString(key)
			b.WriteByte('=')
			if strings.ContainsAny(v, `,\`) {
				v = strings.ReplaceAll(strings.ReplaceAll(v, `\`, `\\`), ",", `\,`)
			}
			b.WriteString(v)
		}
	}
	add("CN", d.CommonName)
	add("O", d.Organization)
	add("OU", d.OrganizationalUnit)
	add("L", d.Locality)
	add("ST", d.Province)
	add("C", d.Country)
	return b.String()
}

func (ct *certTemplate) dn() fingerprint.DN {
	d := fingerprint.DN{CommonName: []string{ct.cn}}
	if ct.o != "" {
		d.Organization = []string{ct.o}
	}
	if ct.ou != "" {
		d.OrganizationalUnit = []string{ct.ou}
	}
	if ct.country != "" {
		d.Country = []string{ct.country}
	}
	return d
}

// certificate makes a device's certificate: the model's names, a serial
// and validity of the unit (regenerated at first boot), the firmware
// image's key or the unit's own.
func (g *generator) certificate(r rng, in *instance, d *device, ct *certTemplate, rep *filler) {
	dn := ct.dn()
	dn.CommonName = []string{rep.fill(ct.cn)}
	in.subject, in.issuer = dn, dn
	var key *certKey
	if ct.perDeviceKey || d.md == nil {
		key = newCertKey(r)
	} else {
		key = g.modelKey(d.md, ct)
	}
	spec := certSpec{subject: dn, key: key, serial: new(big.Int).SetUint64(r.Uint64() >> 1)}
	boot := g.start.Add(-time.Duration(r.IntN(4*365*24)) * time.Hour)
	spec.notBefore = boot
	spec.notAfter = boot.AddDate(pick(r, []int{1, 10, 20}), 0, 0)
	if ct.issuerCN != "" {
		in.issuer = fingerprint.DN{CommonName: []string{ct.issuerCN}, Organization: []string{ct.issuerO}, Country: []string{"US"}}
		spec.issuer, spec.issuerKey = in.issuer, g.caKey(ct.issuerCN)
		spec.notBefore = g.start.Add(-time.Duration(r.IntN(80*24)) * time.Hour)
		spec.notAfter = spec.notBefore.AddDate(0, 0, 90)
		spec.dnsNames = []string{dn.CommonName[0]}
	}
	in.notBefore, in.notAfter = spec.notBefore.UTC().Truncate(time.Second), spec.notAfter.UTC().Truncate(time.Second)
	in.cert = makeCertificate(spec)
	in.subjectText, in.issuerText = dnText(in.subject), dnText(in.issuer)
}

// modelKey is the key a model's firmware image ships, the same on every
// unit (and on an identical twin, which runs the same image).
func (g *generator) modelKey(md *model, ct *certTemplate) *certKey {
	if k, ok := g.keys[ct]; ok {
		return k
	}
	panic("synth: no key drawn for a certificate template of " + md.name)
}

// caKey is a public CA's signing key.
func (g *generator) caKey(name string) *certKey {
	if k, ok := g.cas[name]; ok {
		return k
	}
	panic("synth: no key drawn for CA " + name)
}

// drawKeys draws every key shared by many hosts before any host is drawn,
// in catalog order: hosts then only read them, so host i depends on
// (seed, i) alone and hosts can be drawn in parallel.
func (g *generator) drawKeys() {
	for _, md := range g.cat.models {
		for k := range md.services {
			ct := md.services[k].cert
			if ct == nil || g.keys[ct] != nil {
				continue
			}
			g.keys[ct] = newCertKey(newRNG(g.cfg.Seed, domainKeys, uint64(md.idx)))
		}
	}
	for k, ca := range caNames {
		g.cas[ca.cn] = newCertKey(newRNG(g.cfg.Seed, domainKeys, 1<<40+uint64(k)))
	}
}

// hostKeyBlob draws an SSH public key blob of the given type.
func hostKeyBlob(r rng, typ string) []byte {
	str := func(b []byte) []byte {
		n := len(b)
		return append([]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}, b...)
	}
	var blob []byte
	switch typ {
	case "ssh-ed25519":
		blob = append(str([]byte(typ)), str(r.bytes(32))...)
	case "ecdsa-sha2-nistp256":
		point := append([]byte{4}, r.bytes(64)...)
		blob = append(append(str([]byte(typ)), str([]byte("nistp256"))...), str(point)...)
	default:
		n := append([]byte{0}, r.bytes(256)...)
		n[1] |= 0x80
		blob = append(append(str([]byte("ssh-rsa")), str([]byte{1, 0, 1})...), str(n)...)
	}
	return blob
}

// natHost puts a router and one or two devices behind it on one address:
// the router's own services on its ports, the others forwarded to ports
// of their own.
func (g *generator) natHost(r rng, h *host) {
	c := g.cat
	taken := map[uint16]bool{}
	routerIdx := g.drawType(r, typeRouter, r.chance(0.6))
	router := g.modelDevice(r, h, c.models[routerIdx], nil)
	for _, s := range router.svcs {
		taken[s.port] = true
	}
	h.devices = []*device{router}
	for k := r.between(1, 2); k > 0; k-- {
		typ := pick(r, []deviceType{typeCamera, typeCamera, typeNVR, typeNAS, typePrinter, typeHub})
		md := c.models[g.drawType(r, typ, r.chance(0.65))]
		h.devices = append(h.devices, g.modelDevice(r, h, md, taken))
	}
}

// drawType draws a model of type typ, registered or not.
func (g *generator) drawType(r rng, typ deviceType, registered bool) int {
	c := g.cat
	for tries := 0; tries < 200; tries++ {
		cum, off := c.outCum, c.nreg
		if registered {
			cum, off = c.regCum, 0
		}
		i := draw(r, cum, off)
		if c.models[i].typ == typ {
			return i
		}
	}
	list := c.byType[typ]
	if len(list) == 0 {
		return draw(r, c.regCum, 0)
	}
	return list[r.IntN(len(list))]
}

// silent is an address whose ports are open and say nothing: a TR-069
// port, a VPN endpoint, a filtered service behind a firewall.
func (g *generator) silent(r rng) *device {
	d := &device{label: "silent"}
	ports := r.Perm(len(silentPorts))[:r.between(1, 3)]
	for _, k := range ports {
		d.svcs = append(d.svcs, &instance{t: &svcTemplate{kind: kindBare}, port: silentPorts[k], silent: true, offset: r.IntN(30)})
	}
	return d
}

var silentPorts = []uint16{7547, 8291, 1723, 5060, 8089, 10000, 49152, 4567, 30005}

// honeypot answers on many ports with the banners of many devices at
// once, and the classic honeypot SSH and telnet.
func (g *generator) honeypot(r rng, h *host) *device {
	d := &device{label: "honeypot", fw: "1.0.0"}
	taken := map[uint16]bool{}
	add := func(t *svcTemplate, port uint16, fw string) {
		for taken[port] {
			port++
		}
		taken[port] = true
		saved := d.fw
		d.fw = fw
		in := g.render(r, h, d, t, port, r.upperHex(6), r.upperHex(8))
		d.fw = saved
		in.silent = t.kind == kindBare
		d.svcs = append(d.svcs, in)
	}
	add(&cowrieSSH, pick(r, []uint16{22, 2222}), "")
	add(&cowrieTelnet, 23, "")
	for k := r.between(6, 28); k > 0; k-- {
		hs := g.cat.honeySvcs[r.IntN(len(g.cat.honeySvcs))]
		port := hs.t.port
		if taken[port] || r.chance(0.5) {
			port = pick(r, honeypotPorts)
		}
		add(hs.t, port, hs.md.releases[len(hs.md.releases)-1].version)
	}
	return d
}

var honeypotPorts = []uint16{80, 81, 443, 554, 1080, 2000, 5000, 5001, 7001, 8000, 8001, 8080, 8081, 8088, 8443, 8888, 9000, 9090, 9200, 10000, 49152, 60001}

var (
	cowrieSSH    = svcTemplate{kind: kindSSH, ssh: "SSH-2.0-OpenSSH_6.0p1 Debian-4+deb7u2", keyType: "ssh-rsa", kex: opensshKex, nmapName: "ssh", product: "OpenSSH", version: "6.0p1 Debian 4+deb7u2", info: "protocol 2.0", os: "Linux", cpe: "cpe:/a:openbsd:openssh:6.0p1"}
	cowrieTelnet = svcTemplate{kind: kindTelnet, text: "\r\nlogin: ", nmapName: "telnet"}
)

// honeySvc is a service of a model that honeypots imitate.
type honeySvc struct {
	md *model
	t  *svcTemplate
}

// classOfDevice is a device's true class on day date, given whether the
// scan shows its firmware.
func classOfDevice(d *device, shown bool, date registry.Date) registry.Class {
	if d.md == nil {
		return registry.ClassUnknown
	}
	return classOf(d.md, d.fw, shown, date)
}
