package registry

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// Model is a device model as a certification body lists it. Ref is the
// stable external key that makes every import an idempotent upsert.
type Model struct {
	Ref             string          `json:"ref" doc:"Stable external key" maxLength:"128"`
	Vendor          string          `json:"vendor" maxLength:"256"`
	Name            string          `json:"name" maxLength:"256"`
	ModelNumber     string          `json:"model_number,omitempty" maxLength:"256"`
	HardwareVersion string          `json:"hardware_version,omitempty" maxLength:"64"`
	DeviceType      string          `json:"device_type,omitempty" maxLength:"64" doc:"router, camera, nas, printer, ..."`
	Released        PartialDate     `json:"released,omitzero"`
	Family          string          `json:"family,omitempty" maxLength:"256" doc:"OEM or white-label group"`
	CPE             string          `json:"cpe,omitempty" maxLength:"512"`
	Aliases         []string        `json:"aliases,omitempty"`
	Certifications  []Certification `json:"certifications,omitempty"`
	Profile         *Profile        `json:"profile,omitempty"`
}

// refPattern keeps refs usable in URLs and file names.
var refPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$`)

// VendorKey is the vendor in comparison form.
func (m *Model) VendorKey() string { return Key(m.Vendor) }

// ModelKey is the model number (or, lacking one, the name) in comparison form.
func (m *Model) ModelKey() string {
	if m.ModelNumber != "" {
		return Key(m.ModelNumber)
	}
	return Key(m.Name)
}

// Normalize puts a model in the canonical order and fills defaults, so that
// two models that mean the same thing compare equal and export identically.
func (m *Model) Normalize() {
	m.DeviceType = Key(m.DeviceType)
	for i := range m.Certifications {
		m.Certifications[i].Normalize()
	}
	sort.SliceStable(m.Certifications, func(i, j int) bool {
		a, b := m.Certifications[i], m.Certifications[j]
		if a.Program != b.Program {
			return a.Program < b.Program
		}
		return a.CertificateID < b.CertificateID
	})
	if len(m.Aliases) == 0 {
		m.Aliases = nil
	}
	if m.Profile != nil && len(m.Profile.Signatures) == 0 {
		m.Profile = nil
	}
}

// Validate reports the first problem with m. Field paths are relative to the
// model.
func (m *Model) Validate() error {
	if !refPattern.MatchString(m.Ref) {
		return Invalid("ref", "must be 1 to 128 letters, digits or . _ : - and start with a letter or digit, not %q", m.Ref)
	}
	texts := []struct {
		field, value string
		max          int
		required     bool
	}{
		{"vendor", m.Vendor, 256, true},
		{"name", m.Name, 256, true},
		{"model_number", m.ModelNumber, 256, false},
		{"hardware_version", m.HardwareVersion, 64, false},
		{"device_type", m.DeviceType, 64, false},
		{"family", m.Family, 256, false},
	}
	for _, t := range texts {
		if err := checkText(t.field, t.value, t.max, t.required); err != nil {
			return err
		}
	}
	if err := checkCPE(m.CPE); err != nil {
		return err
	}
	for i, a := range m.Aliases {
		if err := checkText(fmt.Sprintf("aliases[%d]", i), a, 256, true); err != nil {
			return err
		}
	}
	if err := m.validateCertifications(); err != nil {
		return err
	}
	if m.Profile != nil {
		return within("profile", m.Profile.Validate())
	}
	return nil
}

func (m *Model) validateCertifications() error {
	seen := map[string]bool{}
	for i := range m.Certifications {
		c := &m.Certifications[i]
		field := fmt.Sprintf("certifications[%d]", i)
		if err := c.Validate(); err != nil {
			return within(field, err)
		}
		key := c.Program + "\x00" + c.CertificateID
		if seen[key] {
			return Invalid(field+".certificate_id", "certificate %s of %s is listed twice", c.CertificateID, c.Program)
		}
		seen[key] = true
	}
	return nil
}

// checkCPE accepts an empty value or a CPE 2.3 formatted string: "cpe:2.3:"
// and eleven more colon-separated components (colons may be escaped).
func checkCPE(s string) error {
	if s == "" {
		return nil
	}
	if err := checkText("cpe", s, 512, false); err != nil {
		return err
	}
	if !strings.HasPrefix(s, "cpe:2.3:") {
		return Invalid("cpe", "must be a CPE 2.3 name starting with cpe:2.3:, not %q", s)
	}
	parts := 1
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case ':':
			parts++
		}
	}
	if parts != 13 {
		return Invalid("cpe", "a CPE 2.3 name has 13 colon-separated components; %q has %d", s, parts)
	}
	return nil
}
