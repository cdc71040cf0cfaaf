package web

import (
	"context"
	"net/http"
	"net/netip"

	"github.com/danielgtaylor/huma/v2"

	"github.com/certprint/certprint/fingerprint/learn"
	"github.com/certprint/certprint/registry"
)

// Reviews name addresses, so only scan teams write and read them;
// promoting them into a profile changes the registry, which is the
// certifiers' (its answer names no address).
var (
	reviewWriters = []registry.Role{registry.RoleScanner}
	promoters     = []registry.Role{registry.RoleCertifier}
)

type reviewInput struct {
	ScanID
	Body struct {
		IP       string               `json:"ip" maxLength:"64" doc:"The device's address"`
		Port     string               `json:"port,omitempty" maxLength:"16" doc:"A port of the device (tcp/80, udp/161, or 80 for TCP); needed when the address has several devices"`
		State    registry.ReviewState `json:"state" enum:"confirmed,corrected,rejected" doc:"confirmed: the verdict is right; corrected: the device is model_ref; rejected: not the model the verdict names, or not a device"`
		ModelRef string               `json:"model_ref,omitempty" maxLength:"128" doc:"For a correction, the registered model the device is"`
		Note     string               `json:"note,omitempty" maxLength:"1000" doc:"Why, in a sentence or two"`
	}
}

type reviewOutput struct {
	Body *registry.Review
}

type reviewListInput struct {
	ScanID
	Model string `query:"model" maxLength:"128" doc:"Only reviews saying the device is this model"`
	Stale bool   `query:"stale" doc:"Only reviews whose device the scan's current match run no longer has"`
}

type reviewListOutput struct {
	Body struct {
		Reviews []registry.Review `json:"reviews"`
	}
}

type promoteInput struct {
	ModelRef
	Scan   int64 `query:"scan" required:"true" minimum:"1" doc:"The scan whose reviewed devices to learn from"`
	DryRun bool  `query:"dry_run" doc:"Propose the profile, store nothing"`
}

type promoteOutput struct {
	Body *learn.Promotion
}

func (h *handlers) registerReviews(api huma.API) {
	review := operation(http.MethodPost, "/api/v1/scans/{id}/reviews", "review-verdict",
		"Review one device's verdict in the scan's current match run: confirm it, correct it to another model, or reject it", "reviews", reviewWriters...)
	review.Description += " A second review of a device (address and ports) replaces the first. A review stays on its device when the scan is matched again, " +
		"and is listed as stale when the new run no longer has the device. Every review is in the audit log (entity review), without the address."
	huma.Register(api, review, func(ctx context.Context, in *reviewInput) (*reviewOutput, error) {
		ip, err := netip.ParseAddr(in.Body.IP)
		if err != nil {
			return nil, huma.Error422UnprocessableEntity("invalid address", &huma.ErrorDetail{Location: "body.ip", Message: "not an IP address", Value: in.Body.IP})
		}
		r, err := h.Reviews.Review(ctx, registry.ReviewInput{
			ScanID: in.ID, IP: ip, Port: in.Body.Port, State: in.Body.State, ModelRef: in.Body.ModelRef, Note: in.Body.Note,
		})
		return &reviewOutput{Body: r}, problem(h.Logger, err)
	})

	huma.Register(api, operation(http.MethodGet, "/api/v1/scans/{id}/reviews", "list-reviews",
		"List the reviews of a scan's devices in address order, each marked stale when the current match run no longer has its device", "reviews", reviewWriters...),
		func(ctx context.Context, in *reviewListInput) (*reviewListOutput, error) {
			list, err := h.Reviews.Reviews(ctx, registry.ReviewFilter{ScanID: in.ID, ModelRef: in.Model})
			out := &reviewListOutput{}
			out.Body.Reviews = []registry.Review{}
			for _, r := range list {
				if !in.Stale || r.Stale {
					out.Body.Reviews = append(out.Body.Reviews, r)
				}
			}
			return out, problem(h.Logger, err)
		})

	promote := operation(http.MethodPost, "/api/v1/models/{ref}/profile/promote", "promote-profile",
		"Learn a model's profile from the devices of a scan reviewed as that model, and merge it into the profile", "profiles", promoters...)
	promote.Description += " The devices are those whose reviews confirm a verdict naming the model or correct one to it (stale reviews are left out); " +
		"each is one sample of its observations on its own ports, learned as captures are (origin review). " +
		"The learned signatures are merged: an existing signature is removed only when a learned one of the same service constrains every field it does, " +
		"or a reviewed device contradicts it; the others are kept. Stored, and audited, unless dry_run. " +
		"409 when no current review names the model or nothing could be learned. The answer names no address."
	huma.Register(api, promote, func(ctx context.Context, in *promoteInput) (*promoteOutput, error) {
		p, err := learn.Promote(ctx, learn.Sources{Registry: h.Registry, Scans: h.Scans, Reviews: h.Reviews}, in.Ref, in.Scan, in.DryRun)
		if err != nil {
			return nil, problem(h.Logger, err)
		}
		return &promoteOutput{Body: p}, nil
	})
}
