package sqlstore

import (
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/certprint/certprint/registry"
)

// writeMode says whether an upsert may create, update, or both.
type writeMode int

const (
	createOrUpdate writeMode = iota
	createOnly
	updateOnly
)

// writer applies programme and model upserts inside one transaction,
// diffing against what is stored so that an unchanged record writes nothing
// and every change writes one audit event with its before and after.
type writer struct {
	tx       *gorm.DB
	actor    string
	now      time.Time
	today    registry.Date
	programs programCodes
	audit    []auditRow
	summary  registry.ImportSummary
}

func newWriter(tx *gorm.DB, actor registry.Actor, now time.Time) (*writer, error) {
	pc, err := loadProgramCodes(tx)
	if err != nil {
		return nil, err
	}
	name := actor.Name
	if name == "" {
		name = "local"
	}
	return &writer{tx: tx, actor: name, now: now, today: registry.DateOf(now), programs: pc}, nil
}

func (w *writer) record(action, entity, key string, before, after any) {
	w.audit = append(w.audit, auditRow{
		At: w.now, Actor: w.actor, Action: action, Entity: entity, EntityKey: key,
		BeforeJSON: jsonText(before), AfterJSON: jsonText(after),
	})
}

// flush writes the queued audit events; call it last in the transaction.
func (w *writer) flush() error {
	if len(w.audit) == 0 {
		return nil
	}
	if err := w.tx.CreateInBatches(w.audit, chunk).Error; err != nil {
		return err
	}
	w.audit = nil
	return nil
}

// upsertProgram writes p, which must already be valid and normalized.
func (w *writer) upsertProgram(p *registry.Program, mode writeMode) error {
	var old programRow
	err := w.tx.Where("code = ?", p.Code).Take(&old).Error
	switch {
	case err == gorm.ErrRecordNotFound:
		if mode == updateOnly {
			return registry.Errorf(registry.ENOTFOUND, "programme %s does not exist", p.Code)
		}
		row := programToRow(p)
		row.CreatedAt, row.UpdatedAt = w.now, w.now
		if err := w.tx.Create(&row).Error; err != nil {
			return err
		}
		w.programs.byCode[p.Code], w.programs.byID[row.ID] = row.ID, p.Code
		w.summary.Programs.Created++
		w.record("create", "program", p.Code, nil, p)
		return nil
	case err != nil:
		return err
	case mode == createOnly:
		return registry.Errorf(registry.ECONFLICT, "programme %s already exists", p.Code)
	}
	before, err := old.program()
	if err != nil {
		return err
	}
	if p.Rules == nil && mode == createOrUpdate {
		p.Rules = before.Rules // a file that leaves rules out keeps them
	}
	if sameJSON(&before, p) {
		w.summary.Programs.Unchanged++
		return nil
	}
	row := programToRow(p)
	row.ID, row.CreatedAt, row.UpdatedAt = old.ID, old.CreatedAt, w.now
	if err := w.tx.Save(&row).Error; err != nil {
		return err
	}
	w.summary.Programs.Updated++
	w.record("update", "program", p.Code, &before, p)
	return nil
}

// pendingModel is a model to insert, with the certifications that need its
// id once it has one.
type pendingModel struct {
	row   *modelRow
	model *registry.Model
}

// upsertModels merges each model into what is stored, validates the result
// and writes the difference. Records are named by their index in models.
func (w *writer) upsertModels(models []registry.Model, mode writeMode) ([]registry.Model, error) {
	refs := make([]string, len(models))
	for i := range models {
		refs[i] = models[i].Ref
	}
	stored, err := loadModelsByRef(w.tx, refs)
	if err != nil {
		return nil, err
	}
	var inserts []pendingModel
	out := make([]registry.Model, len(models))
	for i := range models {
		old := stored[models[i].Ref]
		rec := fmt.Sprintf("models[%d] (ref %s)", i, models[i].Ref)
		switch {
		case old == nil && mode == updateOnly:
			return nil, registry.Errorf(registry.ENOTFOUND, "model %s does not exist", models[i].Ref)
		case old != nil && mode == createOnly:
			return nil, registry.Errorf(registry.ECONFLICT, "model %s already exists", models[i].Ref)
		}
		var oldModel *registry.Model
		if old != nil {
			oldModel = &old.model
		}
		merged := registry.Merge(oldModel, models[i], w.today, w.actor)
		if err := merged.Validate(); err != nil {
			e := *registry.AsError(err)
			e.Record = rec
			return nil, &e
		}
		out[i] = merged
		if old == nil {
			row := modelToRow(&merged)
			inserts = append(inserts, pendingModel{row: &row, model: &out[i]})
			continue
		}
		if err := w.updateModel(old, &out[i]); err != nil {
			return nil, fmt.Errorf("%s: %w", rec, err)
		}
	}
	return out, w.insertModels(inserts)
}

// insertModels writes new models and everything under them in batches:
// models first (their ids come back), then certifications, then histories.
func (w *writer) insertModels(pending []pendingModel) error {
	if len(pending) == 0 {
		return nil
	}
	rows := make([]*modelRow, len(pending))
	for i, p := range pending {
		p.row.CreatedAt, p.row.UpdatedAt = w.now, w.now
		rows[i] = p.row
	}
	if err := w.tx.CreateInBatches(rows, chunk).Error; err != nil {
		return err
	}
	var certs []*certificationRow
	var histories [][]registry.StatusChange
	for _, p := range pending {
		w.summary.Models.Created++
		w.record("create", "model", p.model.Ref, nil, modelFields(p.model))
		if p.model.Profile != nil {
			w.record("create", "profile", p.model.Ref, nil, p.model.Profile)
		}
		for k := range p.model.Certifications {
			c := &p.model.Certifications[k]
			row, err := w.certificationRow(c, p.row.ID)
			if err != nil {
				return err
			}
			certs = append(certs, row)
			histories = append(histories, c.History)
			w.summary.Certifications.Created++
			w.record("create", "certification", c.Program+"/"+c.CertificateID, nil, certificationAudit(p.model.Ref, c))
		}
	}
	if err := w.insertCertifications(certs); err != nil {
		return err
	}
	var changes []statusChangeRow
	for i, h := range histories {
		for _, e := range h {
			r := statusChangeToRow(&e)
			r.CertificationID = certs[i].ID
			changes = append(changes, r)
		}
	}
	w.summary.StatusChanges += len(changes)
	return w.insertChanges(changes)
}

func (w *writer) insertCertifications(rows []*certificationRow) error {
	if len(rows) == 0 {
		return nil
	}
	err := w.tx.CreateInBatches(rows, chunk).Error
	if err == gorm.ErrDuplicatedKey {
		return registry.Errorf(registry.ECONFLICT, "a certificate id is already attached to another model of the same programme")
	}
	return err
}

func (w *writer) insertChanges(rows []statusChangeRow) error {
	if len(rows) == 0 {
		return nil
	}
	return w.tx.CreateInBatches(rows, chunk).Error
}

func (w *writer) certificationRow(c *registry.Certification, modelID int64) (*certificationRow, error) {
	pid, ok := w.programs.byCode[c.Program]
	if !ok {
		return nil, registry.Invalid("program", "unknown programme %q", c.Program)
	}
	row := certificationToRow(c)
	row.ModelID, row.ProgramID = modelID, pid
	row.CreatedAt, row.UpdatedAt = w.now, w.now
	return &row, nil
}

// updateModel writes what differs between the stored model and merged.
func (w *writer) updateModel(old *storedModel, merged *registry.Model) error {
	if sameJSON(&old.model, merged) {
		w.summary.Models.Unchanged++
		return nil
	}
	w.summary.Models.Updated++
	oldFields, newFields := modelFields(&old.model), modelFields(merged)
	fieldsChanged := !sameJSON(oldFields, newFields)
	profileChanged := !sameJSON(old.model.Profile, merged.Profile)
	if fieldsChanged || profileChanged {
		row := modelToRow(merged)
		row.ID, row.CreatedAt, row.UpdatedAt = old.row.ID, old.row.CreatedAt, w.now
		if err := w.tx.Save(&row).Error; err != nil {
			return err
		}
	}
	if fieldsChanged {
		w.record("update", "model", merged.Ref, oldFields, newFields)
	}
	if profileChanged {
		w.record("update", "profile", merged.Ref, old.model.Profile, merged.Profile)
	}
	oldCerts := map[string]*registry.Certification{}
	for i := range old.model.Certifications {
		c := &old.model.Certifications[i]
		oldCerts[certKey(c.Program, c.CertificateID)] = c
	}
	for i := range merged.Certifications {
		c := &merged.Certifications[i]
		key := certKey(c.Program, c.CertificateID)
		if err := w.updateCertification(old, oldCerts[key], c); err != nil {
			return err
		}
	}
	return nil
}

func (w *writer) updateCertification(model *storedModel, old, c *registry.Certification) error {
	key := c.Program + "/" + c.CertificateID
	if old == nil {
		row, err := w.certificationRow(c, model.row.ID)
		if err != nil {
			return err
		}
		if err := w.insertCertifications([]*certificationRow{row}); err != nil {
			return err
		}
		w.summary.Certifications.Created++
		w.record("create", "certification", key, nil, certificationAudit(model.model.Ref, c))
		return w.appendHistory(row.ID, nil, c.History)
	}
	if sameJSON(old, c) {
		w.summary.Certifications.Unchanged++
		return nil
	}
	stored := model.certs[certKey(c.Program, c.CertificateID)]
	row := certificationToRow(c)
	row.ID, row.ModelID, row.ProgramID = stored.ID, stored.ModelID, stored.ProgramID
	row.CreatedAt, row.UpdatedAt = stored.CreatedAt, w.now
	if err := w.tx.Save(&row).Error; err != nil {
		return err
	}
	w.summary.Certifications.Updated++
	w.record("update", "certification", key, certificationAudit(model.model.Ref, old), certificationAudit(model.model.Ref, c))
	return w.appendHistory(row.ID, old.History, c.History)
}

// appendHistory stores the entries of merged that are not in stored:
// history is append-only, so nothing stored is ever rewritten.
func (w *writer) appendHistory(certID int64, stored, merged []registry.StatusChange) error {
	have := map[registry.StatusChange]int{}
	for _, e := range stored {
		have[e]++
	}
	var rows []statusChangeRow
	for _, e := range merged {
		if have[e] > 0 {
			have[e]--
			continue
		}
		r := statusChangeToRow(&e)
		r.CertificationID = certID
		rows = append(rows, r)
	}
	w.summary.StatusChanges += len(rows)
	return w.insertChanges(rows)
}

// modelFields is the model without its certifications and profile, which
// are audited as entities of their own.
func modelFields(m *registry.Model) *registry.Model {
	f := *m
	f.Certifications, f.Profile = nil, nil
	return &f
}

// certificationAudit is what the audit log keeps of a certification: the
// certification and the model it belongs to.
func certificationAudit(ref string, c *registry.Certification) any {
	return struct {
		Model string `json:"model"`
		*registry.Certification
	}{ref, c}
}

func sameJSON(a, b any) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(x) == string(y)
}
