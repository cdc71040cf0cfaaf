package synth

import (
	"math/rand/v2"
)

// Every random choice is drawn from a stream named by the seed, a domain
// and an index, so that host i depends on (seed, i) alone: hosts can be
// written one after another without remembering the ones before, and a
// change in how one host is drawn never shifts another.

// Domains of the random streams.
const (
	domainCatalog uint64 = iota + 1
	domainHost
	domainAddress
	domainKeys
)

// mix is SplitMix64's finaliser: a bijection that spreads every input bit
// over the output.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// rng is a PCG stream with the helpers the generator needs.
type rng struct{ *rand.Rand }

func newRNG(seed, domain, index uint64) rng {
	a := mix(seed ^ mix(domain))
	b := mix(a ^ mix(index+0x632be59bd9b4e019))
	return rng{rand.New(rand.NewPCG(a, b))}
}

// chance reports true with probability p.
func (r rng) chance(p float64) bool { return r.Float64() < p }

// between returns an integer in [lo, hi].
func (r rng) between(lo, hi int) int { return lo + r.IntN(hi-lo+1) }

// pick returns one element of list, uniformly.
func pick[T any](r rng, list []T) T { return list[r.IntN(len(list))] }

// weighted returns an index drawn with the given weights.
func (r rng) weighted(weights []float64) int {
	total := 0.0
	for _, w := range weights {
		total += w
	}
	x := r.Float64() * total
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	return len(weights) - 1
}

// hexString returns n random lower-case hex digits.
func (r rng) hexString(n int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[r.IntN(16)]
	}
	return string(b)
}

// upperHex returns n random upper-case hex digits, as devices print MAC
// suffixes and serial numbers.
func (r rng) upperHex(n int) string {
	const digits = "0123456789ABCDEF"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[r.IntN(16)]
	}
	return string(b)
}

// bytes returns n random bytes.
func (r rng) bytes(n int) []byte {
	b := make([]byte, n)
	for i := 0; i < n; i += 8 {
		v := r.Uint64()
		for j := 0; j < 8 && i+j < n; j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	return b
}

// permute24 is a keyed bijection on 24-bit numbers (a four-round Feistel
// network): host i gets address permute24(i) in a /8, so every host has
// its own address and neighbours in the file are not neighbours on the
// network.
func permute24(key, x uint64) uint32 {
	l, r := uint32(x>>12)&0xfff, uint32(x)&0xfff
	for round := uint64(0); round < 4; round++ {
		f := uint32(mix(key^round<<32^uint64(r))) & 0xfff
		l, r = r, l^f
	}
	return l<<12 | r
}
