package csvlist

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/certprint/certprint/registry"
)

// Options carries what Read needs from outside the file.
type Options struct {
	// Resolve returns the ref of an already registered model with this
	// vendor and model number (compared with registry.Key), "" if there is
	// none, or an error if several models match. When the list has no model
	// number, the name is passed in its place, as registry.Model.ModelKey
	// does. An error that is a *registry.Error keeps its code (return
	// ECONFLICT for an ambiguous match); any other error becomes EINTERNAL,
	// since it most likely means the store could not be asked. Nil means
	// that no model is registered yet.
	Resolve func(vendor, modelNumber string) (string, error)
}

// Read reads the CSV list r, called name in error messages, through the
// mapping m. The first record is the header. Each further record is one
// certification; records of the same model become one registry.Model, in
// the order of their first appearance, with the certifications in row order.
// Entirely empty records are skipped, since spreadsheet exports often end in
// them. The document's Programs are empty: a list names programmes that must
// already be registered. Read does not validate the document as a whole;
// call Validate.
//
// A cell over 4096 bytes, a record over 64 KiB (both counted in UTF-8) and
// more than 1,000,000 data rows are errors. Every error is a
// *registry.Error whose message starts with name. Errors about the input
// have code EINVALID and name the line, the column and the value; the
// errors of r itself and of Options.Resolve keep their own codes.
func Read(r io.Reader, name string, m Mapping, opt Options) (*registry.Document, error) {
	p, err := m.compile()
	if err != nil {
		return nil, prefixed(name, err)
	}
	d, err := decode(r, p.encoding)
	if err != nil {
		return nil, fileError(name, err)
	}
	rd := newReader(name, p, opt, d)
	if err := rd.readHeader(); err != nil {
		return nil, err
	}
	for {
		rec, err := rd.next()
		if err == io.EOF {
			return rd.doc, nil
		}
		if err != nil {
			return nil, err
		}
		if err := rd.row(rec); err != nil {
			return nil, err
		}
	}
}

// reader is the state of one Read.
type reader struct {
	name       string
	plan       *plan
	opt        Options
	encoding   string
	lim        *limitReader
	csv        *csv.Reader
	header     []string
	headerLine int
	col        [numFields]int // index of each field's column; -1 if unmapped
	rows       int
	doc        *registry.Document
	models     map[string]*modelState // by ref
	refs       map[string]string      // vendor "\x00" model key as written -> ref
	certs      map[string]int         // program "\x00" certificate id -> line
}

func newReader(name string, p *plan, opt Options, d decoded) *reader {
	lim := &limitReader{r: d.r}
	cr := csv.NewReader(lim)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	return &reader{
		name: name, plan: p, opt: opt, encoding: d.encoding, lim: lim, csv: cr,
		doc:    &registry.Document{Programs: []registry.Program{}, Models: []registry.Model{}},
		models: map[string]*modelState{},
		refs:   map[string]string{},
		certs:  map[string]int{},
	}
}

// next returns the next record with its cells checked for size and encoding,
// or io.EOF.
func (rd *reader) next() ([]string, error) {
	rec, err := rd.csv.Read()
	if err == io.EOF {
		return nil, io.EOF
	}
	if err != nil {
		return nil, rd.readError(err, len(rec))
	}
	line, _ := rd.csv.FieldPos(0)
	if n := rd.csv.InputOffset() - rd.lim.recStart; n > maxLine {
		return nil, rd.lineError(line, "the line is %d bytes long; at most %d are allowed", n, maxLine)
	}
	rd.lim.recStart = rd.csv.InputOffset()
	for i, cell := range rec {
		if err := rd.checkCell(i, cell); err != nil {
			return nil, err
		}
	}
	return rec, nil
}

// readError describes an error of encoding/csv or of the input. On a syntax
// error csv returns the cells before the bad one, so their count is the
// index of the cell to name.
func (rd *reader) readError(err error, cell int) error {
	var pe *csv.ParseError
	switch {
	case errors.As(err, &pe):
		return registry.Errorf(registry.EINVALID, "%s: line %d, %s: %v", rd.name, pe.Line, rd.columnName(cell), pe.Err)
	case errors.Is(err, errLineTooLong):
		return rd.lineError(rd.lim.overLine, "more than %d bytes without the end of a CSV record (a line too long, or a quote left open)", maxLine)
	}
	return fileError(rd.name, err)
}

// checkCell refuses an oversized cell, and text that did not decode: invalid
// UTF-8 when reading UTF-8, and U+FFFD (which the CP932 decoder substitutes
// for bytes it cannot read) when reading CP932.
func (rd *reader) checkCell(i int, cell string) error {
	switch {
	case len(cell) > maxCell:
		return rd.cellError(i, "the cell is %d bytes long; at most %d are allowed: %s", len(cell), maxCell, quote(cell))
	case rd.encoding == encUTF8 && !utf8.ValidString(cell):
		return rd.cellError(i, `not valid UTF-8: %s (if the file is CP932, set "encoding": "cp932" in the mapping)`, quote(cell))
	case rd.encoding == encCP932 && strings.ContainsRune(cell, utf8.RuneError):
		return rd.cellError(i, `bytes that are not CP932: %s (if the file is UTF-8, set "encoding": "utf-8" in the mapping)`, quote(cell))
	}
	return nil
}

// columnName names column i for a message: its header, or its number while
// the header itself is being read.
func (rd *reader) columnName(i int) string {
	if i < len(rd.header) {
		return fmt.Sprintf("column %s", quote(rd.header[i]))
	}
	return fmt.Sprintf("column %d", i+1)
}

// cellError is an error about cell i of the current record.
func (rd *reader) cellError(i int, format string, args ...any) error {
	line, _ := rd.csv.FieldPos(i)
	return registry.Errorf(registry.EINVALID, "%s: line %d, %s: %s", rd.name, line, rd.columnName(i), fmt.Sprintf(format, args...))
}

// lineError is an error about a whole line.
func (rd *reader) lineError(line int, format string, args ...any) error {
	return registry.Errorf(registry.EINVALID, "%s: line %d: %s", rd.name, line, fmt.Sprintf(format, args...))
}

// fileError is an error about the file as a whole. Errors of the underlying
// reader keep their code (EINTERNAL for plain I/O errors): a failing disk is
// not malformed input.
func fileError(name string, err error) error {
	if err == errBOMDeclaredCP932 {
		return registry.Errorf(registry.EINVALID, "%s: line 1: %v", name, err)
	}
	return prefixed(name, err)
}

// prefixed puts the file name in front of an error's message, keeping the
// code of a domain error (EINTERNAL for any other error).
func prefixed(name string, err error) error {
	return &registry.Error{Code: registry.ErrorCode(err), Message: fmt.Sprintf("%s: %v", name, err)}
}
