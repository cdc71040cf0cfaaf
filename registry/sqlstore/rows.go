package sqlstore

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/certprint/certprint/registry"
)

// Rows mirror the tables of the migrations; domain types never carry gorm
// tags. Lists and nested values that are only ever read whole (rules,
// aliases, profiles, firmware scopes) are stored as JSON text.

type programRow struct {
	ID            int64
	Code          string
	Name          string
	Issuer        string
	URL           string `gorm:"column:url"`
	Generation    string
	LaterFirmware string
	Rules         string
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

func (programRow) TableName() string { return "programs" }

type modelRow struct {
	ID              int64
	Ref             string
	Vendor          string
	VendorKey       string
	Name            string
	ModelNumber     string
	ModelKey        string
	HardwareVersion string
	DeviceType      string
	Released        registry.PartialDate
	Family          string
	CPE             string `gorm:"column:cpe"`
	Aliases         string
	Profile         string
	Search          string
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

func (modelRow) TableName() string { return "models" }

type certificationRow struct {
	ID            int64
	ModelID       int64
	ProgramID     int64
	CertificateID string
	Level         string
	Issued        registry.Date
	Expires       registry.Date
	Status        string
	Public        bool
	Firmware      string
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

func (certificationRow) TableName() string { return "certifications" }

type statusChangeRow struct {
	ID              int64
	CertificationID int64
	Status          string
	Effective       registry.Date
	Recorded        registry.Date
	RecordedBy      string
	Reason          string
}

func (statusChangeRow) TableName() string { return "status_changes" }

type auditRow struct {
	ID         int64
	At         time.Time
	Actor      string
	Action     string
	Entity     string
	EntityKey  string
	BeforeJSON string `gorm:"column:before_json"`
	AfterJSON  string `gorm:"column:after_json"`
}

func (auditRow) TableName() string { return "audit_events" }

type tokenRow struct {
	ID         int64
	Name       string
	Role       string
	Hash       string
	CreatedAt  time.Time
	LastUsedAt *time.Time
}

func (tokenRow) TableName() string { return "tokens" }

// jsonText encodes v for a JSON text column; empty values are stored as "".
func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil || string(b) == "null" || string(b) == "[]" {
		return ""
	}
	return string(b)
}

// fromJSONText decodes a JSON text column; "" leaves v untouched. The text
// was written by jsonText, so a decoding error is a corrupted database.
func fromJSONText(s string, v any) error {
	if s == "" {
		return nil
	}
	return json.Unmarshal([]byte(s), v)
}

func programToRow(p *registry.Program) programRow {
	return programRow{
		Code: p.Code, Name: p.Name, Issuer: p.Issuer, URL: p.URL,
		Generation: p.Generation, LaterFirmware: string(p.LaterFirmware),
		Rules: jsonText(p.Rules),
	}
}

func (r *programRow) program() (registry.Program, error) {
	p := registry.Program{
		Code: r.Code, Name: r.Name, Issuer: r.Issuer, URL: r.URL,
		Generation: r.Generation, LaterFirmware: registry.LaterFirmware(r.LaterFirmware),
	}
	return p, fromJSONText(r.Rules, &p.Rules)
}

func modelToRow(m *registry.Model) modelRow {
	return modelRow{
		Ref: m.Ref, Vendor: m.Vendor, VendorKey: m.VendorKey(), Name: m.Name,
		ModelNumber: m.ModelNumber, ModelKey: m.ModelKey(),
		HardwareVersion: m.HardwareVersion, DeviceType: m.DeviceType,
		Released: m.Released, Family: m.Family, CPE: m.CPE,
		Aliases: jsonText(m.Aliases), Profile: jsonText(m.Profile),
		Search: searchText(m),
	}
}

// searchText is what free-text search looks in, in Key form so that
// full-width and case variants of a query find the model.
func searchText(m *registry.Model) string {
	parts := []string{m.Ref, m.Vendor, m.Name, m.ModelNumber, m.Family}
	parts = append(parts, m.Aliases...)
	return registry.Key(strings.Join(parts, " | "))
}

func (r *modelRow) model() (registry.Model, error) {
	m := registry.Model{
		Ref: r.Ref, Vendor: r.Vendor, Name: r.Name, ModelNumber: r.ModelNumber,
		HardwareVersion: r.HardwareVersion, DeviceType: r.DeviceType,
		Released: r.Released, Family: r.Family, CPE: r.CPE,
	}
	if err := fromJSONText(r.Aliases, &m.Aliases); err != nil {
		return m, err
	}
	return m, fromJSONText(r.Profile, &m.Profile)
}

func certificationToRow(c *registry.Certification) certificationRow {
	return certificationRow{
		CertificateID: c.CertificateID, Level: c.Level, Issued: c.Issued,
		Expires: c.Expires, Status: string(c.Status), Public: c.IsPublic(),
		Firmware: jsonText(c.Firmware),
	}
}

func (r *certificationRow) certification(program string) (registry.Certification, error) {
	public := r.Public
	c := registry.Certification{
		Program: program, CertificateID: r.CertificateID, Level: r.Level,
		Issued: r.Issued, Expires: r.Expires, Status: registry.Status(r.Status),
		Public: &public,
	}
	return c, fromJSONText(r.Firmware, &c.Firmware)
}

func statusChangeToRow(e *registry.StatusChange) statusChangeRow {
	return statusChangeRow{
		Status: string(e.Status), Effective: e.Effective, Recorded: e.Recorded,
		RecordedBy: e.By, Reason: e.Reason,
	}
}

func (r *statusChangeRow) change() registry.StatusChange {
	return registry.StatusChange{
		Status: registry.Status(r.Status), Effective: r.Effective,
		Recorded: r.Recorded, By: r.RecordedBy, Reason: r.Reason,
	}
}

func (r *auditRow) event() registry.AuditEvent {
	e := registry.AuditEvent{
		ID: r.ID, At: r.At, Actor: r.Actor, Action: r.Action,
		Entity: r.Entity, Key: r.EntityKey,
	}
	if r.BeforeJSON != "" {
		e.Before = json.RawMessage(r.BeforeJSON)
	}
	if r.AfterJSON != "" {
		e.After = json.RawMessage(r.AfterJSON)
	}
	return e
}
