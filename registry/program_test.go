package registry

import (
	"strings"
	"testing"
)

func TestRuleCovers(t *testing.T) {
	dlpa := Rule{Vendor: "Acme", DeviceType: "router", ReleasedFrom: MustDate("2019-12-01")}
	released := func(s string) PartialDate {
		p, err := ParsePartialDate(s)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name string
		rule Rule
		m    Model
		want bool
	}{
		{"same vendor, type, released after", dlpa, Model{Vendor: "Acme", DeviceType: "router", Released: released("2024-03")}, true},
		{"vendor compared by key", dlpa, Model{Vendor: "ＡＣＭＥ", DeviceType: "router", Released: released("2024")}, true},
		{"vendor with extra space", dlpa, Model{Vendor: " acme ", DeviceType: "router", Released: released("2024")}, true},
		{"device type compared by key", dlpa, Model{Vendor: "Acme", DeviceType: "Router", Released: released("2024")}, true},
		{"another vendor", dlpa, Model{Vendor: "Bravo", DeviceType: "router", Released: released("2024")}, false},
		{"vendor prefix is not the vendor", dlpa, Model{Vendor: "Acme Japan", DeviceType: "router", Released: released("2024")}, false},
		{"another device type", dlpa, Model{Vendor: "Acme", DeviceType: "camera", Released: released("2024")}, false},
		{"no device type on the model", dlpa, Model{Vendor: "Acme", Released: released("2024")}, false},
		{"released on the start day", dlpa, Model{Vendor: "Acme", DeviceType: "router", Released: released("2019-12-01")}, true},
		{"released the day before", dlpa, Model{Vendor: "Acme", DeviceType: "router", Released: released("2019-11-30")}, false},
		{"released in the start month", dlpa, Model{Vendor: "Acme", DeviceType: "router", Released: released("2019-12")}, true},
		{"released in the month before", dlpa, Model{Vendor: "Acme", DeviceType: "router", Released: released("2019-11")}, false},
		// A year that starts before the rule might be a release before
		// it; presumed coverage must not be guessed.
		{"released in the start year, month unknown", dlpa, Model{Vendor: "Acme", DeviceType: "router", Released: released("2019")}, false},
		{"released the year after", dlpa, Model{Vendor: "Acme", DeviceType: "router", Released: released("2020")}, true},
		{"release date unknown", dlpa, Model{Vendor: "Acme", DeviceType: "router"}, false},
		{"rule without device type covers any type", Rule{Vendor: "Acme", ReleasedFrom: MustDate("2019-12-01")},
			Model{Vendor: "Acme", DeviceType: "camera", Released: released("2020")}, true},
		{"rule without start date covers an undated model", Rule{Vendor: "Acme", DeviceType: "router"},
			Model{Vendor: "Acme", DeviceType: "router"}, true},
		{"rule without start date covers an old model", Rule{Vendor: "Acme"},
			Model{Vendor: "Acme", Released: released("1999")}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := tt.m
			if got := tt.rule.Covers(&m); got != tt.want {
				t.Errorf("Covers = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestProgramNormalize(t *testing.T) {
	p := Program{Code: "CCDS", Name: "CCDS certification"}
	p.Normalize()
	if p.LaterFirmware != LaterFirmwareCovered {
		t.Errorf("LaterFirmware = %q, want the default %q", p.LaterFirmware, LaterFirmwareCovered)
	}
	p = Program{Code: "JC-STAR", Name: "JC-STAR", LaterFirmware: LaterFirmwareNotCovered}
	p.Normalize()
	if p.LaterFirmware != LaterFirmwareNotCovered {
		t.Errorf("Normalize overwrote %q", LaterFirmwareNotCovered)
	}
}

func TestProgramValidate(t *testing.T) {
	valid := func() Program {
		return Program{Code: "DLPA", Name: "DLPA recommended router", Generation: "2", LaterFirmware: LaterFirmwareCovered,
			Rules: []Rule{{Vendor: "Acme", DeviceType: "router", ReleasedFrom: MustDate("2019-12-01")}}}
	}
	t.Run("accepts the example programme", func(t *testing.T) {
		p := valid()
		wantOK(t, p.Validate())
	})
	t.Run("accepts later_firmware left empty", func(t *testing.T) {
		p := valid()
		p.LaterFirmware = ""
		wantOK(t, p.Validate())
	})
	invalid := []struct {
		name   string
		change func(p *Program)
		field  string
		wants  []string
	}{
		{"no code", func(p *Program) { p.Code = "" }, "code", []string{"required"}},
		{"overlong code", func(p *Program) { p.Code = strings.Repeat("C", 65) }, "code", []string{"at most 64"}},
		{"no name", func(p *Program) { p.Name = "" }, "name", []string{"required"}},
		{"unknown later_firmware", func(p *Program) { p.LaterFirmware = "sometimes" }, "later_firmware", []string{`"sometimes"`, `"covered"`}},
		{"rule without vendor", func(p *Program) { p.Rules = append(p.Rules, Rule{DeviceType: "router"}) }, "rules[1].vendor", []string{"required"}},
	}
	for _, tt := range invalid {
		t.Run("refuses "+tt.name, func(t *testing.T) {
			p := valid()
			tt.change(&p)
			wantInvalid(t, p.Validate(), tt.field, tt.wants...)
		})
	}
}
