package registry

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	good := []string{"2024-02-29", "1999-12-31", "2027-03-31", "9999-12-31"}
	for _, s := range good {
		t.Run("accepts "+s, func(t *testing.T) {
			d, err := ParseDate(s)
			wantOK(t, err)
			if d.IsZero() {
				t.Fatalf("ParseDate(%q) is the zero date", s)
			}
			if got := d.String(); got != s {
				t.Errorf("String() = %q, want %q", got, s)
			}
			if d.Time().Location() != time.UTC || d.Time().Hour() != 0 {
				t.Errorf("Time() = %v, want midnight UTC", d.Time())
			}
		})
	}
	bad := map[string]string{
		"no leap day in 2023":     "2023-02-29",
		"month 13":                "2024-13-01",
		"day 32":                  "2024-01-32",
		"one-digit month":         "2024-1-05",
		"one-digit day":           "2024-01-5",
		"two-digit year":          "24-01-05",
		"a timestamp":             "2024-01-05T00:00:00Z",
		"leading space":           " 2024-01-05",
		"slashes":                 "2024/01/05",
		"empty":                   "",
		"year only":               "2024",
		"trailing text":           "2024-01-05x",
		"japanese era not parsed": "令和6-01-05",
	}
	for name, s := range bad {
		t.Run("refuses "+name, func(t *testing.T) {
			d, err := ParseDate(s)
			if err == nil {
				t.Fatalf("ParseDate(%q) = %v, want an error", s, d)
			}
			if !strings.Contains(err.Error(), "YYYY-MM-DD") {
				t.Errorf("error %q does not say which form is expected", err)
			}
			if !d.IsZero() {
				t.Errorf("a failed parse returned %v, want the zero date", d)
			}
		})
	}
}

func TestMustDatePanicsOnBadInput(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("MustDate(\"2024-02-30\") did not panic")
		}
	}()
	MustDate("2024-02-30")
}

func TestDateOfUsesTheUTCDay(t *testing.T) {
	tokyo := time.FixedZone("JST", 9*3600)
	// 08:00 in Tokyo on 1 March is still 29 February in UTC.
	got := DateOf(time.Date(2024, 3, 1, 8, 0, 0, 0, tokyo))
	if want := MustDate("2024-02-29"); got != want {
		t.Errorf("DateOf = %v, want %v", got, want)
	}
	// Dates made by DateOf and by ParseDate must compare equal with ==,
	// since they end up as map keys and in reflect.DeepEqual comparisons.
	if DateOf(time.Date(2024, 2, 29, 23, 59, 59, 999, time.UTC)) != MustDate("2024-02-29") {
		t.Error("DateOf and ParseDate disagree on the same day")
	}
}

func TestDateOrdering(t *testing.T) {
	a, b := MustDate("2024-12-14"), MustDate("2024-12-15")
	tests := []struct {
		name          string
		x, y          Date
		before, after bool
		compare       int
	}{
		{name: "earlier", x: a, y: b, before: true, compare: -1},
		{name: "later", x: b, y: a, after: true, compare: 1},
		{name: "same day", x: a, y: a, compare: 0},
		{name: "zero is before every set date", x: Date{}, y: a, before: true, compare: -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.x.Before(tt.y); got != tt.before {
				t.Errorf("Before = %v, want %v", got, tt.before)
			}
			if got := tt.x.After(tt.y); got != tt.after {
				t.Errorf("After = %v, want %v", got, tt.after)
			}
			if got := tt.x.Compare(tt.y); got != tt.compare {
				t.Errorf("Compare = %d, want %d", got, tt.compare)
			}
		})
	}
}

func TestDateJSON(t *testing.T) {
	t.Run("marshals the day as a string", func(t *testing.T) {
		b, err := json.Marshal(MustDate("2024-03-15"))
		wantOK(t, err)
		if string(b) != `"2024-03-15"` {
			t.Errorf("got %s", b)
		}
	})
	t.Run("marshals the zero date as an empty string", func(t *testing.T) {
		b, err := json.Marshal(Date{})
		wantOK(t, err)
		if string(b) != `""` {
			t.Errorf("got %s", b)
		}
	})
	for _, in := range []string{`""`, `null`} {
		t.Run("reads "+in+" as unset", func(t *testing.T) {
			d := MustDate("2020-01-01")
			wantOK(t, json.Unmarshal([]byte(in), &d))
			if !d.IsZero() {
				t.Errorf("got %v, want the zero date", d)
			}
		})
	}
	t.Run("round trips inside a struct", func(t *testing.T) {
		type rec struct {
			D Date `json:"d"`
			E Date `json:"e,omitzero"`
		}
		in := rec{D: MustDate("2025-06-01")}
		b, err := json.Marshal(in)
		wantOK(t, err)
		if string(b) != `{"d":"2025-06-01"}` {
			t.Errorf("marshal = %s; an unset omitzero date must be left out", b)
		}
		var out rec
		wantOK(t, json.Unmarshal(b, &out))
		if out != in {
			t.Errorf("round trip = %+v, want %+v", out, in)
		}
	})
	bad := map[string]string{
		"number":       `20240315`,
		"bool":         `true`,
		"object":       `{}`,
		"bad day":      `"2024-02-30"`,
		"partial date": `"2024-03"`,
	}
	for name, in := range bad {
		t.Run("refuses "+name, func(t *testing.T) {
			var d Date
			err := json.Unmarshal([]byte(in), &d)
			if err == nil {
				t.Fatalf("Unmarshal(%s) = %v, want an error", in, d)
			}
			if !strings.Contains(err.Error(), "Date") && !strings.Contains(err.Error(), "YYYY-MM-DD") {
				t.Errorf("error %q says nothing about dates", err)
			}
		})
	}
}

func TestDateValueAndScan(t *testing.T) {
	t.Run("value of the zero date is NULL", func(t *testing.T) {
		v, err := Date{}.Value()
		wantOK(t, err)
		if v != nil {
			t.Errorf("Value() = %#v, want nil", v)
		}
	})
	t.Run("value is the ISO text", func(t *testing.T) {
		v, err := MustDate("2024-04-01").Value()
		wantOK(t, err)
		if v != "2024-04-01" {
			t.Errorf("Value() = %#v", v)
		}
	})
	tokyo := time.FixedZone("JST", 9*3600)
	scans := []struct {
		name string
		src  any
		want Date
	}{
		{"NULL", nil, Date{}},
		{"empty text", "", Date{}},
		{"text", "2024-04-01", MustDate("2024-04-01")},
		{"bytes", []byte("2024-04-01"), MustDate("2024-04-01")},
		// SQLite drivers hand back a column declared as a date as a
		// timestamp string; the day is its first ten characters.
		{"timestamp text", "2024-04-01T00:00:00Z", MustDate("2024-04-01")},
		{"timestamp with space", "2024-04-01 00:00:00+00:00", MustDate("2024-04-01")},
		{"time in UTC", time.Date(2024, 4, 1, 0, 0, 0, 0, time.UTC), MustDate("2024-04-01")},
		{"time in Tokyo is read as its UTC day", time.Date(2024, 4, 1, 8, 0, 0, 0, tokyo), MustDate("2024-03-31")},
	}
	for _, tt := range scans {
		t.Run("scans "+tt.name, func(t *testing.T) {
			d := MustDate("1999-01-01") // Scan must overwrite, not merge
			wantOK(t, d.Scan(tt.src))
			if d != tt.want {
				t.Errorf("Scan(%#v) = %v, want %v", tt.src, d, tt.want)
			}
		})
	}
	for name, src := range map[string]any{"int": 20240401, "bad text": "2024-4-1", "float": 1.5} {
		t.Run("scan refuses "+name, func(t *testing.T) {
			var d Date
			if err := d.Scan(src); err == nil {
				t.Errorf("Scan(%#v) = %v, want an error", src, d)
			}
		})
	}
	t.Run("value then scan round trips", func(t *testing.T) {
		in := MustDate("2026-02-28")
		v, err := in.Value()
		wantOK(t, err)
		var out Date
		wantOK(t, out.Scan(v))
		if out != in {
			t.Errorf("got %v, want %v", out, in)
		}
	})
}

func TestParsePartialDate(t *testing.T) {
	tests := []struct {
		in        string
		precision int
		first     string // the first day the partial date covers
	}{
		{"2024", 1, "2024-01-01"},
		{"2024-03", 2, "2024-03-01"},
		{"2024-03-15", 3, "2024-03-15"},
		{"2019-12", 2, "2019-12-01"},
	}
	for _, tt := range tests {
		t.Run("accepts "+tt.in, func(t *testing.T) {
			p, err := ParsePartialDate(tt.in)
			wantOK(t, err)
			if p.Precision != tt.precision {
				t.Errorf("Precision = %d, want %d", p.Precision, tt.precision)
			}
			if p.Date != MustDate(tt.first) {
				t.Errorf("Date = %v, want %s", p.Date, tt.first)
			}
			if p.String() != tt.in {
				t.Errorf("String() = %q, want %q: the precision must survive", p.String(), tt.in)
			}
			if p.IsZero() {
				t.Error("IsZero() = true for a set date")
			}
		})
	}
	t.Run("empty is unset", func(t *testing.T) {
		p, err := ParsePartialDate("")
		wantOK(t, err)
		if !p.IsZero() || p.String() != "" {
			t.Errorf("got %+v", p)
		}
	})
	bad := map[string]string{
		"one-digit month":  "2024-3",
		"month 13":         "2024-13",
		"day 30 of Feb":    "2024-02-30",
		"four parts":       "2024-03-15-01",
		"five-digit year":  "20245",
		"two-digit year":   "24",
		"negative year":    "-2024",
		"slash":            "2024/03",
		"trailing hyphen":  "2024-",
		"full timestamp":   "2024-03-15T00:00:00Z",
		"spaces around it": " 2024 ",
	}
	for name, s := range bad {
		t.Run("refuses "+name, func(t *testing.T) {
			p, err := ParsePartialDate(s)
			if err == nil {
				t.Fatalf("ParsePartialDate(%q) = %+v, want an error", s, p)
			}
			if !strings.Contains(err.Error(), "YYYY, YYYY-MM or YYYY-MM-DD") {
				t.Errorf("error %q does not name the accepted forms", err)
			}
		})
	}
}

// The first day of year 1 is time.Time's zero value; a partial date that
// happens to fall on it must still print as what was written.
func TestPartialDateOnTheFirstDayOfYearOne(t *testing.T) {
	for _, s := range []string{"0001", "0001-01", "0001-01-01"} {
		t.Run(s, func(t *testing.T) {
			p, err := ParsePartialDate(s)
			wantOK(t, err)
			if p.IsZero() {
				t.Fatal("IsZero() = true for a set date")
			}
			if got := p.String(); got != s {
				t.Errorf("String() = %q, want %q", got, s)
			}
			b, err := json.Marshal(p)
			wantOK(t, err)
			var back PartialDate
			wantOK(t, json.Unmarshal(b, &back))
			if back != p {
				t.Errorf("JSON round trip %s gave %+v, want %+v", b, back, p)
			}
		})
	}
}

func TestPartialDateJSONAndSQL(t *testing.T) {
	for _, s := range []string{"2024", "2024-03", "2024-03-15"} {
		t.Run("JSON round trip "+s, func(t *testing.T) {
			p, err := ParsePartialDate(s)
			wantOK(t, err)
			b, err := json.Marshal(p)
			wantOK(t, err)
			if string(b) != `"`+s+`"` {
				t.Errorf("marshal = %s", b)
			}
			var back PartialDate
			wantOK(t, json.Unmarshal(b, &back))
			if back != p {
				t.Errorf("got %+v, want %+v", back, p)
			}
		})
		t.Run("SQL round trip "+s, func(t *testing.T) {
			p, _ := ParsePartialDate(s)
			v, err := p.Value()
			wantOK(t, err)
			var back PartialDate
			wantOK(t, back.Scan(v))
			if back != p {
				t.Errorf("got %+v, want %+v", back, p)
			}
			var fromBytes PartialDate
			wantOK(t, fromBytes.Scan([]byte(s)))
			if fromBytes != p {
				t.Errorf("scan of bytes gave %+v", fromBytes)
			}
		})
	}
	t.Run("unset is NULL and NULL is unset", func(t *testing.T) {
		v, err := PartialDate{}.Value()
		wantOK(t, err)
		if v != nil {
			t.Errorf("Value() = %#v, want nil", v)
		}
		p := PartialDate{Date: MustDate("2020-01-01"), Precision: 3}
		wantOK(t, p.Scan(nil))
		if !p.IsZero() {
			t.Errorf("Scan(nil) left %+v", p)
		}
	})
	t.Run("JSON null and empty are unset", func(t *testing.T) {
		for _, in := range []string{`null`, `""`} {
			var p PartialDate
			wantOK(t, json.Unmarshal([]byte(in), &p))
			if !p.IsZero() {
				t.Errorf("%s gave %+v", in, p)
			}
		}
	})
	for name, in := range map[string]string{"number": `2024`, "bad month": `"2024-13"`, "array": `["2024"]`} {
		t.Run("JSON refuses "+name, func(t *testing.T) {
			var p PartialDate
			if err := json.Unmarshal([]byte(in), &p); err == nil {
				t.Errorf("Unmarshal(%s) = %+v, want an error", in, p)
			}
		})
	}
	for name, src := range map[string]any{"int": 2024, "bad text": "2024-3"} {
		t.Run("scan refuses "+name, func(t *testing.T) {
			var p PartialDate
			if err := p.Scan(src); err == nil {
				t.Errorf("Scan(%#v) = %+v, want an error", src, p)
			}
		})
	}
}

func TestTodayIsAUTCDay(t *testing.T) {
	before := DateOf(time.Now())
	got := Today()
	after := DateOf(time.Now())
	if got.Before(before) || got.After(after) {
		t.Errorf("Today() = %v, not between %v and %v", got, before, after)
	}
	if got.Time() != got.Time().Truncate(24*time.Hour) || got.Time().Location() != time.UTC {
		t.Errorf("Today() = %v is not midnight UTC", got.Time())
	}
}
