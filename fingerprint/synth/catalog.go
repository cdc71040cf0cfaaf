package synth

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"
	"unicode"

	"github.com/certprint/certprint/registry"
)

// svcKind is the kind of service a template describes.
type svcKind int

const (
	kindHTTP svcKind = iota
	kindSSH
	kindTelnet
	kindFTP
	kindRTSP
	kindUPnP
	kindSMTP
	kindBare // an open port that sends nothing a scanner parses
)

// svcTemplate is one service of a model, as its firmware answers it. Text
// may hold placeholders filled per device: {fw} the firmware version,
// {mac} a MAC suffix, {serial} a unit serial, {ip} the device's address,
// {nonce} a fresh nonce, {ts} the time of the request (a cache-buster).
type svcTemplate struct {
	kind    svcKind
	port    uint16
	udp     bool
	tls     bool
	answer  float64 // probability that the service answers on a device
	primary bool    // the service that identifies the model best

	// HTTP
	status     int
	title      string
	realm      string // the whole WWW-Authenticate value
	location   string
	server     string
	headers    [][2]string // stable extra headers
	finalTitle string      // the title behind a same-host redirect (nmap follows it)
	token      bool        // the body carries a per-response token

	cert *certTemplate

	// SSH
	ssh     string
	keyType string
	kex     []string

	text string // telnet prompt, FTP or SMTP greeting, RTSP server

	upnp *upnpTemplate

	// nmap's service detection
	nmapName                   string
	product, version, info, os string
	devType                    string
	cpe                        string
	tech                       string // wappalyzer, for fingerprintx
}

// certTemplate is a device's self-signed (or, for servers, CA-issued)
// certificate: the names are the model's, serial and validity are drawn
// per device.
type certTemplate struct {
	cn, o, ou, country string
	issuerCN, issuerO  string // empty: self-signed
	perDeviceKey       bool
}

// upnpTemplate is a UPnP root device description.
type upnpTemplate struct {
	server, manufacturer, modelName, modelNumber, friendly string
}

// release is one firmware version and when it came out.
type release struct {
	version string
	date    registry.Date
}

// model is a device model of the world: registered (in registry.json) or
// not (seen in scans only).
type model struct {
	idx          int
	ref          string // registered models only
	registered   bool
	v            *vendor
	brand        string // as banners spell it
	typ          deviceType
	number       string // as banners show it
	listedNumber string // as the registry lists it (full-width for some)
	name         string
	hw           string
	family       string
	released     registry.Date
	releases     []release
	scheme       string
	st           *stack
	services     []svcTemplate
	weight       float64 // popularity among devices in the field
	twin         int     // index of an OEM twin, -1 for none
	identical    bool    // the twin's network profile is the same
	lookalike    int     // a model whose banners are the same (identical twin, hidden hardware revision), -1 for none
	story        story   // certification story (registry.go)
	certs        []registry.Certification
	profile      *registry.Profile
	captures     []capture // version-capturing predicates of the profile
}

// capture is one predicate of a profile that reads the firmware version.
type capture struct {
	field string
	re    *regexp.Regexp
}

// Japanese dates are written in months; the registry keeps their
// precision.
func month(d registry.Date) registry.PartialDate {
	t := d.Time()
	p, _ := registry.ParsePartialDate(t.Format("2006-01"))
	return p
}

// addDays moves a date by n days.
func addDays(d registry.Date, n int) registry.Date {
	return registry.DateOf(d.Time().AddDate(0, 0, n))
}

// fullWidth writes ASCII letters, digits and the hyphen in their
// full-width forms, as some certification lists print model numbers.
func fullWidth(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '-':
			b.WriteRune('－')
		case r == ' ':
			b.WriteRune('　')
		case r > ' ' && r < 0x7f && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			b.WriteRune(r - 0x21 + 0xff01)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// slugOf makes a ref component: lower case letters, digits and hyphens.
func slugOf(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '-' || r == ' ' || r == '.' || r == '_':
			if b.Len() > 0 && !strings.HasSuffix(b.String(), "-") {
				b.WriteByte('-')
			}
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

// catalog is the world's set of models: the registered ones first (their
// index is their position in registry.json), then the ones outside it.
type catalog struct {
	seed      uint64
	date      registry.Date
	models    []*model
	nreg      int
	regCum    []float64 // cumulative popularity of registered models
	outCum    []float64 // of unregistered models, indices nreg...
	byType    map[deviceType][]int
	usedNum   map[string]bool
	usedRef   map[string]bool
	honeySvcs []honeySvc // services honeypots imitate
}

// newCatalog draws m registered models and the unregistered ones beside
// them.
func newCatalog(seed uint64, m int, date registry.Date) *catalog {
	c := &catalog{seed: seed, date: date, byType: map[deviceType][]int{}, usedNum: map[string]bool{}, usedRef: map[string]bool{}}
	r := newRNG(seed, domainCatalog, 0)
	for len(c.models) < m {
		v := &vendors[r.IntN(len(vendors))]
		typ := v.types[r.IntN(len(v.types))]
		// Keep the type shares close to deviceTypeWeights whatever
		// the vendor table says.
		want := deviceTypes[r.weighted(deviceTypeWeights)]
		if !hasType(v, want) && r.chance(0.7) {
			continue
		}
		if hasType(v, want) {
			typ = want
		}
		base := c.newModel(r, v, typ, true)
		c.add(base)
		switch {
		case len(c.models) < m && r.chance(0.05):
			c.add(c.hardwareRevision(r, base))
		case len(c.models) < m && r.chance(0.11) && !v.oem:
			c.add(c.twinOf(r, base))
		}
	}
	c.nreg = len(c.models)
	// Outside the registry: siblings of registered models (same vendor
	// and firmware base, another model number), brands no list names,
	// and devices with no brand in their firmware at all.
	out := max(120, m*3/5)
	for i := 0; i < out; i++ {
		switch k := r.IntN(10); {
		case k < 4:
			c.add(c.sibling(r, c.models[r.IntN(c.nreg)]))
		case k < 7:
			v := &outsideBrands[r.IntN(len(outsideBrands))]
			c.add(c.newModel(r, v, v.types[r.IntN(len(v.types))], false))
		default:
			c.add(c.noName(r, deviceTypes[r.weighted(deviceTypeWeights)]))
		}
	}
	c.popularity(r)
	c.honeypotServices(r)
	return c
}

func hasType(v *vendor, t deviceType) bool {
	for _, x := range v.types {
		if x == t {
			return true
		}
	}
	return false
}

func (c *catalog) add(md *model) {
	md.idx = len(c.models)
	c.models = append(c.models, md)
	c.byType[md.typ] = append(c.byType[md.typ], md.idx)
}

// uniqueNumber draws a model number the catalog has not used.
func (c *catalog) uniqueNumber(r rng, prefix string, typ deviceType) string {
	for tries := 0; ; tries++ {
		if tries > 40 {
			// The vendor's usual number space is full (thousands of
			// models): a longer number.
			n := fmt.Sprintf("%s%d", prefix, r.between(10000, 99999))
			if !c.usedNum[n] {
				c.usedNum[n] = true
				return n
			}
			continue
		}
		var n string
		switch typ {
		case typeRouter:
			n = fmt.Sprintf("%s%d", prefix, 100*r.between(3, 98))
		case typeCamera:
			n = fmt.Sprintf("%s%d", prefix, r.between(100, 999))
		case typeNVR:
			n = fmt.Sprintf("%s%d", prefix, 1000+r.IntN(90)*100+pick(r, []int{4, 8, 16, 32}))
		case typeNAS:
			n = fmt.Sprintf("%s%d%d%d", prefix, r.between(1, 8), r.between(1, 4), r.between(0, 9))
		case typePrinter:
			n = fmt.Sprintf("%s%s%d", prefix, pick(r, []string{"M", "C", "J", ""}), r.between(1000, 9900))
		default:
			n = fmt.Sprintf("%s%d", prefix, r.between(10, 990))
		}
		if r.chance(0.25) {
			n += pick(r, []string{"W", "P", "Pro", "S", "N", "AX", "Plus"})
		}
		if !c.usedNum[n] {
			c.usedNum[n] = true
			return n
		}
	}
}

func (c *catalog) uniqueRef(s string) string {
	ref := s
	for i := 2; c.usedRef[ref]; i++ {
		ref = fmt.Sprintf("%s-%d", s, i)
	}
	c.usedRef[ref] = true
	return ref
}

// newModel draws a model of vendor v: its number, firmware history, the
// embedded stack it is built on and the services that stack answers.
func (c *catalog) newModel(r rng, v *vendor, typ deviceType, registered bool) *model {
	prefix := v.prefix[typ]
	if prefix == "" {
		prefix = strings.ToUpper(v.slug[:2]) + "-"
	}
	md := &model{registered: registered, v: v, brand: v.brand, typ: typ, twin: -1, lookalike: -1, scheme: v.scheme}
	md.number = c.uniqueNumber(r, prefix, typ)
	md.listedNumber = md.number
	if v.fullWidth && r.chance(0.5) {
		md.listedNumber = fullWidth(md.number)
	}
	series := v.series[typ]
	if series == "" {
		series = v.brand
	}
	md.name = series + " " + md.number
	if v.fullWidth && md.listedNumber != md.number {
		md.name = series + " " + md.listedNumber
	}
	md.family = v.slug + "-" + slugOf(md.number)
	md.released = addDays(c.date, -r.between(200, 2400))
	md.releases = drawReleases(r, md.scheme, md.released, c.date)
	md.st = pickStack(r, typ)
	if registered {
		md.ref = c.uniqueRef(v.slug + "-" + slugOf(md.number))
	}
	md.services = c.templates(r, md)
	return md
}

// pickStack draws a stack that devices of type typ are built on.
func pickStack(r rng, typ deviceType) *stack {
	for {
		s := &stacks[r.IntN(len(stacks))]
		if hasTypeList(s.types, typ) {
			return s
		}
	}
}

func hasTypeList(list []deviceType, t deviceType) bool {
	for _, x := range list {
		if x == t {
			return true
		}
	}
	return false
}

// drawReleases writes a model's firmware history in its vendor's scheme:
// three to seven versions from its release date to a few weeks before the
// scan, in increasing order.
func drawReleases(r rng, scheme string, from, until registry.Date) []release {
	n := r.between(3, 7)
	span := int(until.Time().Sub(from.Time()).Hours()/24) - 40
	if span < n*20 {
		span = n * 20
	}
	var out []release
	major, minor, patch, build := r.between(1, 3), r.between(0, 5), r.between(0, 9), r.between(10, 90)
	code := strings.ToUpper(string(rune('A'+r.IntN(26)))) + string(rune('A'+r.IntN(26))) + string(rune('A'+r.IntN(26))) + string(rune('A'+r.IntN(26)))
	for i := 0; i < n; i++ {
		day := addDays(from, span*i/n+r.IntN(max(1, span/n/2)))
		var v string
		switch scheme {
		case "semver":
			v = fmt.Sprintf("%d.%d.%d", major, minor, patch)
		case "dotted":
			v = fmt.Sprintf("%d.%d.%d", major, minor, patch+build)
		case "netgear":
			v = fmt.Sprintf("V%d.0.%d.%d_%d.%d.%d", major, minor, build, 1, minor, patch)
		case "zyxel":
			v = fmt.Sprintf("%d.%02d(%s.%d)C0", 4+major, 10*minor, code, patch+1)
		}
		out = append(out, release{version: v, date: day})
		switch {
		case r.chance(0.2):
			minor++
			patch = 0
		default:
			patch += r.between(1, 3)
		}
		build += r.between(1, 6)
	}
	return out
}

// templates writes the services a model's firmware answers. Each model
// gets a primary service that tells it apart from others (a page title or
// certificate that names it; for some, only the realm), the stack's
// generic Server header beside it, and secondary services that each
// answer on some devices only.
func (c *catalog) templates(r rng, md *model) []svcTemplate {
	st := md.st
	b, n := md.brand, md.number
	series := strings.TrimSpace(strings.TrimSuffix(md.name, md.listedNumber))
	server := st.server
	if r.chance(0.12) {
		// A vendor's own server name, some with the firmware in it.
		server = b + "-httpd/1.0"
		if r.chance(0.5) {
			server = b + " Web Server {fw}"
		}
	}
	web := svcTemplate{kind: kindHTTP, port: 80, answer: 0.985, primary: true, server: server, status: 200,
		nmapName: "http", product: st.product, version: st.version, info: st.info, cpe: st.cpe, tech: st.tech}
	if server != st.server {
		web.product, web.version, web.info, web.cpe, web.tech = "", "", "", "", ""
	}
	if r.chance(0.5) {
		web.headers = append(web.headers, [2]string{"X-Frame-Options", pick(r, []string{"SAMEORIGIN", "DENY"})})
	}
	web.headers = append(web.headers, [2]string{"Content-Type", pick(r, []string{"text/html", "text/html; charset=utf-8", "text/html; charset=UTF-8", "text/html; charset=Shift_JIS"})})
	if r.chance(0.1) {
		web.headers = append(web.headers, [2]string{"X-Powered-By", pick(r, []string{"PHP/5.6.40", "PHP/7.4.33", b + " WebUI"})})
	}
	web.token = r.chance(0.4)
	// What the page says of the model.
	fwTitle := r.chance(0.22)
	titles := []string{b + " " + n, n + " Login", series + " " + n, b + " " + typeWords[md.typ] + " " + n, n + " 設定画面", "ログイン - " + b + " " + n}
	title := pick(r, titles)
	if fwTitle {
		title = pick(r, []string{title + " (fw {fw})", title + " Ver.{fw}", title + " - Firmware {fw}"})
	}
	switch style := r.weighted([]float64{45, 25, 15, 15}); style {
	case 0: // a login page
		web.title = title
	case 1: // HTTP authentication, with the model in the realm
		web.status = 401
		web.realm = pick(r, []string{`Basic realm="` + n + `"`, `Basic realm="` + b + " " + n + `"`, `Basic realm="` + series + `"`})
		if md.typ == typeCamera || md.typ == typeNVR {
			if r.chance(0.5) {
				web.realm = `Digest realm="` + n + `", nonce="{nonce}", qop="auth"`
			}
		}
		// The 401 page: the firmware's own, naming the model, or the
		// server's generic one. A generic one leaves the realm as the
		// only distinctive HTTP feature, which nmap's scripts do not
		// show, so such models identify themselves over TLS too.
		// A realm naming only the product line is shared with the
		// vendor's other models; such firmware names the model in its
		// 401 page.
		if r.chance(0.6) || !strings.Contains(web.realm, n) {
			web.title = title
		} else {
			web.title = "401 Unauthorized"
		}
	case 2: // a redirect to the login page
		web.status = 302
		web.location = pick(r, []string{"/login.html", "/cgi-bin/luci", "/doc/page/login.asp?_{ts}", "/webpages/login.html", "/index.cgi?page=login"})
		web.finalTitle = title
	default: // HTTPS only, HTTP redirects there
		web.status = 200
		web.title = title
		web.tls = true
		web.port = 443
		web.nmapName = "http"
	}
	switch md.typ {
	case typeNAS:
		if r.chance(0.6) {
			web.port = 5000
			if web.tls {
				web.port = 5001
			}
		}
	case typePrinter:
		if r.chance(0.2) {
			web.port = 8000
		}
	case typeCamera, typeNVR:
		if r.chance(0.25) && !web.tls {
			web.port = pick(r, []uint16{81, 8080, 88})
		}
	}
	list := []svcTemplate{web}
	// TLS: hubs and many routers and NAS boxes serve HTTPS with a
	// self-signed certificate naming the vendor.
	needTLS := web.title == "401 Unauthorized"
	if !web.tls && (needTLS || r.chance(tlsShare[md.typ])) {
		tls := web
		tls.tls, tls.port, tls.primary = true, 443, needTLS
		tls.answer = 0.8
		if needTLS {
			tls.answer = 0.97
		}
		if web.port == 5000 {
			tls.port = 5001
		}
		if tls.status == 401 && tls.title == "401 Unauthorized" {
			tls.title = title
			tls.status = 200
			tls.realm = ""
		}
		list = append(list, tls)
	}
	for i := range list {
		if list[i].tls {
			list[i].cert = c.certFor(r, md)
			if list[i].nmapName == "http" {
				list[i].nmapName = "https"
			}
		}
	}
	// SSH
	if r.chance(sshShare[md.typ]) {
		s := svcTemplate{kind: kindSSH, port: 22, answer: 0.75, nmapName: "ssh", keyType: pick(r, []string{"ssh-rsa", "ssh-ed25519", "ecdsa-sha2-nistp256"})}
		if md.typ == typeNAS {
			s.ssh = pick(r, nasSSH)
			s.kex = opensshKex
			s.product, s.version, s.info = "OpenSSH", strings.TrimPrefix(s.ssh, "SSH-2.0-OpenSSH_"), "protocol 2.0"
			s.cpe = "cpe:/a:openbsd:openssh:" + s.version
		} else {
			s.ssh = pick(r, dropbears)
			s.kex = dropbearKex
			if strings.Contains(s.ssh, "2012") || strings.Contains(s.ssh, "2014") {
				s.kex = oldDropbearKex
				s.keyType = "ssh-rsa"
			}
			s.product, s.version, s.info = "Dropbear sshd", strings.TrimPrefix(s.ssh, "SSH-2.0-dropbear_"), "protocol 2.0"
			s.cpe = "cpe:/a:matt_johnston:dropbear_ssh_server:" + s.version
		}
		s.os = "Linux"
		list = append(list, s)
	}
	// Telnet: BusyBox login prompts, some naming the model.
	if r.chance(telnetShare[md.typ]) {
		prompt := pick(r, []string{"\r\n" + strings.ReplaceAll(n, "-", "") + " login: ", "\r\n(none) login: ", "\r\nLocalHost login: ", "\r\n" + b + " " + n + "\r\nlogin: ", "\r\n" + slugOf(n) + "-{mac} login: "})
		if r.chance(0.15) {
			prompt = "\r\n" + b + " " + n + " (fw {fw})\r\nlogin: "
		}
		list = append(list, svcTemplate{kind: kindTelnet, port: 23, answer: 0.6, text: prompt, nmapName: "telnet", product: "BusyBox telnetd", os: "Linux"})
	}
	// FTP, on NAS boxes and routers with a USB port.
	if r.chance(ftpShare[md.typ]) {
		greet := pick(r, []string{"220 (vsFTPd 3.0.3)", "220 " + b + " " + n + " FTP server ready.", "220 Welcome to " + n + " FTP service.", "220 bftpd 2.2.1 at {ip} ready.", "220 ProFTPD 1.3.5e Server (" + b + " " + n + ") [{ip}]"})
		if r.chance(0.15) {
			greet = "220 " + n + " FTP server (Version {fw}) ready."
		}
		f := svcTemplate{kind: kindFTP, port: 21, answer: 0.7, text: greet, nmapName: "ftp"}
		switch {
		case strings.Contains(greet, "vsFTPd"):
			f.product, f.version, f.cpe = "vsftpd", "3.0.3", "cpe:/a:beasts:vsftpd:3.0.3"
		case strings.Contains(greet, "ProFTPD"):
			f.product, f.version, f.cpe = "ProFTPD", "1.3.5e", "cpe:/a:proftpd:proftpd:1.3.5e"
		case strings.Contains(greet, "bftpd"):
			f.product, f.version = "bftpd", "2.2.1"
		}
		list = append(list, f)
	}
	// RTSP on cameras and recorders.
	if (md.typ == typeCamera || md.typ == typeNVR) && r.chance(0.7) {
		srv := pick(r, rtspServers)
		if r.chance(0.3) {
			srv = b + " RTSP Server/" + pick(r, []string{"1.0", "2.1", "{fw}"})
		}
		list = append(list, svcTemplate{kind: kindRTSP, port: 554, answer: 0.75, text: srv, nmapName: "rtsp"})
	}
	// UPnP on routers, NAS boxes and some printers and hubs.
	if r.chance(upnpShare[md.typ]) {
		u := &upnpTemplate{server: "Linux/" + pick(r, []string{"2.6.36", "3.10.14", "4.4.60", "4.19.111"}) + " UPnP/1.0 " + b + "-UPnP/1.0",
			manufacturer: b, modelName: b + " " + typeWords[md.typ], modelNumber: n, friendly: n + " ({mac})"}
		if r.chance(0.3) {
			u.server = "miniupnpd/2.1"
		}
		list = append(list, svcTemplate{kind: kindUPnP, port: 1900, udp: true, answer: 0.5, upnp: u, nmapName: "upnp"})
	}
	// Ports that open and say nothing: print servers, SMB, a
	// recorder's proprietary client port.
	switch md.typ {
	case typePrinter:
		list = append(list, svcTemplate{kind: kindBare, port: 9100, answer: 0.6, nmapName: "jetdirect"})
	case typeNVR:
		list = append(list, svcTemplate{kind: kindBare, port: pick(r, []uint16{8000, 37777, 34567}), answer: 0.7})
	case typeNAS:
		if r.chance(0.3) {
			list = append(list, svcTemplate{kind: kindBare, port: 445, answer: 0.5, nmapName: "microsoft-ds"})
		}
	}
	return list
}

// Shares of models of each type that offer each secondary service.
var (
	tlsShare    = map[deviceType]float64{typeRouter: 0.3, typeCamera: 0.25, typeNVR: 0.2, typeNAS: 0.6, typePrinter: 0.45, typeHub: 0.7}
	sshShare    = map[deviceType]float64{typeRouter: 0.3, typeCamera: 0.1, typeNVR: 0.1, typeNAS: 0.7, typePrinter: 0.02, typeHub: 0.15}
	telnetShare = map[deviceType]float64{typeRouter: 0.15, typeCamera: 0.2, typeNVR: 0.3, typeNAS: 0.02, typePrinter: 0.1, typeHub: 0.05}
	ftpShare    = map[deviceType]float64{typeRouter: 0.08, typeCamera: 0.05, typeNVR: 0.05, typeNAS: 0.6, typePrinter: 0.1, typeHub: 0.0}
	upnpShare   = map[deviceType]float64{typeRouter: 0.45, typeCamera: 0.15, typeNVR: 0.2, typeNAS: 0.5, typePrinter: 0.3, typeHub: 0.2}
)

// certFor draws the certificate a model's firmware makes: names for the
// vendor and the model, a key of the firmware image or of the unit.
func (c *catalog) certFor(r rng, md *model) *certTemplate {
	ct := &certTemplate{o: md.v.org, country: md.v.country, perDeviceKey: r.chance(0.4)}
	n := md.number
	switch r.IntN(5) {
	case 0:
		ct.cn = strings.ToLower(strings.ReplaceAll(n, " ", "")) + "." + md.v.slug + ".local"
	case 1:
		ct.cn = n
	case 2:
		ct.cn = strings.ReplaceAll(n, "-", "") + "-{serial}"
	case 3:
		ct.cn = md.v.slug + "-" + strings.ToLower(strings.ReplaceAll(n, "-", ""))
	default:
		ct.cn = md.brand + " " + n
	}
	if r.chance(0.5) {
		ct.ou = typeWords[md.typ]
	}
	return ct
}

// hardwareRevision makes the next hardware revision of base: the same
// product on a new board, with a firmware line of its own. Most show the
// revision in their banners; some do not, and look the same as the first.
func (c *catalog) hardwareRevision(r rng, base *model) *model {
	md := *base
	md.services = nil
	if base.hw == "" {
		base.hw = "v1"
	}
	md.hw = "v2"
	md.ref = c.uniqueRef(base.ref + "-v2")
	md.released = addDays(base.released, r.between(300, 700))
	if md.released.After(addDays(c.date, -200)) {
		md.released = addDays(c.date, -200)
	}
	md.releases = drawReleases(r, md.scheme, md.released, c.date)
	shows := r.chance(0.85)
	for _, s := range base.services {
		if shows && s.primary {
			s.title = strings.Replace(s.title, md.number, md.number+" v2", 1)
			s.finalTitle = strings.Replace(s.finalTitle, md.number, md.number+" v2", 1)
			s.realm = strings.Replace(s.realm, md.number, md.number+" v2", 1)
		}
		md.services = append(md.services, s)
	}
	md.family = base.family
	if !shows {
		md.lookalike, base.lookalike = base.idx, len(c.models)
	}
	return &md
}

// twinOf makes a white-label twin of base: an OEM's device with the same
// firmware sold under another vendor's name, or the other way round. A
// rebranded twin shows its own brand in its pages and certificate; an
// identical one shows what base shows.
func (c *catalog) twinOf(r rng, base *model) *model {
	var oem *vendor
	for oem == nil {
		v := &vendors[r.IntN(len(vendors))]
		if v.oem && hasType(v, base.typ) || v.brand != base.brand && hasType(v, base.typ) && r.chance(0.2) {
			oem = v
		}
	}
	md := *base
	md.v = oem
	md.brand = oem.brand
	md.number = c.uniqueNumber(r, oem.prefix[base.typ], base.typ)
	md.listedNumber = md.number
	series := oem.series[base.typ]
	if series == "" {
		series = oem.brand
	}
	md.name = series + " " + md.number
	md.ref = c.uniqueRef(oem.slug + "-" + slugOf(md.number))
	md.identical = r.chance(0.3)
	md.services = nil
	for _, s := range base.services {
		if !md.identical {
			s = rebrand(s, base, &md)
		}
		md.services = append(md.services, s)
	}
	md.twin = base.idx
	md.family = base.family
	base.twin = len(c.models) // md's index once added
	base.identical = md.identical
	if md.identical {
		md.lookalike, base.lookalike = base.idx, len(c.models)
	}
	return &md
}

// rebrand replaces a model's brand and number in a template's text.
func rebrand(s svcTemplate, from, to *model) svcTemplate {
	rep := strings.NewReplacer(from.brand, to.brand, from.number, to.number, strings.ReplaceAll(from.number, "-", ""), strings.ReplaceAll(to.number, "-", ""),
		strings.ToLower(strings.ReplaceAll(from.number, "-", "")), strings.ToLower(strings.ReplaceAll(to.number, "-", "")), from.v.slug, to.v.slug)
	s.title, s.finalTitle, s.realm, s.text, s.server = rep.Replace(s.title), rep.Replace(s.finalTitle), rep.Replace(s.realm), rep.Replace(s.text), rep.Replace(s.server)
	if s.cert != nil {
		ct := *s.cert
		ct.cn, ct.o = rep.Replace(ct.cn), to.v.org
		if to.v.org == "" {
			ct.o = to.brand
		}
		s.cert = &ct
	}
	if s.upnp != nil {
		u := *s.upnp
		u.server, u.manufacturer, u.modelName, u.modelNumber, u.friendly = rep.Replace(u.server), to.brand, rep.Replace(u.modelName), to.number, rep.Replace(u.friendly)
		s.upnp = &u
	}
	return s
}

// sibling makes a model the registry does not list from the same vendor
// line as base: the same stack and firmware base, another number.
func (c *catalog) sibling(r rng, base *model) *model {
	if base.identical && base.twin >= 0 && base.twin < base.idx {
		// An identical white-label twin sells its OEM's device as
		// it is, banners and number included: its line is the
		// OEM's, and a sibling of it is another device of the OEM
		// showing another number, not the OEM's number again.
		base = c.models[base.twin]
	}
	md := *base
	md.registered, md.ref, md.twin, md.identical, md.lookalike = false, "", -1, false, -1
	md.number = c.uniqueNumber(r, base.v.prefix[base.typ], base.typ)
	md.listedNumber = md.number
	md.name = strings.Replace(base.name, base.listedNumber, md.number, 1)
	md.family = ""
	md.releases = drawReleases(r, md.scheme, base.released, c.date)
	md.services = nil
	for _, s := range base.services {
		md.services = append(md.services, rebrand(s, base, &md))
	}
	return &md
}

// noName makes a device with no brand in its firmware: generic titles,
// realms and certificates on the same embedded servers.
func (c *catalog) noName(r rng, typ deviceType) *model {
	v := &vendor{brand: "", slug: "generic", org: pick(r, genericOrgs), country: "CN", scheme: pick(r, []string{"semver", "dotted"})}
	md := &model{v: v, typ: typ, twin: -1, lookalike: -1, scheme: v.scheme, number: "", name: "generic " + string(typ)}
	md.released = addDays(c.date, -r.between(300, 3000))
	md.releases = drawReleases(r, md.scheme, md.released, c.date)
	md.st = pickStack(r, typ)
	st := md.st
	web := svcTemplate{kind: kindHTTP, port: 80, answer: 0.97, primary: true, server: st.server, status: 200,
		nmapName: "http", product: st.product, version: st.version, info: st.info, cpe: st.cpe, tech: st.tech}
	web.headers = [][2]string{{"Content-Type", "text/html"}}
	if r.chance(0.5) {
		web.status = 401
		web.realm = pick(r, genericRealms[typ])
		web.title = "401 Unauthorized"
	} else {
		web.title = pick(r, genericTitles[typ])
	}
	if (typ == typeCamera || typ == typeNVR) && r.chance(0.3) {
		web.port = pick(r, []uint16{81, 8080, 88})
	}
	md.services = []svcTemplate{web}
	if r.chance(0.3) {
		tls := web
		tls.port, tls.tls, tls.primary, tls.answer, tls.nmapName = 443, true, false, 0.8, "https"
		tls.cert = &certTemplate{cn: pick(r, genericCNs), o: v.org, country: pick(r, []string{"CN", "US", "TW", ""}), perDeviceKey: r.chance(0.3)}
		md.services = append(md.services, tls)
	}
	if r.chance(0.3) {
		md.services = append(md.services, svcTemplate{kind: kindSSH, port: 22, answer: 0.7, nmapName: "ssh", ssh: pick(r, dropbears), kex: dropbearKex, keyType: "ssh-rsa",
			product: "Dropbear sshd", info: "protocol 2.0", os: "Linux"})
		s := &md.services[len(md.services)-1]
		s.version = strings.TrimPrefix(s.ssh, "SSH-2.0-dropbear_")
		s.cpe = "cpe:/a:matt_johnston:dropbear_ssh_server:" + s.version
	}
	if r.chance(0.35) {
		md.services = append(md.services, svcTemplate{kind: kindTelnet, port: 23, answer: 0.7, text: pick(r, []string{"\r\n(none) login: ", "\r\nLocalHost login: ", "\r\nlogin: "}), nmapName: "telnet", product: "BusyBox telnetd", os: "Linux"})
	}
	if typ == typeCamera || typ == typeNVR {
		md.services = append(md.services, svcTemplate{kind: kindRTSP, port: 554, answer: 0.7, text: pick(r, rtspServers), nmapName: "rtsp"})
	}
	return md
}

// popularity gives each model its share of the devices in the field: a
// long tail (a few models are everywhere, most are rare), independent of
// whether the model is registered or certified.
func (c *catalog) popularity(r rng) {
	weights := func(lo, hi int) []float64 {
		n := hi - lo
		rank := r.Perm(n)
		cum := make([]float64, n)
		total := 0.0
		for i := 0; i < n; i++ {
			w := 1 / math.Pow(float64(rank[i]+8), 0.9)
			c.models[lo+i].weight = w
			total += w
			cum[i] = total
		}
		return cum
	}
	c.regCum = weights(0, c.nreg)
	c.outCum = weights(c.nreg, len(c.models))
	// Models that look the same as another (identical twins, hidden
	// hardware revisions) are a hard case to be measured, not one that
	// decides a score by the luck of the draw: one of them among the
	// most popular models would hold a tenth of the certified devices.
	// They are no more popular than the median registered model.
	ws := make([]float64, c.nreg)
	for i := range ws {
		ws[i] = c.models[i].weight
	}
	sort.Float64s(ws)
	median := ws[len(ws)/2]
	total := 0.0
	for i := 0; i < c.nreg; i++ {
		md := c.models[i]
		if md.lookalike >= 0 && md.weight > median {
			md.weight = median
		}
		total += md.weight
		c.regCum[i] = total
	}
}

// draw picks a model index from cumulative weights cum (offset off).
func draw(r rng, cum []float64, off int) int {
	x := r.Float64() * cum[len(cum)-1]
	lo, hi := 0, len(cum)-1
	for lo < hi {
		mid := (lo + hi) / 2
		if cum[mid] <= x {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return off + lo
}

// honeypotServices collects the services honeypots imitate: the primary
// services of many models, registered or not.
func (c *catalog) honeypotServices(r rng) {
	for i := 0; i < 200; i++ {
		md := c.models[r.IntN(len(c.models))]
		c.honeySvcs = append(c.honeySvcs, honeySvc{md: md, t: &md.services[r.IntN(len(md.services))]})
	}
}
