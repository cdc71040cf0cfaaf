package registry

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"sort"
	"strings"
)

// Document is certprint's registry file: the programmes and the models with
// their certifications and profiles. Export writes it in a canonical order so
// that exporting the same registry twice gives identical bytes.
type Document struct {
	Programs []Program `json:"programs"`
	Models   []Model   `json:"models"`
}

// maxDocumentBytes bounds a registry file read into memory; the largest
// published certification lists are a few megabytes.
const maxDocumentBytes = 256 << 20

// DecodeDocument reads a registry file strictly: unknown fields, wrong types
// and trailing data are errors that name the record (index and ref) and the
// field. It does not validate; call Validate.
func DecodeDocument(r io.Reader) (*Document, error) {
	return decodeDocument(r, maxDocumentBytes)
}

// decodeDocument is DecodeDocument with a size limit in bytes.
func decodeDocument(r io.Reader, limit int64) (*Document, error) {
	var top struct {
		Programs []json.RawMessage `json:"programs"`
		Models   []json.RawMessage `json:"models"`
	}
	lr := &io.LimitedReader{R: r, N: limit + 1}
	err := strictDecode(lr, &top)
	// The size comes first: a file over the limit is cut off, and its
	// JSON error ("ends before it is complete") would mislead.
	if lr.N <= 0 {
		return nil, Errorf(EINVALID, "the file is larger than %s", sizeText(limit))
	}
	if err != nil {
		return nil, &Error{Code: EINVALID, Message: describeJSONError(err)}
	}
	doc := &Document{
		Programs: make([]Program, len(top.Programs)),
		Models:   make([]Model, len(top.Models)),
	}
	for i, raw := range top.Programs {
		if err := strictDecode(bytes.NewReader(raw), &doc.Programs[i]); err != nil {
			return nil, &Error{Code: EINVALID, Record: recordName("programs", i, "code", raw), Message: describeJSONError(err)}
		}
	}
	for i, raw := range top.Models {
		if err := strictDecode(bytes.NewReader(raw), &doc.Models[i]); err != nil {
			return nil, &Error{Code: EINVALID, Record: recordName("models", i, "ref", raw), Message: describeJSONError(err)}
		}
	}
	return doc, nil
}

func strictDecode(r io.Reader, v any) error {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("unexpected data after the JSON value")
	}
	return nil
}

// recordName names a record the way a person finds it in the file:
// "models[3] (ref acme-r100)".
func recordName(list string, i int, keyName string, raw json.RawMessage) string {
	name := fmt.Sprintf("%s[%d]", list, i)
	var probe map[string]any
	if json.Unmarshal(raw, &probe) == nil {
		if k, ok := probe[keyName].(string); ok && k != "" {
			name += fmt.Sprintf(" (%s %s)", keyName, k)
		}
	}
	return name
}

// sizeText writes a byte count in MiB when it is whole MiB.
func sizeText(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

// expectedForms says in words what the registry's own JSON types read; the
// Go type name would mean nothing to the person fixing the file.
var expectedForms = map[reflect.Type]string{
	reflect.TypeFor[Date]():          "a date of the form YYYY-MM-DD",
	reflect.TypeFor[PartialDate]():   "a date of the form YYYY, YYYY-MM or YYYY-MM-DD",
	reflect.TypeFor[FirmwareScope](): "a list of versions or an object with scheme, versions and ranges",
}

// describeJSONError turns encoding/json's errors into sentences that name the
// field and, for syntax errors, the byte offset.
func describeJSONError(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("malformed JSON at byte %d: %v", syn.Offset, syn)
	case errors.As(err, &typ):
		want := typ.Type.String()
		if form, ok := expectedForms[typ.Type]; ok {
			want = form
		}
		if typ.Field != "" {
			return fmt.Sprintf("field %s: expected %s, found a JSON %s", typ.Field, want, typ.Value)
		}
		return fmt.Sprintf("expected %s, found a JSON %s", want, typ.Value)
	case errors.Is(err, io.EOF):
		return "the file is empty"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "the JSON ends before it is complete"
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

// Normalize puts every programme and model in canonical form. It keeps the
// order of the records, so that errors can name them by their index in the
// file.
func (d *Document) Normalize() {
	for i := range d.Programs {
		d.Programs[i].Normalize()
	}
	for i := range d.Models {
		d.Models[i].Normalize()
	}
}

// Sort orders programmes by code and models by ref, the canonical order of
// an export.
func (d *Document) Sort() {
	sort.SliceStable(d.Programs, func(i, j int) bool { return d.Programs[i].Code < d.Programs[j].Code })
	sort.SliceStable(d.Models, func(i, j int) bool { return d.Models[i].Ref < d.Models[j].Ref })
}

// Validate checks every record and the references between them. known
// reports programmes that exist outside the document (in the database).
// Errors name the record and the field.
func (d *Document) Validate(known func(code string) bool) error {
	codes := map[string]bool{}
	for i := range d.Programs {
		p := &d.Programs[i]
		rec := fmt.Sprintf("programs[%d] (code %s)", i, p.Code)
		if err := p.Validate(); err != nil {
			return inRecord(rec, err)
		}
		if codes[p.Code] {
			return &Error{Code: EINVALID, Record: rec, Field: "code", Message: "duplicate programme code"}
		}
		codes[p.Code] = true
	}
	refs := map[string]int{}
	certs := map[string]int{} // programme + certificate id -> model index
	for i := range d.Models {
		m := &d.Models[i]
		rec := fmt.Sprintf("models[%d] (ref %s)", i, m.Ref)
		if j, dup := refs[m.Ref]; dup {
			return &Error{Code: EINVALID, Record: rec, Field: "ref", Message: fmt.Sprintf("duplicate ref; models[%d] has it too", j)}
		}
		refs[m.Ref] = i
		if err := m.Validate(); err != nil {
			return inRecord(rec, err)
		}
		for k, c := range m.Certifications {
			if !codes[c.Program] && (known == nil || !known(c.Program)) {
				return &Error{Code: EINVALID, Record: rec, Field: fmt.Sprintf("certifications[%d].program", k),
					Message: fmt.Sprintf("unknown programme %q: add it to \"programs\" or import it first", c.Program)}
			}
			// A certificate belongs to one model; the database refuses the
			// same id twice, so say which records collide before it does.
			key := c.Program + "\x00" + c.CertificateID
			if j, dup := certs[key]; dup && j != i {
				return &Error{Code: EINVALID, Record: rec, Field: fmt.Sprintf("certifications[%d].certificate_id", k),
					Message: fmt.Sprintf("certificate %s of %s is also listed under models[%d] (ref %s)", c.CertificateID, c.Program, j, d.Models[j].Ref)}
			}
			certs[key] = i
		}
	}
	return nil
}

func inRecord(rec string, err error) error {
	e := AsError(err)
	if e == nil {
		return err
	}
	out := *e
	out.Record = rec
	return &out
}

// Encode writes the document as indented JSON followed by a newline.
func (d *Document) Encode(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(d)
}
