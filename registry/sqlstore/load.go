package sqlstore

import (
	"fmt"

	"gorm.io/gorm"

	"github.com/certprint/certprint/registry"
)

// chunk bounds IN lists and insert batches: 500 rows of at most 17 columns
// stay far below SQLite's limit of 32766 bound parameters.
const chunk = 500

// storedModel is a model as loaded, with the row ids an update needs.
type storedModel struct {
	row   modelRow
	model registry.Model
	certs map[string]certificationRow // by program code + "\x00" + certificate id
}

func certKey(program, certificateID string) string { return program + "\x00" + certificateID }

// programCodes maps programme ids to codes, and back.
type programCodes struct {
	byID   map[int64]string
	byCode map[string]int64
}

func loadProgramCodes(tx *gorm.DB) (programCodes, error) {
	var rows []programRow
	if err := tx.Select("id", "code").Find(&rows).Error; err != nil {
		return programCodes{}, err
	}
	pc := programCodes{byID: map[int64]string{}, byCode: map[string]int64{}}
	for _, r := range rows {
		pc.byID[r.ID] = r.Code
		pc.byCode[r.Code] = r.ID
	}
	return pc, nil
}

// loadModelsByRef loads the models with the given refs, fully.
func loadModelsByRef(tx *gorm.DB, refs []string) (map[string]*storedModel, error) {
	out := map[string]*storedModel{}
	for i := 0; i < len(refs); i += chunk {
		var rows []modelRow
		if err := tx.Where("ref IN ?", refs[i:min(i+chunk, len(refs))]).Find(&rows).Error; err != nil {
			return nil, err
		}
		models, err := completeModels(tx, rows, false)
		if err != nil {
			return nil, err
		}
		for _, m := range models {
			out[m.model.Ref] = m
		}
	}
	return out, nil
}

// completeModels adds certifications and histories to model rows, in three
// queries whatever the number of models. With publicOnly, certifications
// off the public list are left out.
func completeModels(tx *gorm.DB, rows []modelRow, publicOnly bool) ([]*storedModel, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	programs, err := loadProgramCodes(tx)
	if err != nil {
		return nil, err
	}
	out := make([]*storedModel, len(rows))
	byID := map[int64]*storedModel{}
	ids := make([]int64, len(rows))
	for i := range rows {
		m, err := rows[i].model()
		if err != nil {
			return nil, fmt.Errorf("model %s: %w", rows[i].Ref, err)
		}
		out[i] = &storedModel{row: rows[i], model: m, certs: map[string]certificationRow{}}
		byID[rows[i].ID] = out[i]
		ids[i] = rows[i].ID
	}
	certs, err := loadCertifications(tx, ids, publicOnly)
	if err != nil {
		return nil, err
	}
	history, err := loadHistory(tx, certs)
	if err != nil {
		return nil, err
	}
	for _, cr := range certs {
		code := programs.byID[cr.ProgramID]
		c, err := cr.certification(code)
		if err != nil {
			return nil, fmt.Errorf("certification %s: %w", cr.CertificateID, err)
		}
		c.History = history[cr.ID]
		sm := byID[cr.ModelID]
		sm.model.Certifications = append(sm.model.Certifications, c)
		sm.certs[certKey(code, cr.CertificateID)] = cr
	}
	for _, sm := range out {
		sm.model.Normalize()
	}
	return out, nil
}

func loadCertifications(tx *gorm.DB, modelIDs []int64, publicOnly bool) ([]certificationRow, error) {
	var all []certificationRow
	for i := 0; i < len(modelIDs); i += chunk {
		var rows []certificationRow
		q := tx.Where("model_id IN ?", modelIDs[i:min(i+chunk, len(modelIDs))])
		if publicOnly {
			q = q.Where("public = ?", true)
		}
		if err := q.Order("id").Find(&rows).Error; err != nil {
			return nil, err
		}
		all = append(all, rows...)
	}
	return all, nil
}

// loadHistory returns each certification's status changes in the order
// they were stored; Normalize orders them by date.
func loadHistory(tx *gorm.DB, certs []certificationRow) (map[int64][]registry.StatusChange, error) {
	out := map[int64][]registry.StatusChange{}
	for i := 0; i < len(certs); i += chunk {
		ids := make([]int64, 0, chunk)
		for _, c := range certs[i:min(i+chunk, len(certs))] {
			ids = append(ids, c.ID)
		}
		var rows []statusChangeRow
		if err := tx.Where("certification_id IN ?", ids).Order("id").Find(&rows).Error; err != nil {
			return nil, err
		}
		for _, r := range rows {
			out[r.CertificationID] = append(out[r.CertificationID], r.change())
		}
	}
	return out, nil
}
