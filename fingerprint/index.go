package fingerprint

import (
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"strings"

	"golang.org/x/text/unicode/norm"

	"github.com/certprint/certprint/registry"
)

// MatcherVersion names the matching rules and the background table they
// use. A verdict records it, so that a scan matched again with the same
// registry revision and matcher version gives the same verdicts, and a
// change in either is visible.
var MatcherVersion = "certprint-match/4+" + defaultBackground.version

// anchorBits is the least a predicate must weigh to make its model a
// candidate when it matches: weaker predicates (a status code, a
// "Server: lighttpd" a thousand products share) count once a model is a
// candidate, but looking models up by them would make every model a
// candidate of every host.
const anchorBits = 3

// Index is the registry compiled for matching: every predicate compiled
// once and weighed once, exact values in hash maps, prefixes in a trie,
// and regular expressions behind a literal prefilter. It is immutable and
// safe for concurrent use; each goroutine matches with its own Matcher.
type Index struct {
	models   []modelEntry
	families map[string][]int32 // models by family, in registry order
	preds    []predEntry
	fields   map[string]*fieldIndex // by the field name predicates use
	programs map[string]*registry.Program
	bg       *background
	stats    IndexStats
	// nullBits is the prior odds, in bits, that a device is not one given
	// registered model: evidence must outweigh it before a model is
	// named. The more models, the more chances of a coincidence.
	nullBits float64
	// vendors are the registered vendors, by vendorKey.
	vendors map[string]bool
	// named finds the kindNamed predicates by the identity key they name.
	named map[string][]int32
}

// IndexStats describes an index, for benchmarks and `match` output.
type IndexStats struct {
	Models     int `json:"models"`
	Signatures int `json:"signatures"`
	Predicates int `json:"predicates"`
	Anchors    int `json:"anchors"`
	// Scanned counts anchor patterns with no literal to look them up by:
	// they run on every value of their field.
	Scanned int `json:"scanned"`
}

type modelEntry struct {
	model  *registry.Model
	family string
	sigs   []sigEntry
	// orgs are the certificate organisations the model's devices may
	// show, by vendorKey (foreignVendor).
	orgs []string
	// numberKeys are the identity keys of the model number (textKeys of
	// its NFKC form), which weighing and placing services compare with.
	numberKeys []string
}

type sigEntry struct {
	port      int
	transport string
	tls       *bool
	preds     []int32 // into Index.preds
}

type predKind uint8

const (
	kindExact predKind = iota
	kindPrefix
	kindRegex
	// kindNamed is the predicate the registry implies on every field
	// where devices write their names: the value names the model's number
	// (namePredicate). Its value is the number's identity key.
	kindNamed
)

// namedField is the field of a kindNamed predicate: any identity field.
const namedField = "(name)"

type predEntry struct {
	model   int32
	sig     int32
	field   string
	kind    predKind
	value   string // exact value or prefix, or the pattern
	re      *regexp.Regexp
	capture int // submatch index of the version, 0 when none
	bits    float64
	// filter is a literal the value must contain before re runs.
	filter string
	// text is the predicate as evidence shows it.
	text string
	// group numbers the predicate's field group (0: none): predicates of
	// one group restate one fact.
	group uint8
	// implied marks a predicate the registry implies rather than a profile
	// states: the model number, which a twin's devices may replace by
	// their OEM's (modelNumberPredicate).
	implied bool
	// keys are the model numbers the predicate's literal names, on a
	// field where devices write their names (identityFields).
	keys []string
}

// fieldIndex finds the anchor predicates of one field that may match a
// value.
type fieldIndex struct {
	exact  map[string][]int32
	prefix trieNode
	token  map[string][]int32
	scan   []int32
}

// NewIndex compiles the models of doc (programmes for their rules and
// firmware policy). It fails on a profile the registry would refuse, so
// a hand-built document cannot slip a catch-all past validation.
func NewIndex(doc *registry.Document) (*Index, error) {
	ix := &Index{fields: map[string]*fieldIndex{}, families: map[string][]int32{},
		programs: map[string]*registry.Program{}, bg: defaultBackground, named: map[string][]int32{}}
	for i := range doc.Programs {
		ix.programs[doc.Programs[i].Code] = &doc.Programs[i]
	}
	for i := range doc.Models {
		if err := ix.addModel(&doc.Models[i]); err != nil {
			return nil, err
		}
	}
	ix.weigh()
	ix.indexVendors()
	for i := range ix.preds {
		if ix.preds[i].bits >= anchorBits {
			ix.anchor(int32(i))
		}
	}
	ix.stats.Models, ix.stats.Predicates = len(ix.models), len(ix.preds)
	ix.nullBits = unregisteredBits + math.Log2(float64(max(len(ix.models), 1)))
	return ix, nil
}

// Stats describes the index.
func (ix *Index) Stats() IndexStats { return ix.stats }

func (ix *Index) addModel(m *registry.Model) error {
	me := modelEntry{model: m, family: m.Family, numberKeys: textKeys(nil, norm.NFKC.String(m.ModelNumber))}
	if me.family == "" {
		me.family = "ref:" + m.Ref
	}
	model := int32(len(ix.models))
	if m.Profile != nil {
		if err := m.Profile.Validate(); err != nil {
			return fmt.Errorf("model %s: profile: %w", m.Ref, err)
		}
		for si := range m.Profile.Signatures {
			s := &m.Profile.Signatures[si]
			se := sigEntry{port: s.Port, transport: s.Transport, tls: s.TLS}
			for _, field := range sortedKeys(s.Fields) {
				pe, err := compilePredicate(field, s.Fields[field])
				if err != nil {
					return fmt.Errorf("model %s: profile: signatures[%d].fields.%s: %w", m.Ref, si, field, err)
				}
				pe.model, pe.sig, pe.group = model, int32(len(me.sigs)), fieldGroups[field]
				se.preds = append(se.preds, int32(len(ix.preds)))
				ix.preds = append(ix.preds, pe)
			}
			me.sigs = append(me.sigs, se)
			ix.stats.Signatures++
		}
	}
	// The registry's own predicates come after the profile's: a name
	// counts only where no predicate of the profile read it already
	// (evaluateOne).
	for _, implied := range []func(*modelEntry) (predEntry, bool){modelNumberPredicate, namePredicate} {
		if pe, ok := implied(&me); ok {
			pe.model, pe.sig = model, int32(len(me.sigs))
			me.sigs = append(me.sigs, sigEntry{preds: []int32{int32(len(ix.preds))}})
			ix.preds = append(ix.preds, pe)
		}
	}
	ix.models = append(ix.models, me)
	ix.families[me.family] = append(ix.families[me.family], model)
	return nil
}

// modelNumberPredicate is the predicate the registry itself implies: a
// UPnP description that names the model's number, as devices announce
// it (ASCII, so the registry's full-width spelling is NFKC-folded). The
// number of another model of the family does not count against the model
// (a white-label device announces its OEM's); any other number does. It
// is left out when the profile already says what the description holds.
func modelNumberPredicate(me *modelEntry) (predEntry, bool) {
	m := me.model
	number := strings.TrimSpace(norm.NFKC.String(m.ModelNumber))
	if number == "" {
		return predEntry{}, false
	}
	if m.Profile != nil {
		for _, s := range m.Profile.Signatures {
			if _, ok := s.Fields[registry.FieldUPnPModelNumber]; ok {
				return predEntry{}, false
			}
		}
	}
	return predEntry{field: registry.FieldUPnPModelNumber, kind: kindExact, value: number,
		text: "registered model number " + number, implied: true}, true
}

// namePredicate is the other predicate the registry implies: a title,
// realm, greeting, certificate name or UPnP description that names the
// model's number ("HTH-543 Login", "AKEBONO AC-822 (fw 3.1.6)") is
// evidence for the model, whether or not its profile holds that service.
// Certification lists publish numbers, and devices show them: this is
// the link between the two that needs no capture of the device. It never
// counts against a model: most services name nothing. A number that is no
// single model-number word ("Cam 740") implies nothing. The key is the
// number's first identity key, as the model's numberKeys hold it.
func namePredicate(me *modelEntry) (predEntry, bool) {
	number := strings.TrimSpace(norm.NFKC.String(me.model.ModelNumber))
	var stack [2]string
	if words := compoundTokens(stack[:0], number); len(words) != 1 || words[0] != number || len(me.numberKeys) == 0 {
		return predEntry{}, false
	}
	key := me.numberKeys[0]
	return predEntry{field: namedField, kind: kindNamed, value: key, keys: []string{key},
		text: "names registered model number " + number, implied: true}, true
}

func compilePredicate(field string, p registry.Predicate) (predEntry, error) {
	switch {
	case p.Exact != "":
		return predEntry{field: field, kind: kindExact, value: p.Exact, text: kindNames[kindExact] + p.Exact}, nil
	case p.Prefix != "":
		return predEntry{field: field, kind: kindPrefix, value: p.Prefix, text: kindNames[kindPrefix] + p.Prefix}, nil
	}
	re, err := regexp.Compile(p.Regex)
	if err != nil {
		return predEntry{}, err
	}
	pe := predEntry{field: field, kind: kindRegex, value: p.Regex, re: re, text: kindNames[kindRegex] + p.Regex}
	if g := p.CaptureGroup(); g != "" {
		pe.capture = re.SubexpIndex(g)
	}
	if lits := patternLiterals(p.Regex); len(lits.Required) > 0 {
		pe.filter = lits.Required[0]
	}
	return pe, nil
}

// literal is the text a predicate pins down: what it is weighed by.
func (p *predEntry) literal() string {
	if p.kind == kindRegex {
		return patternLiterals(p.value).Text
	}
	return p.value
}

// weigh sets every predicate's bits: its literal text against the
// background, bounded by how many model families share that text on that
// field.
func (ix *Index) weigh() {
	type key struct{ field, text string }
	families := map[key]map[string]bool{}
	texts := make([]string, len(ix.preds))
	for i := range ix.preds {
		p := &ix.preds[i]
		texts[i] = p.literal()
		k := key{p.field, strings.ToLower(texts[i])}
		if families[k] == nil {
			families[k] = map[string]bool{}
		}
		families[k][ix.models[p.model].family] = true
	}
	numbers := map[string]bool{}
	for i := range ix.models {
		for _, k := range ix.models[i].numberKeys {
			numbers[k] = true
		}
	}
	for i := range ix.preds {
		p := &ix.preds[i]
		shared := sharedBits(len(families[key{p.field, strings.ToLower(texts[i])}]))
		if p.kind == kindNamed {
			p.bits = math.Min(maxModelNumberBits, shared)
			continue
		}
		if isIdentityField(p.field) || p.field == registry.FieldUPnPModelNumber {
			p.keys = textKeys(nil, texts[i])
		}
		rest, named := registeredNumbers(texts[i], numbers)
		bits := float64(named) * maxModelNumberBits
		if named == 0 || strings.TrimSpace(rest) != "" {
			bits += ix.bg.literalBits(p.field, rest)
		}
		p.bits = clampBits(math.Min(bits, shared), fieldCap(p.field))
	}
}

// registeredNumbers returns text without the registered model numbers
// it names, and how many it named. Such a word weighs as the longest model
// numbers do, wherever it stands: shape alone weighs "HS-380" as one of
// many possible five-character numbers, but the registry knows it is the
// number of a product, which a device shows only if it is that product
// (or its twin). Weighed apart from the rest, it keeps its weight after a
// common prefix too, whose tail otherwise counts as a build string ("220
// ProFTPD 1.3.5e Server (AKEBONO AC-187S)").
func registeredNumbers(text string, numbers map[string]bool) (string, int) {
	if len(numbers) == 0 {
		return text, 0
	}
	var stack [32]string
	var b []byte
	named, from := 0, 0
	for _, t := range compoundTokens(stack[:0], text) {
		at := from + strings.Index(text[from:], t)
		from = at + len(t)
		if !modelNumber(t) || !numbers[strings.ReplaceAll(strings.ToLower(t), "-", "")] {
			continue
		}
		b = blank(b, text, at, from)
		named++
	}
	return blanked(b, text), named
}

// anchor files predicate i under its field for lookup.
func (ix *Index) anchor(i int32) {
	p := &ix.preds[i]
	ix.stats.Anchors++
	if p.kind == kindNamed { // any field: looked up by the names a service shows
		ix.named[p.value] = append(ix.named[p.value], i)
		return
	}
	fi := ix.fields[p.field]
	if fi == nil {
		fi = &fieldIndex{exact: map[string][]int32{}, token: map[string][]int32{}}
		ix.fields[p.field] = fi
	}
	switch p.kind {
	case kindExact:
		fi.exact[p.value] = append(fi.exact[p.value], i)
		return
	case kindPrefix:
		fi.prefix.insert(p.value, i)
		return
	}
	lits := patternLiterals(p.value)
	if lits.Prefix != "" {
		fi.prefix.insert(lits.Prefix, i)
		return
	}
	if t := longestBoundedToken(lits.Required); t != "" {
		fi.token[t] = append(fi.token[t], i)
		return
	}
	fi.scan = append(fi.scan, i)
	ix.stats.Scanned++
}

// longestBoundedToken picks the word to look a pattern up by: a whole word
// of one of its literal runs, so that it is a token of any value the
// pattern matches.
func longestBoundedToken(runs []string) string {
	best := ""
	for _, r := range runs {
		for _, t := range boundedTokens(r, false, false) {
			if len(t) > len(best) {
				best = t
			}
		}
	}
	return best
}

// matches reports whether value satisfies the predicate and the firmware
// version it captures.
func (p *predEntry) matches(value string) (ok bool, version string) {
	switch p.kind {
	case kindExact:
		return value == p.value, ""
	case kindPrefix:
		return strings.HasPrefix(value, p.value), ""
	}
	if p.filter != "" && !strings.Contains(value, p.filter) {
		return false, ""
	}
	if p.capture == 0 {
		return p.re.MatchString(value), ""
	}
	m := p.re.FindStringSubmatch(value)
	if m == nil {
		return false, ""
	}
	return true, m[p.capture]
}

// mayMatch is the cheap half of matches: it says whether the predicate
// can hold, given that the index already found value by the predicate's
// exact value, prefix or a token of its literal. Candidates are chosen on
// it; the pattern itself runs only when a candidate is evaluated.
func (p *predEntry) mayMatch(value string) bool {
	switch p.kind {
	case kindExact:
		return value == p.value
	case kindPrefix:
		return strings.HasPrefix(value, p.value)
	}
	return p.filter == "" || strings.Contains(value, p.filter)
}

var kindNames = [...]string{kindExact: "exact ", kindPrefix: "prefix ", kindRegex: "regex "}

// trieNode is a byte trie of prefixes; each node lists the predicates
// whose prefix ends there.
type trieNode struct {
	labels []byte
	kids   []*trieNode
	refs   []int32
}

func (n *trieNode) insert(prefix string, ref int32) {
	for i := 0; i < len(prefix); i++ {
		n = n.child(prefix[i], true)
	}
	n.refs = append(n.refs, ref)
}

func (n *trieNode) child(b byte, create bool) *trieNode {
	for i, l := range n.labels {
		if l == b {
			return n.kids[i]
		}
	}
	if !create {
		return nil
	}
	k := &trieNode{}
	n.labels = append(n.labels, b)
	n.kids = append(n.kids, k)
	return k
}

// walk calls fn with the predicates of every prefix of value.
func (n *trieNode) walk(value string, fn func(int32)) {
	for i := 0; ; i++ {
		for _, r := range n.refs {
			fn(r)
		}
		if i == len(value) {
			return
		}
		if n = n.child(value[i], false); n == nil {
			return
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
