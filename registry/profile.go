package registry

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Profile is a model's network signature: what the device looks like to an
// Internet scanner.
type Profile struct {
	Signatures []Signature `json:"signatures"`
}

// Signature describes one service of the device: a protocol, optionally the
// transport, port and TLS, and predicates over observation fields that must
// all hold.
type Signature struct {
	Protocol  string               `json:"protocol" maxLength:"64"`
	Transport string               `json:"transport,omitempty" enum:"tcp,udp"`
	Port      int                  `json:"port,omitempty" minimum:"0" maximum:"65535"`
	TLS       *bool                `json:"tls,omitempty"`
	Fields    map[string]Predicate `json:"fields"`
	Origin    *Origin              `json:"origin,omitempty"`
}

// Predicate tests one observation field. Exactly one of Exact, Prefix and
// Regex is set. A regular expression may capture the firmware version in a
// group named by Capture ("version" when the pattern has such a group).
type Predicate struct {
	Exact   string `json:"exact,omitempty" maxLength:"4096"`
	Prefix  string `json:"prefix,omitempty" maxLength:"4096"`
	Regex   string `json:"regex,omitempty" maxLength:"4096"`
	Capture string `json:"capture,omitempty" doc:"Name of the group that captures the firmware version" maxLength:"64"`
}

// Origin records where a signature came from: written by hand, captured from
// a reference device, learned from captures, or promoted from a review.
type Origin struct {
	Kind string    `json:"kind" enum:"manual,capture,learned,review"`
	Tool string    `json:"tool,omitempty" maxLength:"256" doc:"e.g. nmap 7.93"`
	At   time.Time `json:"at,omitzero"`
	Note string    `json:"note,omitempty" maxLength:"1024"`
}

// VersionGroup is the capture group name that holds a firmware version.
const VersionGroup = "version"

// catchAllProbes are values no real predicate should accept all of; a pattern
// that matches every one matches every host.
var catchAllProbes = []string{"", "x", "Acme-httpd/1.0", "0", " \t", "SSH-2.0-OpenSSH_9.6"}

// Validate compiles every pattern and refuses signatures that would match
// every host, so that a profile cannot silently certify a whole scan.
func (p *Profile) Validate() error {
	for i := range p.Signatures {
		if err := p.Signatures[i].Validate(); err != nil {
			return within(fmt.Sprintf("signatures[%d]", i), err)
		}
	}
	return nil
}

// Validate reports the first problem with s.
func (s *Signature) Validate() error {
	if err := checkText("protocol", s.Protocol, 64, true); err != nil {
		return err
	}
	switch s.Transport {
	case "", "tcp", "udp":
	default:
		return Invalid("transport", "must be tcp or udp, not %q", s.Transport)
	}
	if s.Port < 0 || s.Port > 65535 {
		return Invalid("port", "%d is not a port number", s.Port)
	}
	if len(s.Fields) == 0 {
		return Invalid("fields", "a signature needs at least one field predicate; with none it would match every %s service", s.Protocol)
	}
	names := make([]string, 0, len(s.Fields))
	for name := range s.Fields {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		pr := s.Fields[name]
		if err := pr.Validate(); err != nil {
			return within("fields."+name, err)
		}
	}
	return nil
}

// Validate compiles the predicate and checks that it is not a catch-all.
func (p *Predicate) Validate() error {
	set := 0
	for _, v := range []string{p.Exact, p.Prefix, p.Regex} {
		if v != "" {
			set++
		}
	}
	if set != 1 {
		return Invalid("", "exactly one of exact, prefix and regex must be set (and not empty)")
	}
	if p.Regex == "" {
		if p.Capture != "" {
			return Invalid("capture", "only a regex can capture a version")
		}
		return nil
	}
	re, err := compilePattern(p.Regex)
	if err != nil {
		return Invalid("regex", "does not compile: %v", err)
	}
	if p.Capture != "" && re.SubexpIndex(p.Capture) < 0 {
		return Invalid("capture", "the pattern has no group named %q", p.Capture)
	}
	for _, probe := range catchAllProbes {
		if !re.MatchString(probe) {
			return nil
		}
	}
	return Invalid("regex", "%q matches any value; a predicate must say something about the device", p.Regex)
}

// CaptureGroup returns the name of the group holding the firmware version,
// or "" when the predicate captures none.
func (p *Predicate) CaptureGroup() string {
	if p.Capture != "" {
		return p.Capture
	}
	if p.Regex != "" {
		if re, err := compilePattern(p.Regex); err == nil && re.SubexpIndex(VersionGroup) >= 0 {
			return VersionGroup
		}
	}
	return ""
}

// Holds reports whether every predicate of the signature holds for the
// observation, whatever its port: the signature's fields, read plainly.
// It compiles each pattern anew, so it is for tests and one-off checks;
// matching a scan goes through fingerprint's index, which also weighs
// the evidence.
func (s *Signature) Holds(o *Observation) bool {
	if s.Protocol != o.Protocol || s.Transport != "" && s.Transport != o.Transport {
		return false
	}
	for name, p := range s.Fields {
		v, ok := o.Fields[name]
		if !ok {
			return false
		}
		switch {
		case p.Exact != "" && v != p.Exact,
			p.Prefix != "" && !strings.HasPrefix(v, p.Prefix):
			return false
		case p.Regex != "":
			re, err := regexp.Compile(p.Regex)
			if err != nil || !re.MatchString(v) {
				return false
			}
		}
	}
	return true
}
