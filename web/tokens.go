package web

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/certprint/certprint/registry"
)

type tokenInput struct {
	Body struct {
		Name string        `json:"name" minLength:"1" maxLength:"256"`
		Role registry.Role `json:"role" enum:"admin,certifier,scanner,analyst"`
	}
}

type tokenOutput struct {
	Body struct {
		registry.Token
		Secret string `json:"secret" doc:"Shown once; only its hash is stored"`
	}
}

func (h *handlers) registerTokens(api huma.API) {
	create := operation(http.MethodPost, "/api/v1/tokens", "create-token", "Issue an API token", "tokens", registry.RoleAdmin)
	create.DefaultStatus = http.StatusCreated
	huma.Register(api, create, func(ctx context.Context, in *tokenInput) (*tokenOutput, error) {
		t, secret, err := h.Tokens.CreateToken(ctx, in.Body.Name, in.Body.Role)
		out := &tokenOutput{}
		out.Body.Token, out.Body.Secret = t, secret
		return out, problem(h.Logger, err)
	})
}
