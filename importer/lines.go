package importer

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// MaxLine bounds one line of a line-based format. A ZGrab2 record with a
// 256 KiB body, its headers and a certificate chain stays far below it;
// a longer line is skipped as too long rather than buffered.
const MaxLine = 4 << 20

// lineReader splits a stream into lines without growing past max bytes for
// any one of them, and counts lines and bytes for error positions.
type lineReader struct {
	r      *bufio.Reader
	max    int
	buf    []byte
	line   int64 // number of the line last returned
	offset int64 // byte offset where that line starts
	next   int64 // byte offset of the next line
}

func newLineReader(r io.Reader, max int) *lineReader {
	return &lineReader{r: bufio.NewReaderSize(r, 64<<10), max: max}
}

// errLineTooLong reports a skipped line; the reader is past it.
var errLineTooLong = errors.New("line too long")

// Next returns the next line without its line ending. The slice is valid
// until the following call. At the end it returns io.EOF.
func (l *lineReader) Next() ([]byte, error) {
	l.buf = l.buf[:0]
	l.offset = l.next
	l.line++
	tooLong := false
	for {
		chunk, err := l.r.ReadSlice('\n')
		l.next += int64(len(chunk))
		if !tooLong {
			if len(l.buf)+len(chunk) > l.max+2 { // +2: the line ending
				tooLong = true
				l.buf = l.buf[:0]
			} else {
				l.buf = append(l.buf, chunk...)
			}
		}
		switch {
		case err == bufio.ErrBufferFull:
			continue
		case err == io.EOF && len(chunk) == 0 && l.next == l.offset:
			return nil, io.EOF
		case err != nil && err != io.EOF:
			return nil, err
		}
		if tooLong {
			return nil, fmt.Errorf("%w: over %d bytes", errLineTooLong, l.max)
		}
		return bytes.TrimRight(l.buf, "\r\n"), nil
	}
}

// recordError wraps a problem with the line last returned.
func (l *lineReader) recordError(reason string, err error) *RecordError {
	return &RecordError{Line: l.line, Reason: reason, Err: err}
}

// nextLine is Next for readers: it skips blank lines and turns an
// over-long line into a RecordError.
func (l *lineReader) nextLine() ([]byte, error) {
	for {
		line, err := l.Next()
		if errors.Is(err, errLineTooLong) {
			return nil, l.recordError(ReasonTooLong, err)
		}
		if err != nil {
			return nil, err
		}
		if len(bytes.TrimSpace(line)) > 0 {
			return line, nil
		}
	}
}
