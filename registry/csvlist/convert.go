package csvlist

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/certprint/certprint/registry"
)

// refPattern is registry's rule for refs (unexported there). A ref read
// from a list or returned by a resolver is checked here, so that the error
// names the line that carries it rather than a model index.
var refPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$`)

// boolWords are the yes/no spellings lists use, compared after registry.Key.
var boolWords = map[string]bool{
	"公開": true, "非公開": false,
	"true": true, "false": false,
	"yes": true, "no": false,
	"1": true, "0": false,
}

// parseBool reads one of boolWords.
func parseBool(s string) (bool, bool) {
	if b, ok := boolWords[s]; ok {
		return b, true
	}
	b, ok := boolWords[registry.Key(s)]
	return b, ok
}

// parseStatus accepts the registry's status words in any case or width;
// anything else is refused, because a status guessed wrong would certify or
// revoke a device.
func parseStatus(s string) (registry.Status, error) {
	if st := registry.Status(s); st.Valid() {
		return st, nil
	}
	if st := registry.Status(registry.Key(s)); st.Valid() {
		return st, nil
	}
	return "", fmt.Errorf("unknown status %s (map it under \"values\": {\"status\": {...}} to valid, suspended, revoked or expired)", quote(s))
}

// parseDate tries the mapping's layouts in order. It refuses 0001-01-01,
// which registry.Date cannot tell from "not set": an expiry date of that day
// would silently become no expiry date at all.
func (p *plan) parseDate(s string) (registry.Date, error) {
	for _, layout := range p.dates {
		t, err := time.Parse(layout, s)
		if err != nil {
			continue
		}
		if d := registry.DateOf(t); !d.IsZero() {
			return d, nil
		}
		return registry.Date{}, fmt.Errorf("not a date: %s (the first day of year 1 means \"not set\" in the registry)", quote(s))
	}
	return registry.Date{}, fmt.Errorf("not a date: %s (formats tried: %s)", quote(s), strings.Join(p.dates, ", "))
}

// monthLayouts give a release month without inventing a day.
var monthLayouts = []string{"2006/1", "2006年1月"}

// parseReleased reads a partial date ("2024", "2024-03", "2024-03-15"), a
// month in one of monthLayouts, or a day in one of the mapping's layouts.
func (p *plan) parseReleased(s string) (registry.PartialDate, error) {
	if d, err := registry.ParsePartialDate(s); err == nil {
		return d, nil
	}
	for _, layout := range monthLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return registry.ParsePartialDate(t.Format("2006-01"))
		}
	}
	d, err := p.parseDate(s)
	if err != nil {
		return registry.PartialDate{}, fmt.Errorf("not a year, month or date: %s", quote(s))
	}
	return registry.PartialDate{Date: d, Precision: 3}, nil
}

// splitList splits an aliases or firmware cell, dropping empty items so that
// a trailing separator does not make an empty alias.
func splitList(s, sep string) []string {
	var out []string
	for _, item := range strings.Split(s, sep) {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// maxQuoted bounds, in bytes, a value quoted in an error message: a 4 KiB
// cell would drown the message that is about it.
const maxQuoted = 120

// quote quotes s for an error message, shortened to about maxQuoted bytes.
// It cuts bytes, not runes, so that the undecodable bytes of a wrongly
// declared encoding stay visible as \x escapes.
func quote(s string) string {
	if len(s) <= maxQuoted {
		return fmt.Sprintf("%q", s)
	}
	cut := maxQuoted
	for i := 0; i < utf8.UTFMax-1 && !utf8.RuneStart(s[cut]); i++ {
		cut--
	}
	return fmt.Sprintf("%q... (%d bytes)", s[:cut], len(s))
}
