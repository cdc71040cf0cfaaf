package web

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/certprint/certprint/registry"
)

type certificationListInput struct {
	Program string `query:"program" maxLength:"64"`
	Status  string `query:"status" enum:"valid,suspended,revoked,expired"`
	Vendor  string `query:"vendor" maxLength:"256"`
	PageInput
}

type certificationListOutput struct {
	Body registry.CertificationPage
}

type certificationOutput struct {
	Body *registry.CertificationEntry
}

// CertificationKey is the path naming a certification: programme and
// certificate id.
type CertificationKey struct {
	Program       string `path:"program" maxLength:"64"`
	CertificateID string `path:"certificate_id" maxLength:"128"`
}

// statusChangeInput is what a certifier sends: the recording date and the
// recorder come from the server, never from the client.
type statusChangeInput struct {
	Status    registry.Status `json:"status" enum:"valid,suspended,revoked,expired"`
	Effective registry.Date   `json:"effective,omitzero" doc:"When the change takes effect (default today); may lie in the past"`
	Reason    string          `json:"reason" minLength:"1" maxLength:"1024"`
}

func (h *handlers) registerCertifications(api huma.API) {
	huma.Register(api, operation(http.MethodGet, "/api/v1/certifications", "list-certifications", "List certifications",
		"certifications", anyone...),
		func(ctx context.Context, in *certificationListInput) (*certificationListOutput, error) {
			page, err := h.Registry.ListCertifications(ctx, registry.CertificationFilter{
				Program: in.Program, Status: registry.Status(in.Status), Vendor: in.Vendor,
				PublicOnly: !registry.ActorFrom(ctx).SeesUnlisted(), Page: in.page(),
			})
			return &certificationListOutput{Body: page}, problem(h.Logger, err)
		})

	add := operation(http.MethodPost, "/api/v1/models/{ref}/certifications", "add-certification",
		"Attach a certification to a model", "certifications", registry.RoleCertifier)
	add.DefaultStatus = http.StatusCreated
	huma.Register(api, add, func(ctx context.Context, in *struct {
		ModelRef
		Body registry.Certification
	}) (*certificationOutput, error) {
		c, err := h.Registry.AddCertification(ctx, in.Ref, &in.Body)
		return &certificationOutput{Body: c}, problem(h.Logger, err)
	})

	huma.Register(api, operation(http.MethodPost, "/api/v1/certifications/{program}/{certificate_id}/status", "change-status",
		"Record a status change (suspension, revocation, ...)", "certifications", registry.RoleCertifier),
		func(ctx context.Context, in *struct {
			CertificationKey
			Body statusChangeInput
		}) (*certificationOutput, error) {
			c, err := h.Registry.ChangeStatus(ctx, in.Program, in.CertificateID, registry.StatusChange{
				Status: in.Body.Status, Effective: in.Body.Effective, Reason: in.Body.Reason,
			})
			return &certificationOutput{Body: c}, problem(h.Logger, err)
		})
}
