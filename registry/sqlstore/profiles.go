package sqlstore

import (
	"context"

	"gorm.io/gorm"

	"github.com/certprint/certprint/registry"
)

// SetProfile implements registry.RegistryService.
func (s *Store) SetProfile(ctx context.Context, ref string, p *registry.Profile) (*registry.Model, error) {
	if p != nil && len(p.Signatures) == 0 {
		p = nil
	}
	if p != nil {
		if err := p.Validate(); err != nil {
			return nil, err // field paths relative to the profile
		}
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		stored, err := loadModelsByRef(tx, []string{ref})
		if err != nil {
			return err
		}
		old := stored[ref]
		if old == nil {
			return registry.Errorf(registry.ENOTFOUND, "model %s does not exist", ref)
		}
		if sameJSON(old.model.Profile, p) {
			return nil
		}
		w, err := newWriter(tx, registry.ActorFrom(ctx), s.now())
		if err != nil {
			return err
		}
		res := tx.Model(&modelRow{}).Where("id = ?", old.row.ID).
			Updates(map[string]any{"profile": jsonText(p), "updated_at": w.now})
		if res.Error != nil {
			return res.Error
		}
		action := "update"
		if old.model.Profile == nil {
			action = "create"
		}
		w.record(action, "profile", ref, old.model.Profile, p)
		return w.flush()
	})
	if err != nil {
		return nil, wrap("model "+ref, err)
	}
	return s.GetModel(ctx, ref, false)
}
