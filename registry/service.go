package registry

import (
	"context"
	"encoding/json"
	"time"
)

// RegistryService stores programmes, models, certifications and profiles.
// Writers are taken from the context (WithActor) and recorded in the audit
// log; callers check roles before calling (the HTTP layer declares them per
// operation), the service checks the data.
type RegistryService interface {
	// Import upserts a whole document by programme code and model ref in
	// one transaction: all of it is stored or none. Empty fields keep what
	// is stored, certifications missing from the file are kept (withdraw
	// one by changing its status), and a status that changes without a
	// history entry gets one dated today. EINVALID names the record.
	Import(ctx context.Context, doc *Document) (ImportSummary, error)
	// Export returns the whole registry in canonical order.
	Export(ctx context.Context) (*Document, error)

	// ListPrograms returns every programme ordered by code.
	ListPrograms(ctx context.Context) ([]Program, error)
	// GetProgram returns one programme; ENOTFOUND.
	GetProgram(ctx context.Context, code string) (*Program, error)
	// CreateProgram stores a new programme; EINVALID, ECONFLICT.
	CreateProgram(ctx context.Context, p *Program) (*Program, error)
	// UpdateProgram replaces a programme's fields; EINVALID, ENOTFOUND.
	UpdateProgram(ctx context.Context, p *Program) (*Program, error)

	// ListModels returns one page of models with their certifications.
	ListModels(ctx context.Context, f ModelFilter) (ModelPage, error)
	// GetModel returns one model; ENOTFOUND (also for a model hidden from
	// the caller because none of its certifications is public).
	GetModel(ctx context.Context, ref string, publicOnly bool) (*Model, error)
	// CreateModel stores a new model; EINVALID, ECONFLICT.
	CreateModel(ctx context.Context, m *Model) (*Model, error)
	// UpdateModel upserts into an existing model as Import does; EINVALID,
	// ENOTFOUND.
	UpdateModel(ctx context.Context, m *Model) (*Model, error)
	// SetProfile replaces a model's profile in one transaction (nil or no
	// signatures removes it), recording the change with its before and
	// after in the audit log; an identical profile changes nothing. Unlike
	// UpdateModel it needs no read of the model first and can remove a
	// profile. Certifier or admin. EINVALID, ENOTFOUND.
	SetProfile(ctx context.Context, ref string, p *Profile) (*Model, error)

	// ListCertifications returns one page of certifications.
	ListCertifications(ctx context.Context, f CertificationFilter) (CertificationPage, error)
	// AddCertification attaches a new certification to a model; EINVALID,
	// ENOTFOUND, ECONFLICT (the certificate id exists).
	AddCertification(ctx context.Context, ref string, c *Certification) (*CertificationEntry, error)
	// ChangeStatus appends a status change to a certification's history;
	// EINVALID for a transition that makes no sense, ENOTFOUND.
	ChangeStatus(ctx context.Context, program, certificateID string, ch StatusChange) (*CertificationEntry, error)

	// Audit returns audit events, newest first.
	Audit(ctx context.Context, f AuditFilter) ([]AuditEvent, error)
	// Revision identifies the registry's current state: it grows with
	// every change, so verdicts can record which registry they used.
	Revision(ctx context.Context) (int64, error)
}

// ImportSummary counts what an import did.
type ImportSummary struct {
	Programs       Counts `json:"programs"`
	Models         Counts `json:"models"`
	Certifications Counts `json:"certifications"`
	StatusChanges  int    `json:"status_changes"`
	Revision       int64  `json:"revision"`
}

// Counts splits records by what happened to them.
type Counts struct {
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
}

// Page bounds a listing.
type Page struct {
	Limit  int
	Offset int
}

// ModelFilter selects models; every set field must hold.
type ModelFilter struct {
	Vendor      string // compared as a Key
	ModelNumber string // compared as a Key with the model key
	DeviceType  string
	Program     string // has a certification in this programme
	Status      Status // has a certification currently in this status
	Text        string // free text over ref, vendor, name, model number, aliases
	PublicOnly  bool   // only models with a public certification, and only those certifications
	Page
}

// ModelPage is one page of models and the total the filter selects.
type ModelPage struct {
	Models []Model `json:"models"`
	Total  int64   `json:"total"`
}

// CertificationFilter selects certifications.
type CertificationFilter struct {
	Program    string
	Status     Status
	Vendor     string
	PublicOnly bool
	Page
}

// CertificationEntry is a certification with the model it belongs to, as
// certification lists show it.
type CertificationEntry struct {
	ModelRef string `json:"model_ref"`
	Vendor   string `json:"vendor"`
	Name     string `json:"name"`
	Certification
}

// CertificationPage is one page of certifications and the total.
type CertificationPage struct {
	Certifications []CertificationEntry `json:"certifications"`
	Total          int64                `json:"total"`
}

// AuditEvent records one change: who, when, what, before and after.
type AuditEvent struct {
	ID     int64           `json:"id"`
	At     time.Time       `json:"at"`
	Actor  string          `json:"actor"`
	Action string          `json:"action" enum:"create,update,status"`
	Entity string          `json:"entity" enum:"program,model,certification,profile,review"`
	Key    string          `json:"key"`
	Before json.RawMessage `json:"before,omitempty"`
	After  json.RawMessage `json:"after,omitempty"`
}

// AuditFilter selects audit events.
type AuditFilter struct {
	Entity string
	Key    string
	Page
}
