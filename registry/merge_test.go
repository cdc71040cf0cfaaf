package registry

import (
	"reflect"
	"strings"
	"testing"
)

var (
	mergeDay1 = MustDate("2025-03-01")
	mergeDay2 = MustDate("2025-03-02")
)

// storedModel is a model as the store returns it: normalised, with a history
// for every certification.
func storedModel() Model {
	m := validModel()
	m.Certifications[0].Public = ptr(false)
	m.Certifications[0].Firmware = &FirmwareScope{Scheme: "semver", Ranges: []string{"^1.2"}}
	jcs := Certification{
		Program: "JC-STAR", CertificateID: "JCS-1-000042", Issued: MustDate("2025-06-01"), Status: StatusValid,
		History: []StatusChange{{Status: StatusValid, Effective: MustDate("2025-06-01"), Recorded: MustDate("2025-06-01"), By: "ipa"}},
	}
	m.Certifications = append(m.Certifications, jcs)
	m.Normalize()
	return m
}

// bareIncoming is what a CSV list with few columns turns into: the required
// fields and one certification without history.
func bareIncoming() Model {
	return Model{
		Ref: "acme-r100-v2", Vendor: "Acme", Name: "R100 (new name)",
		Certifications: []Certification{{
			Program: "CCDS", CertificateID: "CCDS-2024-0012", Issued: MustDate("2024-04-01"), Status: StatusValid,
		}},
	}
}

func certByID(t *testing.T, m Model, id string) Certification {
	t.Helper()
	for _, c := range m.Certifications {
		if c.CertificateID == id {
			return c
		}
	}
	t.Fatalf("certificate %s not in %+v", id, m.Certifications)
	return Certification{}
}

func TestMergeNewModel(t *testing.T) {
	tests := []struct {
		name          string
		cert          Certification
		wantEffective string
		wantReason    string
	}{
		{"valid is registered on its issue date",
			Certification{Program: "CCDS", CertificateID: "A", Issued: MustDate("2024-04-01"), Status: StatusValid},
			"2024-04-01", "registered"},
		// Expires is the last day of validity (StatusOn is valid on it),
		// so the expiry takes effect the day after.
		{"expired is registered the day after it expires",
			Certification{Program: "CCDS", CertificateID: "B", Issued: MustDate("2024-04-01"), Expires: MustDate("2025-03-31"), Status: StatusExpired},
			"2025-04-01", "registered as expired"},
		{"expired without an expiry date is dated today",
			Certification{Program: "CCDS", CertificateID: "C", Issued: MustDate("2024-04-01"), Status: StatusExpired},
			mergeDay1.String(), "effective date unknown"},
		{"suspended is dated today",
			Certification{Program: "CCDS", CertificateID: "D", Issued: MustDate("2024-04-01"), Status: StatusSuspended},
			mergeDay1.String(), "registered as suspended; effective date unknown"},
		{"today before the issue date is moved to the issue date",
			Certification{Program: "CCDS", CertificateID: "E", Issued: MustDate("2026-01-01"), Status: StatusSuspended},
			"2026-01-01", "registered as suspended"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := Model{Ref: "m", Vendor: "v", Name: "n", Certifications: []Certification{tt.cert}}
			out := Merge(nil, in, mergeDay1, "importer")
			c := out.Certifications[0]
			if len(c.History) != 1 {
				t.Fatalf("history = %+v, want one entry", c.History)
			}
			e := c.History[0]
			if e.Status != tt.cert.Status || e.Effective.String() != tt.wantEffective || e.Recorded != mergeDay1 || e.By != "importer" {
				t.Errorf("entry = %+v, want %s effective %s recorded %s by importer", e, tt.cert.Status, tt.wantEffective, mergeDay1)
			}
			if !strings.Contains(e.Reason, tt.wantReason) {
				t.Errorf("reason = %q, want it to contain %q", e.Reason, tt.wantReason)
			}
			wantOK(t, out.Validate())
		})
	}
	t.Run("registered as expired agrees with StatusOn", func(t *testing.T) {
		c := Certification{Program: "CCDS", CertificateID: "B", Issued: MustDate("2024-04-01"), Expires: MustDate("2025-03-31"), Status: StatusExpired}
		without := c
		without.Status = StatusValid
		out := Merge(nil, Model{Ref: "m", Vendor: "v", Name: "n", Certifications: []Certification{c}}, mergeDay1, "x")
		got := out.Certifications[0]
		for _, day := range []string{"2025-03-30", "2025-03-31", "2025-04-01"} {
			s1, _ := got.StatusOn(MustDate(day))
			s2, _ := without.StatusOn(MustDate(day))
			if s1 != s2 {
				t.Errorf("on %s: registered as expired says %s, the validity window says %s", day, s1, s2)
			}
		}
	})
	t.Run("incoming history is kept and not extended when it ends in the status", func(t *testing.T) {
		c := revokedCert()
		out := Merge(nil, Model{Ref: "m", Vendor: "v", Name: "n", Certifications: []Certification{c}}, mergeDay1, "x")
		if got := out.Certifications[0].History; !reflect.DeepEqual(got, c.History) {
			t.Errorf("history = %+v, want %+v", got, c.History)
		}
	})
	t.Run("is normalised", func(t *testing.T) {
		in := Model{Ref: "m", Vendor: "v", Name: "n", DeviceType: "Router", Aliases: []string{}, Certifications: []Certification{
			{Program: "JC-STAR", CertificateID: "B", Issued: MustDate("2024-04-01"), Status: StatusValid},
			{Program: "CCDS", CertificateID: "A", Issued: MustDate("2024-04-01"), Status: StatusValid},
		}}
		out := Merge(nil, in, mergeDay1, "x")
		if out.DeviceType != "router" || out.Aliases != nil || out.Certifications[0].Program != "CCDS" || out.Certifications[0].Public == nil {
			t.Errorf("not normalised: %+v", out)
		}
	})
}

func TestMergeKeepsStoredValuesForEmptyFields(t *testing.T) {
	old := storedModel()
	out := Merge(&old, bareIncoming(), mergeDay1, "importer")

	if out.Name != "R100 (new name)" {
		t.Errorf("Name = %q, want the incoming name", out.Name)
	}
	kept := map[string][2]any{
		"model_number":     {out.ModelNumber, old.ModelNumber},
		"hardware_version": {out.HardwareVersion, old.HardwareVersion},
		"device_type":      {out.DeviceType, old.DeviceType},
		"family":           {out.Family, old.Family},
		"cpe":              {out.CPE, old.CPE},
		"released":         {out.Released, old.Released},
		"aliases":          {out.Aliases, old.Aliases},
		"profile":          {out.Profile, old.Profile},
	}
	for field, v := range kept {
		if !reflect.DeepEqual(v[0], v[1]) {
			t.Errorf("%s = %v, want the stored %v", field, v[0], v[1])
		}
	}
	c := certByID(t, out, "CCDS-2024-0012")
	if c.Level != "IoT-HG" || c.Expires != MustDate("2027-03-31") {
		t.Errorf("level/expires = %q/%v, want the stored values", c.Level, c.Expires)
	}
	if c.IsPublic() {
		t.Error("Public reset to true; an incoming certification without it keeps the stored false")
	}
	if c.Firmware == nil || c.Firmware.Scheme != "semver" {
		t.Errorf("Firmware = %+v, want the stored scope", c.Firmware)
	}
	if !reflect.DeepEqual(c.History, old.Certifications[0].History) {
		t.Errorf("history = %+v, want the stored one unchanged (status did not change)", c.History)
	}
	wantOK(t, out.Validate())
}

func TestMergeIncomingValuesWin(t *testing.T) {
	old := storedModel()
	in := bareIncoming()
	in.ModelNumber, in.DeviceType, in.Aliases = "R100-EU", "gateway", []string{"Alpha A1"}
	in.Released = PartialDate{Date: MustDate("2024-05-01"), Precision: 2}
	in.Certifications[0].Level, in.Certifications[0].Public = "IoT-HG2", ptr(true)
	in.Certifications[0].Expires = MustDate("2028-03-31")
	in.Certifications[0].Firmware = &FirmwareScope{Versions: []string{"2.0.0"}}
	out := Merge(&old, in, mergeDay1, "importer")
	c := certByID(t, out, "CCDS-2024-0012")
	if out.ModelNumber != "R100-EU" || out.DeviceType != "gateway" || !reflect.DeepEqual(out.Aliases, []string{"Alpha A1"}) || out.Released.String() != "2024-05" {
		t.Errorf("model fields not replaced: %+v", out)
	}
	if c.Level != "IoT-HG2" || !c.IsPublic() || c.Expires != MustDate("2028-03-31") || !reflect.DeepEqual(c.Firmware.Versions, []string{"2.0.0"}) {
		t.Errorf("certification fields not replaced: %+v", c)
	}
}

func TestMergeKeepsCertificationsMissingFromIncoming(t *testing.T) {
	old := storedModel()
	out := Merge(&old, bareIncoming(), mergeDay1, "importer")
	if len(out.Certifications) != 2 {
		t.Fatalf("got %d certifications, want the stored 2", len(out.Certifications))
	}
	jcs := certByID(t, out, "JCS-1-000042")
	if !reflect.DeepEqual(jcs, old.Certifications[1]) {
		t.Errorf("kept certification changed:\n%+v\n%+v", jcs, old.Certifications[1])
	}
}

func TestMergeHistories(t *testing.T) {
	stored := func() Model { return storedModel() }
	suspension := StatusChange{Status: StatusSuspended, Effective: MustDate("2025-01-10"), Recorded: MustDate("2025-01-11"), By: "ccds", Reason: "vulnerability report"}

	t.Run("union without duplicates", func(t *testing.T) {
		old := stored()
		in := bareIncoming()
		in.Certifications[0].Status = StatusSuspended
		in.Certifications[0].History = []StatusChange{old.Certifications[0].History[0], suspension, suspension}
		out := Merge(&old, in, mergeDay1, "importer")
		c := certByID(t, out, "CCDS-2024-0012")
		want := []StatusChange{old.Certifications[0].History[0], suspension}
		if !reflect.DeepEqual(c.History, want) {
			t.Errorf("history = %+v, want %+v", c.History, want)
		}
		wantOK(t, out.Validate())
	})
	t.Run("a backdated incoming entry is sorted into place", func(t *testing.T) {
		old := stored()
		old.Certifications[0].Status = StatusSuspended
		old.Certifications[0].History = append(old.Certifications[0].History, suspension)
		reinstated := StatusChange{Status: StatusValid, Effective: MustDate("2025-02-01"), Recorded: MustDate("2025-02-01")}
		early := StatusChange{Status: StatusSuspended, Effective: MustDate("2024-10-01"), Recorded: MustDate("2025-02-01")}
		in := bareIncoming()
		in.Certifications[0].History = []StatusChange{reinstated, early}
		out := Merge(&old, in, mergeDay1, "importer")
		c := certByID(t, out, "CCDS-2024-0012")
		var effective []string
		for _, e := range c.History {
			effective = append(effective, e.Effective.String())
		}
		if want := []string{"2024-04-01", "2024-10-01", "2025-01-10", "2025-02-01"}; !reflect.DeepEqual(effective, want) {
			t.Errorf("effective dates = %v, want %v", effective, want)
		}
		wantOK(t, out.Validate())
	})
	t.Run("a status change without an entry gets one dated today by the actor", func(t *testing.T) {
		old := stored()
		in := bareIncoming()
		in.Certifications[0].Status = StatusRevoked
		out := Merge(&old, in, mergeDay2, "alice")
		c := certByID(t, out, "CCDS-2024-0012")
		if len(c.History) != 2 {
			t.Fatalf("history = %+v, want the stored entry and one more", c.History)
		}
		e := c.History[1]
		if e.Status != StatusRevoked || e.Effective != mergeDay2 || e.Recorded != mergeDay2 || e.By != "alice" {
			t.Errorf("implied entry = %+v", e)
		}
		if !strings.Contains(e.Reason, "without a history entry") {
			t.Errorf("reason = %q does not say the entry was implied", e.Reason)
		}
		wantOK(t, out.Validate())
		if s, _ := c.StatusOn(mergeDay2); s != StatusRevoked {
			t.Errorf("StatusOn(today) = %s", s)
		}
		if s, _ := c.StatusOn(mergeDay1); s != StatusValid {
			t.Errorf("StatusOn(yesterday) = %s; the implied change must not be backdated", s)
		}
	})
	t.Run("an explicit entry explaining the change is used instead", func(t *testing.T) {
		old := stored()
		in := bareIncoming()
		in.Certifications[0].Status = StatusSuspended
		in.Certifications[0].History = []StatusChange{suspension}
		out := Merge(&old, in, mergeDay2, "alice")
		c := certByID(t, out, "CCDS-2024-0012")
		if n := len(c.History); n != 2 || c.History[1] != suspension {
			t.Errorf("history = %+v, want the stored entry and the incoming one", c.History)
		}
	})
	t.Run("reinstating a revoked certificate is left for Validate to refuse", func(t *testing.T) {
		old := stored()
		old.Certifications[0].Status = StatusRevoked
		old.Certifications[0].History = append(old.Certifications[0].History,
			StatusChange{Status: StatusRevoked, Effective: MustDate("2025-01-10"), Recorded: MustDate("2025-01-10")})
		out := Merge(&old, bareIncoming(), mergeDay2, "alice")
		err := out.Validate()
		wantInvalid(t, err, "certifications[0].history[2].status", "CCDS-2024-0012", "revoked")
	})
}

func TestMergeIsIdempotent(t *testing.T) {
	// Importing the same file twice must change nothing the second time,
	// even on another day and by another actor.
	for name, in := range map[string]Model{
		"bare":    bareIncoming(),
		"example": validModel(),
		"revoked": {Ref: "c", Vendor: "v", Name: "n", Certifications: []Certification{revokedCert()}},
		"expired": {Ref: "e", Vendor: "v", Name: "n", Certifications: []Certification{
			{Program: "JC-STAR", CertificateID: "J", Issued: MustDate("2025-04-01"), Expires: MustDate("2026-03-31"), Status: StatusExpired}}},
		"suspended": {Ref: "s", Vendor: "v", Name: "n", Certifications: []Certification{
			{Program: "JC-STAR", CertificateID: "J", Issued: MustDate("2025-04-01"), Status: StatusSuspended}}},
	} {
		t.Run(name, func(t *testing.T) {
			first := Merge(nil, in, mergeDay1, "a")
			wantOK(t, first.Validate())
			second := Merge(&first, in, mergeDay2, "b")
			if !reflect.DeepEqual(first, second) {
				t.Errorf("second import changed the model:\n%+v\n%+v", first, second)
			}
		})
	}
}

func TestMergeDoesNotModifyItsInputs(t *testing.T) {
	old := storedModel()
	// A stored history in the order it was entered, not by date: the
	// kept certification must be normalised in the result only.
	old.Certifications[1].History = []StatusChange{
		{Status: StatusValid, Effective: MustDate("2025-08-01"), Recorded: MustDate("2025-08-01")},
		{Status: StatusSuspended, Effective: MustDate("2025-07-01"), Recorded: MustDate("2025-08-01")},
		old.Certifications[1].History[0],
	}
	in := bareIncoming()
	in.Certifications[0].Status = StatusSuspended
	oldCopy := deepCopyModel(old)
	inCopy := deepCopyModel(in)
	_ = Merge(&old, in, mergeDay1, "importer")
	if !reflect.DeepEqual(old, oldCopy) {
		t.Errorf("Merge modified the stored model:\n%+v\n%+v", old, oldCopy)
	}
	if !reflect.DeepEqual(in, inCopy) {
		t.Errorf("Merge modified the incoming model:\n%+v\n%+v", in, inCopy)
	}
}

// deepCopyModel copies the slices Merge could write to.
func deepCopyModel(m Model) Model {
	out := m
	out.Aliases = append([]string(nil), m.Aliases...)
	out.Certifications = nil
	for _, c := range m.Certifications {
		c.History = append([]StatusChange(nil), c.History...)
		if c.Public != nil {
			c.Public = ptr(*c.Public)
		}
		out.Certifications = append(out.Certifications, c)
	}
	if m.Certifications == nil {
		out.Certifications = nil
	}
	return out
}
