package web

import (
	"context"
	"net/http"
	"net/netip"
	"strings"
	"sync"

	"github.com/danielgtaylor/huma/v2"

	"github.com/certprint/certprint/fingerprint"
	"github.com/certprint/certprint/registry"
)

// profileTesters may test profiles: those who write them.
var profileTesters = profileWriters

// maxTestLimit bounds the devices a profile test lists per group.
const maxTestLimit = 1000

type profileTestInput struct {
	ModelRef
	Scan  int64             `query:"scan" required:"true" minimum:"1" doc:"The closed scan to compare on"`
	Limit int               `query:"limit" minimum:"0" maximum:"1000" default:"20" doc:"Devices listed per group, the first by address (0: none); the totals count all"`
	Body  *registry.Profile `doc:"The proposed profile; without a body, the model's stored profile is tested against the registry without it. No signatures tests removing the profile."`
}

// profileTestResult is a comparison, where the tested profile came from,
// and whether addresses and device text were left out for the caller.
type profileTestResult struct {
	Source          string            `json:"source" enum:"body,stored" doc:"Where the tested profile came from"`
	Profile         *registry.Profile `json:"profile"`
	AddressesHidden bool              `json:"addresses_hidden" doc:"True when the caller's role may not see addresses or device text: listed devices then have no ip, evidence no observed value, and a reason only its kind"`
	*fingerprint.Comparison
}

type profileTestOutput struct {
	Body *profileTestResult
}

func (h *handlers) registerProfileTest(api huma.API) {
	op := operation(http.MethodPost, "/api/v1/models/{ref}/profile/test", "test-profile",
		"Show which devices of a scan a proposed profile would match, and take from other models, storing nothing", "profiles", profileTesters...)
	op.Description += " Every device of the closed scan is matched with the registry as it is and with the model's profile " +
		"replaced by the body (validated as storing it would be), and the devices the proposal gains, takes from other models, " +
		"keeps and loses are listed with the totals. Stored verdicts are not read and nothing is written. " +
		"Addresses, device text and per-host records are for the scanner role (SPEC): a certifier gets the devices without " +
		"their addresses and the evidence without the observed values; admin sees everything. One test runs at a time (409 while one runs)."
	var gate sync.Mutex
	huma.Register(api, op, func(ctx context.Context, in *profileTestInput) (*profileTestOutput, error) {
		if !gate.TryLock() {
			return nil, problem(h.Logger, registry.Errorf(registry.ECONFLICT, "a profile test is already running on this server; try again when it is done"))
		}
		defer gate.Unlock()
		out, err := h.testProfile(ctx, in)
		return &profileTestOutput{Body: out}, problem(h.Logger, err)
	})
}

func (h *handlers) testProfile(ctx context.Context, in *profileTestInput) (*profileTestResult, error) {
	m, err := h.Registry.GetModel(ctx, in.Ref, false)
	if err != nil {
		return nil, err
	}
	scan, err := h.Scans.GetScan(ctx, in.Scan)
	if err != nil {
		return nil, err
	}
	if scan.State != registry.ScanClosed {
		return nil, registry.Errorf(registry.ECONFLICT, "scan %d is still importing; close it first", in.Scan)
	}
	proposed, source := in.Body, "body"
	if proposed != nil && proposed.Signatures == nil {
		proposed.Signatures = []registry.Signature{}
	}
	pt, err := fingerprint.NewProfileTest(ctx, h.Registry, in.Ref, proposed)
	if err != nil {
		return nil, err
	}
	if proposed == nil {
		proposed, source = m.Profile, "stored"
	}
	limit := min(in.Limit, maxTestLimit)
	if limit == 0 {
		limit = -1 // none listed
	}
	c, err := pt.CompareScan(ctx, h.Scans, in.Scan, fingerprint.CompareOptions{Limit: limit})
	if err != nil {
		return nil, err
	}
	out := &profileTestResult{Source: source, Profile: proposed, Comparison: c}
	if !registry.ActorFrom(ctx).May(registry.RoleScanner) {
		out.AddressesHidden = true
		hideAddresses(c)
	}
	return out, nil
}

// hideAddresses removes from a comparison what only scan teams may see:
// the addresses of the listed devices, the values they showed, and the
// device text a verdict's reason quotes. What remains (ports, verdicts,
// models, the predicates that matched and their weights) is about the
// registry's profiles.
func hideAddresses(c *fingerprint.Comparison) {
	for _, list := range [][]fingerprint.DeviceChange{c.Gained, c.Taken, c.Kept, c.Lost, c.Changed} {
		for i := range list {
			d := &list[i]
			d.IP = netip.Addr{}
			for _, vs := range [][]fingerprint.DeviceVerdict{d.Before, d.After} {
				for j := range vs {
					vs[j].Reason, _, _ = strings.Cut(vs[j].Reason, ":")
					for k := range vs[j].Evidence {
						vs[j].Evidence[k].Observed = ""
					}
				}
			}
		}
	}
}
