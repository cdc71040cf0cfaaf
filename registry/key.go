package registry

import (
	"strings"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

var folder = cases.Fold()

// Key is the form in which vendor names and model numbers are compared:
// Unicode NFKC (full-width "ＷＲ－１００" becomes "WR-100"), case folded, and
// with runs of white space collapsed to one space. Two spellings that a person
// would read as the same model compare equal; nothing else is guessed.
func Key(s string) string {
	s = folder.String(norm.NFKC.String(s))
	return strings.Join(strings.Fields(s), " ")
}
