package registry

import (
	"regexp"
	"sync"
)

// cache memoises pure, deterministic work on strings that repeat across a
// registry: firmware ranges ("<2.0.0" appears under thousands of
// certifications) and profile patterns, each validated once on the file and
// once on the merged model. It stops adding entries past a bound, so hostile
// input can make it useless but never large.
type cache[V any] struct {
	mu  sync.Mutex
	m   map[string]V
	max int
}

func (c *cache[V]) get(key string, compute func() V) V {
	c.mu.Lock()
	v, ok := c.m[key]
	c.mu.Unlock()
	if ok {
		return v
	}
	v = compute()
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string]V{}
	}
	if len(c.m) < c.max {
		c.m[key] = v
	}
	c.mu.Unlock()
	return v
}

type compiledConstraint struct {
	check func(string) bool
	err   error
}

var constraints = cache[compiledConstraint]{max: 20_000}

// constraintFor compiles rng under scheme s once.
func constraintFor(scheme string, s versionScheme, rng string) (func(string) bool, error) {
	c := constraints.get(scheme+"\x00"+rng, func() compiledConstraint {
		check, err := s.constraint(rng)
		return compiledConstraint{check, err}
	})
	return c.check, c.err
}

type compiledPattern struct {
	re  *regexp.Regexp
	err error
}

var patterns = cache[compiledPattern]{max: 50_000}

// compilePattern compiles a profile pattern once; *regexp.Regexp is safe
// for concurrent use, so the compiled form can be shared.
func compilePattern(expr string) (*regexp.Regexp, error) {
	p := patterns.get(expr, func() compiledPattern {
		re, err := regexp.Compile(expr)
		return compiledPattern{re, err}
	})
	return p.re, p.err
}
