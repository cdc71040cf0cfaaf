package sqlstore

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"time"

	"github.com/certprint/certprint/registry"
)

// tokenPrefix marks certprint secrets so that secret scanners and people
// recognise a leaked one.
const tokenPrefix = "cpt_"

// CreateToken implements registry.TokenService. The secret carries 256
// random bits, so a plain SHA-256 of it is a safe thing to store: there is
// nothing to brute-force.
func (s *Store) CreateToken(ctx context.Context, name string, role registry.Role) (registry.Token, string, error) {
	if !role.Valid() {
		return registry.Token{}, "", registry.Invalid("role", "unknown role %q (admin, certifier, scanner, analyst)", role)
	}
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 256 {
		return registry.Token{}, "", registry.Invalid("name", "a token needs a name of 1 to 256 characters")
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return registry.Token{}, "", err
	}
	secret := tokenPrefix + base64.RawURLEncoding.EncodeToString(raw[:])
	row := tokenRow{Name: name, Role: string(role), Hash: hashSecret(secret), CreatedAt: s.now()}
	if err := s.db.WithContext(ctx).Create(&row).Error; err != nil {
		return registry.Token{}, "", wrap("create token", err)
	}
	return registry.Token{ID: row.ID, Name: row.Name, Role: role, Created: row.CreatedAt}, secret, nil
}

func hashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// Authenticate implements registry.TokenService. The last-use time is
// written at most once a minute per token, so reads stay reads.
func (s *Store) Authenticate(ctx context.Context, secret string) (registry.Actor, error) {
	if !strings.HasPrefix(secret, tokenPrefix) {
		return registry.Actor{}, registry.Errorf(registry.EUNAUTHORIZED, "unknown token")
	}
	var rows []tokenRow
	if err := s.db.WithContext(ctx).Where("hash = ?", hashSecret(secret)).Limit(1).Find(&rows).Error; err != nil {
		return registry.Actor{}, wrap("authenticate", err)
	}
	if len(rows) == 0 {
		return registry.Actor{}, registry.Errorf(registry.EUNAUTHORIZED, "unknown token")
	}
	t := rows[0]
	now := s.now()
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) > time.Minute {
		s.db.WithContext(ctx).Model(&tokenRow{}).Where("id = ?", t.ID).Update("last_used_at", now)
	}
	return registry.Actor{Name: "token:" + t.Name, Role: registry.Role(t.Role)}, nil
}
