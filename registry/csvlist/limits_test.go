package csvlist

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/certprint/certprint/registry"
)

// simpleMapping maps the columns of simpleHeader.
var simpleMapping = Mapping{Program: "X", Columns: map[string]string{
	"vendor": "Vendor", "model_number": "Model", "certificate_id": "ID", "issued": "Date", "status": "Status", "level": "Level",
}}

const simpleHeader = "Vendor,Model,ID,Date,Status,Level\n"

func TestLimits(t *testing.T) {
	tests := []struct {
		name string
		list func() io.Reader
		want string
	}{
		{"long line, caught while reading", func() io.Reader {
			return strings.NewReader(simpleHeader + "Acme,R1,C-1,2024-01-02,valid," + strings.Repeat("x", 200<<10) + "\n")
		}, "list.csv: line 2: more than 65536 bytes without the end of a CSV record"},
		{"long line, caught after reading", func() io.Reader {
			return strings.NewReader(simpleHeader + "Acme,R1,C-1,2024-01-02,valid," + strings.Repeat("x", 65<<10) + "\n")
		}, "list.csv: line 2: the line is 66590 bytes long; at most 65536"},
		{"quote left open", func() io.Reader {
			return strings.NewReader(simpleHeader + "Acme,R1,C-1,2024-01-02,valid,\"" + strings.Repeat("xxxxxxxxxxxxxxx\n", 1<<16))
		}, "list.csv: line 4096: more than 65536 bytes without the end of a CSV record (a line too long, or a quote left open)"},
		{"too many rows", func() io.Reader {
			return io.MultiReader(strings.NewReader(simpleHeader), strings.NewReader(strings.Repeat(",\n", maxRows+1)))
		}, "list.csv: line 1000002: more than 1000000 rows"},
		{"empty file", func() io.Reader { return strings.NewReader("") }, "list.csv: the file is empty"},
		{"bom only", func() io.Reader { return strings.NewReader("\uFEFF") }, "list.csv: the file is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Read(tt.list(), "list.csv", simpleMapping, Options{})
			if err == nil {
				t.Fatal("no error")
			}
			checkInvalid(t, err, tt.want)
		})
	}
}

func TestBlankRowsAreSkipped(t *testing.T) {
	list := simpleHeader + ",,,,,\n" + "Acme,R1,C-1,2024-01-02,valid,\n" + " , ,\n\n" + ",,,,,\r\n"
	doc, err := Read(strings.NewReader(list), "list.csv", simpleMapping, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Models) != 1 {
		t.Errorf("%d models, want 1", len(doc.Models))
	}
}

// failingReader fails after its text, as a disk or network might.
type failingReader struct{ r io.Reader }

var errDisk = errors.New("input/output error")

func (f *failingReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err == io.EOF {
		return n, errDisk
	}
	return n, err
}

// TestReadErrorIsInternal: a failing input is not malformed input, so it
// must not be reported to the user as EINVALID.
func TestReadErrorIsInternal(t *testing.T) {
	tests := []struct{ name, text string }{
		{"while sniffing", simpleHeader},
		{"while streaming", simpleHeader + strings.Repeat("Acme,R1,C-1,2024-01-02,valid,\n", 1) + strings.Repeat(",\n", 40<<10)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Read(&failingReader{strings.NewReader(tt.text)}, "list.csv", simpleMapping, Options{})
			if err == nil || registry.ErrorCode(err) != registry.EINTERNAL || !strings.Contains(err.Error(), "list.csv: input/output error") {
				t.Errorf("got %v (code %s), want an EINTERNAL error naming the file", err, registry.ErrorCode(err))
			}
		})
	}
}

// TestLateInvalidUTF8 covers a list whose first 64 KiB are ASCII, so that
// "auto" chooses UTF-8, and whose later rows are CP932: the row is refused
// with a hint, not read as mojibake.
func TestLateInvalidUTF8(t *testing.T) {
	var b strings.Builder
	b.WriteString(simpleHeader)
	for i := 0; b.Len() < sniffSize+100; i++ {
		b.WriteString("Acme,R" + strings.Repeat("1", 5) + ",C-" + strings.Repeat("9", 3) + itoa(i) + ",2024-01-02,valid,\n")
	}
	b.WriteString("Acme,R2,C-x,2024-01-02,valid,\x83\x8B\x81\x5B\x83\x5E\x81\x5B\n")
	_, err := Read(strings.NewReader(b.String()), "list.csv", simpleMapping, Options{})
	if err == nil {
		t.Fatal("no error")
	}
	checkInvalid(t, err, `column "Level": not valid UTF-8: "\x83`, `"encoding": "cp932"`)
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}
