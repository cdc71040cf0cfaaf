package registry

import (
	"fmt"
	"sort"
)

// Status is the state of a certification.
type Status string

// The certification states of SPEC.
const (
	StatusValid     Status = "valid"
	StatusSuspended Status = "suspended"
	StatusRevoked   Status = "revoked"
	StatusExpired   Status = "expired"
)

// Valid reports whether s is one of the known states.
func (s Status) Valid() bool {
	switch s {
	case StatusValid, StatusSuspended, StatusRevoked, StatusExpired:
		return true
	}
	return false
}

// Certification ties one model to one programme. Public is false when the
// vendor keeps it off the programme's public list (CCDS lets vendors opt out);
// an unlisted certification still counts in statistics.
type Certification struct {
	Program       string         `json:"program" maxLength:"64"`
	CertificateID string         `json:"certificate_id" maxLength:"128"`
	Level         string         `json:"level,omitempty" maxLength:"64"`
	Issued        Date           `json:"issued"`
	Expires       Date           `json:"expires,omitzero"`
	Status        Status         `json:"status" enum:"valid,suspended,revoked,expired"`
	Public        *bool          `json:"public,omitempty" doc:"On the programme's public list (default true)"`
	Firmware      *FirmwareScope `json:"firmware,omitempty"`
	History       []StatusChange `json:"history,omitempty"`
}

// StatusChange is one entry of a certification's history. Effective is when
// the change takes effect (a revocation entered today may take effect in the
// past); Recorded is when it was entered.
type StatusChange struct {
	Status    Status `json:"status" enum:"valid,suspended,revoked,expired"`
	Effective Date   `json:"effective"`
	Recorded  Date   `json:"recorded"`
	By        string `json:"by,omitempty" maxLength:"256"`
	Reason    string `json:"reason,omitempty" maxLength:"1024"`
}

// IsPublic reports whether the certification is on the public list.
func (c *Certification) IsPublic() bool { return c.Public == nil || *c.Public }

// Normalize makes Public explicit and orders the history, so that stored and
// exported certifications compare equal.
func (c *Certification) Normalize() {
	public := c.IsPublic()
	c.Public = &public
	sortHistory(c.History)
	if c.Firmware != nil && c.Firmware.IsZero() {
		c.Firmware = nil
	}
}

// sortHistory orders changes by effective date, then by recording date; the
// sort is stable so that same-day entries keep the order they were made in.
func sortHistory(h []StatusChange) {
	sort.SliceStable(h, func(i, j int) bool {
		if c := h[i].Effective.Compare(h[j].Effective); c != 0 {
			return c < 0
		}
		return h[i].Recorded.Before(h[j].Recorded)
	})
}

// Validate reports the first problem with c; the history must be ordered
// (Normalize does that) before its transitions can be checked.
func (c *Certification) Validate() error {
	if err := checkText("program", c.Program, 64, true); err != nil {
		return err
	}
	if err := checkText("certificate_id", c.CertificateID, 128, true); err != nil {
		return err
	}
	if err := checkText("level", c.Level, 64, false); err != nil {
		return err
	}
	if c.Issued.IsZero() {
		return Invalid("issued", "is required")
	}
	if !c.Expires.IsZero() && c.Expires.Before(c.Issued) {
		return Invalid("expires", "%s is before the issue date %s", c.Expires, c.Issued)
	}
	if !c.Status.Valid() {
		return Invalid("status", "must be valid, suspended, revoked or expired, not %q", c.Status)
	}
	if c.Firmware != nil {
		if err := c.Firmware.Validate(); err != nil {
			return within("firmware", err)
		}
	}
	return c.validateHistory()
}

// validateHistory refuses histories that make no sense: a change taking
// effect before the certificate was issued, a revoked certificate coming back
// under the same id, or a current status the history does not end in.
func (c *Certification) validateHistory() error {
	h := append([]StatusChange(nil), c.History...)
	sortHistory(h)
	for i, e := range h {
		field := fmt.Sprintf("history[%d]", i)
		if !e.Status.Valid() {
			return Invalid(field+".status", "must be valid, suspended, revoked or expired, not %q", e.Status)
		}
		if e.Effective.IsZero() {
			return Invalid(field+".effective", "is required")
		}
		if e.Recorded.IsZero() {
			return Invalid(field+".recorded", "is required")
		}
		if e.Effective.Before(c.Issued) {
			return Invalid(field+".effective", "%s is before the issue date %s", e.Effective, c.Issued)
		}
		if err := checkText(field+".by", e.By, 256, false); err != nil {
			return err
		}
		if err := checkText(field+".reason", e.Reason, 1024, false); err != nil {
			return err
		}
		if i > 0 && h[i-1].Status == StatusRevoked && e.Status != StatusRevoked {
			return Invalid(field+".status", "certificate %s was revoked on %s and cannot become %s again; issue a new certificate id", c.CertificateID, h[i-1].Effective, e.Status)
		}
	}
	if n := len(h); n > 0 && h[n-1].Status != c.Status {
		return Invalid("status", "is %s but the history ends in %s on %s", c.Status, h[n-1].Status, h[n-1].Effective)
	}
	return nil
}

// StatusOn returns the status in force on day d, from the history's
// effective dates and the validity window. ok is false before the
// certificate was issued.
func (c *Certification) StatusOn(d Date) (s Status, ok bool) {
	if d.Before(c.Issued) {
		return "", false
	}
	s = StatusValid
	if len(c.History) == 0 {
		s = c.Status
	}
	for _, e := range c.History {
		if e.Effective.After(d) {
			break
		}
		s = e.Status
	}
	if s == StatusValid && !c.Expires.IsZero() && d.After(c.Expires) {
		s = StatusExpired
	}
	return s, true
}
