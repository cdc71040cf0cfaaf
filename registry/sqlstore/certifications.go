package sqlstore

import (
	"context"
	"strconv"
	"strings"

	"gorm.io/gorm"

	"github.com/certprint/certprint/registry"
)

func itoa(i int) string { return strconv.Itoa(i) }

// ListCertifications implements registry.RegistryService.
func (s *Store) ListCertifications(ctx context.Context, f registry.CertificationFilter) (registry.CertificationPage, error) {
	page := registry.CertificationPage{Certifications: []registry.CertificationEntry{}}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// A gorm chain keeps state after Count, so each query builds its own.
		if err := filterCertifications(tx, f).Count(&page.Total).Error; err != nil {
			return err
		}
		var rows []certificationRow
		err := filterCertifications(tx, f).Select("certifications.*").
			Order("programs.code, certifications.certificate_id").
			Limit(f.Limit).Offset(f.Offset).Find(&rows).Error
		if err != nil {
			return err
		}
		page.Certifications, err = certificationEntries(tx, rows)
		return err
	})
	return page, wrap("list certifications", err)
}

// certificationEntries completes certification rows with their history,
// programme code and model, in three more queries whatever their number.
func filterCertifications(tx *gorm.DB, f registry.CertificationFilter) *gorm.DB {
	q := tx.Model(&certificationRow{}).
		Joins("JOIN models ON models.id = certifications.model_id").
		Joins("JOIN programs ON programs.id = certifications.program_id")
	if f.Program != "" {
		q = q.Where("programs.code = ?", f.Program)
	}
	if f.Status != "" {
		q = q.Where("certifications.status = ?", string(f.Status))
	}
	if f.Vendor != "" {
		q = q.Where("models.vendor_key = ?", registry.Key(f.Vendor))
	}
	if f.PublicOnly {
		q = q.Where("certifications.public = ?", true)
	}
	return q
}

func certificationEntries(tx *gorm.DB, rows []certificationRow) ([]registry.CertificationEntry, error) {
	programs, err := loadProgramCodes(tx)
	if err != nil {
		return nil, err
	}
	history, err := loadHistory(tx, rows)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(rows))
	for i := range rows {
		ids[i] = rows[i].ID
	}
	models := map[int64]modelRow{}
	for i := 0; i < len(rows); i += chunk {
		var ms []modelRow
		sub := tx.Model(&certificationRow{}).Select("model_id").Where("id IN ?", ids[i:min(i+chunk, len(ids))])
		if err := tx.Select("id", "ref", "vendor", "name").Where("id IN (?)", sub).Find(&ms).Error; err != nil {
			return nil, err
		}
		for _, m := range ms {
			models[m.ID] = m
		}
	}
	out := make([]registry.CertificationEntry, 0, len(rows))
	for i := range rows {
		c, err := rows[i].certification(programs.byID[rows[i].ProgramID])
		if err != nil {
			return nil, err
		}
		c.History = history[rows[i].ID]
		c.Normalize()
		m := models[rows[i].ModelID]
		out = append(out, registry.CertificationEntry{ModelRef: m.Ref, Vendor: m.Vendor, Name: m.Name, Certification: c})
	}
	return out, nil
}

// AddCertification implements registry.RegistryService.
func (s *Store) AddCertification(ctx context.Context, ref string, c *registry.Certification) (*registry.CertificationEntry, error) {
	m, err := s.GetModel(ctx, ref, false)
	if err != nil {
		return nil, err
	}
	for _, have := range m.Certifications {
		if have.Program == c.Program && have.CertificateID == c.CertificateID {
			return nil, registry.Errorf(registry.ECONFLICT, "model %s already has certificate %s of %s", ref, c.CertificateID, c.Program)
		}
	}
	in := registry.Model{Ref: m.Ref, Vendor: m.Vendor, Name: m.Name, Certifications: []registry.Certification{*c}}
	if _, err := s.writeModel(ctx, &in, updateOnly); err != nil {
		return nil, prefixCertificationField(err)
	}
	return s.certificationEntry(ctx, c.Program, c.CertificateID)
}

// prefixCertificationField strips the "certifications[0]." that a model
// write puts before fields, since the caller sent one certification.
func prefixCertificationField(err error) error {
	e := registry.AsError(err)
	if e == nil {
		return err
	}
	out := *e
	if f, ok := strings.CutPrefix(out.Field, "certifications[0]."); ok {
		out.Field = f
	}
	return &out
}

// ChangeStatus implements registry.RegistryService. The change is recorded
// today by the actor; its effective date defaults to today and may lie in
// the past.
func (s *Store) ChangeStatus(ctx context.Context, program, certificateID string, ch registry.StatusChange) (*registry.CertificationEntry, error) {
	entry, err := s.certificationEntry(ctx, program, certificateID)
	if err != nil {
		return nil, err
	}
	today := registry.DateOf(s.now())
	if ch.Effective.IsZero() {
		ch.Effective = today
	}
	ch.Recorded = today
	if ch.By == "" {
		ch.By = registry.ActorFrom(ctx).Name
	}
	if !ch.Status.Valid() {
		return nil, registry.Invalid("status", "must be valid, suspended, revoked or expired, not %q", ch.Status)
	}
	c := entry.Certification
	c.History = append(c.History, ch)
	c.Normalize()
	c.Status = c.History[len(c.History)-1].Status
	in := registry.Model{Ref: entry.ModelRef, Vendor: entry.Vendor, Name: entry.Name, Certifications: []registry.Certification{c}}
	if _, err := s.writeModel(ctx, &in, updateOnly); err != nil {
		return nil, prefixCertificationField(err)
	}
	return s.certificationEntry(ctx, program, certificateID)
}

func (s *Store) certificationEntry(ctx context.Context, program, certificateID string) (*registry.CertificationEntry, error) {
	page, err := s.listOne(ctx, program, certificateID)
	if err != nil {
		return nil, err
	}
	if len(page) == 0 {
		return nil, registry.Errorf(registry.ENOTFOUND, "certificate %s of %s does not exist", certificateID, program)
	}
	return &page[0], nil
}

func (s *Store) listOne(ctx context.Context, program, certificateID string) ([]registry.CertificationEntry, error) {
	var out []registry.CertificationEntry
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var rows []certificationRow
		err := tx.Joins("JOIN programs ON programs.id = certifications.program_id").
			Where("programs.code = ? AND certifications.certificate_id = ?", program, certificateID).
			Select("certifications.*").Find(&rows).Error
		if err != nil {
			return err
		}
		out, err = certificationEntries(tx, rows)
		return err
	})
	return out, wrap("certification", err)
}

// Audit implements registry.RegistryService.
func (s *Store) Audit(ctx context.Context, f registry.AuditFilter) ([]registry.AuditEvent, error) {
	q := s.db.WithContext(ctx).Model(&auditRow{})
	if f.Entity != "" {
		q = q.Where("entity = ?", f.Entity)
	}
	if f.Key != "" {
		q = q.Where("entity_key = ?", f.Key)
	}
	var rows []auditRow
	if err := q.Order("id DESC").Limit(f.Limit).Offset(f.Offset).Find(&rows).Error; err != nil {
		return nil, wrap("audit log", err)
	}
	out := make([]registry.AuditEvent, len(rows))
	for i := range rows {
		out[i] = rows[i].event()
	}
	return out, nil
}
