package registry

import (
	"bytes"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"time"
	"unicode/utf8"
)

// dateLayout is the only text form of a Date: certificates are issued and
// revoked on days, not instants, and ISO dates sort as text.
const dateLayout = "2006-01-02"

// Date is a calendar day without a time zone. The zero Date means "not set".
type Date struct{ t time.Time }

// ParseDate reads a date in the form 2006-01-02.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(dateLayout, s)
	if err != nil {
		return Date{}, fmt.Errorf("not a date of the form YYYY-MM-DD: %q", s)
	}
	return Date{t}, nil
}

// MustDate parses s and panics on error; for tests and fixed tables.
func MustDate(s string) Date {
	d, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// DateOf returns the calendar day of t in UTC.
func DateOf(t time.Time) Date {
	y, m, d := t.UTC().Date()
	return Date{time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
}

// Today is the current day in UTC.
func Today() Date { return DateOf(time.Now()) }

// IsZero reports whether the date is unset.
func (d Date) IsZero() bool { return d.t.IsZero() }

// Time returns midnight UTC of the day.
func (d Date) Time() time.Time { return d.t }

// Before reports whether d is strictly before e.
func (d Date) Before(e Date) bool { return d.t.Before(e.t) }

// After reports whether d is strictly after e.
func (d Date) After(e Date) bool { return d.t.After(e.t) }

// Compare returns -1, 0 or +1.
func (d Date) Compare(e Date) int { return d.t.Compare(e.t) }

func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return d.t.Format(dateLayout)
}

// MarshalJSON writes the date as "2006-01-02".
func (d Date) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads "2006-01-02"; "" and null leave the date unset.
func (d *Date) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return jsonTypeError(b, reflect.TypeFor[Date]())
	}
	if s == "" {
		*d = Date{}
		return nil
	}
	v, err := ParseDate(s)
	if err != nil {
		return jsonTypeError(b, reflect.TypeFor[Date]())
	}
	*d = v
	return nil
}

// jsonTypeError reports a JSON value that is not what type t reads. It is
// a *json.UnmarshalTypeError because encoding/json adds the path of the
// field to errors of that type only, and a registry file's errors must name
// the field; describeJSONError says what t expects.
func jsonTypeError(b []byte, t reflect.Type) error {
	b = bytes.TrimSpace(b)
	const maxShown = 40
	if len(b) > maxShown {
		n := maxShown
		for n > 0 && !utf8.RuneStart(b[n]) {
			n--
		}
		b = append(b[:n:n], "..."...)
	}
	value := "number " + string(b)
	if len(b) > 0 {
		switch b[0] {
		case '"':
			value = "string " + string(b)
		case '{':
			value = "object"
		case '[':
			value = "array"
		case 't', 'f':
			value = "bool"
		}
	}
	return &json.UnmarshalTypeError{Value: value, Type: t}
}

// Value stores the date as text, the same on SQLite and PostgreSQL.
func (d Date) Value() (driver.Value, error) {
	if d.IsZero() {
		return nil, nil
	}
	return d.String(), nil
}

// Scan reads the text form back (or a time, which some drivers return).
func (d *Date) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d = Date{}
		return nil
	case string:
		return d.scanText(v)
	case []byte:
		return d.scanText(string(v))
	case time.Time:
		*d = DateOf(v)
		return nil
	}
	return fmt.Errorf("registry: cannot read a date from %T", src)
}

func (d *Date) scanText(s string) error {
	if s == "" {
		*d = Date{}
		return nil
	}
	if len(s) > len(dateLayout) {
		s = s[:len(dateLayout)]
	}
	v, err := ParseDate(s)
	*d = v
	return err
}

// PartialDate is a day, month or year, kept at the precision it was given:
// vendors announce release months, and inventing a day would be a lie that
// survives every export.
type PartialDate struct {
	Date      Date // the first day the partial date covers
	Precision int  // 1 year, 2 month, 3 day; 0 unset
}

// ParsePartialDate reads "2024", "2024-03" or "2024-03-15".
func ParsePartialDate(s string) (PartialDate, error) {
	if s == "" {
		return PartialDate{}, nil
	}
	n := strings.Count(s, "-") + 1
	layouts := map[int]string{1: "2006", 2: "2006-01", 3: dateLayout}
	layout, ok := layouts[n]
	if !ok {
		return PartialDate{}, fmt.Errorf("not a date of the form YYYY, YYYY-MM or YYYY-MM-DD: %q", s)
	}
	t, err := time.Parse(layout, s)
	if err != nil {
		return PartialDate{}, fmt.Errorf("not a date of the form YYYY, YYYY-MM or YYYY-MM-DD: %q", s)
	}
	return PartialDate{Date: Date{t}, Precision: n}, nil
}

// IsZero reports whether the date is unset.
func (p PartialDate) IsZero() bool { return p.Precision == 0 }

func (p PartialDate) String() string {
	switch p.Precision {
	case 1:
		return p.Date.t.Format("2006")
	case 2:
		return p.Date.t.Format("2006-01")
	case 3:
		// Not p.Date.String(): 0001-01-01 is time.Time's zero value, which
		// Date prints as unset, and a set partial date must print as read.
		return p.Date.t.Format(dateLayout)
	}
	return ""
}

// MarshalJSON writes the date at its precision.
func (p PartialDate) MarshalJSON() ([]byte, error) { return json.Marshal(p.String()) }

// UnmarshalJSON reads "2024", "2024-03" or "2024-03-15".
func (p *PartialDate) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return jsonTypeError(b, reflect.TypeFor[PartialDate]())
	}
	v, err := ParsePartialDate(s)
	if err != nil {
		return jsonTypeError(b, reflect.TypeFor[PartialDate]())
	}
	*p = v
	return nil
}

// Value stores the text form.
func (p PartialDate) Value() (driver.Value, error) {
	if p.IsZero() {
		return nil, nil
	}
	return p.String(), nil
}

// Scan reads the text form back.
func (p *PartialDate) Scan(src any) error {
	var s string
	switch v := src.(type) {
	case nil:
	case string:
		s = v
	case []byte:
		s = string(v)
	default:
		return fmt.Errorf("registry: cannot read a partial date from %T", src)
	}
	v, err := ParsePartialDate(s)
	*p = v
	return err
}
