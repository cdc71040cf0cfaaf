package registry

import (
	"context"
	"time"
)

// Role is what a token may do; SPEC lists them.
type Role string

// The roles of SPEC. Anonymous callers have no role.
const (
	RoleAdmin     Role = "admin"
	RoleCertifier Role = "certifier"
	RoleScanner   Role = "scanner"
	RoleAnalyst   Role = "analyst"
)

// Roles lists every role, for validation and help texts.
var Roles = []Role{RoleAdmin, RoleCertifier, RoleScanner, RoleAnalyst}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, k := range Roles {
		if r == k {
			return true
		}
	}
	return false
}

// Actor is who performs an operation. Name is what the audit log records.
// The zero Actor is anonymous.
type Actor struct {
	Name string
	Role Role
}

// Anonymous reports whether the actor presented no credential.
func (a Actor) Anonymous() bool { return a.Role == "" }

// May reports whether the actor holds one of the roles; admin may do
// everything.
func (a Actor) May(roles ...Role) bool {
	if a.Role == RoleAdmin {
		return true
	}
	for _, r := range roles {
		if a.Role == r {
			return true
		}
	}
	return false
}

// SeesUnlisted reports whether the actor may see certifications and models
// that are not on a programme's public list.
func (a Actor) SeesUnlisted() bool {
	return a.May(RoleCertifier, RoleScanner, RoleAnalyst)
}

// Token is an API credential. Its secret is shown once at creation and only
// its hash is stored.
type Token struct {
	ID       int64     `json:"id"`
	Name     string    `json:"name"`
	Role     Role      `json:"role"`
	Created  time.Time `json:"created"`
	LastUsed time.Time `json:"last_used,omitzero"`
}

// TokenService issues and checks API tokens.
type TokenService interface {
	// CreateToken stores a new token and returns it with its secret, which
	// is never shown again. EINVALID for an unknown role or empty name.
	CreateToken(ctx context.Context, name string, role Role) (Token, string, error)
	// Authenticate returns the actor a secret belongs to; EUNAUTHORIZED for
	// an unknown secret.
	Authenticate(ctx context.Context, secret string) (Actor, error)
}

type actorKey struct{}

// WithActor returns a context carrying the actor performing an operation.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor of ctx; anonymous when none was set.
func ActorFrom(ctx context.Context) Actor {
	a, _ := ctx.Value(actorKey{}).(Actor)
	return a
}
