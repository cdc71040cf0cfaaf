package learn

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/certprint/certprint/registry"
)

// Sources are the services a promotion reads and writes.
type Sources struct {
	Registry registry.RegistryService
	Scans    registry.ScanService
	Reviews  registry.ReviewService
}

// Promotion is a profile learned from the reviewed devices of one scan and
// merged into the model's profile. It names no address: it is for
// certifiers, and the profile it makes is public registry data.
type Promotion struct {
	Model     string            `json:"model"`
	ScanID    int64             `json:"scan_id"`
	Stored    bool              `json:"stored" doc:"False for a dry run"`
	Profile   *registry.Profile `json:"profile" doc:"The model's profile as the promotion makes it: the existing signatures kept, then the learned ones"`
	Learned   int               `json:"learned" doc:"Signatures learned from the reviewed devices"`
	Added     int               `json:"added" doc:"Learned signatures added: those no existing signature already says as or more generally"`
	Devices   int               `json:"devices" doc:"Reviewed devices learned from"`
	Confirmed int               `json:"confirmed"`
	Corrected int               `json:"corrected"`
	Stale     int               `json:"stale_skipped" doc:"Reviews left out because the scan's current match run no longer has their device"`
	Reviewers []string          `json:"reviewers"`
	Dropped   []Dropped         `json:"dropped,omitempty" doc:"What the reviewed devices showed that the profile leaves out, and why"`
	Kept      []string          `json:"kept,omitempty" doc:"Signatures of the existing profile kept beside the learned ones"`
	Replaced  []Dropped         `json:"replaced,omitempty" doc:"Signatures of the existing profile the promotion removes, and why"`
}

// ReviewTool is the origin tool of promoted signatures.
const ReviewTool = "certprint review"

// Promote learns a profile for the model ref from the devices of the scan
// that reviews say are that model: confirmed verdicts naming it and
// verdicts corrected to it, whose devices the scan's current match run
// still has. Each device is one sample: its observations on its own
// ports. The learned signatures are merged into the model's profile (see
// Merge), which SetProfile stores, audited, unless dryRun. ENOTFOUND for
// an unknown model or scan; ECONFLICT when no current review names the
// model, nothing could be learned from the devices, or they hold more
// than MaxObservations observations.
func Promote(ctx context.Context, src Sources, ref string, scanID int64, dryRun bool) (*Promotion, error) {
	model, err := src.Registry.GetModel(ctx, ref, false)
	if err != nil {
		return nil, err
	}
	reviews, err := src.Reviews.Reviews(ctx, registry.ReviewFilter{ScanID: scanID, ModelRef: ref})
	if err != nil {
		return nil, err
	}
	out := &Promotion{Model: ref, ScanID: scanID, Reviewers: []string{}}
	var samples []Sample
	var addrs []netip.Addr
	var all []registry.Observation
	var newest time.Time
	reviewers := map[string]bool{}
	for _, r := range reviews {
		if r.State != registry.ReviewConfirmed && r.State != registry.ReviewCorrected {
			continue
		}
		if r.Stale {
			out.Stale++
			continue
		}
		obs, err := deviceObservations(ctx, src.Scans, scanID, r)
		if err != nil {
			return nil, err
		}
		if len(obs) == 0 {
			continue
		}
		if r.State == registry.ReviewConfirmed {
			out.Confirmed++
		} else {
			out.Corrected++
		}
		samples = append(samples, Sample{Name: "review " + strconv.FormatInt(r.ID, 10), Observations: obs})
		addrs = append(addrs, r.IP)
		all = append(all, obs...)
		reviewers[r.By] = true
		if r.At.After(newest) {
			newest = r.At
		}
	}
	if len(samples) == 0 {
		msg := fmt.Sprintf("scan %d has no device reviewed as %s (confirmed or corrected to it)", scanID, ref)
		if out.Stale > 0 {
			msg += fmt.Sprintf("; %d reviews were left out because a re-match no longer has their device: review the devices as they now are", out.Stale)
		}
		return nil, registry.Errorf(registry.ECONFLICT, "%s; review devices with certprint verdicts review --scan %d", msg, scanID)
	}
	for name := range reviewers {
		out.Reviewers = append(out.Reviewers, name)
	}
	sort.Strings(out.Reviewers)
	out.Devices = len(samples)

	origin := registry.Origin{Kind: "review", Tool: ReviewTool, At: newest, Note: reviewNote(scanID, out)}
	res, err := Learn(samples, origin)
	if res != nil {
		out.Dropped = res.Dropped
	}
	if err != nil {
		// Nothing learned, or more devices than one learns from at once:
		// either way what is stored does not allow it, and the API must
		// not answer 500.
		if registry.AsError(err) == nil && !errors.Is(err, context.Canceled) {
			err = registry.Errorf(registry.ECONFLICT, "%s: %v", ref, err)
		}
		return out, err
	}
	learned := withoutAddresses(res, addrs)
	if len(learned.Signatures) == 0 {
		return out, registry.Errorf(registry.ECONFLICT, "%s: every learned signature named a reviewed device's address", ref)
	}
	out.Learned = len(learned.Signatures)
	out.Profile, out.Kept, out.Replaced = Merge(model.Profile, learned, all)
	out.Added = len(out.Profile.Signatures) - len(out.Kept)
	if dryRun {
		return out, nil
	}
	if _, err := src.Registry.SetProfile(ctx, ref, out.Profile); err != nil {
		return out, err
	}
	out.Stored = true
	return out, nil
}

// deviceObservations reads the observations of a reviewed device: those
// of its address on its own ports, not those of other devices on the
// address.
func deviceObservations(ctx context.Context, scans registry.ScanService, scanID int64, r registry.Review) ([]registry.Observation, error) {
	var out []registry.Observation
	err := scans.Observations(ctx, registry.ObservationFilter{ScanID: scanID, IP: r.IP}, func(o *registry.Observation) error {
		if slices.Contains(r.Ports, o.Transport+"/"+strconv.Itoa(int(o.Port))) {
			out = append(out, *o)
		}
		return nil
	})
	return out, err
}

// reviewNote says where promoted signatures came from; it names no
// address (profiles are public).
func reviewNote(scanID int64, p *Promotion) string {
	devices := "devices"
	if p.Confirmed+p.Corrected == 1 {
		devices = "device"
	}
	note := fmt.Sprintf("promoted from reviews of scan %d: %d %s (%d confirmed, %d corrected) reviewed by %s",
		scanID, p.Confirmed+p.Corrected, devices, p.Confirmed, p.Corrected, strings.Join(p.Reviewers, ", "))
	if len(note) > 1000 {
		note = strings.ToValidUTF8(note[:997], "") + "..."
	}
	return note
}

// withoutAddresses removes the learned predicates that hold a reviewed
// device's own address (an FTP greeting, a certificate name): with one
// device every value is exact, and a profile is public, where no address
// may appear.
func withoutAddresses(res *Result, addrs []netip.Addr) *registry.Profile {
	var forms []string
	for _, a := range addrs {
		s := a.String()
		forms = append(forms, s, regexp.QuoteMeta(s))
		if a.Is4() {
			forms = append(forms, strings.ReplaceAll(s, ".", "-"))
		}
	}
	out := &registry.Profile{}
	for _, sig := range res.Profile.Signatures {
		for name, p := range sig.Fields {
			text := p.Exact + "\x00" + p.Prefix + "\x00" + p.Regex
			for _, f := range forms {
				if strings.Contains(text, f) {
					delete(sig.Fields, name)
					res.Dropped = append(res.Dropped, Dropped{Service: sigName(sig), Field: name, Reason: "names a reviewed device's address"})
					break
				}
			}
		}
		if len(sig.Fields) > 0 {
			out.Signatures = append(out.Signatures, sig)
		}
	}
	return out
}

// Merge adds learned signatures to a model's existing profile. Promotion
// merges rather than replaces, because the existing signatures often say
// what the scan could not show (a realm nmap does not read, a service the
// reviewed devices kept closed, a version pattern learned at several
// firmware versions where the reviewed devices ran one) and a
// certification body wrote or captured them on purpose. Of two
// signatures of the same service (protocol, transport, port, TLS), one
// subsumes the other when it constrains every field the other does, each
// at least as generally (an exact value the other's pattern accepts, a
// shorter prefix, the same pattern). Then:
//
//   - an existing signature a reviewed device contradicts (on a service it
//     applies to, a field it constrains holds a value it rejects) is
//     removed: the reviewers say the devices are the model, and the
//     matcher counts a contradicted predicate against it;
//   - a learned signature an existing one subsumes is not added: it says
//     nothing new, and a narrower copy (one firmware's exact banner where
//     the profile has a version pattern) would contradict the model's
//     devices on other firmware;
//   - an existing signature a learned one subsumes is replaced by it;
//   - every other signature, existing or learned, is kept, the existing
//     ones first.
//
// Kept and Replaced name the existing signatures by service.
func Merge(existing, learned *registry.Profile, obs []registry.Observation) (*registry.Profile, []string, []Dropped) {
	out := &registry.Profile{}
	var kept []string
	var replaced []Dropped
	var current []registry.Signature
	if existing != nil {
		for _, e := range existing.Signatures {
			if field, ok := contradicted(e, obs); ok {
				replaced = append(replaced, Dropped{Service: sigName(e), Field: field, Reason: "a reviewed device shows another value"})
				continue
			}
			current = append(current, e)
		}
	}
	var add []registry.Signature
	for _, l := range learned.Signatures {
		if !slices.ContainsFunc(current, func(e registry.Signature) bool { return subsumes(e, l) }) {
			add = append(add, l)
		}
	}
	for _, e := range current {
		if slices.ContainsFunc(add, func(l registry.Signature) bool { return subsumes(l, e) }) {
			replaced = append(replaced, Dropped{Service: sigName(e), Reason: "a learned signature of the service says all it does, as or more generally"})
			continue
		}
		out.Signatures = append(out.Signatures, e)
		kept = append(kept, sigName(e))
	}
	out.Signatures = append(out.Signatures, add...)
	return out, kept, replaced
}

func tlsOf(s registry.Signature) bool { return s.TLS != nil && *s.TLS }

// subsumes reports whether g is a signature of the same service as s
// that constrains every field s does, each at least as generally.
func subsumes(g, s registry.Signature) bool {
	if g.Protocol != s.Protocol || g.Transport != s.Transport || g.Port != s.Port || tlsOf(g) != tlsOf(s) {
		return false
	}
	for name, p := range s.Fields {
		q, ok := g.Fields[name]
		if !ok || !generalizes(q, p) {
			return false
		}
	}
	return true
}

// generalizes reports whether g accepts every value p does, as far as
// that can be told without comparing two patterns.
func generalizes(g, p registry.Predicate) bool {
	switch {
	case p.Exact != "":
		return predicateHolds(g, p.Exact)
	case p.Prefix != "":
		return g.Prefix != "" && strings.HasPrefix(p.Prefix, g.Prefix)
	}
	return g == p
}

// contradicted returns a field of s that an observation s applies to
// holds a value s rejects.
func contradicted(s registry.Signature, obs []registry.Observation) (string, bool) {
	names := make([]string, 0, len(s.Fields))
	for name := range s.Fields {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, o := range obs {
		if o.Protocol != s.Protocol || (s.Transport != "" && s.Transport != o.Transport) ||
			(s.Port != 0 && s.Port != int(o.Port)) || (s.TLS != nil && *s.TLS != o.TLS) {
			continue
		}
		for _, name := range names {
			v, ok := o.Fields[name]
			if ok && !predicateHolds(s.Fields[name], v) {
				return name, true
			}
		}
	}
	return "", false
}

func predicateHolds(p registry.Predicate, v string) bool {
	switch {
	case p.Exact != "":
		return v == p.Exact
	case p.Prefix != "":
		return strings.HasPrefix(v, p.Prefix)
	case p.Regex != "":
		re, err := regexp.Compile(p.Regex)
		return err == nil && re.MatchString(v)
	}
	return true
}

func sigName(s registry.Signature) string {
	k := serviceKey{protocol: s.Protocol, transport: s.Transport, port: uint16(s.Port), tls: tlsOf(s)}
	if k.transport == "" {
		k.transport = "any"
	}
	return k.String()
}
