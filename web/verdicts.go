package web

import (
	"context"
	"net/http"
	"net/netip"
	"sync"

	"github.com/danielgtaylor/huma/v2"

	"github.com/certprint/certprint/fingerprint"
	"github.com/certprint/certprint/registry"
)

// Verdicts name addresses, so they are for scan teams; the counts of a
// match run are aggregates that analysts may read.
var (
	verdictReaders = []registry.Role{registry.RoleScanner}
	matchReaders   = []registry.Role{registry.RoleScanner, registry.RoleAnalyst}
)

// indexCache keeps the profile index of the registry's latest revision:
// compiling thousands of profiles takes a good part of a second, and the
// registry changes far less often than scans are matched or explained.
type indexCache struct {
	mu  sync.Mutex
	rev int64
	ix  *fingerprint.Index
}

func (c *indexCache) get(ctx context.Context, reg registry.RegistryService) (*fingerprint.Index, int64, error) {
	rev, err := reg.Revision(ctx)
	if err != nil {
		return nil, 0, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ix != nil && c.rev == rev {
		return c.ix, rev, nil
	}
	ix, rev, err := fingerprint.IndexFor(ctx, reg)
	if err != nil {
		return nil, 0, err
	}
	c.ix, c.rev = ix, rev
	return ix, rev, nil
}

type matchRunOutput struct {
	Body *registry.MatchRun
}

type verdictListInput struct {
	ScanID
	IP     string `query:"ip" maxLength:"64" doc:"Only the devices on this address"`
	Class  string `query:"class" enum:"certified,certified-out-of-scope,uncertified,unknown" doc:"Only verdicts of this class"`
	Limit  int    `query:"limit" minimum:"1" maximum:"10000" default:"100"`
	Offset int    `query:"offset" minimum:"0"`
}

type verdictListOutput struct {
	Body struct {
		Run      *registry.MatchRun `json:"run"`
		Verdicts []registry.Verdict `json:"verdicts"`
	}
}

type explainInput struct {
	ScanID
	IP string `path:"ip" maxLength:"64" doc:"The address to explain"`
}

type explainOutput struct {
	Body *fingerprint.Explanation
}

func (h *handlers) registerVerdicts(api huma.API) {
	cache := &indexCache{}
	match := operation(http.MethodPost, "/api/v1/scans/{id}/match", "match-scan",
		"Compute the verdicts of every device of a closed scan with the registry as it is now", "verdicts", registry.RoleScanner)
	huma.Register(api, match, func(ctx context.Context, in *ScanID) (*matchRunOutput, error) {
		ix, rev, err := cache.get(ctx, h.Registry)
		if err != nil {
			return nil, problem(h.Logger, err)
		}
		run, err := fingerprint.MatchScan(ctx, ix, h.Scans, h.Verdicts, in.ID, fingerprint.MatchOptions{Revision: rev})
		return &matchRunOutput{Body: run}, problem(h.Logger, err)
	})
	huma.Register(api, operation(http.MethodGet, "/api/v1/scans/{id}/match", "get-match",
		"The scan's current match run: registry revision, matcher version and devices per class", "verdicts", matchReaders...),
		func(ctx context.Context, in *ScanID) (*matchRunOutput, error) {
			run, err := h.Verdicts.LatestMatch(ctx, in.ID)
			return &matchRunOutput{Body: run}, problem(h.Logger, err)
		})
	huma.Register(api, operation(http.MethodGet, "/api/v1/scans/{id}/verdicts", "list-verdicts",
		"List the verdicts of a scan's current match run, one per device, in address order", "verdicts", verdictReaders...),
		func(ctx context.Context, in *verdictListInput) (*verdictListOutput, error) {
			f := registry.VerdictFilter{ScanID: in.ID, Class: registry.Class(in.Class), Page: registry.Page{Limit: in.Limit, Offset: in.Offset}}
			if in.IP != "" {
				ip, err := netip.ParseAddr(in.IP)
				if err != nil {
					return nil, huma.Error422UnprocessableEntity("invalid address", &huma.ErrorDetail{Location: "query.ip", Message: "not an IP address", Value: in.IP})
				}
				f.IP = ip
			}
			out := &verdictListOutput{}
			run, err := h.Verdicts.LatestMatch(ctx, in.ID)
			if err != nil {
				return nil, problem(h.Logger, err)
			}
			out.Body.Run, out.Body.Verdicts = run, []registry.Verdict{}
			err = h.Verdicts.Verdicts(ctx, f, func(v *registry.Verdict) error {
				out.Body.Verdicts = append(out.Body.Verdicts, *v)
				return nil
			})
			return out, problem(h.Logger, err)
		})
	huma.Register(api, operation(http.MethodGet, "/api/v1/scans/{id}/explain/{ip}", "explain-address",
		"Match one address of a closed scan and say why: candidates, evidence and thresholds (stores nothing)", "verdicts", verdictReaders...),
		func(ctx context.Context, in *explainInput) (*explainOutput, error) {
			ip, err := netip.ParseAddr(in.IP)
			if err != nil {
				return nil, huma.Error422UnprocessableEntity("invalid address", &huma.ErrorDetail{Location: "path.ip", Message: "not an IP address", Value: in.IP})
			}
			var obs []registry.Observation
			err = h.Scans.Observations(ctx, registry.ObservationFilter{ScanID: in.ID, IP: ip}, func(o *registry.Observation) error {
				obs = append(obs, *o)
				return nil
			})
			if err != nil {
				return nil, problem(h.Logger, err)
			}
			if len(obs) == 0 {
				return nil, problem(h.Logger, registry.Errorf(registry.ENOTFOUND, "scan %d saw no service on %s", in.ID, ip))
			}
			ix, _, err := cache.get(ctx, h.Registry)
			if err != nil {
				return nil, problem(h.Logger, err)
			}
			return &explainOutput{Body: ix.NewMatcher().Explain(obs)}, nil
		})
}
