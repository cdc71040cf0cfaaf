package web

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/certprint/certprint/registry"
)

type programList struct {
	Body struct {
		Programs []registry.Program `json:"programs"`
	}
}

type programOutput struct {
	Body *registry.Program
}

// ProgramCode is the path parameter naming a programme.
type ProgramCode struct {
	Code string `path:"code" maxLength:"64" doc:"Programme code, e.g. CCDS"`
}

func (h *handlers) registerPrograms(api huma.API) {
	huma.Register(api, operation(http.MethodGet, "/api/v1/programs", "list-programs", "List programmes", "programmes", anyone...),
		func(ctx context.Context, _ *struct{}) (*programList, error) {
			ps, err := h.Registry.ListPrograms(ctx)
			out := &programList{}
			out.Body.Programs = ps
			return out, problem(h.Logger, err)
		})

	huma.Register(api, operation(http.MethodGet, "/api/v1/programs/{code}", "get-program", "Get a programme", "programmes", anyone...),
		func(ctx context.Context, in *ProgramCode) (*programOutput, error) {
			p, err := h.Registry.GetProgram(ctx, in.Code)
			return &programOutput{Body: p}, problem(h.Logger, err)
		})

	create := operation(http.MethodPost, "/api/v1/programs", "create-program", "Create a programme", "programmes", registry.RoleCertifier)
	create.DefaultStatus = http.StatusCreated
	huma.Register(api, create, func(ctx context.Context, in *struct{ Body registry.Program }) (*programOutput, error) {
		p, err := h.Registry.CreateProgram(ctx, &in.Body)
		return &programOutput{Body: p}, problem(h.Logger, err)
	})

	huma.Register(api, operation(http.MethodPut, "/api/v1/programs/{code}", "update-program", "Replace a programme's fields", "programmes", registry.RoleCertifier),
		func(ctx context.Context, in *struct {
			ProgramCode
			Body registry.Program
		}) (*programOutput, error) {
			if in.Body.Code != in.Code {
				return nil, problem(h.Logger, registry.Invalid("code", "the body names programme %q but the path %q", in.Body.Code, in.Code))
			}
			p, err := h.Registry.UpdateProgram(ctx, &in.Body)
			return &programOutput{Body: p}, problem(h.Logger, err)
		})
}
