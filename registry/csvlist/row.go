package csvlist

import (
	"fmt"
	"strings"

	"github.com/certprint/certprint/registry"
)

// Where a field's value came from, besides a column index.
const (
	srcNone    = -2 // no value: the cell is empty (or unmapped) and there is no default
	srcDefault = -1 // Mapping.Defaults (or Mapping.Program)
)

// rowValues are the text values of one row by field, after Values and
// Defaults, with their sources for error messages.
type rowValues struct {
	line int
	s    [numFields]string
	src  [numFields]int
}

// row turns one data record into a certification and adds it to its model.
func (rd *reader) row(rec []string) error {
	line, _ := rd.csv.FieldPos(0)
	rd.rows++
	if rd.rows > maxRows {
		return rd.lineError(line, "more than %d rows; split the list", maxRows)
	}
	if blank(rec) {
		return nil
	}
	if len(rec) != len(rd.header) {
		return rd.lineError(line, "%d cells, but the header on line %d has %d", len(rec), rd.headerLine, len(rd.header))
	}
	v := rowValues{line: line}
	rd.gather(rec, &v)
	m, err := rd.model(&v)
	if err != nil {
		return err
	}
	c, err := rd.certification(&v)
	if err != nil {
		return err
	}
	ref, err := rd.ref(&v, &m)
	if err != nil {
		return err
	}
	return rd.add(ref, m, c, &v)
}

// blank reports a record of empty cells, which spreadsheets leave at the end
// of an export.
func blank(rec []string) bool {
	for _, c := range rec {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// gather reads every field's text: the trimmed cell translated by Values,
// or the default when that is empty.
func (rd *reader) gather(rec []string, v *rowValues) {
	for f := range numFields {
		s, src := "", srcNone
		if i := rd.col[f]; i >= 0 {
			s, src = rd.plan.translate(f, strings.TrimSpace(rec[i])), i
		}
		if s == "" {
			s, src = rd.plan.defaults[f], srcDefault
		}
		if s == "" {
			src = srcNone
		}
		v.s[f], v.src[f] = s, src
	}
}

// translate applies the field's Values to a cell, matching the value as
// written first and then after registry.Key, so that width and case variants
// of a word need no entries of their own.
func (p *plan) translate(f field, s string) string {
	if s == "" || p.exact[f] == nil {
		return s
	}
	if to, ok := p.exact[f][s]; ok {
		return to
	}
	if to, ok := p.keyed[f][registry.Key(s)]; ok {
		return to
	}
	return s
}

// fieldError is an error about field f of the row: it names the column the
// value came from, the empty column, or the default.
func (rd *reader) fieldError(v *rowValues, f field, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	switch i := v.src[f]; {
	case i >= 0:
		return rd.cellError(i, "%s", msg)
	case i == srcDefault:
		return registry.Errorf(registry.EINVALID, "%s: line %d, default for %s: %s", rd.name, v.line, f, msg)
	case rd.col[f] >= 0:
		return rd.cellError(rd.col[f], "%s", msg)
	}
	return rd.lineError(v.line, "%s", msg)
}

// require checks that the required fields have a value.
func (rd *reader) require(v *rowValues, fields ...field) error {
	for _, f := range fields {
		if v.s[f] == "" {
			return rd.fieldError(v, f, "%s is empty", f)
		}
	}
	return nil
}

// model reads the model fields of the row. A missing name is the model
// number, as the lists that have only a 型番 column mean it.
func (rd *reader) model(v *rowValues) (registry.Model, error) {
	if v.s[fName] == "" {
		v.s[fName], v.src[fName] = v.s[fModelNumber], v.src[fModelNumber]
	}
	if err := rd.require(v, fVendor, fName); err != nil {
		return registry.Model{}, err
	}
	m := registry.Model{
		Vendor: v.s[fVendor], Name: v.s[fName], ModelNumber: v.s[fModelNumber],
		HardwareVersion: v.s[fHardwareVersion], DeviceType: v.s[fDeviceType],
		Family: v.s[fFamily], CPE: v.s[fCPE],
		Aliases: splitList(v.s[fAliases], rd.plan.sep),
	}
	if s := v.s[fReleased]; s != "" {
		d, err := rd.plan.parseReleased(s)
		if err != nil {
			return registry.Model{}, rd.fieldError(v, fReleased, "%v", err)
		}
		m.Released = d
	}
	return m, nil
}

// certification reads the certification fields of the row.
func (rd *reader) certification(v *rowValues) (registry.Certification, error) {
	if err := rd.require(v, fProgram, fCertificateID, fIssued, fStatus); err != nil {
		return registry.Certification{}, err
	}
	c := registry.Certification{Program: v.s[fProgram], CertificateID: v.s[fCertificateID], Level: v.s[fLevel]}
	var err error
	if c.Issued, err = rd.plan.parseDate(v.s[fIssued]); err != nil {
		return c, rd.fieldError(v, fIssued, "%v", err)
	}
	if s := v.s[fExpires]; s != "" {
		if c.Expires, err = rd.plan.parseDate(s); err != nil {
			return c, rd.fieldError(v, fExpires, "%v", err)
		}
	}
	if c.Status, err = parseStatus(v.s[fStatus]); err != nil {
		return c, rd.fieldError(v, fStatus, "%v", err)
	}
	if s := v.s[fPublic]; s != "" {
		b, ok := parseBool(s)
		if !ok {
			return c, rd.fieldError(v, fPublic, "not a yes/no value: %s (map it under \"values\": {\"public\": {...}} to true or false)", quote(s))
		}
		c.Public = &b
	}
	if versions := splitList(v.s[fFirmware], rd.plan.sep); len(versions) > 0 {
		c.Firmware = &registry.FirmwareScope{Versions: versions}
	}
	return c, nil
}
