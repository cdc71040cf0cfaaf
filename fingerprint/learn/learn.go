// Package learn derives a model's profile from captures of a reference
// device: one signature per service (protocol, transport, port, TLS), each
// a set of field predicates. Several captures of one model, say at
// different firmware versions, are combined field by field:
//
//   - a value equal in every capture becomes an exact predicate;
//   - values that differ only in version-like tokens become an anchored
//     regular expression whose named group "version" captures the first of
//     them (the others match any version-like token);
//   - values that differ otherwise become a prefix predicate when a long
//     common prefix remains (at least 8 bytes and half the shortest value,
//     cut back to a word boundary), and are dropped when none does;
//   - a field missing from some captures, and a service missing from some
//     captures, is dropped: it is not what every unit of the model shows.
//
// A Digest challenge's nonce and opaque change with every response: in
// http.www_authenticate their values become wildcards of a pattern.
//
// Some fields are never learned: the certificate and host-key hashes
// differ from one unit to the next (each device generates its own key or
// certificate), so a profile holding them would match only the unit on
// the bench. Fields that say nothing about a model on their own (the HTTP
// status, the TLS version, whether a certificate is self-signed, the host
// key type, ...) are kept beside others, since the matcher weighs
// predicates by rarity, but a signature with nothing else is dropped.
// nmap's reading of a banner (service.product, service.version, ...) is
// kept only for a service with no field of its own: other scanners do not
// write it, and the banner fields already carry what it was read from.
//
// A value that differs between captures in one number-like token is taken
// for a version, whatever it is: two units whose banners carry their
// serial numbers make a pattern that "captures" the serial. A single
// capture makes every value exact; capture at two firmware versions to
// learn where the version is.
package learn

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/certprint/certprint/registry"
)

// Sample is the observations of one capture of the model: one host of one
// capture file.
type Sample struct {
	Name         string
	Observations []registry.Observation
}

// Dropped is something a capture showed that the profile leaves out.
type Dropped struct {
	Service string `json:"service"`         // "http tcp/8080 tls"
	Field   string `json:"field,omitempty"` // "" when the whole service is dropped
	Reason  string `json:"reason"`
}

// Result is a learned profile and what was left out of it.
type Result struct {
	Profile *registry.Profile `json:"profile"`
	Dropped []Dropped         `json:"dropped,omitempty"`
	Samples int               `json:"samples"`
}

// MaxObservations bounds the observations learned from at once: a
// reference device has a handful of services, so more than this is a scan
// of many devices, not captures of one model.
const MaxObservations = 10000

// ErrNothingLearned: every service was dropped.
var ErrNothingLearned = errors.New("nothing to learn")

// perUnitFields differ between units of one model.
var perUnitFields = map[string]string{
	registry.FieldTLSCertSHA256:    "each unit has its own certificate",
	registry.FieldSSHHostKeySHA256: "each unit generates its own host key",
}

// genericFields say nothing about a model on their own.
var genericFields = map[string]bool{
	registry.FieldHTTPStatus:             true,
	registry.FieldTLSVersion:             true,
	registry.FieldTLSSelfSigned:          true,
	registry.FieldSSHHostKeyType:         true,
	registry.FieldSSHPasswordAuth:        true,
	registry.FieldRedisAuthRequired:      true,
	registry.FieldPostgreSQLAuthRequired: true,
	registry.FieldSMBSigningEnabled:      true,
	registry.FieldSMBSigningRequired:     true,
}

// scannerFields are a scanner's interpretation of the banner.
func scannerField(name string) bool { return strings.HasPrefix(name, "service.") }

// SamplesByHost splits the observations of one file into samples, one
// per address: a file may hold captures of several units.
func SamplesByHost(name string, obs []registry.Observation) []Sample {
	byIP := map[netip.Addr]int{}
	var out []Sample
	for _, o := range obs {
		i, ok := byIP[o.IP]
		if !ok {
			i = len(out)
			byIP[o.IP] = i
			out = append(out, Sample{Name: name})
		}
		out[i].Observations = append(out[i].Observations, o)
	}
	if len(out) > 1 {
		for i := range out {
			out[i].Name = name + " " + out[i].Observations[0].IP.String()
		}
	}
	return out
}

// serviceKey names a service of the device.
type serviceKey struct {
	protocol, transport string
	port                uint16
	tls                 bool
}

func (k serviceKey) String() string {
	s := fmt.Sprintf("%s %s/%d", k.protocol, k.transport, k.port)
	if k.tls {
		s += " tls"
	}
	return s
}

// conflict marks a field whose records within one capture disagree.
const conflict = "\x00conflict"

// services collects one sample's fields per service; records of one
// service that disagree on a field make it a conflict.
func services(s Sample) map[serviceKey]map[string]string {
	out := map[serviceKey]map[string]string{}
	for _, o := range s.Observations {
		k := serviceKey{o.Protocol, o.Transport, o.Port, o.TLS}
		fields, seen := out[k]
		if !seen {
			fields = make(map[string]string, len(o.Fields))
			for name, v := range o.Fields {
				fields[name] = v
			}
			out[k] = fields
			continue
		}
		for name, v := range fields {
			if o.Fields[name] != v {
				fields[name] = conflict
			}
		}
		for name := range o.Fields {
			if _, ok := fields[name]; !ok {
				fields[name] = conflict
			}
		}
	}
	return out
}

// Learn derives a profile from samples of one model; every signature gets
// origin. It fails when there is no sample or every service is dropped.
func Learn(samples []Sample, origin registry.Origin) (*Result, error) {
	if len(samples) == 0 {
		return nil, fmt.Errorf("%w: no capture holds an observation", ErrNothingLearned)
	}
	total := 0
	for _, s := range samples {
		total += len(s.Observations)
	}
	if total > MaxObservations {
		return nil, fmt.Errorf("%d observations in %d captures: more than %d is a scan of many devices, not captures of one model", total, len(samples), MaxObservations)
	}
	per := make([]map[serviceKey]map[string]string, len(samples))
	seen := map[serviceKey]int{}
	for i, s := range samples {
		per[i] = services(s)
		for k := range per[i] {
			seen[k]++
		}
	}
	keys := make([]serviceKey, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.transport != b.transport {
			return a.transport < b.transport
		}
		if a.port != b.port {
			return a.port < b.port
		}
		if a.protocol != b.protocol {
			return a.protocol < b.protocol
		}
		return !a.tls && b.tls
	})

	res := &Result{Profile: &registry.Profile{}, Samples: len(samples)}
	for _, k := range keys {
		if seen[k] < len(samples) {
			res.drop(k, "", fmt.Sprintf("seen in %d of %d captures", seen[k], len(samples)))
			continue
		}
		values := make([]map[string]string, len(samples))
		for i := range samples {
			values[i] = per[i][k]
		}
		sig, ok := res.signature(k, values)
		if !ok {
			continue
		}
		o := origin
		sig.Origin = &o
		if err := sig.Validate(); err != nil {
			res.drop(k, "", "learned signature is not valid: "+err.Error())
			continue
		}
		res.Profile.Signatures = append(res.Profile.Signatures, sig)
	}
	if len(res.Profile.Signatures) == 0 {
		return res, fmt.Errorf("%w: every service of the %d captures was dropped (%s)", ErrNothingLearned, len(samples), res.summary())
	}
	return res, nil
}

func (res *Result) drop(k serviceKey, field, reason string) {
	res.Dropped = append(res.Dropped, Dropped{Service: k.String(), Field: field, Reason: reason})
}

func (res *Result) summary() string {
	var parts []string
	for _, d := range res.Dropped {
		if d.Field == "" {
			parts = append(parts, d.Service+": "+d.Reason)
		}
	}
	if len(parts) > 4 {
		parts = append(parts[:4], "...")
	}
	return strings.Join(parts, "; ")
}

// signature learns one service from its fields in every sample.
func (res *Result) signature(k serviceKey, samples []map[string]string) (registry.Signature, bool) {
	names := map[string]bool{}
	for _, fields := range samples {
		for name := range fields {
			names[name] = true
		}
	}
	sorted := make([]string, 0, len(names))
	for name := range names {
		sorted = append(sorted, name)
	}
	sort.Strings(sorted)

	learned := map[string]registry.Predicate{}
	for _, name := range sorted {
		if why, ok := perUnitFields[name]; ok {
			res.drop(k, name, "differs per unit: "+why)
			continue
		}
		vals := make([]string, 0, len(samples))
		for _, fields := range samples {
			if v, ok := fields[name]; ok {
				vals = append(vals, v)
			}
		}
		switch {
		case len(vals) < len(samples):
			res.drop(k, name, fmt.Sprintf("present in %d of %d captures", len(vals), len(samples)))
			continue
		case contains(vals, conflict):
			res.drop(k, name, "records of one capture disagree")
			continue
		}
		p, why := predicate(name, vals)
		if why != "" {
			res.drop(k, name, why)
			continue
		}
		if err := p.Validate(); err != nil {
			res.drop(k, name, err.Error())
			continue
		}
		learned[name] = p
	}

	identifying, own := 0, 0
	for name := range learned {
		if !genericFields[name] {
			identifying++
			if !scannerField(name) {
				own++
			}
		}
	}
	if own > 0 {
		for _, name := range sorted {
			if _, ok := learned[name]; ok && scannerField(name) {
				delete(learned, name)
				res.drop(k, name, "nmap's reading of the banner, which other scanners do not write; the banner fields say it already")
			}
		}
	}
	if identifying == 0 {
		reason := "no field to learn from"
		if len(learned) > 0 {
			reason = "only fields that say nothing about a model on their own"
		}
		res.drop(k, "", reason)
		return registry.Signature{}, false
	}
	sig := registry.Signature{Protocol: k.protocol, Transport: k.transport, Port: int(k.port), Fields: learned}
	tls := k.tls
	sig.TLS = &tls
	return sig, true
}

func contains(vals []string, v string) bool {
	for _, x := range vals {
		if x == v {
			return true
		}
	}
	return false
}

// predicate combines one field's values across captures, or says why it
// cannot.
func predicate(name string, vals []string) (registry.Predicate, string) {
	if name == registry.FieldHTTPWWWAuthenticate {
		if pattern, ok := AuthPattern(vals); ok {
			return registry.Predicate{Regex: pattern}, ""
		}
	}
	if allEqual(vals) {
		return registry.Predicate{Exact: vals[0]}, ""
	}
	if pattern, ok := VersionPattern(vals); ok {
		return registry.Predicate{Regex: pattern, Capture: registry.VersionGroup}, ""
	}
	if prefix, ok := commonPrefix(vals); ok {
		return registry.Predicate{Prefix: prefix}, ""
	}
	return registry.Predicate{}, "differs between captures in more than a version"
}

func allEqual(vals []string) bool {
	for _, v := range vals[1:] {
		if v != vals[0] {
			return false
		}
	}
	return true
}

// versionSubpattern matches a version-like token in a learned pattern.
const versionSubpattern = `[0-9][0-9A-Za-z._-]*`

// maxDifferingTokens bounds the tokens that may differ in one value: a
// version, and a build number or date beside it.
const maxDifferingTokens = 3

// VersionPattern returns an anchored regular expression that matches
// every value when they differ only in version-like tokens: the literal
// text between the tokens is the same in all of them. The first token that
// differs is captured by the group named "version"; other tokens that
// differ match any version-like token; tokens equal in every value stay
// literal. It reports false when the values differ otherwise, when no
// literal text would be left, or when the pattern would not match (and
// capture) each value.
func VersionPattern(vals []string) (string, bool) {
	if len(vals) < 2 {
		return "", false
	}
	split := make([]tokenized, len(vals))
	for i, v := range vals {
		split[i] = tokenize(v)
		if len(split[i].tokens) != len(split[0].tokens) {
			return "", false
		}
		for j, lit := range split[i].literals {
			if lit != split[0].literals[j] {
				return "", false
			}
		}
	}
	var b strings.Builder
	b.WriteString("^")
	differing, literal, first := 0, 0, -1
	for j, lit := range split[0].literals {
		b.WriteString(regexp.QuoteMeta(lit))
		literal += len(strings.TrimSpace(lit))
		if j == len(split[0].tokens) {
			break
		}
		same := true
		for _, s := range split[1:] {
			if s.tokens[j] != split[0].tokens[j] {
				same = false
			}
		}
		switch {
		case same:
			b.WriteString(regexp.QuoteMeta(split[0].tokens[j]))
			literal += len(split[0].tokens[j])
		case differing == 0:
			b.WriteString("(?P<" + registry.VersionGroup + ">" + versionSubpattern + ")")
			differing, first = 1, j
		default:
			b.WriteString("(?:" + versionSubpattern + ")")
			differing++
		}
	}
	b.WriteString("$")
	// Literal text must be left to say what the value is: a pattern of
	// versions alone matches every version of everything.
	if differing == 0 || differing > maxDifferingTokens || literal < 3 {
		return "", false
	}
	pattern := b.String()
	re, err := regexp.Compile(pattern)
	if err != nil {
		return "", false
	}
	group := re.SubexpIndex(registry.VersionGroup)
	for i, v := range vals {
		m := re.FindStringSubmatch(v)
		if m == nil || m[group] != split[i].tokens[first] {
			return "", false
		}
	}
	return pattern, true
}

// tokenized is a value cut into version-like tokens and the literal text
// around them: literals has one element more than tokens.
type tokenized struct {
	literals, tokens []string
}

// maxTokenLetters is the longest run of letters inside a version token
// ("rc", "beta", "p"): a longer word ends it, so that "2.0-AcmeSSH_2.4"
// holds the tokens "2.0" and "2.4", not one token swallowing the name.
const maxTokenLetters = 4

// tokenize finds version-like tokens: a digit that starts a word (after
// anything but a letter or digit), or a dotted number glued to a word
// ("fw1.2.3", "v2.0"), then digits, separators (. _ -) and short letter
// runs, without trailing separators.
func tokenize(s string) tokenized {
	var t tokenized
	last := 0
	for i := 0; i < len(s); {
		if !isDigit(s[i]) || i > 0 && isDigit(s[i-1]) {
			i++
			continue
		}
		glued := i > 0 && isLetter(s[i-1])
		end := tokenEnd(s, i)
		if glued && !dottedNumber(s[i:end]) {
			// A model number such as R100: its digits are part of the
			// word, and a token may start after them ("R100-1.2.3").
			for i < len(s) && isDigit(s[i]) {
				i++
			}
			continue
		}
		t.literals = append(t.literals, s[last:i])
		t.tokens = append(t.tokens, s[i:end])
		last, i = end, end
	}
	t.literals = append(t.literals, s[last:])
	return t
}

func tokenEnd(s string, i int) int {
	j := i
	for j < len(s) {
		c := s[j]
		switch {
		case isDigit(c) || c == '.' || c == '_' || c == '-':
			j++
		case isLetter(c):
			k := j
			for k < len(s) && isLetter(s[k]) {
				k++
			}
			if k-j > maxTokenLetters {
				return trimSeparators(s, i, j)
			}
			j = k
		default:
			return trimSeparators(s, i, j)
		}
	}
	return trimSeparators(s, i, j)
}

func trimSeparators(s string, i, j int) int {
	for j > i+1 && (s[j-1] == '.' || s[j-1] == '_' || s[j-1] == '-') {
		j--
	}
	return j
}

// dottedNumber reports whether a token starts with digits and a dot.
func dottedNumber(tok string) bool {
	k := 0
	for k < len(tok) && isDigit(tok[k]) {
		k++
	}
	return k > 0 && k+1 < len(tok) && tok[k] == '.' && isDigit(tok[k+1])
}

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// minPrefix is the shortest common prefix kept as a predicate.
const minPrefix = 8

// commonPrefix returns the prefix all values share, cut back so that it
// does not end inside a word or a token, when it is long enough to say
// something: at least minPrefix bytes and half the shortest value.
func commonPrefix(vals []string) (string, bool) {
	prefix, shortest := vals[0], len(vals[0])
	for _, v := range vals[1:] {
		n := 0
		for n < len(prefix) && n < len(v) && prefix[n] == v[n] {
			n++
		}
		prefix = prefix[:n]
		shortest = min(shortest, len(v))
	}
	// The values differ right after the prefix: a word or token cut there
	// is part of what differs.
	n := len(prefix)
	for n > 0 && (isDigit(prefix[n-1]) || isLetter(prefix[n-1]) || strings.IndexByte("._-", prefix[n-1]) >= 0) {
		n--
	}
	// Never end inside a UTF-8 character: a cut one is invalid, and goes.
	prefix = strings.ToValidUTF8(prefix[:n], "")
	if len(strings.TrimSpace(prefix)) < minPrefix || 2*len(prefix) < shortest {
		return "", false
	}
	return prefix, true
}

// Note describes the captures a profile was learned from, for its origin.
func Note(names []string) string {
	note := "learned from " + strconv.Itoa(len(names)) + " capture"
	if len(names) != 1 {
		note += "s"
	}
	if len(names) > 0 {
		note += ": " + strings.Join(names, ", ")
	}
	if len(note) > 1000 {
		// The cut may split a character of a file name: a cut one goes.
		note = strings.ToValidUTF8(note[:997], "") + "..."
	}
	return note
}
