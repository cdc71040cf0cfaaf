package registry

import (
	"unicode"
	"unicode/utf8"
)

// checkText validates a person-entered string: valid UTF-8, no control
// characters (they corrupt terminals and CSV exports), at most max runes.
func checkText(field, s string, max int, required bool) error {
	if s == "" {
		if required {
			return Invalid(field, "is required")
		}
		return nil
	}
	if !utf8.ValidString(s) {
		return Invalid(field, "is not valid UTF-8")
	}
	if n := utf8.RuneCountInString(s); n > max {
		return Invalid(field, "is %d characters long; at most %d are allowed", n, max)
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return Invalid(field, "contains the control character %U", r)
		}
	}
	return nil
}
