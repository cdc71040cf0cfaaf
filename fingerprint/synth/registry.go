package synth

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/certprint/certprint/fingerprint"
	"github.com/certprint/certprint/registry"
)

// story is what happened to a model's certification, drawn once per model.
type story int

const (
	storyNone          story = iota // never certified
	storyValid                      // one valid certification
	storyValidTwo                   // valid in two programmes
	storyExpired                    // expired before the scan
	storyRevoked                    // revoked before the scan, recorded then
	storyRevokedLate                // revoked before the scan, recorded after it
	storyRevokedFuture              // revocation takes effect after the scan
	storySuspended                  // suspended on the scan date
	storyReinstated                 // suspended, then valid again before the scan
	storyFuture                     // certified only after the scan
)

var storyWeights = []float64{
	storyNone: 40, storyValid: 27, storyValidTwo: 6, storyExpired: 8, storyRevoked: 4.5,
	storyRevokedLate: 2.5, storyRevokedFuture: 1.5, storySuspended: 3, storyReinstated: 2, storyFuture: 2,
}

// Programme codes.
const (
	progCCDS   = "CCDS"
	progJCSTAR = "JC-STAR"
	progDLPA   = "DLPA"
)

// programStart is the first day each programme could have certified.
var programStart = map[string]string{progCCDS: "2021-04-01", progJCSTAR: "2025-03-25", progDLPA: "2026-02-01"}

// quiet is how many days around the scan date no certification event
// falls on: an observation's day then never depends on its time zone.
const quiet = 4

// programs returns the programme records, with the DLPA's rule for its
// member vendors' routers.
func programs(date registry.Date) []registry.Program {
	var rules []registry.Rule
	from := registry.MustDate(programStart[progDLPA])
	for _, v := range vendors {
		if v.dlpa {
			rules = append(rules, registry.Rule{Vendor: v.name, DeviceType: string(typeRouter), ReleasedFrom: from, Basis: "member-commitment"})
		}
	}
	return []registry.Program{
		{Code: progCCDS, Name: "CCDS IoT機器セキュリティ認証 (CCDS certification)", Issuer: "CCDS", URL: "https://www.ccds.or.jp/certification/",
			LaterFirmware: registry.LaterFirmwareCovered},
		{Code: progDLPA, Name: "DLPA recommended router (second criterion)", Issuer: "DLPA", Generation: "2",
			LaterFirmware: registry.LaterFirmwareNotCovered, Rules: rules},
		{Code: progJCSTAR, Name: "JC-STAR セキュリティ要件適合評価及びラベリング制度", Issuer: "IPA", URL: "https://www.ipa.go.jp/security/jc-star/",
			LaterFirmware: registry.LaterFirmwareCovered},
	}
}

// certify draws the certifications of every registered model. Twins with
// identical banners mostly share their fate (both certified or neither),
// as vendors certify the firmware they share; some do not.
func (c *catalog) certify() {
	serial := map[string]int{}
	for i := 0; i < c.nreg; i++ {
		md := c.models[i]
		r := newRNG(c.seed, domainCatalog, uint64(1000+i))
		md.story = story(r.weighted(storyWeights))
		if base := md.twin; base >= 0 && base < i && md.identical && r.chance(0.8) {
			// White label with the same firmware: certified with the
			// OEM's model, on the same dates, under its own certificate.
			md.story = c.models[base].story
			md.certs = c.twinCertifications(c.models[base], serial)
			md.profile, md.captures = profileFor(r, md)
			continue
		}
		md.certs = c.certificationsFor(r, md, serial)
		md.profile, md.captures = profileFor(r, md)
	}
}

// twinCertifications copies base's certifications under new certificate
// ids.
func (c *catalog) twinCertifications(base *model, serial map[string]int) []registry.Certification {
	var out []registry.Certification
	for _, bc := range base.certs {
		cert := bc
		cert.History = append([]registry.StatusChange(nil), bc.History...)
		serial[cert.Program]++
		cert.CertificateID = fmt.Sprintf("%s-T%04d", bc.CertificateID, serial[cert.Program])
		out = append(out, cert)
	}
	return out
}

// certificationsFor writes the certifications of one story.
func (c *catalog) certificationsFor(r rng, md *model, serial map[string]int) []registry.Certification {
	if md.story == storyNone {
		return nil
	}
	progs := []string{c.programFor(r, md)}
	if md.story == storyValidTwo {
		other := progJCSTAR
		if progs[0] == progJCSTAR {
			other = progCCDS
		}
		progs = append(progs, other)
	}
	var out []registry.Certification
	for k, prog := range progs {
		st := md.story
		if k > 0 {
			st = storyValid
		}
		out = append(out, c.certification(r, md, prog, st, serial))
	}
	return out
}

// programFor picks the programme a model is certified under: routers
// under all three, other devices under CCDS or JC-STAR.
func (c *catalog) programFor(r rng, md *model) string {
	if md.typ == typeRouter && r.chance(0.3) && c.date.After(addDays(registry.MustDate(programStart[progDLPA]), 120)) {
		return progDLPA
	}
	if r.chance(0.55) && c.date.After(addDays(registry.MustDate(programStart[progJCSTAR]), 120)) {
		return progJCSTAR
	}
	return progCCDS
}

// certification draws one certificate of story st.
func (c *catalog) certification(r rng, md *model, prog string, st story, serial map[string]int) registry.Certification {
	d := c.date
	lo := maxDate(addDays(md.released, 30), registry.MustDate(programStart[prog]))
	hi := addDays(d, -90)
	if st == storyExpired {
		hi = addDays(d, -400)
	}
	if hi.Before(lo) {
		lo = addDays(hi, -200)
	}
	issued := addDays(lo, r.IntN(max(1, days(lo, hi))))
	if st == storyFuture {
		issued = addDays(d, r.between(quiet+6, 150))
	}
	if issued.Before(md.released) {
		md.released = addDays(issued, -30)
	}
	var years int
	var level string
	switch prog {
	case progCCDS:
		years = r.between(2, 3)
		level = map[deviceType]string{typeRouter: "IoT-HG", typeCamera: "IoT-IPC", typeNVR: "IoT-IPC", typeNAS: "IoT-NAS", typePrinter: "IoT-MFP", typeHub: "IoT-Common"}[md.typ]
	case progJCSTAR:
		star := r.weighted([]float64{70, 18, 8, 4}) + 1
		level = strings.Repeat("★", 1) + fmt.Sprint(star)
		years = 2 + star/3
	case progDLPA:
		years = 1
		level = "recommended-2"
	}
	expires := addDays(registry.DateOf(issued.Time().AddDate(years, 0, 0)), -1)
	if st == storyExpired {
		expires = addDays(d, -r.between(quiet+5, 300))
		if !expires.After(addDays(issued, 100)) {
			issued = addDays(expires, -r.between(200, 700))
		}
	} else if !expires.After(addDays(d, quiet+1)) {
		expires = addDays(d, r.between(quiet+30, 500))
	}
	serial[prog]++
	cert := registry.Certification{Program: prog, Level: level, Issued: issued, Expires: expires, Status: registry.StatusValid}
	switch prog {
	case progCCDS:
		cert.CertificateID = fmt.Sprintf("CCDS-%d-%04d", issued.Time().Year(), serial[prog])
	case progJCSTAR:
		cert.CertificateID = fmt.Sprintf("JCS%s-%d-%05d", level[len(level)-1:], issued.Time().Year(), serial[prog])
	case progDLPA:
		cert.CertificateID = fmt.Sprintf("DLPA-G2-%04d", serial[prog])
	}
	if prog == progCCDS && r.chance(0.1) {
		f := false // the vendor opted out of the public list
		cert.Public = &f
	}
	by := map[string]string{progCCDS: "ccds-secretariat", progJCSTAR: "ipa-jcstar", progDLPA: "dlpa"}[prog]
	cert.History = []registry.StatusChange{{Status: registry.StatusValid, Effective: issued, Recorded: addDays(issued, r.between(0, 5)), By: by, Reason: "initial certification"}}
	between := func(a, b registry.Date) registry.Date { return addDays(a, r.IntN(max(1, days(a, b)))) }
	switch st {
	case storyExpired:
		cert.Status = registry.StatusExpired
		cert.History = append(cert.History, registry.StatusChange{Status: registry.StatusExpired, Effective: addDays(expires, 1), Recorded: addDays(expires, r.between(1, 3)), By: by, Reason: "validity ended"})
	case storyRevoked, storyRevokedLate:
		eff := between(addDays(issued, 30), addDays(d, -quiet-1))
		rec := addDays(eff, r.between(1, 40))
		if st == storyRevokedLate || !rec.Before(addDays(d, -quiet)) {
			rec = addDays(d, r.between(quiet+1, 60))
		}
		cert.Status = registry.StatusRevoked
		cert.History = append(cert.History, registry.StatusChange{Status: registry.StatusRevoked, Effective: eff, Recorded: rec, By: by,
			Reason: pick(r, []string{"vulnerability not fixed within the deadline", "requirements no longer met", "false declaration"})})
	case storyRevokedFuture:
		eff := addDays(d, r.between(quiet+5, 90))
		cert.Status = registry.StatusRevoked
		cert.History = append(cert.History, registry.StatusChange{Status: registry.StatusRevoked, Effective: eff, Recorded: addDays(eff, r.between(0, 10)), By: by, Reason: "end of support announced"})
	case storySuspended:
		eff := between(addDays(issued, 30), addDays(d, -quiet-1))
		cert.Status = registry.StatusSuspended
		cert.History = append(cert.History, registry.StatusChange{Status: registry.StatusSuspended, Effective: eff, Recorded: addDays(eff, r.between(0, 7)), By: by, Reason: "investigation of a reported vulnerability"})
	case storyReinstated:
		eff := between(addDays(issued, 30), addDays(d, -60))
		back := between(addDays(eff, 5), addDays(d, -quiet-1))
		cert.History = append(cert.History,
			registry.StatusChange{Status: registry.StatusSuspended, Effective: eff, Recorded: addDays(eff, 1), By: by, Reason: "investigation of a reported vulnerability"},
			registry.StatusChange{Status: registry.StatusValid, Effective: back, Recorded: addDays(back, 1), By: by, Reason: "fixed firmware released"})
	}
	cert.Firmware = scopeFor(r, md, prog, issued)
	return cert
}

func maxDate(a, b registry.Date) registry.Date {
	if a.After(b) {
		return a
	}
	return b
}

func days(a, b registry.Date) int { return int(b.Time().Sub(a.Time()) / (24 * time.Hour)) }

// scopeFor writes the firmware a certificate covers: from the version
// current at issue on, under the vendor's scheme, for programmes that keep
// later firmware covered; the versions assessed, exactly, for one that
// does not. Some certificates name no firmware at all.
func scopeFor(r rng, md *model, prog string, issued registry.Date) *registry.FirmwareScope {
	at := 0
	for i, rel := range md.releases {
		if !rel.date.After(issued) {
			at = i
		}
	}
	if prog == progDLPA {
		versions := []string{md.releases[at].version}
		if at > 0 && r.chance(0.4) {
			versions = append([]string{md.releases[at-1].version}, versions...)
		}
		return &registry.FirmwareScope{Versions: versions}
	}
	if r.chance(0.1) {
		return nil
	}
	return &registry.FirmwareScope{Scheme: md.scheme, Ranges: []string{">=" + md.releases[at].version}}
}

// classOf is the true class of a device of model md running firmware fw,
// observed on day d: SPEC's verdict rules applied to what is true. shown
// says whether the scan shows the version (SPEC counts firmware it cannot
// see as in scope).
func classOf(md *model, fw string, shown bool, d registry.Date) registry.Class {
	if !md.registered {
		return registry.ClassUnknown
	}
	best := registry.ClassUncertified
	for i := range md.certs {
		c := &md.certs[i]
		s, ok := c.StatusOn(d)
		if !ok {
			continue // not issued yet on that day
		}
		switch s {
		case registry.StatusValid:
			if shown && c.Firmware != nil && !c.Firmware.Contains(fw) {
				best = better(best, registry.ClassCertifiedOutOfScope)
			} else {
				return registry.ClassCertified
			}
		case registry.StatusExpired:
			best = better(best, registry.ClassCertifiedOutOfScope)
		}
	}
	return best
}

func better(a, b registry.Class) registry.Class {
	rank := map[registry.Class]int{registry.ClassUnknown: 0, registry.ClassUncertified: 1, registry.ClassCertifiedOutOfScope: 2, registry.ClassCertified: 3}
	if rank[b] > rank[a] {
		return b
	}
	return a
}

// versionPattern is how a captured profile reads a version: what a
// profile learned from captures at several firmware versions writes.
const versionPattern = `(?P<version>[0-9A-Za-z][0-9A-Za-z._()-]*)`

// placeholders and the patterns a profile writes for them.
var placeholderPatterns = map[string]string{
	"{fw}": versionPattern, "{mac}": "[0-9A-F]{6}", "{serial}": "[0-9A-Z]{8}", "{ip}": "[0-9A-Fa-f.:]+", "{nonce}": "[0-9a-f]+", "{ts}": "[0-9]+",
}
var placeholderRE = regexp.MustCompile(`\{(fw|mac|serial|ip|nonce|ts)\}`)

// marker stands for a placeholder while a template is made canonical: a
// private-use character, which cleaning keeps and no banner holds.
const marker = "\ue000"

// predicateFor turns a banner template into the predicate a capture of
// the reference device would give: exact text, a prefix up to a nonce,
// or an anchored pattern with the version captured.
func predicateFor(kind svcKind, field, tmpl string) (registry.Predicate, bool) {
	canon := func(s string) string { return canonical(kind, field, s) }
	locs := placeholderRE.FindAllStringIndex(tmpl, -1)
	if len(locs) == 0 {
		return registry.Predicate{Exact: canon(tmpl)}, false
	}
	if p := tmpl[locs[0][0]:locs[0][1]]; len(locs) == 1 && (p == "{nonce}" || p == "{ts}") {
		return registry.Predicate{Prefix: canon(tmpl[:locs[0][0]])}, false
	}
	var b strings.Builder
	b.WriteString("^")
	last, version := 0, false
	text := canon(placeholderRE.ReplaceAllStringFunc(tmpl, func(p string) string { return marker + p[1:len(p)-1] + marker }))
	for _, part := range strings.Split(text, marker) {
		if p, ok := placeholderPatterns["{"+part+"}"]; ok && last%2 == 1 {
			b.WriteString(p)
			version = version || part == "fw"
		} else {
			b.WriteString(regexp.QuoteMeta(part))
		}
		last++
	}
	b.WriteString("$")
	return registry.Predicate{Regex: b.String()}, version
}

// canonical is a banner as the importers store it: cleaned, telnet and
// FTP text without line ends around it, titles on one line.
func canonical(kind svcKind, field, s string) string {
	switch field {
	case registry.FieldHTTPTitle, registry.FieldHTTPServer, registry.FieldHTTPWWWAuthenticate, registry.FieldHTTPLocation,
		registry.FieldTLSSubjectCN, registry.FieldRTSPServer, registry.FieldUPnPModelName, registry.FieldUPnPManufacturer,
		registry.FieldUPnPModelNumber, registry.FieldUPnPServer:
		return strings.Join(strings.Fields(s), " ")
	}
	return fingerprint.Clean(s)
}

// distinctive reports whether text names the model or its maker.
func distinctive(md *model, s string) bool {
	ls := strings.ToLower(s)
	series := strings.TrimSpace(strings.TrimSuffix(strings.TrimSuffix(md.name, md.listedNumber), md.number))
	for _, w := range []string{md.number, strings.ReplaceAll(md.number, "-", ""), md.brand, md.v.slug, series} {
		if w != "" && strings.Contains(ls, strings.ToLower(w)) {
			return true
		}
	}
	return false
}

// profileFor writes the profile a certification body registers from its
// reference device: one signature per service it captured (not always
// every service), each with the fields that service showed. A realm, a
// certificate and a page title go in separate signatures, because no
// scanner shows all three of one port. Generic values (the stack's Server
// header, a dropbear banner) stay in, as a capture keeps them.
func profileFor(r rng, md *model) (*registry.Profile, []capture) {
	p := &registry.Profile{}
	var caps []capture
	at := time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC)
	if rel := md.releases[len(md.releases)-1].date.Time(); rel.After(at) {
		at = rel
	}
	origin := &registry.Origin{Kind: "capture", Tool: "nmap 7.93", At: at.Add(time.Duration(md.idx) * time.Minute)}
	// nmap's scripts do not show a realm or a redirect: those signatures
	// were learned from ZGrab2 records of the reference device.
	headers := &registry.Origin{Kind: "learned", Tool: "zgrab2", At: origin.At.Add(time.Hour), Note: "from HTTP response headers"}
	if r.chance(0.3) {
		origin = &registry.Origin{Kind: "manual", Note: "from the vendor's test report"}
		headers = origin
	}
	add := func(s svcTemplate, fields map[string]registry.Predicate) {
		if len(fields) == 0 {
			return
		}
		o := origin
		if _, ok := fields[registry.FieldHTTPWWWAuthenticate]; ok {
			o = headers
		}
		if _, ok := fields[registry.FieldHTTPLocation]; ok {
			o = headers
		}
		sig := registry.Signature{Protocol: protocolOf(s.kind), Transport: "tcp", Port: int(s.port), Fields: fields, Origin: o}
		if s.udp {
			sig.Transport = "udp"
		}
		if s.kind == kindHTTP {
			tls := s.tls
			sig.TLS = &tls
		}
		p.Signatures = append(p.Signatures, sig)
	}
	field := func(fields map[string]registry.Predicate, s svcTemplate, name, tmpl string) {
		if tmpl == "" {
			return
		}
		pred, version := predicateFor(s.kind, name, tmpl)
		fields[name] = pred
		if version {
			caps = append(caps, capture{field: name, re: regexp.MustCompile(pred.Regex)})
		}
	}
	for _, s := range md.services {
		if !s.primary && !r.chance(0.85) {
			continue
		}
		switch s.kind {
		case kindHTTP:
			title := s.title
			if s.finalTitle != "" {
				title = s.finalTitle
			}
			if distinctive(md, title) {
				f := map[string]registry.Predicate{}
				field(f, s, registry.FieldHTTPTitle, title)
				field(f, s, registry.FieldHTTPServer, s.server)
				if s.location == "" && r.chance(0.2) {
					f[registry.FieldHTTPStatus] = registry.Predicate{Exact: strconv.Itoa(s.status)}
				}
				add(s, f)
			}
			if s.realm != "" {
				f := map[string]registry.Predicate{}
				field(f, s, registry.FieldHTTPWWWAuthenticate, s.realm)
				field(f, s, registry.FieldHTTPServer, s.server)
				add(s, f)
			}
			if s.location != "" {
				f := map[string]registry.Predicate{}
				field(f, s, registry.FieldHTTPLocation, s.location)
				field(f, s, registry.FieldHTTPServer, s.server)
				add(s, f)
			}
			if s.cert != nil {
				f := map[string]registry.Predicate{}
				field(f, s, registry.FieldTLSSubjectCN, s.cert.cn)
				if r.chance(0.6) {
					pred, _ := predicateFor(s.kind, registry.FieldTLSIssuer, s.cert.issuerDN())
					f[registry.FieldTLSIssuer] = pred
				}
				if r.chance(0.3) {
					f[registry.FieldTLSSelfSigned] = registry.Predicate{Exact: "true"}
				}
				add(s, f)
			}
		case kindSSH:
			if r.chance(0.5) {
				add(s, map[string]registry.Predicate{registry.FieldSSHBanner: {Exact: s.ssh}})
			}
		case kindTelnet:
			if distinctive(md, s.text) || r.chance(0.3) {
				f := map[string]registry.Predicate{}
				field(f, s, registry.FieldTelnetBanner, s.text)
				add(s, f)
			}
		case kindFTP:
			f := map[string]registry.Predicate{}
			field(f, s, registry.FieldFTPBanner, s.text)
			add(s, f)
		case kindRTSP:
			f := map[string]registry.Predicate{}
			field(f, s, registry.FieldRTSPServer, s.text)
			add(s, f)
		case kindUPnP:
			f := map[string]registry.Predicate{}
			field(f, s, registry.FieldUPnPManufacturer, s.upnp.manufacturer)
			field(f, s, registry.FieldUPnPModelName, s.upnp.modelName)
			field(f, s, registry.FieldUPnPModelNumber, s.upnp.modelNumber)
			add(s, f)
		}
	}
	if len(p.Signatures) == 0 {
		return nil, nil
	}
	return p, caps
}

// protocolOf names a service kind in the profile vocabulary.
func protocolOf(k svcKind) string {
	return [...]string{kindHTTP: "http", kindSSH: "ssh", kindTelnet: "telnet", kindFTP: "ftp", kindRTSP: "rtsp", kindUPnP: "upnp", kindSMTP: "smtp", kindBare: "unknown"}[k]
}

// document builds registry.json from the registered models.
func (c *catalog) document() *registry.Document {
	doc := &registry.Document{Programs: programs(c.date)}
	for i := 0; i < c.nreg; i++ {
		md := c.models[i]
		m := registry.Model{Ref: md.ref, Vendor: md.v.name, Name: md.name, ModelNumber: md.listedNumber, HardwareVersion: md.hw,
			DeviceType: string(md.typ), Released: month(md.released), Family: md.family, Certifications: md.certs, Profile: md.profile}
		if md.typ == typeRouter || md.typ == typeCamera {
			m.CPE = fmt.Sprintf("cpe:2.3:h:%s:%s:%s:*:*:*:*:*:*:*", md.v.slug, strings.ToLower(strings.ReplaceAll(md.number, " ", "_")), orStar(strings.ToLower(md.hw)))
		}
		if md.twin >= 0 {
			t := c.models[md.twin]
			m.Aliases = []string{t.brand + " " + t.number}
		}
		doc.Models = append(doc.Models, m)
	}
	sort.SliceStable(doc.Models, func(i, j int) bool { return doc.Models[i].Ref < doc.Models[j].Ref })
	return doc
}

func orStar(s string) string {
	if s == "" {
		return "*"
	}
	return s
}
