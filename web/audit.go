package web

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/certprint/certprint/registry"
)

type auditInput struct {
	Entity string `query:"entity" enum:"program,model,certification,profile,review"`
	Key    string `query:"key" maxLength:"256" doc:"A programme code, model ref, PROGRAM/CERTIFICATE_ID, or SCAN/REVIEW_ID"`
	PageInput
}

type auditOutput struct {
	Body struct {
		Events []registry.AuditEvent `json:"events"`
	}
}

func (h *handlers) registerAudit(api huma.API) {
	huma.Register(api, operation(http.MethodGet, "/api/v1/audit", "list-audit-events", "Read the audit log, newest first",
		"audit", registry.RoleCertifier),
		func(ctx context.Context, in *auditInput) (*auditOutput, error) {
			events, err := h.Registry.Audit(ctx, registry.AuditFilter{Entity: in.Entity, Key: in.Key, Page: in.page()})
			out := &auditOutput{}
			out.Body.Events = events
			return out, problem(h.Logger, err)
		})
}
