package registry

// Merge returns the model that results from writing in over old (nil when
// the model is new). Empty fields of in keep the stored value, so a CSV list
// that has no alias column cannot wipe aliases; certifications missing from
// in are kept, because withdrawing one is a status change, not a deletion.
// Histories are unioned, and a status that in changes without a history
// entry explaining it gets one, recorded today by "by".
func Merge(old *Model, in Model, today Date, by string) Model {
	out := in
	out.Certifications = nil
	byKey := map[string]*Certification{}
	if old != nil {
		keepEmpty(&out, old)
		for i := range old.Certifications {
			c := &old.Certifications[i]
			byKey[c.Program+"\x00"+c.CertificateID] = c
		}
	}
	seen := map[string]bool{}
	for _, c := range in.Certifications {
		key := c.Program + "\x00" + c.CertificateID
		seen[key] = true
		out.Certifications = append(out.Certifications, mergeCertification(byKey[key], c, today, by))
	}
	if old != nil {
		for _, c := range old.Certifications {
			if !seen[c.Program+"\x00"+c.CertificateID] {
				// A copy of the history: Normalize sorts it in place, and
				// old is the caller's.
				c.History = append([]StatusChange(nil), c.History...)
				out.Certifications = append(out.Certifications, c)
			}
		}
	}
	out.Normalize()
	return out
}

func keepEmpty(out, old *Model) {
	keep := func(dst *string, v string) {
		if *dst == "" {
			*dst = v
		}
	}
	keep(&out.ModelNumber, old.ModelNumber)
	keep(&out.HardwareVersion, old.HardwareVersion)
	keep(&out.DeviceType, old.DeviceType)
	keep(&out.Family, old.Family)
	keep(&out.CPE, old.CPE)
	if out.Released.IsZero() {
		out.Released = old.Released
	}
	if len(out.Aliases) == 0 {
		out.Aliases = old.Aliases
	}
	if out.Profile == nil {
		out.Profile = old.Profile
	}
}

func mergeCertification(old *Certification, in Certification, today Date, by string) Certification {
	out := in
	out.History = nil
	if old != nil {
		if out.Level == "" {
			out.Level = old.Level
		}
		if out.Expires.IsZero() {
			out.Expires = old.Expires
		}
		if out.Public == nil {
			out.Public = old.Public
		}
		if out.Firmware == nil {
			out.Firmware = old.Firmware
		}
		out.History = append(out.History, old.History...)
	}
	for _, e := range in.History {
		if !containsChange(out.History, e) {
			out.History = append(out.History, e)
		}
	}
	sortHistory(out.History)
	if n := len(out.History); n == 0 || out.History[n-1].Status != out.Status {
		out.History = append(out.History, impliedChange(&out, today, by))
	}
	out.Normalize()
	return out
}

func containsChange(h []StatusChange, e StatusChange) bool {
	for _, x := range h {
		if x == e {
			return true
		}
	}
	return false
}

// impliedChange is the history entry for a status given without one. For a
// new certification the effective date is what the record itself implies
// (issued for valid, the day after expires for expired: expires is the last
// day of validity, as in StatusOn); otherwise it is today, the only date
// known, and the reason says so.
func impliedChange(c *Certification, today Date, by string) StatusChange {
	e := StatusChange{Status: c.Status, Effective: today, Recorded: today, By: by}
	switch {
	case len(c.History) == 0 && c.Status == StatusValid:
		e.Effective, e.Reason = c.Issued, "registered"
	case len(c.History) == 0 && c.Status == StatusExpired && !c.Expires.IsZero():
		e.Effective, e.Reason = Date{c.Expires.t.AddDate(0, 0, 1)}, "registered as expired"
	case len(c.History) == 0:
		e.Reason = "registered as " + string(c.Status) + "; effective date unknown, date of entry used"
	default:
		e.Reason = "status set to " + string(c.Status) + " without a history entry; date of entry used"
	}
	if e.Effective.Before(c.Issued) {
		e.Effective = c.Issued
	}
	return e
}
