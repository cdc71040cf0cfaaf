package csvlist

import (
	"strings"

	"github.com/certprint/certprint/registry"
)

// modelState remembers, for a model already in the document, on which line
// each of its fields was set, so that a conflict can name both lines.
type modelState struct {
	index int
	line  [numFields]int
}

// modelFields are the fields that rows of the same model must agree on.
var modelFields = []field{fVendor, fName, fModelNumber, fHardwareVersion, fDeviceType, fReleased, fFamily, fCPE, fAliases}

// add appends the certification c to the model ref, creating the model from
// m on its first row and checking m against it on later rows.
func (rd *reader) add(ref string, m registry.Model, c registry.Certification, v *rowValues) error {
	if err := rd.checkCertificate(c, v); err != nil {
		return err
	}
	st, ok := rd.models[ref]
	if !ok {
		st = &modelState{index: len(rd.doc.Models)}
		for _, f := range modelFields {
			st.line[f] = v.line
		}
		m.Ref = ref
		m.Certifications = []registry.Certification{c}
		rd.models[ref] = st
		rd.doc.Models = append(rd.doc.Models, m)
		return nil
	}
	dst := &rd.doc.Models[st.index]
	if err := rd.merge(dst, &m, st, v); err != nil {
		return err
	}
	dst.Certifications = append(dst.Certifications, c)
	return nil
}

// checkCertificate refuses a certificate listed twice: the store keeps one
// row per programme and certificate id, and which of two rows is right
// would be a guess.
func (rd *reader) checkCertificate(c registry.Certification, v *rowValues) error {
	key := c.Program + "\x00" + c.CertificateID
	if prev, dup := rd.certs[key]; dup {
		return rd.fieldError(v, fCertificateID, "certificate %s of %s is also on line %d", quote(c.CertificateID), c.Program, prev)
	}
	rd.certs[key] = v.line
	return nil
}

// merge fills the fields dst lacks from m and refuses a field both set
// differently. Vendor and model number are compared after registry.Key, as
// the registry compares them; the other fields exactly, since "v2" and "V2"
// may well be different hardware.
func (rd *reader) merge(dst, m *registry.Model, st *modelState, v *rowValues) error {
	for _, f := range modelFields {
		nv := rd.modelField(m, f)
		if nv == "" {
			continue
		}
		ov := rd.modelField(dst, f)
		switch {
		case ov == "":
			setModelField(dst, m, f)
			st.line[f] = v.line
		case !sameValue(f, ov, nv):
			return rd.fieldError(v, f, "%s %s differs from %s on line %d for the same model (ref %s)", f, quote(nv), quote(ov), st.line[f], dst.Ref)
		}
	}
	return nil
}

func sameValue(f field, a, b string) bool {
	if a == b {
		return true
	}
	if f == fVendor || f == fModelNumber {
		return registry.Key(a) == registry.Key(b)
	}
	return false
}

// modelField is field f of m as text, for comparison and messages.
func (rd *reader) modelField(m *registry.Model, f field) string {
	switch f {
	case fVendor:
		return m.Vendor
	case fName:
		return m.Name
	case fModelNumber:
		return m.ModelNumber
	case fHardwareVersion:
		return m.HardwareVersion
	case fDeviceType:
		return m.DeviceType
	case fReleased:
		return m.Released.String()
	case fFamily:
		return m.Family
	case fCPE:
		return m.CPE
	case fAliases:
		return strings.Join(m.Aliases, rd.plan.sep)
	}
	return ""
}

// setModelField copies field f from src to dst.
func setModelField(dst, src *registry.Model, f field) {
	switch f {
	case fVendor:
		dst.Vendor = src.Vendor
	case fName:
		dst.Name = src.Name
	case fModelNumber:
		dst.ModelNumber = src.ModelNumber
	case fHardwareVersion:
		dst.HardwareVersion = src.HardwareVersion
	case fDeviceType:
		dst.DeviceType = src.DeviceType
	case fReleased:
		dst.Released = src.Released
	case fFamily:
		dst.Family = src.Family
	case fCPE:
		dst.CPE = src.CPE
	case fAliases:
		dst.Aliases = src.Aliases
	}
}
