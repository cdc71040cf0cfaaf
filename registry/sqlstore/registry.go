package sqlstore

import (
	"context"
	"strings"

	"gorm.io/gorm"

	"github.com/certprint/certprint/registry"
)

// Import implements registry.RegistryService.
func (s *Store) Import(ctx context.Context, doc *registry.Document) (registry.ImportSummary, error) {
	doc.Normalize()
	var summary registry.ImportSummary
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		programs, err := loadProgramCodes(tx)
		if err != nil {
			return err
		}
		if err := doc.Validate(func(code string) bool { _, ok := programs.byCode[code]; return ok }); err != nil {
			return err
		}
		w, err := newWriter(tx, registry.ActorFrom(ctx), s.now())
		if err != nil {
			return err
		}
		for i := range doc.Programs {
			if err := w.upsertProgram(&doc.Programs[i], createOrUpdate); err != nil {
				return err
			}
		}
		if _, err := w.upsertModels(doc.Models, createOrUpdate); err != nil {
			return err
		}
		if err := w.flush(); err != nil {
			return err
		}
		summary = w.summary
		summary.Revision, err = revision(tx)
		return err
	})
	return summary, wrap("import registry", err)
}

// Export implements registry.RegistryService.
func (s *Store) Export(ctx context.Context) (*registry.Document, error) {
	doc := &registry.Document{Programs: []registry.Program{}, Models: []registry.Model{}}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		programs, err := listPrograms(tx)
		if err != nil {
			return err
		}
		doc.Programs = programs
		var rows []modelRow
		err = tx.Order("ref").FindInBatches(&rows, chunk, func(batch *gorm.DB, _ int) error {
			models, err := completeModels(tx, rows, false)
			for _, m := range models {
				doc.Models = append(doc.Models, m.model)
			}
			return err
		}).Error
		return err
	})
	if err != nil {
		return nil, wrap("export registry", err)
	}
	doc.Normalize()
	doc.Sort()
	return doc, nil
}

// ListPrograms implements registry.RegistryService.
func (s *Store) ListPrograms(ctx context.Context) ([]registry.Program, error) {
	p, err := listPrograms(s.db.WithContext(ctx))
	return p, wrap("list programmes", err)
}

func listPrograms(tx *gorm.DB) ([]registry.Program, error) {
	var rows []programRow
	if err := tx.Order("code").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]registry.Program, 0, len(rows))
	for i := range rows {
		p, err := rows[i].program()
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// GetProgram implements registry.RegistryService.
func (s *Store) GetProgram(ctx context.Context, code string) (*registry.Program, error) {
	var row programRow
	if err := s.db.WithContext(ctx).Where("code = ?", code).Take(&row).Error; err != nil {
		return nil, wrap("programme "+code, err)
	}
	p, err := row.program()
	return &p, wrap("programme "+code, err)
}

// CreateProgram implements registry.RegistryService.
func (s *Store) CreateProgram(ctx context.Context, p *registry.Program) (*registry.Program, error) {
	return s.writeProgram(ctx, p, createOnly)
}

// UpdateProgram implements registry.RegistryService.
func (s *Store) UpdateProgram(ctx context.Context, p *registry.Program) (*registry.Program, error) {
	return s.writeProgram(ctx, p, updateOnly)
}

func (s *Store) writeProgram(ctx context.Context, p *registry.Program, mode writeMode) (*registry.Program, error) {
	p.Normalize()
	if err := p.Validate(); err != nil {
		return nil, err
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		w, err := newWriter(tx, registry.ActorFrom(ctx), s.now())
		if err != nil {
			return err
		}
		if err := w.upsertProgram(p, mode); err != nil {
			return err
		}
		return w.flush()
	})
	if err != nil {
		return nil, wrap("programme "+p.Code, err)
	}
	return s.GetProgram(ctx, p.Code)
}

// ListModels implements registry.RegistryService.
func (s *Store) ListModels(ctx context.Context, f registry.ModelFilter) (registry.ModelPage, error) {
	page := registry.ModelPage{Models: []registry.Model{}}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// A gorm chain keeps state after Count, so each query builds its own.
		if err := filterModels(tx.Model(&modelRow{}), f).Count(&page.Total).Error; err != nil {
			return err
		}
		var rows []modelRow
		if err := filterModels(tx.Model(&modelRow{}), f).Order("ref").Limit(f.Limit).Offset(f.Offset).Find(&rows).Error; err != nil {
			return err
		}
		models, err := completeModels(tx, rows, f.PublicOnly)
		for _, m := range models {
			page.Models = append(page.Models, m.model)
		}
		return err
	})
	return page, wrap("list models", err)
}

func filterModels(q *gorm.DB, f registry.ModelFilter) *gorm.DB {
	if f.Vendor != "" {
		q = q.Where("vendor_key = ?", registry.Key(f.Vendor))
	}
	if f.ModelNumber != "" {
		q = q.Where("model_key = ?", registry.Key(f.ModelNumber))
	}
	if f.DeviceType != "" {
		q = q.Where("device_type = ?", registry.Key(f.DeviceType))
	}
	if f.Text != "" {
		q = q.Where(`search LIKE ? ESCAPE '\'`, "%"+escapeLike(registry.Key(f.Text))+"%")
	}
	if f.Program != "" || f.Status != "" || f.PublicOnly {
		sub := q.Session(&gorm.Session{NewDB: true}).Table("certifications c").
			Select("1").Joins("JOIN programs p ON p.id = c.program_id").
			Where("c.model_id = models.id")
		if f.Program != "" {
			sub = sub.Where("p.code = ?", f.Program)
		}
		if f.Status != "" {
			sub = sub.Where("c.status = ?", string(f.Status))
		}
		if f.PublicOnly {
			sub = sub.Where("c.public = ?", true)
		}
		q = q.Where("EXISTS (?)", sub)
	}
	return q
}

// escapeLike makes a user's text literal inside a LIKE pattern.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// GetModel implements registry.RegistryService.
func (s *Store) GetModel(ctx context.Context, ref string, publicOnly bool) (*registry.Model, error) {
	var out *registry.Model
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var rows []modelRow
		q := filterModels(tx.Model(&modelRow{}), registry.ModelFilter{PublicOnly: publicOnly})
		if err := q.Where("ref = ?", ref).Find(&rows).Error; err != nil {
			return err
		}
		if len(rows) == 0 {
			return registry.Errorf(registry.ENOTFOUND, "model %s does not exist", ref)
		}
		models, err := completeModels(tx, rows, publicOnly)
		if err == nil {
			out = &models[0].model
		}
		return err
	})
	return out, wrap("model "+ref, err)
}

// CreateModel implements registry.RegistryService.
func (s *Store) CreateModel(ctx context.Context, m *registry.Model) (*registry.Model, error) {
	return s.writeModel(ctx, m, createOnly)
}

// UpdateModel implements registry.RegistryService.
func (s *Store) UpdateModel(ctx context.Context, m *registry.Model) (*registry.Model, error) {
	return s.writeModel(ctx, m, updateOnly)
}

func (s *Store) writeModel(ctx context.Context, m *registry.Model, mode writeMode) (*registry.Model, error) {
	var out *registry.Model
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		w, err := newWriter(tx, registry.ActorFrom(ctx), s.now())
		if err != nil {
			return err
		}
		for i, c := range m.Certifications {
			if _, ok := w.programs.byCode[c.Program]; !ok {
				return registry.Invalid("certifications["+itoa(i)+"].program", "unknown programme %q", c.Program)
			}
		}
		models, err := w.upsertModels([]registry.Model{*m}, mode)
		if err != nil {
			return stripRecord(err)
		}
		out = &models[0]
		return w.flush()
	})
	return out, wrap("model "+m.Ref, err)
}

// stripRecord drops the file-record name from an error about a single
// model sent through the API, where the record is the request itself.
func stripRecord(err error) error {
	if e := registry.AsError(err); e != nil {
		out := *e
		out.Record = ""
		return &out
	}
	return err
}

// revision is the id of the latest audit event of the registry itself.
// Reviews of verdicts are in the audit log too, but they change nothing
// a match reads: counting them would make identical registries look
// different to the verdicts that record a revision. The walk down the
// ids stops at the first registry event, so it reads as many rows as
// reviews were written since.
func revision(tx *gorm.DB) (int64, error) {
	var rev []int64
	if err := tx.Model(&auditRow{}).Where("entity <> ?", auditReview).Order("id DESC").Limit(1).Pluck("id", &rev).Error; err != nil {
		return 0, err
	}
	if len(rev) == 0 {
		return 0, nil
	}
	return rev[0], nil
}

// Revision implements registry.RegistryService.
func (s *Store) Revision(ctx context.Context) (int64, error) {
	r, err := revision(s.db.WithContext(ctx))
	return r, wrap("revision", err)
}
