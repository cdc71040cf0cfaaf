package learn

import (
	"regexp"
	"strings"
)

// volatileAuthParams are WWW-Authenticate parameters whose value changes
// with every response: a Digest challenge's nonce and opaque. The scan
// readers keep the header as the device sent it, so an exact predicate
// over it would hold for one response only.
var volatileAuthParams = regexp.MustCompile(`(?i)(^|[\s,])(nonce|opaque)\s*=\s*("(?:[^"\\]|\\.)*"|[^\s,]*)`)

// authValue matches any value of such a parameter in a learned pattern.
const authValue = `(?:"(?:[^"\\]|\\.)*"|[^\s,]*)`

// AuthPattern returns an anchored pattern for WWW-Authenticate values
// that agree but for the values of volatile parameters (nonce, opaque),
// which it matches whatever they are. It reports false when no value has
// such a parameter or the rest differs.
func AuthPattern(vals []string) (string, bool) {
	var template []string
	for i, v := range vals {
		var parts []string
		last := 0
		for _, m := range volatileAuthParams.FindAllStringSubmatchIndex(v, -1) {
			// m[6]:m[7] is the value; everything before it is kept.
			parts = append(parts, v[last:m[6]])
			last = m[7]
		}
		parts = append(parts, v[last:])
		if len(parts) == 1 {
			return "", false
		}
		if i == 0 {
			template = parts
			continue
		}
		if len(parts) != len(template) {
			return "", false
		}
		for j := range parts {
			if parts[j] != template[j] {
				return "", false
			}
		}
	}
	quoted := make([]string, len(template))
	for j, p := range template {
		quoted[j] = regexp.QuoteMeta(p)
	}
	pattern := "^" + strings.Join(quoted, authValue) + "$"
	// Observations hold cleaned UTF-8, but a caller may not: a pattern
	// that does not compile is no pattern.
	if _, err := regexp.Compile(pattern); err != nil {
		return "", false
	}
	return pattern, true
}
