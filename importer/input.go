package importer

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"sync/atomic"

	"github.com/klauspost/compress/zstd"
)

var (
	gzipMagic = []byte{0x1f, 0x8b}
	zstdMagic = []byte{0x28, 0xb5, 0x2f, 0xfd}
)

// input wraps the raw bytes of one file: it hashes them (the content hash
// that keeps a file from being imported twice into a scan) and counts them
// (progress), and decompresses gzip or zstd recognised by magic number, so
// a renamed file works as well as a .gz one.
type input struct {
	raw     io.Reader
	hash    hash.Hash
	counted atomic.Int64
	close   func()
	Reader  io.Reader // the decompressed stream
}

type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c countingReader) Read(p []byte) (int, error) {
	k, err := c.r.Read(p)
	c.n.Add(int64(k))
	return k, err
}

func newInput(r io.Reader) (*input, error) {
	in := &input{hash: sha256.New(), close: func() {}}
	in.raw = countingReader{io.TeeReader(r, in.hash), &in.counted}
	br := bufio.NewReaderSize(in.raw, 64<<10)
	magic, _ := br.Peek(4)
	switch {
	case bytes.HasPrefix(magic, gzipMagic):
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		zr.Multistream(true)
		in.Reader = zr
	case bytes.HasPrefix(magic, zstdMagic):
		// A window bound keeps a hostile frame header from asking for
		// gigabytes.
		zr, err := zstd.NewReader(br, zstd.WithDecoderMaxWindow(64<<20), zstd.WithDecoderConcurrency(1))
		if err != nil {
			return nil, fmt.Errorf("zstd: %w", err)
		}
		in.Reader, in.close = zr, zr.Close
	default:
		in.Reader = br
	}
	return in, nil
}

// finish reads what the reader left (trailing bytes still belong to the
// content hash) and returns the hash.
func (in *input) finish() (string, error) {
	defer in.close()
	if _, err := io.Copy(io.Discard, in.raw); err != nil {
		return "", err
	}
	return hex.EncodeToString(in.hash.Sum(nil)), nil
}

// HashFile returns the content hash of r as finish would, so a command can
// refuse a file already in the scan before reading it record by record.
func HashFile(r io.Reader) (string, error) {
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
