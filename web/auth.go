package web

import (
	"context"
	"log/slog"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/certprint/certprint/registry"
)

// anyone marks an operation open to anonymous callers.
var anyone []registry.Role

// operation describes an API operation and the roles that may call it,
// declared where it is registered. No roles means anonymous callers may call
// it; admin may call everything.
func operation(method, path, id, summary, tag string, roles ...registry.Role) huma.Operation {
	op := huma.Operation{
		OperationID: id,
		Method:      method,
		Path:        path,
		Summary:     summary,
		Tags:        []string{tag},
		Metadata:    map[string]any{"roles": roles},
		Extensions:  map[string]any{"x-certprint-role": roleNames(roles)},
	}
	if len(roles) > 0 {
		op.Security = []map[string][]string{{"bearer": {}}}
		op.Description = "Needs a token with role " + roleNames(roles) + " (or admin)."
	}
	return op
}

func roleNames(roles []registry.Role) string {
	if len(roles) == 0 {
		return "anonymous"
	}
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = string(r)
	}
	return strings.Join(names, " or ")
}

// authenticate resolves the bearer token into an actor for the context, then
// enforces the roles the operation declared: no token is 401, a token whose
// role may not call the operation is 403. A bad token is 401 even on open
// operations, so a client never mistakes a typo for anonymous access.
func authenticate(api huma.API, tokens registry.TokenService, log *slog.Logger) func(huma.Context, func(huma.Context)) {
	return func(ctx huma.Context, next func(huma.Context)) {
		actor, err := actorOf(ctx, tokens)
		if err != nil {
			if registry.ErrorCode(err) != registry.EUNAUTHORIZED {
				log.Error("authenticate", "err", err)
			}
			writeErr(api, ctx, http.StatusUnauthorized, "the bearer token is not valid")
			return
		}
		roles, _ := ctx.Operation().Metadata["roles"].([]registry.Role)
		switch {
		case len(roles) == 0:
		case actor.Anonymous():
			writeErr(api, ctx, http.StatusUnauthorized, "this operation needs a bearer token with role "+roleNames(roles))
			return
		case !actor.May(roles...):
			writeErr(api, ctx, http.StatusForbidden, "role "+string(actor.Role)+" may not do this; it needs "+roleNames(roles))
			return
		}
		next(huma.WithContext(ctx, registry.WithActor(ctx.Context(), actor)))
	}
}

func actorOf(ctx huma.Context, tokens registry.TokenService) (registry.Actor, error) {
	return actorFromHeader(ctx.Context(), ctx.Header("Authorization"), tokens)
}

// actorFromHeader resolves an Authorization header: none is anonymous.
func actorFromHeader(ctx context.Context, h string, tokens registry.TokenService) (registry.Actor, error) {
	if h == "" {
		return registry.Actor{}, nil
	}
	secret, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || tokens == nil {
		return registry.Actor{}, registry.Errorf(registry.EUNAUTHORIZED, "not a bearer token")
	}
	return tokens.Authenticate(ctx, strings.TrimSpace(secret))
}

func writeErr(api huma.API, ctx huma.Context, status int, msg string) {
	if status == http.StatusUnauthorized {
		ctx.SetHeader("WWW-Authenticate", `Bearer realm="certprint"`)
	}
	huma.WriteErr(api, ctx, status, msg)
}
