package registry

import (
	"cmp"
	"context"
	"math"
	"math/big"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ReportBy names how an adoption report splits a scan's devices.
type ReportBy string

// The groupings of `certprint report adoption --by`.
const (
	ByNone       ReportBy = ""
	ByProgram    ReportBy = "program"
	ByVendor     ReportBy = "vendor"
	ByDeviceType ReportBy = "device_type"
	ByModel      ReportBy = "model"
	ByMonth      ReportBy = "month"
)

// ReportGroupings lists every grouping, for validation and help texts.
var ReportGroupings = []ReportBy{ByProgram, ByVendor, ByDeviceType, ByModel, ByMonth}

// Group keys that are no value of the grouping. They are in parentheses
// so that no vendor, programme code or model ref can be mistaken for one.
const (
	// GroupAmbiguous holds devices whose candidate models disagree on the
	// value (two vendors, two device types, two models).
	GroupAmbiguous = "(ambiguous)"
	// GroupUnmatched holds devices whose verdict names no model: every
	// unknown device.
	GroupUnmatched = "(unmatched)"
	// GroupNoProgram holds, by programme, matched devices whose models
	// have no certification in any programme.
	GroupNoProgram = "(no programme)"
	// GroupUnset holds devices whose models agree but leave the value
	// empty (a model without a device type).
	GroupUnset = "(unset)"
	// GroupNotInRegistry holds devices named by a model the registry no
	// longer has (removed after the match).
	GroupNotInRegistry = "(not in registry)"
)

// ReportConfidence is the confidence level of every interval a report
// gives.
const ReportConfidence = 0.95

// z95 is the standard normal quantile for a two-sided 95 % interval.
const z95 = 1.959963984540054

// ReportClasses are the verdict classes in the order reports show them.
var ReportClasses = []Class{ClassCertified, ClassCertifiedOutOfScope, ClassUncertified, ClassUnknown}

// AdoptionQuery asks for the adoption report of one scan.
type AdoptionQuery struct {
	// ScanID is the scan; 0 means the latest closed scan that has
	// verdicts.
	ScanID int64
	By     ReportBy
}

// Validate checks the query.
func (q *AdoptionQuery) Validate() error {
	if q.ScanID < 0 {
		return Invalid("scan", "must be a scan id, not %d", q.ScanID)
	}
	if q.By != ByNone && !slices.Contains(ReportGroupings, q.By) {
		return Invalid("by", "%q is not a grouping (program, vendor, device_type, model, month)", q.By)
	}
	return nil
}

// AdoptionReport is how a scan's responsive devices split over the
// verdict classes, as SPEC asks every report to show it: the funnel from
// what was probed to what is certified, then the shares, each with its
// Wilson score interval. Shares are of the responsive devices on the
// probed ports (the scan's verdicts), never of devices on a network.
//
// A report is an aggregate for analysts: it names no address, and not the
// scan either (a scan's name may say which network it covered); the scan
// is identified by its id and dates.
type AdoptionReport struct {
	Scan       ReportScan `json:"scan"`
	Latest     bool       `json:"latest" doc:"No scan was named: this is the latest closed scan that has verdicts"`
	Run        *MatchRun  `json:"run" doc:"The match run whose verdicts are counted: the scan's current one"`
	By         ReportBy   `json:"by,omitempty" enum:"program,vendor,device_type,model,month"`
	Confidence float64    `json:"confidence" doc:"Confidence level of every interval (Wilson score)"`
	Funnel     Funnel     `json:"funnel"`
	// Total is every responsive device of the scan.
	Total AdoptionGroup `json:"total"`
	// Groups split the devices by By; nil without a grouping.
	Groups []AdoptionGroup `json:"groups,omitempty"`
	// GroupsOverlap is true when a device may count in several groups
	// (by programme), so the groups' devices may sum to more than the
	// total.
	GroupsOverlap bool   `json:"groups_overlap,omitempty"`
	Grouping      string `json:"grouping,omitempty" doc:"How devices are put in groups, in words"`
}

// ReportScan identifies the scan a report counts without naming it.
type ReportScan struct {
	ID       int64     `json:"id"`
	Started  time.Time `json:"started,omitzero" doc:"When the scan's first observation was made"`
	Finished time.Time `json:"finished,omitzero" doc:"When its last observation was made"`
}

// Funnel counts a scan's devices step by step: each step is a subset of
// the one before.
type Funnel struct {
	// Probed is what the scan declared it probed; null when it declared
	// no address space.
	Probed *ProbedSpace `json:"probed"`
	// Responsive devices answered on at least one probed port: every
	// verdict of the run.
	Responsive int64 `json:"responsive" doc:"Devices with at least one responsive service (the verdicts)"`
	// Fingerprinted devices have at least one service whose protocol was
	// identified or that showed fields.
	Fingerprinted int64 `json:"fingerprinted" doc:"Devices with at least one service whose protocol was identified or that showed fields"`
	// Matched devices have a verdict naming at least one model.
	Matched int64 `json:"matched" doc:"Devices whose verdict names at least one registered model"`
	// Certified devices have the class certified.
	Certified int64 `json:"certified"`
}

// ProbedSpace is the size of what a scan declared it probed. Addresses
// are counted as a float: an IPv6 prefix holds more than any integer type.
type ProbedSpace struct {
	Addresses float64 `json:"addresses" doc:"Addresses in the probed prefixes"`
	Ports     int64   `json:"ports,omitempty" doc:"Ports probed per address (TCP and UDP); absent when the scan declared none"`
	Services  float64 `json:"services,omitempty" doc:"Addresses times ports: the services probed; absent when the scan declared no ports"`
}

// AdoptionGroup is one group of devices: how many, and how they split
// over the classes.
type AdoptionGroup struct {
	Key string `json:"key" doc:"The group's value (programme code, vendor, device type, model ref, YYYY-MM) or a marker in parentheses"`
	// Devices is the denominator n of every share in the group.
	Devices int64 `json:"devices"`
	// Classes has every class, with zero counts too.
	Classes map[Class]ClassShare `json:"classes"`
	// CertifiedUnobserved counts the certified devices whose firmware no
	// banner showed: SPEC counts them as in scope, and reports count them
	// apart.
	CertifiedUnobserved int64 `json:"certified_firmware_unobserved"`
}

// ClassShare is one class's count in a group, its share of the group's
// devices and the Wilson score interval of the share.
type ClassShare struct {
	Devices int64   `json:"devices"`
	Share   float64 `json:"share" minimum:"0" maximum:"1"`
	Low     float64 `json:"low" minimum:"0" maximum:"1"`
	High    float64 `json:"high" minimum:"0" maximum:"1"`
}

// NewAdoptionGroup fills a group's shares and intervals from its counts
// per class; the denominator is their sum.
func NewAdoptionGroup(key string, counts map[Class]int64, certifiedUnobserved int64) AdoptionGroup {
	g := AdoptionGroup{Key: key, Classes: make(map[Class]ClassShare, len(ReportClasses)), CertifiedUnobserved: certifiedUnobserved}
	for _, c := range ReportClasses {
		g.Devices += counts[c]
	}
	for _, c := range ReportClasses {
		k := counts[c]
		low, high := Wilson(k, g.Devices, z95)
		share := 0.0
		if g.Devices > 0 {
			share = float64(k) / float64(g.Devices)
		}
		g.Classes[c] = ClassShare{Devices: k, Share: share, Low: low, High: high}
	}
	return g
}

// Wilson returns the Wilson score interval of the proportion k/n at the
// normal quantile z (1.96 for 95 %):
//
//	(p + z²/2n ± z·√(p(1−p)/n + z²/4n²)) / (1 + z²/n),  p = k/n
//
// Unlike the normal approximation p ± z·√(p(1−p)/n) it stays within
// [0, 1] and does not collapse to a point when k is 0 or n, which is
// where small groups of a report live (E. B. Wilson, 1927; R. G.
// Newcombe, Statistics in Medicine 17, 1998, method 3). With n = 0
// nothing is known: the interval is [0, 1].
func Wilson(k, n int64, z float64) (low, high float64) {
	if n <= 0 {
		return 0, 1
	}
	nf := float64(n)
	p := float64(k) / nf
	z2 := z * z
	denom := 1 + z2/nf
	centre := (p + z2/(2*nf)) / denom
	half := z * math.Sqrt(p*(1-p)/nf+z2/(4*nf*nf)) / denom
	// Rounding may leave k = 0 a hair above 0 or k = n a hair below 1.
	low, high = max(0, centre-half), min(1, centre+half)
	if k == 0 {
		low = 0
	}
	if k == n {
		high = 1
	}
	return low, high
}

// SortGroups orders a report's groups: months in time order, everything
// else largest first (ties by key), the markers in parentheses last.
func SortGroups(by ReportBy, groups []AdoptionGroup) {
	marker := func(g AdoptionGroup) bool { return strings.HasPrefix(g.Key, "(") }
	slices.SortFunc(groups, func(a, b AdoptionGroup) int {
		if ma, mb := marker(a), marker(b); ma != mb {
			if ma {
				return 1
			}
			return -1
		}
		if by != ByMonth {
			if c := cmp.Compare(b.Devices, a.Devices); c != 0 {
				return c
			}
		}
		return cmp.Compare(a.Key, b.Key)
	})
}

// GroupingText says in words how devices are put into groups by by; it
// goes into every report, so that a reader never has to guess how an
// ambiguous device was counted.
func GroupingText(by ReportBy) string {
	ambiguous := "a device whose verdict names several candidate models counts under the value they all share, and under " +
		GroupAmbiguous + " when they differ; devices whose verdict names no model are " + GroupUnmatched
	switch by {
	case ByProgram:
		return "a device counts, with its verdict class, once in every programme in which all of its candidate models have a certification " +
			"(in any status, as the registry holds it now; coverage presumed by a programme rule does not count); " +
			"a device whose candidates' programmes differ counts once more under " + GroupAmbiguous + "; " +
			"matched devices whose models have no certification are " + GroupNoProgram + ", devices whose verdict names no model " +
			GroupUnmatched + "; groups overlap, so their devices may sum to more than the total"
	case ByVendor:
		return "by the vendor of the device's model in the registry as it is now (vendors compared as keys); " + ambiguous
	case ByDeviceType:
		return "by the device type of the device's model in the registry as it is now; " + ambiguous
	case ByModel:
		return "by the ref of the model the verdict names; " + ambiguous
	case ByMonth:
		return "by the month (UTC, YYYY-MM) in which the device's first service was observed"
	}
	return ""
}

// ProbedSpaceOf counts what a scan declared it probed: nil when it
// declared no address space, which leaves the first step of the funnel
// unknown.
func ProbedSpaceOf(s *Scan) *ProbedSpace {
	if len(s.Probed) == 0 {
		return nil
	}
	addresses := new(big.Int)
	var prefixes []netip.Prefix
	for _, p := range s.Probed {
		prefix, err := netip.ParsePrefix(p)
		if err != nil {
			return nil
		}
		prefixes = append(prefixes, prefix.Masked())
	}
	// A prefix inside another was probed once.
	slices.SortFunc(prefixes, func(a, b netip.Prefix) int {
		if c := a.Addr().Compare(b.Addr()); c != 0 {
			return c
		}
		return cmp.Compare(a.Bits(), b.Bits())
	})
	var last netip.Prefix
	for _, p := range prefixes {
		if last.IsValid() && last.Overlaps(p) {
			continue
		}
		last = p
		addresses.Add(addresses, new(big.Int).Lsh(big.NewInt(1), uint(p.Addr().BitLen()-p.Bits())))
	}
	space := &ProbedSpace{}
	space.Addresses, _ = new(big.Float).SetInt(addresses).Float64()
	space.Ports = portCount(s.Ports)
	space.Services = space.Addresses * float64(space.Ports)
	return space
}

// portCount counts the ports of a scan's port list ("tcp/80",
// "udp/161-162"), each transport and port once.
func portCount(ports []string) int64 {
	type span struct{ lo, hi int }
	byTransport := map[string][]span{}
	for _, p := range ports {
		transport, r, _ := strings.Cut(p, "/")
		lo, hi, isRange := strings.Cut(r, "-")
		if !isRange {
			hi = lo
		}
		a, err1 := strconv.Atoi(lo)
		b, err2 := strconv.Atoi(hi)
		if err1 != nil || err2 != nil || b < a {
			continue
		}
		byTransport[transport] = append(byTransport[transport], span{a, b})
	}
	var n int64
	for _, spans := range byTransport {
		slices.SortFunc(spans, func(x, y span) int { return cmp.Compare(x.lo, y.lo) })
		end := 0
		for _, s := range spans {
			lo := max(s.lo, end+1)
			if s.hi >= lo {
				n += int64(s.hi - lo + 1)
				end = s.hi
			}
		}
	}
	return n
}

// ReportService computes aggregate reports over scans' verdicts. Reports
// name no address, no per-host record and no scan name, so analysts may
// read them, as certifiers, scan teams and admins may; callers check
// roles.
type ReportService interface {
	// Adoption counts the devices of the current match run of a closed
	// scan (the latest closed scan that has verdicts when q.ScanID is
	// 0), grouped by q.By. The store aggregates; memory does not grow
	// with the number of verdicts. EINVALID for an unknown grouping;
	// ENOTFOUND for an unknown scan, a scan never matched, or, without a
	// scan id, no matched scan at all; ECONFLICT for a scan still
	// importing.
	Adoption(ctx context.Context, q AdoptionQuery) (*AdoptionReport, error)
}
