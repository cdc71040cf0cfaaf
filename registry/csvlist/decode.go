package csvlist

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"unicode/utf8"

	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/transform"
)

// Size bounds. Published lists have short cells and at most tens of
// thousands of rows; anything far beyond is a broken or hostile file, and
// failing early keeps memory bounded.
const (
	maxCell = 4096      // bytes in one cell, after decoding
	maxLine = 64 << 10  // bytes in one CSV record, after decoding
	maxRows = 1_000_000 // data rows after the header
)

// sniffSize is how much of the file "auto" looks at to tell UTF-8 from
// CP932. Japanese text in CP932 is almost never valid UTF-8, and the header
// line alone is usually Japanese, so the first 64 KiB decide reliably.
const sniffSize = 64 << 10

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// decoded is the text stream of a list, in UTF-8, with the encoding that was
// chosen for it (encUTF8 or encCP932).
type decoded struct {
	r        io.Reader
	encoding string
}

// errBOMDeclaredCP932 reports a UTF-8 file whose mapping says CP932: the
// byte order mark is proof that the declaration is wrong.
var errBOMDeclaredCP932 = errors.New(`the file starts with a UTF-8 byte order mark, but the mapping declares "encoding": "cp932"`)

// decode chooses the encoding and returns the file as UTF-8 text. It reads
// ahead at most sniffSize bytes; the rest is decoded as it streams.
func decode(r io.Reader, encoding string) (decoded, error) {
	br := bufio.NewReaderSize(r, sniffSize)
	head, err := br.Peek(sniffSize)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return decoded{}, err
	}
	bom := bytes.HasPrefix(head, utf8BOM)
	if encoding == encAuto {
		encoding = sniff(head, bom, err == io.EOF)
	}
	switch {
	case encoding == encCP932 && bom:
		return decoded{}, errBOMDeclaredCP932
	case encoding == encCP932:
		return decoded{transform.NewReader(br, japanese.ShiftJIS.NewDecoder()), encCP932}, nil
	case bom:
		if _, err := br.Discard(len(utf8BOM)); err != nil {
			return decoded{}, err
		}
	}
	return decoded{br, encUTF8}, nil
}

// sniff tells UTF-8 from CP932: a byte order mark or valid UTF-8 means
// UTF-8, anything else CP932. complete says head is the whole file; when it
// is not, a rune cut in two at the end of head does not count against UTF-8.
func sniff(head []byte, bom, complete bool) string {
	if bom {
		return encUTF8
	}
	if !complete {
		head = dropPartialRune(head)
	}
	if utf8.Valid(head) {
		return encUTF8
	}
	return encCP932
}

// dropPartialRune removes an incomplete UTF-8 sequence from the end of b.
func dropPartialRune(b []byte) []byte {
	for i := 1; i < utf8.UTFMax && i <= len(b); i++ {
		if utf8.RuneStart(b[len(b)-i]) {
			if !utf8.FullRune(b[len(b)-i:]) {
				return b[:len(b)-i]
			}
			break
		}
	}
	return b
}

// errLineTooLong is returned by limitReader through encoding/csv, which
// passes a reader's errors on unchanged.
var errLineTooLong = errors.New("line too long")

// limitReader bounds the bytes encoding/csv buffers for one record, which it
// otherwise grows without limit for an endless line or a quote left open.
// recStart is set by the caller after each record to csv.Reader.InputOffset.
// Every byte read since recStart, up to the moment csv asks for more, belongs
// to the record being parsed (csv's buffer is refilled only once it is
// used up), so the record is at least off-recStart bytes long. The check
// lags by one buffer fill; Read checks the exact length after each record.
type limitReader struct {
	r        io.Reader
	off      int64 // bytes passed on so far
	lines    int   // newlines passed on so far
	recStart int64
	// overLine is the line of the first byte past maxLine bytes from
	// recStart, for the message when the record turns out to be too long.
	overLine int
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.off-l.recStart > maxLine {
		return 0, errLineTooLong
	}
	n, err := l.r.Read(p)
	if limit := l.recStart + maxLine - l.off; limit >= 0 && limit < int64(n) {
		l.overLine = l.lines + bytes.Count(p[:limit], newline) + 1
	}
	l.off += int64(n)
	l.lines += bytes.Count(p[:n], newline)
	return n, err
}

var newline = []byte{'\n'}
