package fingerprint

import (
	"cmp"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/certprint/certprint/registry"
)

// Thresholds of attribution. A device's evidence for a model is the sum,
// in bits, of the weights of the model's predicates its services match,
// less a penalty for each predicate a service contradicts (the field is
// there, with another value). The verdict weighs every candidate model
// against the hypothesis that the device is none of them.
const (
	// unregisteredBits is the prior odds, in bits, that a device a scan
	// sees is none of the registered models at all. A national registry
	// lists the models of the vendors that sell most of what is installed,
	// so one device in four being a registered model is the order of
	// magnitude; the prior against any one model adds the log of the
	// number of models (Index.nullBits).
	unregisteredBits = 2
	// distinctiveBits is what the heaviest predicate a verdict rests on
	// must weigh, whatever the registry's size: something that names the
	// product (a model number, a certificate's name, a hash), not values
	// like "Server: lighttpd" and a "Login" title, which thousands of
	// products share and which could add up to a verdict in a small
	// registry.
	distinctiveBits = 10
	// minConfidence is the posterior the named candidates need together.
	minConfidence = 0.9
	// ambiguityBits: candidates within this of the best cannot be told
	// apart (OEM twins score the same), and the verdict names them all.
	ambiguityBits = 3
	// assignBits is the evidence on one service that makes it a model's
	// device: a distinctive value, not a Dropbear build that a hundred
	// products share. Weaker evidence ties a service to a device the
	// address already has (closestDevice).
	assignBits = 8
	// contraFactor and contraCap turn a contradicted predicate's weight
	// into a penalty: a changed title weighs against a model, but firmware
	// updates change banners, so less than a match weighs for it.
	contraFactor = 0.5
	contraCap    = 6
	// leaveBits: a service that contradicts every device on its address
	// this much is another device behind the same address.
	leaveBits = 2
	// An address is a honeypot, not a certified device, when it shows
	// honeypotFamilies unrelated registered models on strong evidence, or
	// honeypotDevices devices in all (registered or naming themselves
	// otherwise) with one of them registered: homes and offices forward a
	// few devices through one address, three at most, not five.
	honeypotFamilies = 4
	honeypotDevices  = 5
	// maxCandidates bounds the models evaluated per address.
	maxCandidates = 32
	// maxEvidence bounds the evidence a verdict lists per model.
	maxEvidence = 24
)

// Matcher matches the services of one address at a time against an
// Index. It keeps scratch space between calls, so it is not safe for
// concurrent use: make one per goroutine.
type Matcher struct {
	ix     *Index
	cand   map[int32]float64
	order  []int32
	toks   []string
	evals  []serviceEval
	hits   []predHit // backing store of every serviceEval.matched of a host
	contra []predHit // and of every serviceEval.contra
	seen   []int32   // scratch of deviceScores
	places []int     // scratch of insideDevice
	// names holds the identity keys of each service of the host
	// (identityValues), read once: candidates look named models up by
	// them, evaluateOne checks them, placeRest groups services by them.
	names     [][]string
	keyBuf    []string
	nameCache map[string][]string // Matcher.namesIn
	// orgs caches the registered vendor each certificate organisation
	// seen names ("" for none): normalising a name is costly, and a scan
	// shows few organisations.
	orgs map[string]string
}

// NewMatcher returns a Matcher on ix.
func (ix *Index) NewMatcher() *Matcher {
	return &Matcher{ix: ix, cand: map[int32]float64{}, orgs: map[string]string{}, nameCache: map[string][]string{}}
}

// serviceEval is what one model's best signature says of one service.
type serviceEval struct {
	defined bool // some predicate of the model concerns a field the service has
	score   float64
	matched []predHit
	contra  []predHit // the predicate, and the value that contradicts it
}

type predHit struct {
	pred    int32
	value   string
	version string
}

// device is the services on one address that the evidence ties together.
type device struct {
	family   string
	services []int
	scores   []float64 // by candidate
}

// Host returns the verdicts for the services of one address: one per
// device, ordered by their first port. obs must all have the same address.
func (m *Matcher) Host(obs []registry.Observation) []registry.Verdict {
	if len(obs) == 0 {
		return nil
	}
	cands := m.candidates(obs)
	evals := m.evaluate(cands, obs)
	devices := m.devices(cands, obs, evals)
	for d := range devices {
		devices[d].scores = m.deviceScores(cands, devices[d].services, evals, len(obs))
	}
	if strong := strongFamilies(m.ix, cands, devices); len(strong) >= honeypotFamilies || len(strong) > 0 && len(devices) >= honeypotDevices {
		return []registry.Verdict{m.honeypot(cands, obs, evals, devices, strong)}
	}
	out := make([]registry.Verdict, 0, len(devices))
	for d := range devices {
		out = append(out, m.verdict(cands, obs, evals, &devices[d]))
	}
	return out
}

// maxCachedNames bounds the texts whose names a Matcher remembers, and
// maxCachedText the length of one: a scan shows the same titles and
// greetings on thousands of devices, and reading names is a third of
// the work of matching one.
const (
	maxCachedNames = 1 << 14
	maxCachedText  = 256
)

// namesIn returns the names in one text (textKeys), from the cache when
// the text was seen before. The slice returned must not be changed. Every
// step of matching reads a device's names through it.
func (m *Matcher) namesIn(text string) []string {
	if keys, ok := m.nameCache[text]; ok {
		return keys
	}
	keys := textKeys(nil, text)
	if len(text) <= maxCachedText {
		if len(m.nameCache) == maxCachedNames {
			clear(m.nameCache)
		}
		m.nameCache[text] = keys
	}
	return keys
}

// addNames records the names of the next service of a host in m.names.
// They are slices of one backing array: appending never moves what an
// earlier service's slice holds.
func (m *Matcher) addNames(v *identityValues) {
	start := len(m.keyBuf)
	m.keyBuf = v.appendKeys(m.keyBuf, m.namesIn)
	m.names = append(m.names, m.keyBuf[start:len(m.keyBuf):len(m.keyBuf)])
}

// candidates returns the models whose anchor predicates match some
// service of the address, or that it names, strongest first, at most
// maxCandidates. It reads the names of the host's services into m.names
// on the way: every step after it uses them.
func (m *Matcher) candidates(obs []registry.Observation) []int32 {
	m.names, m.keyBuf = m.names[:0], m.keyBuf[:0]
	clear(m.cand)
	ix := m.ix
	add := func(p int32, value string) {
		pe := &ix.preds[p]
		if pe.mayMatch(value) {
			m.cand[pe.model] += pe.bits
		}
	}
	for i := range obs {
		var ident identityValues
		for name, value := range obs[i].Fields {
			ident.set(name, value)
			for _, field := range lookupNames(name) {
				fi := ix.fields[field]
				if fi == nil {
					continue
				}
				for _, p := range fi.exact[value] {
					add(p, value)
				}
				fi.prefix.walk(value, func(p int32) { add(p, value) })
				if len(fi.token) > 0 {
					m.toks = tokens(m.toks[:0], value)
					for _, t := range m.toks {
						for _, p := range fi.token[t] {
							add(p, value)
						}
					}
				}
				for _, p := range fi.scan {
					add(p, value)
				}
			}
		}
		m.addNames(&ident)
		for _, k := range m.names[i] {
			for _, p := range ix.named[k] {
				m.cand[ix.preds[p].model] += ix.preds[p].bits
			}
		}
	}
	out := m.order[:0]
	for c := range m.cand {
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b int32) int {
		if c := cmp.Compare(m.cand[b], m.cand[a]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	m.order = out
	if len(out) > maxCandidates {
		out = out[:maxCandidates]
	}
	return out
}

// evaluate scores every candidate on every service; the result is
// indexed [candidate*len(obs)+service]. The evaluations' hit lists share
// the matcher's backing arrays, valid until the next host.
func (m *Matcher) evaluate(cands []int32, obs []registry.Observation) []serviceEval {
	n := len(cands) * len(obs)
	if cap(m.evals) < n {
		m.evals = make([]serviceEval, n)
	}
	evals := m.evals[:n]
	m.hits, m.contra = m.hits[:0], m.contra[:0]
	for ci, c := range cands {
		for i := range obs {
			evals[ci*len(obs)+i] = m.evaluateOne(c, &obs[i], m.names[i])
		}
	}
	return evals
}

// evaluateOne scores model c on one service. The model's signatures that
// may describe the service (same transport and TLS, when they say) are
// read together, field by field: a field counts once, for the best of the
// model's predicates on it that the service matches, or, when none does,
// as one contradiction, the mildest. Ports are not compared: devices are
// reached through forwarded and remapped ports. names are the service's
// identity keys.
func (m *Matcher) evaluateOne(c int32, o *registry.Observation, names []string) serviceEval {
	ix := m.ix
	var e serviceEval
	hits, contra := len(m.hits), len(m.contra)
	for si := range ix.models[c].sigs {
		s := &ix.models[c].sigs[si]
		if s.transport != "" && s.transport != o.Transport || s.tls != nil && *s.tls != o.TLS {
			continue
		}
		for _, p := range s.preds {
			pe := &ix.preds[p]
			if pe.kind == kindNamed {
				if slices.Contains(names, pe.value) && !m.named(hits, pe.value) {
					_, value, _ := m.namingValue(o, pe.value)
					m.hits = m.addHit(hits, predHit{pred: p, value: value})
					e.defined = true
				}
				continue
			}
			value, ok := fieldValue(o, pe.field)
			if !ok {
				continue
			}
			hit, version := pe.matches(value)
			switch {
			case hit:
				m.hits = m.addHit(hits, predHit{pred: p, value: value, version: version})
			case pe.implied && ix.familyNumber(c, value):
				continue // a white-label device announcing its OEM's number
			default:
				m.contra = m.addContra(contra, predHit{pred: p, value: value})
			}
			e.defined = true
		}
	}
	// A field matched by one predicate is not contradicted by another.
	kept := m.contra[:contra]
	for _, h := range m.contra[contra:] {
		if !m.hasField(m.hits[hits:], ix.preds[h.pred].field) {
			kept = append(kept, h)
		}
	}
	m.contra = kept
	e.matched = m.hits[hits:len(m.hits):len(m.hits)]
	e.contra = m.contra[contra:len(m.contra):len(m.contra)]
	m.seen = m.seen[:0]
	for _, h := range e.matched {
		m.seen = append(m.seen, h.pred)
	}
	e.score = ix.matchedBits(m.seen)
	for _, h := range e.contra {
		e.score -= m.penaltyOf(h)
	}
	return e
}

// named reports whether one of the service's hits since start read the
// name key already: a title predicate that names the number says what
// the name says.
func (m *Matcher) named(start int, key string) bool {
	for _, h := range m.hits[start:] {
		if slices.Contains(m.ix.preds[h.pred].keys, key) {
			return true
		}
	}
	return false
}

// addHit records a match, keeping per field the heaviest one of the
// service's hits since start.
func (m *Matcher) addHit(start int, h predHit) []predHit {
	field := m.ix.preds[h.pred].field
	for i := start; i < len(m.hits); i++ {
		if m.ix.preds[m.hits[i].pred].field == field {
			if m.ix.preds[h.pred].bits > m.ix.preds[m.hits[i].pred].bits {
				m.hits[i] = h
			}
			return m.hits
		}
	}
	return append(m.hits, h)
}

// addContra records a contradiction, keeping per field the mildest.
func (m *Matcher) addContra(start int, h predHit) []predHit {
	field := m.ix.preds[h.pred].field
	for i := start; i < len(m.contra); i++ {
		if m.ix.preds[m.contra[i].pred].field == field {
			if m.penaltyOf(h) < m.penaltyOf(m.contra[i]) {
				m.contra[i] = h
			}
			return m.contra
		}
	}
	return append(m.contra, h)
}

func (m *Matcher) hasField(hits []predHit, field string) bool {
	for _, h := range hits {
		if m.ix.preds[h.pred].field == field {
			return true
		}
	}
	return false
}

func penalty(bits float64) float64 { return math.Min(contraFactor*bits, contraCap) }

// familyNumber reports whether number is the registered model number of
// a model in c's family.
func (ix *Index) familyNumber(c int32, number string) bool {
	want := registry.Key(number)
	for _, f := range ix.families[ix.models[c].family] {
		if registry.Key(ix.models[f].model.ModelNumber) == want {
			return true
		}
	}
	return false
}

// penaltyOf is what a contradiction costs. Where the predicate names a
// model number and the device's value names another ("SEKIREI SK-6200"
// where the profile says "SEKIREI SK-1000"), the device says it is
// another model, and that costs all the predicate would have proved: a
// sibling built on the same firmware keeps its base model's certificate
// but not its name.
func (m *Matcher) penaltyOf(h predHit) float64 {
	if m.namesAnother(h) {
		return m.ix.preds[h.pred].bits
	}
	return penalty(m.ix.preds[h.pred].bits)
}

// namesAnother reports whether a contradicted predicate names a model
// number and the device's value names another.
func (m *Matcher) namesAnother(h predHit) bool {
	pe := &m.ix.preds[h.pred]
	if len(pe.keys) == 0 {
		return false
	}
	got := m.namesIn(h.value)
	return len(got) > 0 && !sharesKey(got, pe.keys)
}

// namingValue returns the first identity field of o, and its value, that
// names key.
func (m *Matcher) namingValue(o *registry.Observation, key string) (field, value string, ok bool) {
	for _, field := range identityFields {
		if value, ok := o.Fields[field]; ok && namesDevice(field, value) && slices.Contains(m.namesIn(value), key) {
			return field, value, true
		}
	}
	return "", "", false
}

// bannerFields are the protocol-specific names of a service's greeting,
// with their protocols; a reader that cannot tell the protocol (nmap's
// banner script, masscan) writes the same text as "banner".
var bannerFields = map[string]string{
	registry.FieldTelnetBanner: "telnet", registry.FieldFTPBanner: "ftp", registry.FieldSMTPBanner: "smtp",
	registry.FieldPOP3Banner: "pop3", registry.FieldIMAPBanner: "imap",
}

var bannerAliases = []string{registry.FieldBanner, registry.FieldTelnetBanner, registry.FieldFTPBanner,
	registry.FieldSMTPBanner, registry.FieldPOP3Banner, registry.FieldIMAPBanner}

// lookupNames returns the predicate fields an observation field may
// answer.
func lookupNames(name string) []string {
	if name == registry.FieldBanner {
		return bannerAliases
	}
	if _, ok := bannerFields[name]; ok {
		return []string{name, registry.FieldBanner}
	}
	return []string{name}
}

// fieldValue returns the value of field on o, answering a greeting field
// from its generic or specific twin. A raw banner stands for a telnet or
// FTP greeting only on a service whose protocol is that one or unknown:
// an RTSP response is no telnet prompt.
func fieldValue(o *registry.Observation, field string) (string, bool) {
	if v, ok := o.Fields[field]; ok {
		return v, true
	}
	if field == registry.FieldBanner {
		for _, alias := range bannerAliases[1:] {
			if v, ok := o.Fields[alias]; ok {
				return v, true
			}
		}
	} else if p, ok := bannerFields[field]; ok && (o.Protocol == p || o.Protocol == registry.ProtocolUnknown) {
		v, ok := o.Fields[registry.FieldBanner]
		return v, ok
	}
	return "", false
}

// devices ties the services of an address into devices: each service
// goes with the model family whose evidence on it is strongest; the
// others go as closestDevice says, and those that belong to no device
// form one of their own (another device behind the same address).
func (m *Matcher) devices(cands []int32, obs []registry.Observation, evals []serviceEval) []device {
	n := len(obs)
	owner := make([]int, n)
	var out []device
	families := map[string]int{}
	for i := range obs {
		owner[i] = -1
		bestFamily := m.foundingFamily(cands, evals, n, i)
		if bestFamily == "" {
			continue
		}
		d, ok := families[bestFamily]
		if !ok {
			d = len(out)
			families[bestFamily] = d
			out = append(out, device{family: bestFamily})
		}
		owner[i] = d
		out[d].services = append(out[d].services, i)
	}
	if len(out) == 0 {
		all := make([]int, n)
		for i := range all {
			all[i] = i
		}
		return []device{{services: all}}
	}
	out = m.placeRest(cands, obs, evals, owner, out)
	for d := range out {
		slices.Sort(out[d].services)
	}
	slices.SortFunc(out, func(a, b device) int { return cmp.Compare(a.services[0], b.services[0]) })
	return out
}

// foundingFamily is the family whose device service i makes, or "": the
// family its evidence for is distinctive (assignBits), unless another
// family's is as strong, within ambiguityBits. A bftpd greeting that five
// families' profiles hold says the service is an FTP server of some
// embedded firmware, not whose: it goes with the device placeRest finds.
func (m *Matcher) foundingFamily(cands []int32, evals []serviceEval, n, i int) string {
	bestScore, bestFamily := float64(assignBits), ""
	for ci, c := range cands {
		if e := &evals[ci*n+i]; e.defined && e.score >= bestScore {
			if e.score > bestScore || bestFamily == "" {
				bestScore, bestFamily = e.score, m.ix.models[c].family
			}
		}
	}
	if bestFamily == "" {
		return ""
	}
	for ci, c := range cands {
		if e := &evals[ci*n+i]; e.defined && e.score > bestScore-ambiguityBits && m.ix.models[c].family != bestFamily {
			return ""
		}
	}
	return bestFamily
}

// placeRest places the services the evidence left unassigned. One that
// shows a name (m.names) goes with the device that shows the same
// name, else with the other unplaced services that show it: a device of
// its own. One that shows no name goes where closestDevice says, else to
// a device of the address's remaining services.
func (m *Matcher) placeRest(cands []int32, obs []registry.Observation, evals []serviceEval, owner []int, out []device) []device {
	if !slices.Contains(owner, -1) {
		return out
	}
	// The names the founded devices show, read only once a service to
	// place shows one.
	var keys [][]string
	deviceKeys := func() [][]string {
		if keys == nil {
			keys = make([][]string, len(out))
			for i := range obs {
				if owner[i] >= 0 {
					keys[owner[i]] = append(keys[owner[i]], m.names[i]...)
				}
			}
		}
		return keys
	}
	rest, named, alone, inside := -1, len(out), false, -1
	for pass := range 2 {
		if pass == 1 {
			named = len(out)
			alone = m.oneDevice(cands, out, evals, obs, owner)
			if !alone { // closestDevice asks for the device inside only behind a NAT
				inside = m.insideDevice(cands, out, evals, obs, owner)
			}
		}
		for i := range obs {
			if owner[i] >= 0 {
				continue
			}
			if pass == 0 {
				ki := m.names[i]
				if len(ki) == 0 {
					continue
				}
				keys = deviceKeys()
				d := slices.IndexFunc(keys, func(k []string) bool { return sharesKey(k, ki) })
				if d < 0 {
					d = m.seriesDevice(cands, out, ki)
				}
				if d < 0 {
					d = len(out)
					out = append(out, device{})
					keys = append(keys, nil)
				}
				owner[i] = d
				keys[d] = append(keys[d], ki...)
				out[d].services = append(out[d].services, i)
				continue
			}
			d := m.closestDevice(cands, out[:named], evals, obs, i, alone, inside)
			if d < 0 {
				if rest < 0 {
					rest = len(out)
					out = append(out, device{})
				}
				d = rest
			}
			owner[i] = d
			out[d].services = append(out[d].services, i)
		}
	}
	return out
}

// seriesDevice returns the identified device whose models' numbers are
// of the same series as a name the service shows ("SK-9200W" beside a
// registered "SK-5300Plus"), or -1. A vendor's siblings share firmware,
// and with it the base model's prompts and certificates: on one address,
// a sibling's name is more likely the device's own than a second device
// of the same vendor's line behind a NAT. Joined to the device, the name
// contradicts the registered model (penaltyOf) instead of founding a
// device of its own, leaving the base model's hostname unmatched.
func (m *Matcher) seriesDevice(cands []int32, devs []device, keys []string) int {
	for d := range devs {
		if devs[d].family == "" {
			continue
		}
		for _, c := range m.ix.families[devs[d].family] {
			for _, k := range m.ix.models[c].numberKeys {
				for _, s := range keys {
					if p := seriesPrefix(k); len(p) >= 2 && p == seriesPrefix(s) {
						return d
					}
				}
			}
		}
	}
	return -1
}

// closestDevice returns the device of devs (those the evidence or their
// names founded) an unassigned service belongs to, or -1 for none: the
// device whose models' predicates the service matches best, else one
// whose profile names its port (without contradicting it by more than
// leaveBits) or, for a port that sends nothing, one of the kind of device
// that conventionally listens there (portTypes). A service no device explains but none contradicts either (a
// protocol the profiles do not describe, an open port with no banner)
// goes to the device of an address that is alone (oneDevice): most
// addresses are one device. Behind a NAT, with several devices, it is
// nobody's, unless it is on a router's own port (gateway) or, showing
// something, on a port forwarded to the one device inside (insideDevice).
func (m *Matcher) closestDevice(cands []int32, devs []device, evals []serviceEval, obs []registry.Observation, i int, alone bool, inside int) int {
	n := len(obs)
	best, bestScore := -1, 0.0
	contradicted := false
	for d := range devs {
		if devs[d].family == "" {
			continue
		}
		score, named := math.Inf(-1), false
		for ci, c := range cands {
			if m.ix.models[c].family != devs[d].family {
				continue
			}
			if e := &evals[ci*n+i]; e.defined {
				score = math.Max(score, e.score)
				contradicted = contradicted || e.score < -leaveBits
			}
			named = named || m.ix.namesPort(c, &obs[i]) ||
				len(obs[i].Fields) == 0 && typeAnswers(&obs[i], m.ix.models[c].model.DeviceType)
		}
		if named && !math.IsInf(score, -1) && score < -leaveBits {
			named = false // named, but contradicted
		}
		switch {
		case score > bestScore:
			best, bestScore = d, score
		case named && best < 0:
			best = d
		}
	}
	switch {
	case best >= 0:
		return best
	case contradicted:
		return -1
	case alone:
		return 0
	case gatewayPort(&obs[i]):
		return m.gateway(cands, devs)
	case len(obs[i].Fields) > 0:
		return inside
	}
	return -1
}

// insideDevice returns the one device of devs that the address's router
// forwards its other ports to, or -1. Behind a NAT a port that is not the
// router's own is forwarded to a device inside, and a device reached on
// such ports alone ("8888" and "9443", not "80") is one inside. When it
// is the only one, and the services left to place on forwarded ports
// could all be its (one device runs one SSH, one telnet, one web server),
// they are: a camera's Dropbear moved to 2222 beside its pages on 8888.
// One of them that the device's profile contradicts is another device
// inside, and then nothing says whose the rest are. A port that sends
// nothing says too little to be placed so.
func (m *Matcher) insideDevice(cands []int32, devs []device, evals []serviceEval, obs []registry.Observation, owner []int) int {
	found := -1
	for d := range devs {
		if !forwardedOnly(devs[d].services, obs) {
			continue
		}
		if found >= 0 || devs[d].family == "" {
			return -1 // two devices inside, or one the registry does not know
		}
		found = d
	}
	if found < 0 {
		return -1
	}
	services := append(m.places[:0], devs[found].services...)
	for j := range obs {
		if owner[j] >= 0 || len(obs[j].Fields) == 0 || gatewayPort(&obs[j]) {
			continue
		}
		if m.familyContradicts(cands, devs[found].family, evals, len(obs), j) {
			return -1
		}
		services = append(services, j)
	}
	m.places = services[:0]
	if !oneDeviceRuns(services, obs) {
		return -1
	}
	return found
}

// oneDeviceRuns reports whether one device could run all the services:
// one web server, the same build on every port, and one service of every
// other protocol.
func oneDeviceRuns(services []int, obs []registry.Observation) bool {
	server := ""
	for a, i := range services {
		if s := obs[i].Fields[registry.FieldHTTPServer]; s != "" {
			if server != "" && s != server {
				return false
			}
			server = s
		}
		if obs[i].Protocol == "http" || obs[i].Protocol == registry.ProtocolUnknown {
			continue
		}
		for _, j := range services[:a] {
			if obs[j].Protocol == obs[i].Protocol && obs[j].TLS == obs[i].TLS {
				return false
			}
		}
	}
	return true
}

// forwardedOnly reports whether every one of the services is on a port
// that is not a router's own.
func forwardedOnly(services []int, obs []registry.Observation) bool {
	for _, k := range services {
		if gatewayPort(&obs[k]) {
			return false
		}
	}
	return true
}

// oneDevice reports whether an address shows one device: the evidence
// identified a single one, and none of the services left to place says
// it belongs to another, by contradicting the device's profile, by
// running another web server than the device's own (another build of it
// too: "lighttpd/1.4.54" beside "lighttpd/1.4.64"), or by being a silent
// port of a kind of device the model is not (RTSP beside a printer).
func (m *Matcher) oneDevice(cands []int32, devs []device, evals []serviceEval, obs []registry.Observation, owner []int) bool {
	if len(devs) != 1 || devs[0].family == "" {
		return false
	}
	n, family := len(obs), devs[0].family
	var stack [8]string
	servers := stack[:0]
	for _, i := range devs[0].services {
		if s := obs[i].Fields[registry.FieldHTTPServer]; s != "" && !slices.Contains(servers, s) {
			servers = append(servers, s)
		}
	}
	for i := range obs {
		if owner[i] >= 0 {
			continue
		}
		if s := obs[i].Fields[registry.FieldHTTPServer]; s != "" && len(servers) > 0 && !slices.Contains(servers, s) {
			return false
		}
		if len(obs[i].Fields) == 0 && len(portTypes[obs[i].Port]) > 0 && !m.familyAnswers(cands, family, &obs[i]) {
			return false
		}
		if m.familyContradicts(cands, family, evals, n, i) {
			return false
		}
	}
	return true
}

// familyContradicts reports whether a model of the family has a profile
// that service i of n contradicts by more than leaveBits: another device.
func (m *Matcher) familyContradicts(cands []int32, family string, evals []serviceEval, n, i int) bool {
	for ci, c := range cands {
		if e := &evals[ci*n+i]; m.ix.models[c].family == family && e.defined && e.score < -leaveBits {
			return true
		}
	}
	return false
}

// familyAnswers reports whether a model of the family is of a kind that
// conventionally answers on the service's port.
func (m *Matcher) familyAnswers(cands []int32, family string, o *registry.Observation) bool {
	for _, c := range cands {
		if m.ix.models[c].family == family && typeAnswers(o, m.ix.models[c].model.DeviceType) {
			return true
		}
	}
	return false
}

// gatewayPorts are the ports a home router answers on itself (remote
// administration, DNS, TR-069, UPnP), not those it forwards. Behind a NAT
// the address is the router's: a service there that no device explains
// is more likely the router's own than a further device's.
var gatewayPorts = map[string][]uint16{
	"tcp": {22, 23, 53, 80, 443, 7547, 8291},
	"udp": {53, 1900},
}

func gatewayPort(o *registry.Observation) bool {
	return slices.Contains(gatewayPorts[o.Transport], o.Port)
}

// gateway returns the one device of devs whose models are routers, or -1
// when there is none or more than one (then nothing says which).
func (m *Matcher) gateway(cands []int32, devs []device) int {
	found := -1
	for d := range devs {
		if devs[d].family == "" || !m.familyIs(cands, devs[d].family, "router") {
			continue
		}
		if found >= 0 {
			return -1
		}
		found = d
	}
	return found
}

// familyIs reports whether the candidates of a family are all of one
// device type.
func (m *Matcher) familyIs(cands []int32, family, deviceType string) bool {
	seen := false
	for _, c := range cands {
		if m.ix.models[c].family != family {
			continue
		}
		if !strings.EqualFold(m.ix.models[c].model.DeviceType, deviceType) {
			return false
		}
		seen = true
	}
	return seen
}

// namesPort reports whether one of model c's signatures is for the
// service's transport and port.
func (ix *Index) namesPort(c int32, o *registry.Observation) bool {
	for si := range ix.models[c].sigs {
		s := &ix.models[c].sigs[si]
		if s.port == int(o.Port) && (s.transport == "" || s.transport == o.Transport) {
			return true
		}
	}
	return false
}

// deviceScores sums each candidate's evidence over a device's services,
// counting a predicate once however many services match it (one title on
// two ports is one fact) and a contradiction only where no service
// matches the predicate. A distinctive value on one of the device's
// services that another family's profile claims, on a field the
// candidate's own profile says nothing of, weighs against the candidate
// as much as it weighs for the other: the evidence points elsewhere, and a
// service that names two products names neither for sure.
func (m *Matcher) deviceScores(cands []int32, services []int, evals []serviceEval, n int) []float64 {
	scores := make([]float64, len(cands))
	for ci := range cands {
		// seen holds the predicates counted so far: matched ones first,
		// then contradicted ones no service matched.
		seen := m.seen[:0]
		for _, i := range services {
			for _, h := range evals[ci*n+i].matched {
				if !slices.Contains(seen, h.pred) {
					seen = append(seen, h.pred)
				}
			}
		}
		s := m.ix.matchedBits(seen)
		for _, i := range services {
			for _, h := range evals[ci*n+i].contra {
				if !slices.Contains(seen, h.pred) {
					seen = append(seen, h.pred)
					s -= m.penaltyOf(h)
				}
			}
		}
		m.seen = seen
		scores[ci] = s - m.conflict(cands, ci, services, evals, n)
	}
	return scores
}

// correlatedShare is what a matched predicate adds beside a heavier one
// of the same field group: a self-signed certificate's issuer repeats its
// subject, and nmap's product and version repeat the Server header.
const correlatedShare = 0.25

// matchedBits sums the weights of matched predicates, each field group
// counting its heaviest predicate whole and the others at
// correlatedShare.
func (ix *Index) matchedBits(preds []int32) float64 {
	var groups [8]uint8
	var best [8]float64
	k := 0
	total := 0.0
	for _, p := range preds {
		pe := &ix.preds[p]
		if pe.group == 0 {
			total += pe.bits
			continue
		}
		j := slices.Index(groups[:k], pe.group)
		if j < 0 && k < len(groups) {
			j, groups[k] = k, pe.group
			k++
		}
		if j < 0 {
			total += correlatedShare * pe.bits
			continue
		}
		lo, hi := math.Min(best[j], pe.bits), math.Max(best[j], pe.bits)
		total += correlatedShare * lo
		best[j] = hi
	}
	for _, b := range best[:k] {
		total += b
	}
	return total
}

// conflictBits is the least weight of another family's predicate that
// counts against a candidate: commonplace values shared across vendors
// prove nothing either way.
const conflictBits = 8

// conflict is the penalty for candidate ci from other families' strong
// matches on the device's services, the heaviest per service and field.
func (m *Matcher) conflict(cands []int32, ci int, services []int, evals []serviceEval, n int) float64 {
	family := m.ix.models[cands[ci]].family
	total := 0.0
	for _, i := range services {
		own := &evals[ci*n+i]
		// The strongest conflicting predicate per field; a service has few.
		var fields [8]string
		var worst [8]float64
		k := 0
		for cj := range cands {
			if m.ix.models[cands[cj]].family == family {
				continue
			}
			for _, h := range evals[cj*n+i].matched {
				p := &m.ix.preds[h.pred]
				if p.bits < conflictBits || m.covers(own, p.field) {
					continue
				}
				j := slices.Index(fields[:k], p.field)
				switch {
				case j >= 0:
					worst[j] = math.Max(worst[j], p.bits)
				case k < len(fields):
					fields[k], worst[k] = p.field, p.bits
					k++
				}
			}
		}
		for _, bits := range worst[:k] {
			total += bits
		}
	}
	return total
}

// covers reports whether an evaluation involved a predicate on field.
func (m *Matcher) covers(e *serviceEval, field string) bool {
	for _, h := range e.matched {
		if m.ix.preds[h.pred].field == field {
			return true
		}
	}
	for _, h := range e.contra {
		if m.ix.preds[h.pred].field == field {
			return true
		}
	}
	return false
}

// strongFamilies returns, best first, the score of each distinct model
// family that some device of the address is attributed to on evidence
// above the index's null hypothesis.
func strongFamilies(ix *Index, cands []int32, devs []device) []float64 {
	best := map[string]float64{}
	for _, d := range devs {
		for ci, s := range d.scores {
			if f := ix.models[cands[ci]].family; s >= ix.nullBits && s > best[f] {
				best[f] = s
			}
		}
	}
	out := slices.Collect(maps.Values(best))
	slices.Sort(out)
	slices.Reverse(out)
	return out
}

// posterior turns candidate scores into probabilities against the null
// hypothesis that the device is none of them, whose odds are null bits;
// it returns the null's share too.
func posterior(scores []float64, null float64) (post []float64, nullPost float64) {
	mx := null
	for _, s := range scores {
		mx = math.Max(mx, s)
	}
	z := math.Exp2(null - mx)
	post = make([]float64, len(scores))
	for i, s := range scores {
		post[i] = math.Exp2(s - mx)
		z += post[i]
	}
	for i := range post {
		post[i] /= z
	}
	return post, math.Exp2(null-mx) / z
}

func portOf(o *registry.Observation) string {
	return o.Transport + "/" + strconv.Itoa(int(o.Port))
}
