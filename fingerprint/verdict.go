package fingerprint

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/certprint/certprint/registry"
)

// maxListedCandidates bounds the ranked candidates a verdict lists.
const maxListedCandidates = 5

// verdict decides one device: which models it is (all of them when they
// cannot be told apart), how sure that is, and where those models stand
// on the day the device was seen with the firmware it showed.
func (m *Matcher) verdict(cands []int32, obs []registry.Observation, evals []serviceEval, d *device) registry.Verdict {
	v := registry.Verdict{
		IP: obs[0].IP, Ports: portsOf(obs, d.services),
		Class: registry.ClassUnknown, FirmwareState: registry.FirmwareUnobserved,
		Matcher: MatcherVersion, Review: registry.ReviewAuto, ModelRefs: []string{},
	}
	order := rankCandidates(d.scores)
	post, null := posterior(d.scores, m.ix.nullBits)
	v.Candidates = m.listCandidates(cands, d.scores, order)
	chosen, conf := chooseCandidates(d.scores, post, order)
	chosen, twins, conf := m.addTwins(cands, d, evals, obs, post, chosen, conf)
	chosen = m.dropBelied(evals, len(obs), d.services, chosen)
	other, named := m.namedOther(cands, obs, evals, chosen, d.services)
	reason := "conflicting identities: the device also names %q"
	if !named {
		chosen, twins, other, named = m.dropForeign(cands, obs, d.services, chosen, twins)
		reason = "conflicting identities: the device's certificate names another registered vendor, %q"
	}
	if named {
		v.Confidence = round3(null)
		v.Evidence = m.evidence(cands, obs, evals, d.services, chosen[:1])
		v.Reason = fmt.Sprintf(reason, other)
		return v
	}
	if len(chosen) == 0 || conf < minConfidence || m.heaviest(evals, chosen[0], len(obs), d.services) < distinctiveBits {
		v.Confidence = round3(null)
		if len(order) > 0 && d.scores[order[0]] > 0 {
			v.Evidence = m.evidence(cands, obs, evals, d.services, order[:1])
		}
		return v
	}
	v.Confidence = round3(conf)
	v.Ambiguous = len(chosen)+len(twins) > 1
	day := registry.DateOf(firstSeen(obs, d.services))
	first := true
	judge := func(me *modelEntry, version string) {
		v.ModelRefs = append(v.ModelRefs, me.model.Ref)
		st := m.ix.standingOf(me.model, day, version)
		if first || classRank[st.class] < classRank[v.Class] {
			v.Class, v.FirmwareState, v.Programs, v.FirmwareVersion = st.class, st.firmware, st.programs, version
		}
		first = false
	}
	version := ""
	for _, ci := range chosen {
		cv := m.capturedVersion(evals, ci, len(obs), d.services)
		if cv == "" {
			cv = m.shownVersion(cands[ci], obs, d.services)
		}
		if version == "" {
			version = cv
		}
		judge(&m.ix.models[cands[ci]], cv)
	}
	// A twin runs the firmware its OEM's banners show.
	for _, c := range twins {
		judge(&m.ix.models[c], version)
	}
	v.Evidence = m.evidence(cands, obs, evals, d.services, chosen)
	return v
}

// honeypot is the one verdict of an address that shows too many devices
// at once: none of them is believed. Its confidence is that the weakest
// of the strong families really answers there; it lists each device's
// best candidates and their evidence.
func (m *Matcher) honeypot(cands []int32, obs []registry.Observation, evals []serviceEval, devs []device, strong []float64) registry.Verdict {
	all := make([]int, len(obs))
	for i := range all {
		all[i] = i
	}
	v := registry.Verdict{
		IP: obs[0].IP, Ports: portsOf(obs, all),
		Class: registry.ClassUnknown, FirmwareState: registry.FirmwareUnobserved,
		Confidence: round3(1 - math.Exp2(-(strong[len(strong)-1] - m.ix.nullBits + 1))),
		Reason:     fmt.Sprintf("honeypot: %d devices answer on one address, %d of them registered models of unrelated families", len(devs), len(strong)),
		Matcher:    MatcherVersion, Review: registry.ReviewAuto, ModelRefs: []string{},
	}
	for d := range devs {
		order := rankCandidates(devs[d].scores)
		if len(order) == 0 || devs[d].scores[order[0]] <= 0 {
			continue
		}
		v.Candidates = append(v.Candidates, m.listCandidates(cands, devs[d].scores, order[:1])...)
		v.Evidence = append(v.Evidence, m.evidence(cands, obs, evals, devs[d].services, order[:1])...)
	}
	slices.SortStableFunc(v.Candidates, func(a, b registry.Candidate) int { return cmp.Compare(b.Score, a.Score) })
	return v
}

// addTwins adds to the chosen candidates the other models of the best
// one's family that nothing on the device contradicts: an OEM device and
// its white-label twins run one firmware, and a twin whose registered
// profile holds less than its OEM's (or nothing the device showed) is no
// less likely for it. Twins that were not candidates add nothing to the
// confidence.
func (m *Matcher) addTwins(cands []int32, d *device, evals []serviceEval, obs []registry.Observation, post []float64, chosen []int, conf float64) ([]int, []int32, float64) {
	if len(chosen) == 0 {
		return chosen, nil, conf
	}
	n := len(obs)
	family := m.ix.models[cands[chosen[0]]].family
	var extra []int32
	for _, c := range m.ix.families[family] {
		ci := slices.Index(cands, c)
		if ci >= 0 && slices.Contains(chosen, ci) {
			continue
		}
		contradicted := false
		for _, i := range d.services {
			var e serviceEval
			if ci >= 0 {
				e = evals[ci*n+i]
			} else {
				e = m.evaluateOne(c, &obs[i], m.names[i])
			}
			if len(e.contra) > 0 {
				contradicted = true
				break
			}
		}
		switch {
		case contradicted:
		case ci >= 0:
			chosen = append(chosen, ci)
			conf += post[ci]
		default:
			extra = append(extra, c)
		}
	}
	return chosen, extra, conf
}

// dropBelied removes from the candidates named together those a
// distinctive value of the device belies where another of them, belied by
// nothing distinctive, matches that very value: a hardware revision whose
// title says "v2" on one port keeps its first revision's certificate on
// another, and the certificate alone would make it the first. The
// confidence stays that of the family, which the evidence identified.
func (m *Matcher) dropBelied(evals []serviceEval, n int, services []int, chosen []int) []int {
	if len(chosen) < 2 {
		return chosen
	}
	// clean[k]: nothing distinctive belies chosen[k].
	clean := make([]bool, len(chosen))
	for k, ci := range chosen {
		clean[k] = true
		for _, i := range services {
			for _, h := range evals[ci*n+i].contra {
				clean[k] = clean[k] && m.ix.preds[h.pred].bits < distinctiveBits
			}
		}
	}
	belied := func(ci int) bool {
		for _, i := range services {
			for _, h := range evals[ci*n+i].contra {
				if m.ix.preds[h.pred].bits < distinctiveBits {
					continue
				}
				for k, cj := range chosen {
					if cj != ci && clean[k] && m.matchesDistinct(evals[cj*n+i].matched, m.ix.preds[h.pred].field) {
						return true
					}
				}
			}
		}
		return false
	}
	kept := chosen[:0:0]
	for _, ci := range chosen {
		if !belied(ci) {
			kept = append(kept, ci)
		}
	}
	if len(kept) == 0 {
		return chosen
	}
	return kept
}

// dropForeign removes the named models whose devices would not show the
// registered vendor a certificate of the device names (foreignVendor).
// When it removes them all, it returns that organisation.
func (m *Matcher) dropForeign(cands []int32, obs []registry.Observation, services []int, chosen []int, twins []int32) ([]int, []int32, string, bool) {
	if len(chosen) == 0 {
		return chosen, twins, "", false
	}
	var stack [4][2]string
	vendors := m.deviceVendors(stack[:0], obs, services)
	if len(vendors) == 0 {
		return chosen, twins, "", false
	}
	org := ""
	keep := func(c int32) bool {
		o, foreign := m.ix.foreignVendor(vendors, c)
		if foreign && org == "" {
			org = o
		}
		return !foreign
	}
	kept := chosen[:0:0]
	for _, ci := range chosen {
		if keep(cands[ci]) {
			kept = append(kept, ci)
		}
	}
	if org == "" {
		return chosen, twins, "", false
	}
	if len(kept) == 0 {
		return chosen, twins, org, true
	}
	var keptTwins []int32
	for _, c := range twins {
		if keep(c) {
			keptTwins = append(keptTwins, c)
		}
	}
	return kept, keptTwins, "", false
}

// matchesDistinct reports whether one of the hits is a distinctive
// predicate on the field.
func (m *Matcher) matchesDistinct(hits []predHit, field string) bool {
	for _, h := range hits {
		if pe := &m.ix.preds[h.pred]; pe.field == field && pe.bits >= distinctiveBits {
			return true
		}
	}
	return false
}

// rankCandidates orders candidate indices by score, best first.
func rankCandidates(scores []float64) []int {
	order := make([]int, len(scores))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(scores[b], scores[a]) })
	return order
}

// chooseCandidates returns the candidates within ambiguityBits of the
// best, and their posterior together.
func chooseCandidates(scores, post []float64, order []int) (chosen []int, conf float64) {
	if len(order) == 0 || scores[order[0]] <= 0 {
		return nil, 0
	}
	top := scores[order[0]]
	for _, ci := range order {
		if scores[ci] < top-ambiguityBits {
			break
		}
		chosen = append(chosen, ci)
		conf += post[ci]
	}
	return chosen, conf
}

func (m *Matcher) listCandidates(cands []int32, scores []float64, order []int) []registry.Candidate {
	var out []registry.Candidate
	for _, ci := range order {
		if scores[ci] <= 0 || len(out) == maxListedCandidates {
			break
		}
		out = append(out, registry.Candidate{ModelRef: m.ix.models[cands[ci]].model.Ref, Score: round3(scores[ci])})
	}
	return out
}

// namedOther reports whether the device names another model number where
// the best candidate's profile names its own (namesAnother), and the
// value that does. A device that calls itself two models is neither for
// sure: a sibling on its base model's firmware, or a look-alike.
func (m *Matcher) namedOther(cands []int32, obs []registry.Observation, evals []serviceEval, chosen []int, services []int) (string, bool) {
	n := len(obs)
	if len(chosen) == 0 {
		return "", false
	}
	for _, i := range services {
		for _, h := range evals[chosen[0]*n+i].contra {
			if m.namesAnother(h) {
				return h.value, true
			}
		}
	}
	if m.nameOnly(evals, chosen[0], n, services) {
		if value, ok := m.namesSibling(cands[chosen[0]], obs, services); ok {
			return value, true
		}
	}
	// A sibling of the family names its own number where the family's
	// profiles name theirs ("UMIBE US-233Pro" for "UMIBE US-131"): a
	// white-label twin whose profile says nothing of that field is no
	// likelier for it than the OEM, whose profile the name belies.
	family := m.ix.models[cands[chosen[0]]].family
	for ci, c := range cands {
		if ci == chosen[0] || m.ix.models[c].family != family {
			continue
		}
		for _, i := range services {
			for _, h := range evals[ci*n+i].contra {
				if m.namesAnother(h) && !m.namesFamily(c, h.value) {
					return h.value, true
				}
			}
		}
	}
	return "", false
}

// nameOnly reports whether candidate ci is the device's model on the
// registry's word alone: no predicate of its profile that would make a
// verdict by itself matched (distinctiveBits).
func (m *Matcher) nameOnly(evals []serviceEval, ci, n int, services []int) bool {
	for _, i := range services {
		for _, h := range evals[ci*n+i].matched {
			if pe := &m.ix.preds[h.pred]; !pe.implied && pe.bits >= distinctiveBits {
				return false
			}
		}
	}
	return true
}

// namesSibling reports whether the device names, anywhere it writes its
// name, another number of model c's product line than c's family's
// ("Hinode HT-3100N" beside a certificate made for "ht-7700"), and the
// value that does: a sibling built on c's firmware, whose leftovers name
// c. A number followed by a serial or MAC ("ht-7700-a1b2c3") is the
// model's own.
func (m *Matcher) namesSibling(c int32, obs []registry.Observation, services []int) (string, bool) {
	own := m.ix.models[c].numberKeys
	if len(own) == 0 {
		return "", false
	}
	series := seriesPrefix(own[0])
	if len(series) < 2 {
		return "", false
	}
	for _, i := range services {
		for _, k := range m.names[i] {
			if seriesPrefix(k) != series || serialLike(k) || m.ix.familyKey(c, k) {
				continue
			}
			if _, value, ok := m.namingValue(&obs[i], k); ok {
				return value, true
			}
		}
	}
	return "", false
}

// familyKey reports whether key is the identity key of a number of c's
// family, or one followed by a serial number (hex digits).
func (ix *Index) familyKey(c int32, key string) bool {
	for _, f := range ix.families[ix.models[c].family] {
		for _, k := range ix.models[f].numberKeys {
			if rest, ok := strings.CutPrefix(key, k); ok && (rest == "" || len(rest) >= 4 && isHex(rest)) {
				return true
			}
		}
	}
	return false
}

// serialLike reports whether an identity key is a nonce, hash, MAC or
// serial number rather than a name: long, or long enough and hex
// ("ac167d07a3823f67" of a digest challenge starts like "AC-822").
func serialLike(key string) bool {
	return len(key) > 16 || len(key) >= 10 && isHex(key)
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// namesFamily reports whether a value names the number of a model of
// c's family.
func (m *Matcher) namesFamily(c int32, value string) bool {
	got := m.namesIn(value)
	for _, f := range m.ix.families[m.ix.models[c].family] {
		if sharesKey(got, m.ix.models[f].numberKeys) {
			return true
		}
	}
	return false
}

// heaviest is the weight of the heaviest predicate candidate ci matched
// on the device.
func (m *Matcher) heaviest(evals []serviceEval, ci, n int, services []int) float64 {
	best := 0.0
	for _, i := range services {
		for _, h := range evals[ci*n+i].matched {
			best = math.Max(best, m.ix.preds[h.pred].bits)
		}
	}
	return best
}

// capturedVersion is the firmware version the model's strongest
// version-capturing predicate read on the device, or "".
func (m *Matcher) capturedVersion(evals []serviceEval, ci, n int, services []int) string {
	version, bits := "", -1.0
	for _, i := range services {
		for _, h := range evals[ci*n+i].matched {
			if h.version != "" && m.ix.preds[h.pred].bits > bits {
				version, bits = h.version, m.ix.preds[h.pred].bits
			}
		}
	}
	return version
}

// shownVersion is the firmware version a version-capturing predicate of
// model c reads from any service of the device, whatever transport, TLS
// or port its signature was captured on, or "": once the device is the
// model, the page its profile describes on port 88 tells the firmware
// when the device serves it over TLS on 443 too. The heaviest such
// predicate wins.
func (m *Matcher) shownVersion(c int32, obs []registry.Observation, services []int) string {
	version, bits := "", -1.0
	for _, s := range m.ix.models[c].sigs {
		for _, p := range s.preds {
			pe := &m.ix.preds[p]
			if pe.capture == 0 || pe.bits <= bits {
				continue
			}
			for _, i := range services {
				if value, ok := fieldValue(&obs[i], pe.field); ok {
					if hit, v := pe.matches(value); hit && v != "" {
						version, bits = v, pe.bits
						break
					}
				}
			}
		}
	}
	return version
}

// evidence lists, for each chosen candidate, the predicates its
// services matched (positive weight) and contradicted (negative), each
// once, strongest first.
func (m *Matcher) evidence(cands []int32, obs []registry.Observation, evals []serviceEval, services []int, chosen []int) []registry.Evidence {
	var out []registry.Evidence
	n := len(obs)
	for _, ci := range chosen {
		ref := m.ix.models[cands[ci]].model.Ref
		seen := map[int32]bool{}
		var list []registry.Evidence
		for _, i := range services {
			e := &evals[ci*n+i]
			for _, h := range e.matched {
				if !seen[h.pred] {
					seen[h.pred] = true
					list = append(list, m.evidenceItem(ref, &obs[i], h.pred, h.value, m.ix.preds[h.pred].bits))
				}
			}
		}
		for _, i := range services {
			for _, h := range evals[ci*n+i].contra {
				if !seen[h.pred] {
					seen[h.pred] = true
					list = append(list, m.evidenceItem(ref, &obs[i], h.pred, h.value, -m.penaltyOf(h)))
				}
			}
		}
		slices.SortStableFunc(list, func(a, b registry.Evidence) int { return cmp.Compare(b.Weight, a.Weight) })
		out = append(out, list[:min(len(list), maxEvidence)]...)
	}
	return out
}

func (m *Matcher) evidenceItem(ref string, o *registry.Observation, p int32, value string, weight float64) registry.Evidence {
	pe := &m.ix.preds[p]
	field := pe.field
	if pe.kind == kindNamed {
		field, _, _ = m.namingValue(o, pe.value)
	}
	return registry.Evidence{
		ModelRef: ref, Port: portOf(o), Field: field, Predicate: pe.text,
		Observed: value, Weight: round3(weight),
	}
}

func portsOf(obs []registry.Observation, services []int) []string {
	ports := make([]string, 0, len(services))
	for _, i := range services {
		p := portOf(&obs[i])
		if len(ports) == 0 || ports[len(ports)-1] != p {
			ports = append(ports, p)
		}
	}
	return ports
}

// firstSeen is when the device was first observed: the day its standing
// is judged on.
func firstSeen(obs []registry.Observation, services []int) time.Time {
	var t time.Time
	for _, i := range services {
		if o := obs[i].Observed; t.IsZero() || o.Before(t) {
			t = o
		}
	}
	return t
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }
