package csvlist

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/certprint/certprint/registry"
)

// Mapping says how a CSV list's columns map to registry fields. It is loaded
// from JSON (see LoadMapping) because every certification body names its
// columns differently, and a new list should need a new file, not new code.
type Mapping struct {
	// Program is the programme code used when no "program" column is
	// mapped: most lists are the list of one programme.
	Program string `json:"program,omitempty"`
	// Encoding is "auto" (the default), "utf-8" or "cp932".
	Encoding string `json:"encoding,omitempty"`
	// Columns maps a registry field name to the CSV header text.
	Columns map[string]string `json:"columns"`
	// DateFormats are Go time layouts tried in order; the default is
	// ["2006-01-02", "2006/01/02", "2006/1/2", "2006年1月2日"].
	DateFormats []string `json:"date_formats,omitempty"`
	// Values maps, per field, a CSV value to a registry value, for example
	// status: {"有効": "valid", "失効": "revoked"}.
	Values map[string]map[string]string `json:"values,omitempty"`
	// Defaults gives, per field, the value used when the column is absent
	// or the cell empty. Defaults are registry values: Values does not
	// apply to them.
	Defaults map[string]string `json:"defaults,omitempty"`
	// ListSeparator splits aliases and firmware cells; the default is ";".
	ListSeparator string `json:"list_separator,omitempty"`
}

// field is a registry field a column can be mapped to.
type field int

// The mappable fields; model fields first, then certification fields.
const (
	fRef field = iota
	fVendor
	fName
	fModelNumber
	fHardwareVersion
	fDeviceType
	fReleased
	fFamily
	fCPE
	fAliases
	fProgram
	fCertificateID
	fLevel
	fIssued
	fExpires
	fStatus
	fPublic
	fFirmware
	numFields
)

// fieldNames are the names used in mapping files; they are the JSON names of
// the registry file, so that a mapping reads like the registry it produces.
var fieldNames = [numFields]string{
	"ref", "vendor", "name", "model_number", "hardware_version", "device_type",
	"released", "family", "cpe", "aliases",
	"program", "certificate_id", "level", "issued", "expires", "status",
	"public", "firmware",
}

func (f field) String() string { return fieldNames[f] }

// lookupField returns the field with the given mapping-file name.
func lookupField(name string) (field, bool) {
	for f, n := range fieldNames {
		if n == name {
			return field(f), true
		}
	}
	return 0, false
}

// Encodings a mapping may declare.
const (
	encAuto  = "auto"
	encUTF8  = "utf-8"
	encCP932 = "cp932"
)

// encodingNames accepts the spellings people copy from a publisher's page;
// the Shift_JIS they name is, in practice, always Microsoft's CP932.
var encodingNames = map[string]string{
	"": encAuto, "auto": encAuto,
	"utf-8": encUTF8, "utf8": encUTF8,
	"cp932": encCP932, "windows-31j": encCP932, "shift_jis": encCP932,
	"shift-jis": encCP932, "sjis": encCP932, "ms932": encCP932,
}

var defaultDateFormats = []string{"2006-01-02", "2006/01/02", "2006/1/2", "2006年1月2日"}

// LoadMapping reads a mapping file strictly: unknown fields, trailing data,
// unknown registry field names, an unknown encoding and a mapping that
// leaves a required field without a source are all errors, so that a typo
// in the mapping fails before any row is read. The caller prefixes errors
// with the mapping file's name.
func LoadMapping(r io.Reader) (Mapping, error) {
	var m Mapping
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return Mapping{}, registry.Errorf(registry.EINVALID, "column mapping: %v", jsonMessage(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return Mapping{}, registry.Errorf(registry.EINVALID, "column mapping: unexpected data after the JSON object")
	}
	if _, err := m.compile(); err != nil {
		return Mapping{}, err
	}
	return m, nil
}

// jsonMessage makes encoding/json's errors readable without the "json:"
// prefix, which names a package rather than the problem.
func jsonMessage(err error) string {
	var syn *json.SyntaxError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("malformed JSON at byte %d: %v", syn.Offset, syn)
	case errors.Is(err, io.EOF):
		return "the file is empty"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "the JSON ends before it is complete"
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

// plan is a Mapping checked and turned into tables indexed by field, so that
// reading a row does no map lookups by name.
type plan struct {
	headers  [numFields]string            // mapped header text, "" if unmapped
	exact    [numFields]map[string]string // Values by the CSV value as written
	keyed    [numFields]map[string]string // Values by registry.Key of the CSV value
	defaults [numFields]string
	dates    []string
	sep      string
	encoding string
}

// mappingError is an EINVALID error about the mapping itself.
func mappingError(format string, args ...any) error {
	return registry.Errorf(registry.EINVALID, "column mapping: "+format, args...)
}

// compile validates m and builds its plan.
func (m Mapping) compile() (*plan, error) {
	p := &plan{dates: m.DateFormats, sep: m.ListSeparator}
	if len(p.dates) == 0 {
		p.dates = defaultDateFormats
	}
	if p.sep == "" {
		p.sep = ";"
	}
	enc, ok := encodingNames[strings.ToLower(strings.TrimSpace(m.Encoding))]
	if !ok {
		return nil, mappingError("unknown encoding %q (use \"auto\", \"utf-8\" or \"cp932\")", m.Encoding)
	}
	p.encoding = enc
	steps := []func(Mapping, *plan) error{compileColumns, compileValues, compileDefaults, compileDates, checkRequired}
	for _, step := range steps {
		if err := step(m, p); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// knownFields lists the field names for error messages.
func knownFields() string { return strings.Join(fieldNames[:], ", ") }

func compileColumns(m Mapping, p *plan) error {
	if len(m.Columns) == 0 {
		return mappingError(`"columns" is empty; it maps registry fields (%s) to CSV headers`, knownFields())
	}
	for _, name := range sortedKeys(m.Columns) {
		f, ok := lookupField(name)
		if !ok {
			return mappingError(`columns: unknown registry field %q (known: %s)`, name, knownFields())
		}
		h := strings.TrimSpace(m.Columns[name])
		if h == "" {
			return mappingError(`columns: the header for %q is empty`, name)
		}
		p.headers[f] = h
	}
	return nil
}

func compileValues(m Mapping, p *plan) error {
	for _, name := range sortedKeys(m.Values) {
		f, ok := lookupField(name)
		if !ok {
			return mappingError(`values: unknown registry field %q (known: %s)`, name, knownFields())
		}
		p.exact[f] = map[string]string{}
		p.keyed[f] = map[string]string{}
		table := m.Values[name]
		for _, from := range sortedKeys(table) {
			to := strings.TrimSpace(table[from])
			if err := checkTarget(f, to); err != nil {
				return mappingError("values.%s: %q -> %q: %v", name, from, to, err)
			}
			k := registry.Key(from)
			if prev, dup := p.keyed[f][k]; dup && prev != to {
				return mappingError("values.%s: %q maps to both %q and %q", name, from, prev, to)
			}
			p.exact[f][strings.TrimSpace(from)] = to
			p.keyed[f][k] = to
		}
	}
	return nil
}

func compileDefaults(m Mapping, p *plan) error {
	for _, name := range sortedKeys(m.Defaults) {
		f, ok := lookupField(name)
		if !ok {
			return mappingError(`defaults: unknown registry field %q (known: %s)`, name, knownFields())
		}
		v := strings.TrimSpace(m.Defaults[name])
		if err := checkTarget(f, v); err != nil {
			return mappingError("defaults.%s: %q: %v", name, v, err)
		}
		p.defaults[f] = v
	}
	if p.defaults[fProgram] == "" {
		p.defaults[fProgram] = strings.TrimSpace(m.Program)
	}
	return nil
}

func compileDates(m Mapping, p *plan) error {
	for i, layout := range p.dates {
		if strings.TrimSpace(layout) == "" {
			return mappingError("date_formats[%d] is empty", i)
		}
	}
	return nil
}

// checkTarget refuses a registry value that could never be valid, so that a
// typo such as "revokd" in the mapping is caught when the mapping is loaded
// instead of on the first row that uses it.
func checkTarget(f field, v string) error {
	if v == "" {
		return nil
	}
	switch f {
	case fStatus:
		if !registry.Status(v).Valid() {
			return errors.New("not a status (valid, suspended, revoked or expired)")
		}
	case fPublic:
		if _, ok := parseBool(v); !ok {
			return errors.New("not a yes/no value (true or false)")
		}
	case fRef:
		if !refPattern.MatchString(v) {
			return errors.New("not a ref (letters, digits and . _ : -, starting with a letter or digit)")
		}
	}
	return nil
}

// checkRequired makes sure every required field has a source: a column or a
// default. Status is required too although the registry file lets nothing
// default it: reading "valid" into a list that also lists revoked
// certificates would be a guess.
func checkRequired(m Mapping, p *plan) error {
	has := func(f field) bool { return p.headers[f] != "" || p.defaults[f] != "" }
	var missing []string
	for _, f := range []field{fVendor, fCertificateID, fIssued, fStatus} {
		if !has(f) {
			missing = append(missing, f.String())
		}
	}
	if !has(fName) && !has(fModelNumber) {
		missing = append(missing, "name (or model_number)")
	}
	if !has(fProgram) {
		missing = append(missing, `program (or "program": "CODE")`)
	}
	if len(missing) > 0 {
		return mappingError("no column or default for %s", strings.Join(missing, ", "))
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
