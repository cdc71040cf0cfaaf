package csvlist

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/certprint/certprint/registry"
)

// ref returns the ref of the row's model: the ref column, else the caller's
// resolver, else a ref derived from the vendor and the model number. Results
// are cached by the values as written, since a list repeats them on every
// row of a model and the resolver may be a database query.
func (rd *reader) ref(v *rowValues, m *registry.Model) (string, error) {
	if r := v.s[fRef]; r != "" {
		if !refPattern.MatchString(r) {
			return "", rd.fieldError(v, fRef, "not a ref (1 to 128 letters, digits or . _ : -, starting with a letter or digit): %s", quote(r))
		}
		return r, nil
	}
	model, modelField := m.ModelNumber, fModelNumber
	if model == "" {
		model, modelField = m.Name, fName
	}
	key := m.Vendor + "\x00" + model
	if r, ok := rd.refs[key]; ok {
		return r, nil
	}
	r, err := rd.resolve(v, modelField, m.Vendor, model)
	if err != nil {
		return "", err
	}
	if r == "" {
		r = deriveRef(m.Vendor, model)
	}
	rd.refs[key] = r
	return r, nil
}

// resolve asks Options.Resolve, if set. Its errors keep their code: an
// ambiguous match is the caller's to classify, a failing store is internal.
func (rd *reader) resolve(v *rowValues, f field, vendor, model string) (string, error) {
	if rd.opt.Resolve == nil {
		return "", nil
	}
	r, err := rd.opt.Resolve(vendor, model)
	if err != nil {
		e := registry.AsError(rd.fieldError(v, f, "cannot resolve vendor %s, model %s: %v", quote(vendor), quote(model), err))
		e.Code = registry.ErrorCode(err)
		return "", e
	}
	if r != "" && !refPattern.MatchString(r) {
		e := registry.AsError(rd.fieldError(v, f, "the registry returned %s for vendor %s, model %s, which is not a ref", quote(r), quote(vendor), quote(model)))
		e.Code = registry.EINTERNAL
		return "", e
	}
	return r, nil
}

// deriveRef makes a ref from a vendor and a model number that is the same in
// every list that names the model, however it spells it: both parts go
// through registry.Key before they are turned into slugs.
func deriveRef(vendor, model string) string {
	ref := refPart(vendor) + "-" + refPart(model)
	if len(ref) > 128 {
		// A ref is at most 128 bytes; a hash of the whole keeps two long
		// names that share a prefix apart.
		ref = strings.TrimRight(ref[:117], "-") + "-" + shortHash(ref)
	}
	return ref
}

// refPart is the slug of s's Key, or, when s has no ASCII letter or digit
// to make a slug of (a name written in kana or kanji), "x" and a hash of the
// Key: stable, though not readable.
func refPart(s string) string {
	k := registry.Key(s)
	if slug := slugify(k); slug != "" {
		return slug
	}
	return "x" + shortHash(k)
}

// slugify keeps ASCII letters (lowered) and digits, and turns every run of
// anything else into one "-", trimmed from both ends.
func slugify(s string) string {
	var b strings.Builder
	dash := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
			fallthrough
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteByte(c)
			dash = false
		default:
			dash = true
		}
	}
	return b.String()
}

// shortHash is the first 10 hex digits of the SHA-256 of s.
func shortHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:5])
}
