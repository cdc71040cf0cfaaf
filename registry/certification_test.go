package registry

import (
	"reflect"
	"strings"
	"testing"
)

// validCert is a certification that passes Validate; tests change one thing.
func validCert() Certification {
	return Certification{
		Program:       "CCDS",
		CertificateID: "CCDS-2024-0012",
		Level:         "IoT-HG",
		Issued:        MustDate("2024-04-01"),
		Expires:       MustDate("2027-03-31"),
		Status:        StatusValid,
		History: []StatusChange{
			{Status: StatusValid, Effective: MustDate("2024-04-01"), Recorded: MustDate("2024-04-02"), By: "ccds"},
		},
	}
}

// revokedCert is the example registry's carol-cam-7 certificate: suspended,
// then revoked with effect from a day before the revocation was entered.
func revokedCert() Certification {
	return Certification{
		Program:       "CCDS",
		CertificateID: "CCDS-2023-0100",
		Issued:        MustDate("2023-07-01"),
		Expires:       MustDate("2026-06-30"),
		Status:        StatusRevoked,
		History: []StatusChange{
			{Status: StatusValid, Effective: MustDate("2023-07-01"), Recorded: MustDate("2023-07-03")},
			{Status: StatusSuspended, Effective: MustDate("2024-11-01"), Recorded: MustDate("2024-11-01")},
			{Status: StatusRevoked, Effective: MustDate("2024-12-15"), Recorded: MustDate("2025-02-10")},
		},
	}
}

func TestStatusValid(t *testing.T) {
	for _, s := range []Status{StatusValid, StatusSuspended, StatusRevoked, StatusExpired} {
		if !s.Valid() {
			t.Errorf("%q.Valid() = false", s)
		}
	}
	for _, s := range []Status{"", "Valid", "withdrawn", "valid "} {
		if s.Valid() {
			t.Errorf("%q.Valid() = true", s)
		}
	}
}

func TestCertificationValidate(t *testing.T) {
	valid := map[string]func(c *Certification){
		"as is":                           func(c *Certification) {},
		"no expiry":                       func(c *Certification) { c.Expires = Date{} },
		"expires on its issue date":       func(c *Certification) { c.Expires = c.Issued },
		"no history":                      func(c *Certification) { c.History = nil; c.Status = StatusSuspended },
		"recorded after it took effect":   func(c *Certification) { c.History[0].Recorded = MustDate("2030-01-01") },
		"recorded before it takes effect": func(c *Certification) { c.History[0].Effective = MustDate("2024-05-01") },
		"history out of order is checked in order": func(c *Certification) {
			c.History = []StatusChange{
				{Status: StatusSuspended, Effective: MustDate("2024-06-01"), Recorded: MustDate("2024-06-01")},
				{Status: StatusValid, Effective: MustDate("2024-04-01"), Recorded: MustDate("2024-04-01")},
			}
			c.Status = StatusSuspended
		},
		"suspended then valid again": func(c *Certification) {
			c.History = append(c.History,
				StatusChange{Status: StatusSuspended, Effective: MustDate("2024-06-01"), Recorded: MustDate("2024-06-01")},
				StatusChange{Status: StatusValid, Effective: MustDate("2024-07-01"), Recorded: MustDate("2024-07-01")})
		},
		"revoked twice": func(c *Certification) {
			c.History = append(c.History,
				StatusChange{Status: StatusRevoked, Effective: MustDate("2024-06-01"), Recorded: MustDate("2024-06-01")},
				StatusChange{Status: StatusRevoked, Effective: MustDate("2024-07-01"), Recorded: MustDate("2024-07-01"), Reason: "corrected"})
			c.Status = StatusRevoked
		},
		"firmware scope": func(c *Certification) {
			c.Firmware = &FirmwareScope{Scheme: "semver", Ranges: []string{">=1.2.0, <2.0.0"}}
		},
	}
	for name, change := range valid {
		t.Run("accepts "+name, func(t *testing.T) {
			c := validCert()
			change(&c)
			wantOK(t, c.Validate())
		})
	}
	invalid := []struct {
		name   string
		change func(c *Certification)
		field  string
		wants  []string
	}{
		{"no programme", func(c *Certification) { c.Program = "" }, "program", []string{"required"}},
		{"no certificate id", func(c *Certification) { c.CertificateID = "" }, "certificate_id", []string{"required"}},
		{"overlong level", func(c *Certification) { c.Level = strings.Repeat("x", 65) }, "level", []string{"at most 64"}},
		{"no issue date", func(c *Certification) { c.Issued = Date{} }, "issued", []string{"required"}},
		{"expiry before issue", func(c *Certification) { c.Expires = MustDate("2024-03-31") }, "expires",
			[]string{"2024-03-31 is before the issue date 2024-04-01"}},
		{"unknown status", func(c *Certification) { c.Status = "withdrawn" }, "status", []string{`"withdrawn"`}},
		{"empty status", func(c *Certification) { c.Status = "" }, "status", nil},
		{"bad firmware range", func(c *Certification) {
			c.Firmware = &FirmwareScope{Scheme: "dotted", Ranges: []string{">=1", "<x"}}
		}, "firmware.ranges[1]", nil},
		{"firmware ranges without scheme", func(c *Certification) {
			c.Firmware = &FirmwareScope{Ranges: []string{">=1"}}
		}, "firmware.scheme", nil},
		{"unknown status in history", func(c *Certification) { c.History[0].Status = "ok" }, "history[0].status", []string{`"ok"`}},
		{"history without effective date", func(c *Certification) { c.History[0].Effective = Date{} }, "history[0].effective", []string{"required"}},
		{"history without recorded date", func(c *Certification) { c.History[0].Recorded = Date{} }, "history[0].recorded", []string{"required"}},
		{"history effective before issue", func(c *Certification) { c.History[0].Effective = MustDate("2024-03-31") }, "history[0].effective",
			[]string{"2024-03-31 is before the issue date 2024-04-01"}},
		{"control character in reason", func(c *Certification) { c.History[0].Reason = "bad\x07" }, "history[0].reason", []string{"control character"}},
		{"overlong by", func(c *Certification) { c.History[0].By = strings.Repeat("b", 257) }, "history[0].by", nil},
		{"revoked then valid", func(c *Certification) {
			c.History = append(c.History,
				StatusChange{Status: StatusRevoked, Effective: MustDate("2024-06-01"), Recorded: MustDate("2024-06-01")},
				StatusChange{Status: StatusValid, Effective: MustDate("2024-07-01"), Recorded: MustDate("2024-07-01")})
		}, "history[2].status", []string{"certificate CCDS-2024-0012 was revoked on 2024-06-01", "cannot become valid", "new certificate id"}},
		{"revoked then suspended", func(c *Certification) {
			c.History = append(c.History,
				StatusChange{Status: StatusRevoked, Effective: MustDate("2024-06-01"), Recorded: MustDate("2024-06-01")},
				StatusChange{Status: StatusSuspended, Effective: MustDate("2024-07-01"), Recorded: MustDate("2024-07-01")})
			c.Status = StatusSuspended
		}, "history[2].status", []string{"CCDS-2024-0012", "cannot become suspended"}},
		{"backdated reinstatement after a revocation is still a reinstatement", func(c *Certification) {
			// Entered in the order valid, revoked; but the valid entry
			// takes effect after the revocation.
			c.History = []StatusChange{
				{Status: StatusRevoked, Effective: MustDate("2024-05-01"), Recorded: MustDate("2024-05-01")},
				{Status: StatusValid, Effective: MustDate("2024-06-01"), Recorded: MustDate("2024-04-01")},
			}
		}, "history[1].status", []string{"was revoked on 2024-05-01"}},
		{"status not the last history entry", func(c *Certification) { c.Status = StatusSuspended }, "status",
			[]string{"is suspended but the history ends in valid on 2024-04-01"}},
		{"status disagrees with the last entry by effective date", func(c *Certification) {
			c.History = []StatusChange{
				{Status: StatusSuspended, Effective: MustDate("2024-06-01"), Recorded: MustDate("2024-06-01")},
				{Status: StatusValid, Effective: MustDate("2024-04-01"), Recorded: MustDate("2024-07-01")},
			}
			c.Status = StatusValid
		}, "status", []string{"ends in suspended on 2024-06-01"}},
	}
	for _, tt := range invalid {
		t.Run("refuses "+tt.name, func(t *testing.T) {
			c := validCert()
			tt.change(&c)
			wantInvalid(t, c.Validate(), tt.field, tt.wants...)
		})
	}
}

func TestCertificationValidateDoesNotReorderHistory(t *testing.T) {
	c := validCert()
	c.History = []StatusChange{
		{Status: StatusSuspended, Effective: MustDate("2024-06-01"), Recorded: MustDate("2024-06-01")},
		{Status: StatusValid, Effective: MustDate("2024-04-01"), Recorded: MustDate("2024-04-01")},
	}
	c.Status = StatusSuspended
	before := append([]StatusChange(nil), c.History...)
	wantOK(t, c.Validate())
	if !reflect.DeepEqual(c.History, before) {
		t.Errorf("Validate reordered the history: %+v", c.History)
	}
}

func TestCertificationNormalize(t *testing.T) {
	t.Run("public defaults to true and is made explicit", func(t *testing.T) {
		c := validCert()
		if !c.IsPublic() {
			t.Fatal("IsPublic() = false with Public unset")
		}
		c.Normalize()
		if c.Public == nil || !*c.Public {
			t.Errorf("Public = %v, want an explicit true", c.Public)
		}
	})
	t.Run("unlisted stays unlisted", func(t *testing.T) {
		c := validCert()
		c.Public = ptr(false)
		c.Normalize()
		if c.Public == nil || *c.Public || c.IsPublic() {
			t.Errorf("Public = %v, want false", c.Public)
		}
	})
	t.Run("history by effective date then recorded date, stable on ties", func(t *testing.T) {
		c := validCert()
		c.History = []StatusChange{
			{Status: StatusRevoked, Effective: MustDate("2024-12-15"), Recorded: MustDate("2025-02-10"), Reason: "c"},
			{Status: StatusSuspended, Effective: MustDate("2024-11-01"), Recorded: MustDate("2024-11-02"), Reason: "b2"},
			{Status: StatusSuspended, Effective: MustDate("2024-11-01"), Recorded: MustDate("2024-11-01"), Reason: "b1"},
			{Status: StatusValid, Effective: MustDate("2024-04-01"), Recorded: MustDate("2024-04-02"), Reason: "a1"},
			{Status: StatusValid, Effective: MustDate("2024-04-01"), Recorded: MustDate("2024-04-02"), Reason: "a2"},
		}
		c.Normalize()
		var got []string
		for _, e := range c.History {
			got = append(got, e.Reason)
		}
		if want := []string{"a1", "a2", "b1", "b2", "c"}; !reflect.DeepEqual(got, want) {
			t.Errorf("order = %v, want %v", got, want)
		}
	})
	t.Run("an empty firmware scope is dropped", func(t *testing.T) {
		c := validCert()
		c.Firmware = &FirmwareScope{Versions: []string{}}
		c.Normalize()
		if c.Firmware != nil {
			t.Errorf("Firmware = %+v, want nil", c.Firmware)
		}
	})
	t.Run("a scope with a scheme is kept", func(t *testing.T) {
		c := validCert()
		c.Firmware = &FirmwareScope{Scheme: "semver"}
		c.Normalize()
		if c.Firmware == nil {
			t.Error("Firmware dropped")
		}
	})
}

func TestStatusOn(t *testing.T) {
	expiring := validCert() // valid from 2024-04-01 to 2027-03-31 inclusive
	noHistory := validCert()
	noHistory.History = nil
	noHistory.Status = StatusSuspended
	reinstated := validCert()
	reinstated.History = append(reinstated.History,
		StatusChange{Status: StatusSuspended, Effective: MustDate("2025-01-01"), Recorded: MustDate("2025-01-01")},
		StatusChange{Status: StatusValid, Effective: MustDate("2025-02-01"), Recorded: MustDate("2025-02-01")})
	laterFirst := validCert()
	laterFirst.History = []StatusChange{{Status: StatusSuspended, Effective: MustDate("2024-05-01"), Recorded: MustDate("2024-05-01")}}
	laterFirst.Status = StatusSuspended

	tests := []struct {
		name   string
		c      Certification
		day    string
		want   Status
		wantOK bool
	}{
		{"revoked: before issue there is no status", revokedCert(), "2023-06-30", "", false},
		{"revoked: valid on the issue day", revokedCert(), "2023-07-01", StatusValid, true},
		{"revoked: valid the day before the suspension", revokedCert(), "2024-10-31", StatusValid, true},
		{"revoked: suspended on its effective day", revokedCert(), "2024-11-01", StatusSuspended, true},
		{"revoked: still suspended the day before the revocation", revokedCert(), "2024-12-14", StatusSuspended, true},
		{"revoked: revoked from its effective date, before it was recorded", revokedCert(), "2024-12-15", StatusRevoked, true},
		{"revoked: revoked on the day it was recorded", revokedCert(), "2025-02-10", StatusRevoked, true},
		{"revoked: a revoked certificate does not become expired", revokedCert(), "2026-07-01", StatusRevoked, true},
		{"expiring: valid on its expiry day", expiring, "2027-03-31", StatusValid, true},
		{"expiring: expired the day after", expiring, "2027-04-01", StatusExpired, true},
		{"expiring: before issue", expiring, "2024-03-31", "", false},
		{"no history: the current status holds from issue", noHistory, "2024-04-01", StatusSuspended, true},
		{"reinstated: suspended in between", reinstated, "2025-01-15", StatusSuspended, true},
		{"reinstated: valid again", reinstated, "2025-02-01", StatusValid, true},
		{"reinstated: and expired after expiry", reinstated, "2027-04-01", StatusExpired, true},
		{"first entry after issue: valid until then", laterFirst, "2024-04-30", StatusValid, true},
		{"first entry after issue: then suspended", laterFirst, "2024-05-01", StatusSuspended, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.c
			got, ok := c.StatusOn(MustDate(tt.day))
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("StatusOn(%s) = %q, %v; want %q, %v", tt.day, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}
