package fingerprint

import (
	"github.com/certprint/certprint/registry"
)

// standing is where one model stands on one day with one firmware
// version: the class of SPEC, the firmware state and the status per
// programme.
type standing struct {
	class    registry.Class
	firmware registry.FirmwareState
	programs map[string]registry.ProgramStatus
}

// classRank orders classes from the least to the most certified, so that
// an ambiguous verdict takes the weakest of its candidates.
var classRank = map[registry.Class]int{
	registry.ClassUnknown:             0,
	registry.ClassUncertified:         1,
	registry.ClassCertifiedOutOfScope: 2,
	registry.ClassCertified:           3,
}

// statusRank picks, per programme, the certification that speaks best for
// the model when it has several.
var statusRank = map[registry.Status]int{
	"":                       0,
	registry.StatusRevoked:   1,
	registry.StatusSuspended: 2,
	registry.StatusExpired:   3,
	registry.StatusValid:     4,
}

// standingOf decides a model's class on day d, the day its device was
// observed, with the firmware version the banners showed ("" when none
// did):
//
//   - certified: a certification in force on d (history effective dates,
//     within issue and expiry) whose firmware scope holds the version, or
//     any version when none was observed or the scope is empty;
//   - certified-out-of-scope: certified, but only for other firmware, or
//     expired by d;
//   - uncertified: no certification in force on d: none, only revoked or
//     suspended ones, or only ones issued after d.
//
// Coverage by a programme rule is reported per programme as presumed and
// does not make a model certified.
func (ix *Index) standingOf(m *registry.Model, d registry.Date, version string) standing {
	st := standing{class: registry.ClassUncertified, firmware: registry.FirmwareUnobserved}
	if version != "" {
		st.firmware = registry.FirmwareOutOfScope
	}
	best := 0
	raise := func(c registry.Class, fw registry.FirmwareState) {
		if r := classRank[c]; r > best || r == best && fw == registry.FirmwareInScope {
			best, st.class, st.firmware = r, c, fw
		}
	}
	for i := range m.Certifications {
		c := &m.Certifications[i]
		status, issued := c.StatusOn(d)
		if st.programs == nil {
			st.programs = map[string]registry.ProgramStatus{}
		}
		if prev, ok := st.programs[c.Program]; !ok || statusRank[status] > statusRank[prev.Status] {
			st.programs[c.Program] = registry.ProgramStatus{Status: status, CertificateID: c.CertificateID}
		}
		switch {
		case !issued:
			// A certificate issued after the device was seen says nothing
			// of it then.
		case status == registry.StatusExpired:
			raise(registry.ClassCertifiedOutOfScope, firmwareState(c, version))
		case status == registry.StatusValid:
			fw := firmwareState(c, version)
			if fw == registry.FirmwareOutOfScope {
				raise(registry.ClassCertifiedOutOfScope, fw)
			} else {
				raise(registry.ClassCertified, fw)
			}
		}
	}
	for code, p := range ix.programs {
		if _, certified := st.programs[code]; certified {
			continue
		}
		for _, r := range p.Rules {
			if r.Covers(m) {
				if st.programs == nil {
					st.programs = map[string]registry.ProgramStatus{}
				}
				st.programs[code] = registry.ProgramStatus{Presumed: true}
				break
			}
		}
	}
	return st
}

// firmwareState checks an observed version against a certification's
// scope. A certification without a scope covers every version.
func firmwareState(c *registry.Certification, version string) registry.FirmwareState {
	switch {
	case version == "":
		return registry.FirmwareUnobserved
	case c.Firmware == nil || c.Firmware.IsZero() || c.Firmware.Contains(version):
		return registry.FirmwareInScope
	}
	return registry.FirmwareOutOfScope
}
