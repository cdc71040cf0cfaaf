package fingerprint

import (
	"regexp/syntax"
	"slices"
	"strings"
	"unicode/utf8"
)

// literals is what a predicate's pattern says literally: the text any
// matching value must contain. The matcher weighs a predicate by this text
// (a pattern is as informative as the words it pins down, never more) and
// looks predicates up by it, so that a regular expression runs only on a
// value that already holds its literal part.
type literals struct {
	// Prefix is text every match starts with (anchored patterns only).
	Prefix string
	// Required are literal runs every match contains, longest first.
	Required []string
	// Text is every required literal joined by spaces, for weighing.
	Text string
}

// patternLiterals analyses a regular expression. Only the top level of the
// pattern (and groups that are plain concatenations) is read: a literal
// inside an alternation or a repetition is not required. Case-insensitive
// literals are treated as variable parts.
func patternLiterals(expr string) literals {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return literals{}
	}
	re = re.Simplify()
	var runs []string
	var cur strings.Builder
	flush := func() {
		if strings.TrimSpace(cur.String()) != "" {
			runs = append(runs, cur.String())
		}
		cur.Reset()
	}
	var walk func(n *syntax.Regexp)
	walk = func(n *syntax.Regexp) {
		switch n.Op {
		case syntax.OpConcat:
			for _, s := range n.Sub {
				walk(s)
			}
		case syntax.OpCapture:
			walk(n.Sub[0])
		case syntax.OpBeginText, syntax.OpBeginLine, syntax.OpEndText, syntax.OpEndLine,
			syntax.OpWordBoundary, syntax.OpEmptyMatch:
			// zero-width: the literal on either side goes on
		case syntax.OpLiteral:
			if n.Flags&syntax.FoldCase != 0 {
				flush()
				return
			}
			for _, r := range n.Rune {
				cur.WriteRune(r)
			}
		default:
			flush()
		}
	}
	walk(re)
	flush()
	out := literals{Prefix: firstRunIsPrefix(re), Text: strings.Join(runs, " ")}
	sortLongestFirst(runs)
	out.Required = runs
	return out
}

// firstRunIsPrefix returns the literal that follows the start anchor of an
// anchored pattern, or "" when something variable comes first.
func firstRunIsPrefix(re *syntax.Regexp) string {
	var b strings.Builder
	seenAnchor := false
	var walk func(n *syntax.Regexp) bool // false: stop
	walk = func(n *syntax.Regexp) bool {
		switch n.Op {
		case syntax.OpConcat:
			for _, s := range n.Sub {
				if !walk(s) {
					return false
				}
			}
			return true
		case syntax.OpCapture:
			return walk(n.Sub[0])
		case syntax.OpBeginText:
			if b.Len() > 0 {
				return false
			}
			seenAnchor = true
			return true
		case syntax.OpBeginLine:
			// (?m)^ matches after any line break, not only at the start.
			return false
		case syntax.OpLiteral:
			if !seenAnchor || n.Flags&syntax.FoldCase != 0 {
				return false
			}
			for _, r := range n.Rune {
				b.WriteRune(r)
			}
			return true
		default:
			return false
		}
	}
	walk(re)
	if !seenAnchor {
		return ""
	}
	return b.String()
}

func sortLongestFirst(s []string) {
	slices.SortStableFunc(s, func(a, b string) int { return len(b) - len(a) })
}

// span is where one word of a text starts and ends.
type span struct{ start, end int }

// wordSpans splits text into runs of letters and digits, the words
// weighing and lookup work on.
func wordSpans(dst []span, s string) []span {
	start := -1
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if isWordRune(r) {
			if start < 0 {
				start = i
			}
		} else if start >= 0 {
			dst = append(dst, span{start, i})
			start = -1
		}
		i += size
	}
	if start >= 0 {
		dst = append(dst, span{start, len(s)})
	}
	return dst
}

// tokens returns the words of s. It appends to dst to spare an
// allocation per value.
func tokens(dst []string, s string) []string {
	var stack [32]span
	for _, w := range wordSpans(stack[:0], s) {
		dst = append(dst, s[w.start:w.end])
	}
	return dst
}

func isWordRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r >= 0x80 && r != utf8.RuneError && r != 0x3000
}

// boundedTokens returns the tokens of a literal run that are whole words in
// any value containing the run: those with a non-word character on both
// sides inside the run, or at an edge of the run that the pattern anchors.
// A token cut by the run's edge ("R10" of "R10[0-9]") is not one.
func boundedTokens(run string, startBounded, endBounded bool) []string {
	var out []string
	start := -1
	for i := 0; i <= len(run); {
		r, size := utf8.RuneError, 1
		if i < len(run) {
			r, size = utf8.DecodeRuneInString(run[i:])
		}
		word := i < len(run) && isWordRune(r)
		if word && start < 0 {
			start = i
		}
		if !word && start >= 0 {
			if (start > 0 || startBounded) && (i < len(run) || endBounded) {
				out = append(out, run[start:i])
			}
			start = -1
		}
		i += size
	}
	return out
}
