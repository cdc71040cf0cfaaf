package web

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/certprint/certprint/registry"
)

// PageInput bounds listings; a client pages with offset.
type PageInput struct {
	Limit  int `query:"limit" default:"50" minimum:"1" maximum:"500" doc:"Results per page"`
	Offset int `query:"offset" minimum:"0" doc:"Results to skip"`
}

func (p PageInput) page() registry.Page { return registry.Page{Limit: p.Limit, Offset: p.Offset} }

type modelListInput struct {
	Vendor     string `query:"vendor" maxLength:"256" doc:"Vendor, compared after NFKC normalisation and case folding"`
	DeviceType string `query:"device_type" maxLength:"64" doc:"router, camera, nas, printer, ..."`
	Program    string `query:"program" maxLength:"64" doc:"Has a certification in this programme"`
	Status     string `query:"status" enum:"valid,suspended,revoked,expired" doc:"Has a certification in this status"`
	Text       string `query:"q" maxLength:"256" doc:"Free text over ref, vendor, name, model number, family and aliases"`
	PageInput
}

type modelListOutput struct {
	Body registry.ModelPage
}

// ModelRef is the path parameter naming a model.
type ModelRef struct {
	Ref string `path:"ref" maxLength:"128" doc:"The model's stable ref"`
}

type modelOutput struct {
	Body *registry.Model
}

func (h *handlers) registerModels(api huma.API) {
	huma.Register(api, operation(http.MethodGet, "/api/v1/models", "list-models", "List and search models",
		"models", anyone...),
		func(ctx context.Context, in *modelListInput) (*modelListOutput, error) {
			page, err := h.Registry.ListModels(ctx, registry.ModelFilter{
				Vendor: in.Vendor, DeviceType: in.DeviceType, Program: in.Program,
				Status: registry.Status(in.Status), Text: in.Text,
				PublicOnly: !registry.ActorFrom(ctx).SeesUnlisted(), Page: in.page(),
			})
			return &modelListOutput{Body: page}, problem(h.Logger, err)
		})

	huma.Register(api, operation(http.MethodGet, "/api/v1/models/{ref}", "get-model", "Get a model with its certifications",
		"models", anyone...),
		func(ctx context.Context, in *ModelRef) (*modelOutput, error) {
			m, err := h.Registry.GetModel(ctx, in.Ref, !registry.ActorFrom(ctx).SeesUnlisted())
			return &modelOutput{Body: m}, problem(h.Logger, err)
		})

	create := operation(http.MethodPost, "/api/v1/models", "create-model", "Register a model, with its certifications and profile",
		"models", registry.RoleCertifier)
	create.DefaultStatus = http.StatusCreated
	huma.Register(api, create, func(ctx context.Context, in *struct{ Body registry.Model }) (*modelOutput, error) {
		m, err := h.Registry.CreateModel(ctx, &in.Body)
		return &modelOutput{Body: m}, problem(h.Logger, err)
	})

	update := operation(http.MethodPut, "/api/v1/models/{ref}", "update-model", "Update a model as a registry import does",
		"models", registry.RoleCertifier)
	update.Description += " Empty fields keep their stored value; certifications not sent are kept; a status change without a history entry gets one dated today."
	huma.Register(api, update, func(ctx context.Context, in *struct {
		ModelRef
		Body registry.Model
	}) (*modelOutput, error) {
		if in.Body.Ref != in.Ref {
			return nil, problem(h.Logger, registry.Invalid("ref", "the body names model %q but the path %q", in.Body.Ref, in.Ref))
		}
		m, err := h.Registry.UpdateModel(ctx, &in.Body)
		return &modelOutput{Body: m}, problem(h.Logger, err)
	})
}
