package registry

import "fmt"

// LaterFirmware says whether firmware a vendor releases after certification
// stays covered by it.
type LaterFirmware string

// The firmware coverage policies a programme can declare.
const (
	LaterFirmwareCovered    LaterFirmware = "covered"
	LaterFirmwareNotCovered LaterFirmware = "not-covered"
)

// Program is a certification scheme or recommendation list (CCDS, JC-STAR,
// DLPA, ...). Generation distinguishes criteria that changed over time, such
// as the DLPA's second recommended-router criterion of February 2026.
type Program struct {
	Code          string        `json:"code" doc:"Short stable code, e.g. CCDS" maxLength:"64"`
	Name          string        `json:"name" maxLength:"256"`
	Issuer        string        `json:"issuer,omitempty" maxLength:"256"`
	URL           string        `json:"url,omitempty" maxLength:"2048"`
	Generation    string        `json:"generation,omitempty" maxLength:"64"`
	LaterFirmware LaterFirmware `json:"later_firmware,omitempty" enum:"covered,not-covered"`
	Rules         []Rule        `json:"rules,omitempty"`
}

// Rule covers a vendor's product line instead of named models: the DLPA
// recommends every router its member vendors released from a date on.
// Coverage by rule is presumed, and is always reported apart from per-model
// certification.
type Rule struct {
	Vendor       string `json:"vendor" maxLength:"256"`
	DeviceType   string `json:"device_type,omitempty" maxLength:"64"`
	ReleasedFrom Date   `json:"released_from,omitzero"`
	Basis        string `json:"basis,omitempty" maxLength:"256"`
}

// Covers reports whether the rule presumes m covered. A model whose release
// date is unknown is not presumed covered by a rule that has a start date.
func (r Rule) Covers(m *Model) bool {
	if Key(r.Vendor) != Key(m.Vendor) {
		return false
	}
	if r.DeviceType != "" && Key(r.DeviceType) != Key(m.DeviceType) {
		return false
	}
	if r.ReleasedFrom.IsZero() {
		return true
	}
	return !m.Released.IsZero() && !m.Released.Date.Before(r.ReleasedFrom)
}

// Normalize fills defaults so that an imported and an exported programme
// compare equal.
func (p *Program) Normalize() {
	if p.LaterFirmware == "" {
		p.LaterFirmware = LaterFirmwareCovered
	}
}

// Validate reports the first problem with p.
func (p *Program) Validate() error {
	if err := checkText("code", p.Code, 64, true); err != nil {
		return err
	}
	if err := checkText("name", p.Name, 256, true); err != nil {
		return err
	}
	switch p.LaterFirmware {
	case "", LaterFirmwareCovered, LaterFirmwareNotCovered:
	default:
		return Invalid("later_firmware", "must be %q or %q, not %q", LaterFirmwareCovered, LaterFirmwareNotCovered, p.LaterFirmware)
	}
	for i, r := range p.Rules {
		if err := checkText("vendor", r.Vendor, 256, true); err != nil {
			return within(fmt.Sprintf("rules[%d]", i), err)
		}
	}
	return nil
}
