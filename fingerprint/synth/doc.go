// Package synth writes a synthetic world to measure the matcher against:
// a registry of device models with their certifications and profiles, a
// scan of hosts in one of the four import formats, and the truth (which
// device answered where, its model, firmware and true class). It also
// reads the truth back and scores a scan's verdicts against it.
//
// The world is drawn from a seed alone and written host by host: host i
// depends on (seed, i), so memory does not grow with the number of hosts
// and the same flags give the same bytes. Its banners were written to
// look like what Internet-wide scans of consumer devices in Japan see,
// before the matcher existed and independently of it; they are not to be
// edited to suit a matcher. README.md ("Synthetic world") describes the
// proportions and how each device's true class is derived.
package synth
