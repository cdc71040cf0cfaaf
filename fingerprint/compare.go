package fingerprint

import (
	"cmp"
	"context"
	"net/netip"
	"runtime"
	"slices"
	"sync"

	"github.com/certprint/certprint/registry"
)

// DefaultCompareLimit is how many devices a comparison lists per group
// when CompareOptions.Limit is zero: enough to read, few enough that a
// profile that gains a whole scan does not print it.
const DefaultCompareLimit = 20

// maxChangeEvidence bounds the evidence a listed verdict carries.
const maxChangeEvidence = 8

// ProfileTest is a proposed profile of one model, ready to compare with
// a baseline on scans: the registry compiled twice, nothing stored.
type ProfileTest struct {
	Model string
	// Base and Proposed are the indexes compared.
	Base, Proposed *Index
	// Baseline says what Base is: "registry" (as stored) or
	// "without-profile" (the registry without the model's stored profile,
	// when that profile itself is tested).
	Baseline string
	// Revision is the registry revision both were built from.
	Revision int64
}

// Baselines of a ProfileTest.
const (
	BaselineRegistry       = "registry"
	BaselineWithoutProfile = "without-profile"
)

// NewProfileTest exports the registry once and compiles it twice: as a
// baseline and with model ref's profile replaced by proposed. The
// revision is read first, as IndexFor does. See ProfileTestOf for what
// proposed means and the codes returned.
func NewProfileTest(ctx context.Context, reg registry.RegistryService, ref string, proposed *registry.Profile) (*ProfileTest, error) {
	if proposed != nil && len(proposed.Signatures) > 0 {
		// Before the export, which a large registry makes slow.
		if err := proposed.Validate(); err != nil {
			return nil, err
		}
	}
	rev, err := reg.Revision(ctx)
	if err != nil {
		return nil, err
	}
	doc, err := reg.Export(ctx)
	if err != nil {
		return nil, err
	}
	pt, err := ProfileTestOf(doc, ref, proposed)
	if err != nil {
		return nil, err
	}
	pt.Revision = rev
	return pt, nil
}

// ProfileTestOf compiles doc as a baseline and with model ref's profile
// replaced by proposed. The proposal is validated as SetProfile validates
// it (no signatures means no profile: what removing it would do);
// EINVALID names the signature and field.
//
// A nil proposal tests the model's stored profile: the baseline is then
// the registry without it, so the comparison says what the stored profile
// adds and whom it takes devices from. ENOTFOUND for an unknown model,
// EINVALID for a nil proposal of a model that has no profile.
func ProfileTestOf(doc *registry.Document, ref string, proposed *registry.Profile) (*ProfileTest, error) {
	if proposed != nil && len(proposed.Signatures) > 0 {
		if err := proposed.Validate(); err != nil {
			return nil, err
		}
	}
	i := slices.IndexFunc(doc.Models, func(m registry.Model) bool { return m.Ref == ref })
	if i < 0 {
		return nil, registry.Errorf(registry.ENOTFOUND, "model %s does not exist", ref)
	}
	pt := &ProfileTest{Model: ref, Baseline: BaselineRegistry}
	baseDoc, propDoc := doc, doc
	if proposed == nil {
		if doc.Models[i].Profile == nil {
			return nil, registry.Invalid("profile", "model %s has no profile to test; propose one", ref)
		}
		baseDoc, pt.Baseline = WithProfile(doc, i, nil), BaselineWithoutProfile
	} else {
		propDoc = WithProfile(doc, i, proposed)
	}
	var err error
	if pt.Base, err = NewIndex(baseDoc); err != nil {
		return nil, err
	}
	if pt.Proposed, err = NewIndex(propDoc); err != nil {
		return nil, registry.Invalid("profile", "%v", err)
	}
	return pt, nil
}

// WithProfile returns a copy of doc in which model i has profile p (none
// when p is nil or has no signatures). The copy shares everything else
// with doc; neither is changed by compiling it.
func WithProfile(doc *registry.Document, i int, p *registry.Profile) *registry.Document {
	if p != nil && len(p.Signatures) == 0 {
		p = nil
	}
	out := *doc
	out.Models = slices.Clone(doc.Models)
	out.Models[i].Profile = p
	return &out
}

// CompareOptions configure a comparison.
type CompareOptions struct {
	// Workers is how many goroutines match addresses (default: one per
	// CPU).
	Workers int
	// Limit is how many devices each group lists, the first by address
	// (DefaultCompareLimit when 0, none when negative). Totals always
	// count every device.
	Limit int
}

// Comparison says what a proposed profile of one model would change in
// one scan: every device of the scan matched with the baseline index and
// with the proposal's, by the matcher, whatever verdicts are stored.
// Devices are paired by the ports they share on their address.
type Comparison struct {
	Model    string `json:"model"`
	ScanID   int64  `json:"scan_id"`
	Registry int64  `json:"registry_revision"`
	Matcher  string `json:"matcher_version"`
	// Baseline is ProfileTest.Baseline.
	Baseline string        `json:"baseline" enum:"registry,without-profile"`
	Hosts    int64         `json:"hosts"`
	Services int64         `json:"services"`
	Totals   CompareTotals `json:"totals"`
	// TakenFrom counts, per model, the devices the proposal takes from it.
	TakenFrom map[string]int64 `json:"taken_from"`
	// LostTo counts, per model, the devices the model loses to it; those
	// that no model matches any more are Totals.LostUnmatched.
	LostTo map[string]int64 `json:"lost_to"`
	// ClassesBefore and ClassesAfter count the model's devices by class.
	ClassesBefore map[registry.Class]int64 `json:"classes_before"`
	ClassesAfter  map[registry.Class]int64 `json:"classes_after"`
	Limit         int                      `json:"limit" doc:"Devices listed per group at most; the totals count all"`
	// Gained are devices the proposal matches that no model matched.
	Gained []DeviceChange `json:"gained"`
	// Taken are devices the proposal matches that other models matched.
	Taken []DeviceChange `json:"taken"`
	// Kept are devices the model matched and still matches.
	Kept []DeviceChange `json:"kept"`
	// Lost are devices the model matched and no longer does.
	Lost []DeviceChange `json:"lost"`
	// Changed are other devices whose verdict changes all the same: the
	// weight of shared text depends on every profile that holds it.
	Changed []DeviceChange `json:"changed"`
}

// CompareTotals count the devices of each group, all of them.
type CompareTotals struct {
	DevicesBefore int64 `json:"devices_before" doc:"Devices of the scan with the baseline"`
	DevicesAfter  int64 `json:"devices_after" doc:"Devices of the scan with the proposal"`
	MatchedBefore int64 `json:"matched_before" doc:"Devices attributed to the model with the baseline"`
	MatchedAfter  int64 `json:"matched_after" doc:"Devices attributed to the model with the proposal"`
	Gained        int64 `json:"gained"`
	Taken         int64 `json:"taken"`
	Kept          int64 `json:"kept"`
	KeptChanged   int64 `json:"kept_changed" doc:"Kept devices whose class, models or firmware change"`
	Lost          int64 `json:"lost"`
	LostUnmatched int64 `json:"lost_unmatched" doc:"Lost devices no model matches any more"`
	Changed       int64 `json:"changed"`
}

// DeviceChange is one device of a group: its address, its ports in the
// verdict the group is about, and the verdicts on those ports before and
// after.
type DeviceChange struct {
	IP     netip.Addr      `json:"ip,omitzero"`
	Ports  []string        `json:"ports"`
	Before []DeviceVerdict `json:"before"`
	After  []DeviceVerdict `json:"after"`
	order  int             // of the verdict within its address
}

// DeviceVerdict is a verdict as a comparison shows it. Evidence is listed
// only for verdicts that name the model, and only the model's.
type DeviceVerdict struct {
	Ports           []string               `json:"ports"`
	Class           registry.Class         `json:"verdict"`
	ModelRefs       []string               `json:"model_refs"`
	Confidence      float64                `json:"confidence"`
	FirmwareVersion string                 `json:"firmware_version,omitempty"`
	FirmwareState   registry.FirmwareState `json:"firmware_state"`
	Reason          string                 `json:"reason,omitempty"`
	Evidence        []registry.Evidence    `json:"evidence,omitempty"`
}

// CompareScan matches every address of a closed scan with the baseline
// and with the proposal and says, for the model, which devices the proposal gains,
// takes from other models, keeps and loses, and which other devices
// change. Observations stream from the store once, in address order,
// through the reader MatchScan uses; memory holds a few thousand
// addresses and the listed devices. ENOTFOUND, ECONFLICT for a scan still
// importing.
func (pt *ProfileTest) CompareScan(ctx context.Context, scans registry.ScanService, scanID int64, opts CompareOptions) (*Comparison, error) {
	ref := pt.Model
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	limit := opts.Limit
	if limit == 0 {
		limit = DefaultCompareLimit
	}
	limit = max(limit, 0)
	jobs := make(chan [][]registry.Observation, workers)
	results := make(chan *hostComparison, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mb, ma := pt.Base.NewMatcher(), pt.Proposed.NewMatcher()
			for job := range jobs {
				out := &hostComparison{}
				for _, host := range job {
					out.services += int64(len(host))
					out.compareHost(ref, host[0].IP, mb.Host(host), ma.Host(host))
				}
				select {
				case results <- out:
				case <-ctx.Done():
				}
			}
		}()
	}
	readErr := make(chan error, 1)
	go func() {
		defer close(jobs)
		readErr <- readHosts(ctx, scans, scanID, jobs, nil)
	}()
	go func() {
		wg.Wait()
		close(results)
	}()
	c := &Comparison{Model: ref, ScanID: scanID, Registry: pt.Revision, Matcher: MatcherVersion, Baseline: pt.Baseline, Limit: limit,
		TakenFrom: map[string]int64{}, LostTo: map[string]int64{},
		ClassesBefore: map[registry.Class]int64{}, ClassesAfter: map[registry.Class]int64{}}
	var groups [groupCount]changeList
	for out := range results {
		c.merge(out, &groups, limit)
	}
	if err := <-readErr; err != nil {
		return nil, err
	}
	if err := context.Cause(ctx); err != nil {
		return nil, err
	}
	lists := [groupCount]*[]DeviceChange{&c.Gained, &c.Taken, &c.Kept, &c.Lost, &c.Changed}
	for g := range groups {
		*lists[g] = groups[g].first(limit)
	}
	return c, nil
}

// The groups of a comparison, in Comparison's order.
const (
	groupGained = iota
	groupTaken
	groupKept
	groupLost
	groupChanged
	groupCount
)

// hostComparison is what one worker found on a batch of addresses.
type hostComparison struct {
	hosts, services int64
	totals          CompareTotals
	takenFrom       map[string]int64
	lostTo          map[string]int64
	before, after   map[registry.Class]int64
	groups          [groupCount][]DeviceChange
}

// compareHost pairs the verdicts of one address before and after by the
// ports they share and files each device in its group.
func (hc *hostComparison) compareHost(ref string, ip netip.Addr, before, after []registry.Verdict) {
	hc.hosts++
	hc.totals.DevicesBefore += int64(len(before))
	hc.totals.DevicesAfter += int64(len(after))
	names := func(v *registry.Verdict) bool { return slices.Contains(v.ModelRefs, ref) }
	count := func(m *map[string]int64, key string) {
		if *m == nil {
			*m = map[string]int64{}
		}
		(*m)[key]++
	}
	countClass := func(m *map[registry.Class]int64, c registry.Class) {
		if *m == nil {
			*m = map[registry.Class]int64{}
		}
		(*m)[c]++
	}
	for i := range after {
		a := &after[i]
		prior := overlapping(before, a.Ports)
		if !names(a) {
			if slices.ContainsFunc(prior, func(b *registry.Verdict) bool { return names(b) }) {
				continue // the model's device lost: below
			}
			if len(prior) == 1 && sameVerdict(prior[0], a) {
				continue
			}
			hc.totals.Changed++
			hc.add(groupChanged, ref, ip, i, a.Ports, prior, []*registry.Verdict{a})
			continue
		}
		hc.totals.MatchedAfter++
		countClass(&hc.after, a.Class)
		var owned []*registry.Verdict
		others := map[string]bool{}
		for _, b := range prior {
			if names(b) {
				owned = append(owned, b)
			}
			for _, r := range b.ModelRefs {
				if r != ref {
					others[r] = true
				}
			}
		}
		switch {
		case len(owned) > 0:
			hc.totals.Kept++
			if len(owned) != 1 || !sameVerdict(owned[0], a) {
				hc.totals.KeptChanged++
			}
			hc.add(groupKept, ref, ip, i, a.Ports, prior, []*registry.Verdict{a})
		case len(others) > 0:
			hc.totals.Taken++
			for r := range others {
				count(&hc.takenFrom, r)
			}
			hc.add(groupTaken, ref, ip, i, a.Ports, prior, []*registry.Verdict{a})
		default:
			hc.totals.Gained++
			hc.add(groupGained, ref, ip, i, a.Ports, prior, []*registry.Verdict{a})
		}
	}
	for i := range before {
		b := &before[i]
		if !names(b) {
			continue
		}
		hc.totals.MatchedBefore++
		countClass(&hc.before, b.Class)
		next := overlapping(after, b.Ports)
		if slices.ContainsFunc(next, func(a *registry.Verdict) bool { return names(a) }) {
			continue // kept: above
		}
		hc.totals.Lost++
		others := map[string]bool{}
		for _, a := range next {
			for _, r := range a.ModelRefs {
				others[r] = true
			}
		}
		if len(others) == 0 {
			hc.totals.LostUnmatched++
		}
		for r := range others {
			count(&hc.lostTo, r)
		}
		hc.add(groupLost, ref, ip, i, b.Ports, []*registry.Verdict{b}, next)
	}
}

func (hc *hostComparison) add(group int, ref string, ip netip.Addr, order int, ports []string, before, after []*registry.Verdict) {
	hc.groups[group] = append(hc.groups[group], DeviceChange{IP: ip, Ports: ports, order: order,
		Before: deviceVerdicts(ref, before), After: deviceVerdicts(ref, after)})
}

// overlapping returns the verdicts that share a port with ports.
func overlapping(vs []registry.Verdict, ports []string) []*registry.Verdict {
	var out []*registry.Verdict
	for i := range vs {
		if slices.ContainsFunc(vs[i].Ports, func(p string) bool { return slices.Contains(ports, p) }) {
			out = append(out, &vs[i])
		}
	}
	return out
}

// sameVerdict reports whether two verdicts say the same of the same
// services; confidence aside, which moves with every weight.
func sameVerdict(a, b *registry.Verdict) bool {
	return slices.Equal(a.Ports, b.Ports) && a.Class == b.Class && slices.Equal(a.ModelRefs, b.ModelRefs) &&
		a.FirmwareState == b.FirmwareState && a.FirmwareVersion == b.FirmwareVersion
}

func deviceVerdicts(ref string, vs []*registry.Verdict) []DeviceVerdict {
	out := make([]DeviceVerdict, 0, len(vs))
	for _, v := range vs {
		dv := DeviceVerdict{Ports: v.Ports, Class: v.Class, ModelRefs: v.ModelRefs, Confidence: v.Confidence,
			FirmwareVersion: v.FirmwareVersion, FirmwareState: v.FirmwareState, Reason: v.Reason}
		if slices.Contains(v.ModelRefs, ref) {
			for _, e := range v.Evidence {
				if e.ModelRef == ref && len(dv.Evidence) < maxChangeEvidence {
					dv.Evidence = append(dv.Evidence, e)
				}
			}
		}
		out = append(out, dv)
	}
	return out
}

// merge adds a worker's batch to the comparison.
func (c *Comparison) merge(hc *hostComparison, groups *[groupCount]changeList, limit int) {
	c.Hosts += hc.hosts
	c.Services += hc.services
	t, u := &c.Totals, &hc.totals
	t.DevicesBefore += u.DevicesBefore
	t.DevicesAfter += u.DevicesAfter
	t.MatchedBefore += u.MatchedBefore
	t.MatchedAfter += u.MatchedAfter
	t.Gained += u.Gained
	t.Taken += u.Taken
	t.Kept += u.Kept
	t.KeptChanged += u.KeptChanged
	t.Lost += u.Lost
	t.LostUnmatched += u.LostUnmatched
	t.Changed += u.Changed
	for k, n := range hc.takenFrom {
		c.TakenFrom[k] += n
	}
	for k, n := range hc.lostTo {
		c.LostTo[k] += n
	}
	for k, n := range hc.before {
		c.ClassesBefore[k] += n
	}
	for k, n := range hc.after {
		c.ClassesAfter[k] += n
	}
	for g := range groups {
		groups[g].add(hc.groups[g], limit)
	}
}

// changeList keeps the first devices of a group by address and order on
// it, whatever order the workers deliver batches in, holding at most
// about twice the limit.
type changeList struct{ list []DeviceChange }

func (l *changeList) add(more []DeviceChange, limit int) {
	if limit == 0 {
		return
	}
	l.list = append(l.list, more...)
	if len(l.list) > 2*limit {
		l.list = l.first(limit)
	}
}

func (l *changeList) first(limit int) []DeviceChange {
	slices.SortFunc(l.list, func(a, b DeviceChange) int {
		if c := a.IP.Compare(b.IP); c != 0 {
			return c
		}
		return cmp.Compare(a.order, b.order)
	})
	out := l.list[:min(len(l.list), limit)]
	if out == nil {
		out = []DeviceChange{}
	}
	return slices.Clip(out)
}
