package registry

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"github.com/Masterminds/semver/v3"
)

// FirmwareScope says which firmware a certification covers: an exact list of
// versions, ranges within one declared version scheme, or both. In JSON it
// may also be written as a plain list of exact versions.
type FirmwareScope struct {
	Scheme   string   `json:"scheme,omitempty" doc:"semver, dotted, netgear or zyxel" enum:"semver,dotted,netgear,zyxel"`
	Versions []string `json:"versions,omitempty" doc:"Exact versions, compared as text"`
	Ranges   []string `json:"ranges,omitempty" doc:"Comma-joined comparisons, e.g. \">=1.2.0, <2.0.0\"; a version in any range is in scope"`
}

// IsZero reports whether the scope says nothing.
func (f *FirmwareScope) IsZero() bool {
	return f.Scheme == "" && len(f.Versions) == 0 && len(f.Ranges) == 0
}

// MarshalJSON keeps the plain-list form for scopes that are only a list.
func (f FirmwareScope) MarshalJSON() ([]byte, error) {
	if f.Scheme == "" && len(f.Ranges) == 0 {
		return marshalNoEscape(f.Versions)
	}
	type plain FirmwareScope
	return marshalNoEscape(plain(f))
}

// marshalNoEscape is json.Marshal without HTML escaping: version ranges are
// full of < and >, and an export should read as it was written.
func marshalNoEscape(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// UnmarshalJSON accepts the object form or a plain list of versions. The
// object form refuses unknown fields, as the rest of the registry file does.
func (f *FirmwareScope) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '[' {
		*f = FirmwareScope{}
		return json.Unmarshal(b, &f.Versions)
	}
	if len(b) > 0 && b[0] != '{' && b[0] != 'n' {
		return jsonTypeError(b, reflect.TypeFor[FirmwareScope]())
	}
	type plain FirmwareScope
	var p plain
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		// A type error goes up unwrapped: encoding/json then prefixes its
		// field with the path to this scope ("certifications.firmware").
		var typ *json.UnmarshalTypeError
		if errors.As(err, &typ) {
			return typ
		}
		return fmt.Errorf("firmware: %w", err)
	}
	*f = FirmwareScope(p)
	return nil
}

// Validate checks the scheme and that every range parses under it.
func (f *FirmwareScope) Validate() error {
	for i, v := range f.Versions {
		if err := checkText(fmt.Sprintf("versions[%d]", i), v, 128, true); err != nil {
			return err
		}
	}
	if len(f.Ranges) > 0 && f.Scheme == "" {
		return Invalid("scheme", "is required when ranges are given")
	}
	if f.Scheme == "" {
		return nil
	}
	s, ok := versionSchemes[f.Scheme]
	if !ok {
		return Invalid("scheme", "unknown version scheme %q (known: semver, dotted, netgear, zyxel)", f.Scheme)
	}
	for i, r := range f.Ranges {
		if _, err := constraintFor(f.Scheme, s, r); err != nil {
			return Invalid(fmt.Sprintf("ranges[%d]", i), "%v", err)
		}
	}
	return nil
}

// Contains reports whether version v is in scope. A version that does not
// parse under the scheme is compared with the exact list only: guessing at
// its order would certify firmware nobody certified.
func (f *FirmwareScope) Contains(v string) bool {
	for _, e := range f.Versions {
		if e == v {
			return true
		}
	}
	s, ok := versionSchemes[f.Scheme]
	if !ok || len(f.Ranges) == 0 {
		return false
	}
	for _, r := range f.Ranges {
		c, err := constraintFor(f.Scheme, s, r)
		if err == nil && c(v) {
			return true
		}
	}
	return false
}

// versionScheme turns a range into a predicate on version strings.
type versionScheme struct {
	constraint func(rng string) (func(v string) bool, error)
}

var versionSchemes = map[string]versionScheme{
	"semver":  {constraint: semverConstraint},
	"dotted":  {constraint: tupleConstraint(parseDotted)},
	"netgear": {constraint: tupleConstraint(parseNetgear)},
	"zyxel":   {constraint: tupleConstraint(parseZyxel)},
}

// semverConstraint uses Masterminds/semver: the range syntax ("^1.2",
// ">=1.2.0, <2.0.0", "1.x || 2.x") that firmware teams already write.
func semverConstraint(rng string) (func(string) bool, error) {
	c, err := semver.NewConstraint(rng)
	if err != nil {
		return nil, fmt.Errorf("not a semver range %q: %v", rng, err)
	}
	return func(v string) bool {
		sv, err := semver.NewVersion(v)
		return err == nil && c.Check(sv)
	}, nil
}

// tuple is a version read as numbers, plus a tag that must be equal for two
// versions to be ordered at all (Zyxel's model code, for one).
type tuple struct {
	nums []int
	tag  string
}

func (a tuple) compare(b tuple) (int, bool) {
	if a.tag != b.tag {
		return 0, false
	}
	n := max(len(a.nums), len(b.nums))
	for i := range n {
		x, y := at(a.nums, i), at(b.nums, i)
		if x != y {
			if x < y {
				return -1, true
			}
			return 1, true
		}
	}
	return 0, true
}

func at(s []int, i int) int {
	if i < len(s) {
		return s[i]
	}
	return 0
}

var dottedRE = regexp.MustCompile(`^[vV]?(\d{1,9}(?:\.\d{1,9}){0,9})$`)

// parseDotted reads "1.2.10" (and "v1.2.10"); missing components count as 0.
func parseDotted(s string) (tuple, bool) {
	m := dottedRE.FindStringSubmatch(s)
	if m == nil {
		return tuple{}, false
	}
	return tuple{nums: numbers(m[1], ".")}, true
}

// netgearParts is the most components the firmware part of a Netgear
// version may have (netgearRE allows ten).
const netgearParts = 10

var netgearRE = regexp.MustCompile(`^[vV]?(\d{1,9}(?:\.\d{1,9}){0,9})(?:_(\d{1,9}(?:\.\d{1,9}){0,9}))?$`)

// parseNetgear reads "V1.0.0.54_1.0.2": the firmware version, then the
// optional build of its user interface, ordered as one tuple. The firmware
// part is padded to a fixed width first, so that the build is only ever
// compared with a build: otherwise "V1.1_1.0.5" would put the build's 1
// where "V1.1.0.2" has its third firmware component.
func parseNetgear(s string) (tuple, bool) {
	m := netgearRE.FindStringSubmatch(s)
	if m == nil {
		return tuple{}, false
	}
	nums := numbers(m[1], ".")
	if m[2] != "" {
		nums = append(nums, make([]int, netgearParts-len(nums))...)
		nums = append(nums, numbers(m[2], ".")...)
	}
	return tuple{nums: nums}, true
}

var zyxelRE = regexp.MustCompile(`^[vV]?(\d{1,9})\.(\d{1,9})\(([A-Za-z0-9]{1,16})\.(\d{1,9})\)([A-Za-z])(\d{1,9})$`)

// parseZyxel reads "5.50(ABPY.1)C0" or "2.00(ABC.1)b3": major.minor, the
// model code (which must match), the patch, a release letter (which must
// match: a beta is never ordered against a release) and its number.
func parseZyxel(s string) (tuple, bool) {
	m := zyxelRE.FindStringSubmatch(s)
	if m == nil {
		return tuple{}, false
	}
	nums := []int{atoi(m[1]), atoi(m[2]), atoi(m[4]), atoi(m[6])}
	return tuple{nums: nums, tag: strings.ToUpper(m[3]) + "/" + strings.ToUpper(m[5])}, true
}

func numbers(s, sep string) []int {
	parts := strings.Split(s, sep)
	out := make([]int, len(parts))
	for i, p := range parts {
		out[i] = atoi(p)
	}
	return out
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s) // callers pass at most 9 digits
	return n
}

var comparisonRE = regexp.MustCompile(`^(>=|<=|!=|==|=|>|<)?\s*(\S+)$`)

// tupleConstraint parses ranges such as ">=1.0.0.50, <1.0.1" for a tuple
// scheme: comparisons joined by commas, all of which must hold.
func tupleConstraint(parse func(string) (tuple, bool)) func(string) (func(string) bool, error) {
	return func(rng string) (func(string) bool, error) {
		type cmp struct {
			op string
			v  tuple
		}
		var cmps []cmp
		for _, part := range strings.Split(rng, ",") {
			m := comparisonRE.FindStringSubmatch(strings.TrimSpace(part))
			if m == nil {
				return nil, fmt.Errorf("not a range %q: each comparison is an operator (>= > <= < = !=) and a version", rng)
			}
			v, ok := parse(m[2])
			if !ok {
				return nil, fmt.Errorf("not a range %q: %q is not a version of this scheme", rng, m[2])
			}
			cmps = append(cmps, cmp{op: m[1], v: v})
		}
		return func(s string) bool {
			v, ok := parse(s)
			if !ok {
				return false
			}
			for _, c := range cmps {
				r, ok := v.compare(c.v)
				if !ok || !holds(c.op, r) {
					return false
				}
			}
			return true
		}, nil
	}
}

func holds(op string, r int) bool {
	switch op {
	case ">=":
		return r >= 0
	case ">":
		return r > 0
	case "<=":
		return r <= 0
	case "<":
		return r < 0
	case "!=":
		return r != 0
	}
	return r == 0
}
