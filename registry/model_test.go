package registry

import (
	"reflect"
	"strings"
	"testing"
)

func validModel() Model {
	p := validProfile()
	return Model{
		Ref:             "acme-r100-v2",
		Vendor:          "Acme",
		Name:            "R100",
		ModelNumber:     "R100-JP",
		HardwareVersion: "v2",
		DeviceType:      "router",
		Released:        PartialDate{Date: MustDate("2024-03-01"), Precision: 2},
		Family:          "acme-r100",
		CPE:             "cpe:2.3:h:acme:r100:v2:*:*:*:*:*:*:*",
		Aliases:         []string{"Bravo BR-100"},
		Certifications:  []Certification{validCert()},
		Profile:         &p,
	}
}

func TestModelRef(t *testing.T) {
	good := []string{"acme-r100-v2", "a", "0", "A.b_c:d-e", strings.Repeat("r", 128), "jcs:1:000042"}
	for _, ref := range good {
		t.Run("accepts "+ref, func(t *testing.T) {
			m := validModel()
			m.Ref = ref
			wantOK(t, m.Validate())
		})
	}
	bad := map[string]string{
		"empty":                "",
		"leading hyphen":       "-acme",
		"leading dot":          ".acme",
		"space":                "acme r100",
		"slash":                "acme/r100",
		"non-ASCII letter":     "ａｃｍｅ",
		"query character":      "acme?x",
		"129 characters":       strings.Repeat("r", 129),
		"trailing newline":     "acme\n",
		"percent-encoded char": "acme%20r100",
	}
	for name, ref := range bad {
		t.Run("refuses "+name, func(t *testing.T) {
			m := validModel()
			m.Ref = ref
			wantInvalid(t, m.Validate(), "ref", "1 to 128 letters")
		})
	}
}

func TestModelCPE(t *testing.T) {
	good := map[string]string{
		"empty":                 "",
		"example":               "cpe:2.3:h:acme:r100:v2:*:*:*:*:*:*:*",
		"escaped colon":         `cpe:2.3:h:acme:r100\:jp:v2:*:*:*:*:*:*:*`,
		"escaped backslash":     `cpe:2.3:h:acme:r100\\:v2:*:*:*:*:*:*:*`,
		"escaped colons twice":  `cpe:2.3:o:acme:fw\:a\:b:1.0:*:*:*:*:*:*:*`,
		"any and not-available": "cpe:2.3:a:acme:httpd:-:*:*:*:*:*:*:*",
	}
	for name, cpe := range good {
		t.Run("accepts "+name, func(t *testing.T) {
			m := validModel()
			m.CPE = cpe
			wantOK(t, m.Validate())
		})
	}
	bad := []struct {
		name, cpe string
		wants     []string
	}{
		{"CPE 2.2 URI", "cpe:/h:acme:r100:v2", []string{"starting with cpe:2.3:"}},
		{"upper-case prefix", "CPE:2.3:h:acme:r100:v2:*:*:*:*:*:*:*", []string{"starting with cpe:2.3:"}},
		{"12 components", "cpe:2.3:h:acme:r100:v2:*:*:*:*:*:*", []string{"has 12"}},
		{"14 components", "cpe:2.3:h:acme:r100:v2:*:*:*:*:*:*:*:*", []string{"has 14"}},
		{"escaped colon leaves 12", `cpe:2.3:h:acme:r100\:v2:*:*:*:*:*:*:*`, []string{"has 12"}},
		{"escaped backslash does not escape the colon", `cpe:2.3:h:acme:r100\\:v2:*:*:*:*:*:*`, []string{"has 12"}},
		{"control character", "cpe:2.3:h:acme:r100:v2:*:*:*:*:*:*:\x00", []string{"control character"}},
	}
	for _, tt := range bad {
		t.Run("refuses "+tt.name, func(t *testing.T) {
			m := validModel()
			m.CPE = tt.cpe
			wantInvalid(t, m.Validate(), "cpe", tt.wants...)
		})
	}
}

func TestModelValidate(t *testing.T) {
	t.Run("accepts the example model", func(t *testing.T) {
		m := validModel()
		wantOK(t, m.Validate())
	})
	t.Run("accepts a minimal model", func(t *testing.T) {
		m := Model{Ref: "echo-plain", Vendor: "Echo", Name: "Echo Printer"}
		wantOK(t, m.Validate())
	})
	t.Run("accepts one certificate id in two programmes", func(t *testing.T) {
		m := validModel()
		c := validCert()
		c.Program = "JC-STAR"
		m.Certifications = append(m.Certifications, c)
		wantOK(t, m.Validate())
	})
	invalid := []struct {
		name   string
		change func(m *Model)
		field  string
		wants  []string
	}{
		{"no vendor", func(m *Model) { m.Vendor = "" }, "vendor", []string{"required"}},
		{"no name", func(m *Model) { m.Name = "" }, "name", []string{"required"}},
		{"overlong hardware version", func(m *Model) { m.HardwareVersion = strings.Repeat("v", 65) }, "hardware_version", []string{"65 characters"}},
		{"invalid UTF-8 in the family", func(m *Model) { m.Family = "acme\xff" }, "family", []string{"UTF-8"}},
		{"control character in the model number", func(m *Model) { m.ModelNumber = "R100\r" }, "model_number", nil},
		{"empty alias", func(m *Model) { m.Aliases = []string{"Bravo", ""} }, "aliases[1]", []string{"required"}},
		{"certificate listed twice", func(m *Model) { m.Certifications = append(m.Certifications, validCert()) },
			"certifications[1].certificate_id", []string{"certificate CCDS-2024-0012 of CCDS is listed twice"}},
		{"nested certification error", func(m *Model) { m.Certifications[0].History[0].Effective = MustDate("2020-01-01") },
			"certifications[0].history[0].effective", nil},
		{"nested firmware error", func(m *Model) {
			m.Certifications[0].Firmware = &FirmwareScope{Scheme: "zyxel", Ranges: []string{">=1.2"}}
		}, "certifications[0].firmware.ranges[0]", nil},
		{"nested profile error", func(m *Model) { m.Profile.Signatures[0].Fields = nil }, "profile.signatures[0].fields", nil},
		{"nested predicate error", func(m *Model) {
			m.Profile.Signatures[0].Fields["http.title"] = Predicate{Regex: "(?s).*"}
		}, "profile.signatures[0].fields.http.title.regex", nil},
	}
	for _, tt := range invalid {
		t.Run("refuses "+tt.name, func(t *testing.T) {
			m := validModel()
			tt.change(&m)
			wantInvalid(t, m.Validate(), tt.field, tt.wants...)
		})
	}
}

func TestModelKeys(t *testing.T) {
	m := Model{Vendor: " ＡＣＭＥ  Networks", Name: "Router R100", ModelNumber: "ＲＩＯＯ－ＪＰ"}
	if got := m.VendorKey(); got != "acme networks" {
		t.Errorf("VendorKey() = %q", got)
	}
	if got := m.ModelKey(); got != "rioo-jp" {
		t.Errorf("ModelKey() = %q, want the model number's key", got)
	}
	m.ModelNumber = ""
	if got := m.ModelKey(); got != "router r100" {
		t.Errorf("ModelKey() = %q, want the name's key when there is no model number", got)
	}
}

func TestModelNormalize(t *testing.T) {
	cert := func(program, id string) Certification {
		c := validCert()
		c.Program, c.CertificateID = program, id
		return c
	}
	m := Model{
		Ref: "m", Vendor: "v", Name: "n",
		DeviceType: " Ｒｏｕｔｅｒ ",
		Aliases:    []string{},
		Profile:    &Profile{Signatures: []Signature{}},
		Certifications: []Certification{
			cert("JC-STAR", "JCS-2"),
			cert("CCDS", "CCDS-2"),
			cert("JC-STAR", "JCS-1"),
			cert("CCDS", "CCDS-1"),
		},
	}
	m.Certifications[0].History = []StatusChange{
		{Status: StatusValid, Effective: MustDate("2024-06-01"), Recorded: MustDate("2024-06-01")},
		{Status: StatusValid, Effective: MustDate("2024-04-01"), Recorded: MustDate("2024-04-03")},
		{Status: StatusValid, Effective: MustDate("2024-04-01"), Recorded: MustDate("2024-04-02")},
	}
	m.Normalize()

	var order []string
	for _, c := range m.Certifications {
		order = append(order, c.Program+"/"+c.CertificateID)
		if c.Public == nil || !*c.Public {
			t.Errorf("%s: Public = %v, want explicit true", c.CertificateID, c.Public)
		}
	}
	if want := []string{"CCDS/CCDS-1", "CCDS/CCDS-2", "JC-STAR/JCS-1", "JC-STAR/JCS-2"}; !reflect.DeepEqual(order, want) {
		t.Errorf("certification order = %v, want %v", order, want)
	}
	var recorded []string
	for _, e := range m.Certifications[3].History {
		recorded = append(recorded, e.Effective.String()+"@"+e.Recorded.String())
	}
	if want := []string{"2024-04-01@2024-04-02", "2024-04-01@2024-04-03", "2024-06-01@2024-06-01"}; !reflect.DeepEqual(recorded, want) {
		t.Errorf("history order = %v, want %v", recorded, want)
	}
	if m.DeviceType != "router" {
		t.Errorf("DeviceType = %q, want the key form", m.DeviceType)
	}
	if m.Aliases != nil {
		t.Errorf("Aliases = %#v, want nil", m.Aliases)
	}
	if m.Profile != nil {
		t.Errorf("Profile = %+v, want nil for a profile without signatures", m.Profile)
	}

	t.Run("is idempotent", func(t *testing.T) {
		again := m
		again.Certifications = append([]Certification(nil), m.Certifications...)
		again.Normalize()
		if !reflect.DeepEqual(again, m) {
			t.Errorf("second Normalize changed the model:\n%+v\n%+v", again, m)
		}
	})
}
