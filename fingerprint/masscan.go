package fingerprint

import "strings"

// masscanTelnetWords are the words masscan's telnet parser (proto-telnet.c)
// writes in place of the option negotiation it consumed: " DO(echo)",
// " WILL(0x25)", " SB(ttype)", " IAC(AYT)" and so on.
var masscanTelnetWords = [...]string{"DO(", "DONT(", "WILL(", "WONT(", "SB(", "IAC("}

// maxMasscanOption bounds the text between the parentheses of one rendered
// option: masscan writes a short name or "0x%02x".
const maxMasscanOption = 24

// MasscanTelnetText undoes what masscan's telnet parser does to a telnet
// banner, so that it yields the telnet.banner other scanners report (the
// text a person would see, as TelnetText leaves it): masscan drops CR,
// writes each LF as the three characters `\n `, and renders each option
// negotiation as a word such as " DO(echo)". The input is the banner's
// bytes (after FromLatin1). A literal `\n ` the server itself sent cannot
// be told apart and also becomes a line break.
func MasscanTelnetText(s string) string {
	if !strings.Contains(s, `\n`) && !strings.Contains(s, "(") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		switch {
		case s[i] == '\\' && i+1 < len(s) && s[i+1] == 'n':
			b.WriteByte('\n')
			i += 2
			if i < len(s) && s[i] == ' ' {
				i++
			}
			continue
		case s[i] == ' ':
			if n := masscanOptionWord(s[i+1:]); n > 0 {
				i += 1 + n
				continue
			}
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

// masscanOptionWord returns the length of a rendered option word at the
// start of s ("DO(echo)"), or 0 when s does not start with one.
func masscanOptionWord(s string) int {
	for _, w := range masscanTelnetWords {
		if !strings.HasPrefix(s, w) {
			continue
		}
		rest := s[len(w):]
		end := strings.IndexByte(rest[:min(len(rest), maxMasscanOption+1)], ')')
		if end < 0 || strings.ContainsAny(rest[:end], " ()") {
			return 0
		}
		return len(w) + end + 1
	}
	return 0
}
