package importer

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/certprint/certprint/registry"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// goldenCase reads one fixture and compares every observation and every
// rejection, in order, with testdata/golden/<golden>.jsonl.
type goldenCase struct {
	golden string // name of the golden file, without extension
	path   string // fixture, relative to testdata
	format Format
	opts   Options
}

// decodeFile decodes a fixture into observations and rejections.
func decodeFile(t testing.TB, path string, format Format, opts Options) ([]registry.Observation, []*RecordError, Decoded) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var obs []registry.Observation
	var rejected []*RecordError
	d, err := Decode(context.Background(), f, format, opts, Handler{
		Observation: func(o *registry.Observation) error { obs = append(obs, *o); return nil },
		Reject:      func(e *RecordError) { rejected = append(rejected, e) },
	})
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return obs, rejected, d
}

// runGolden checks each case against its golden file; go test -update
// rewrites them (review the diff before committing).
func runGolden(t *testing.T, cases []goldenCase) {
	for _, c := range cases {
		t.Run(c.golden, func(t *testing.T) {
			obs, rejected, d := decodeFile(t, filepath.Join("testdata", c.path), c.format, c.opts)
			var got bytes.Buffer
			enc := json.NewEncoder(&got)
			enc.SetEscapeHTML(false)
			for i := range obs {
				if err := enc.Encode(&obs[i]); err != nil {
					t.Fatal(err)
				}
			}
			for _, e := range rejected {
				enc.Encode(map[string]any{"rejected": e.Reason, "line": e.Line, "offset": e.Offset, "error": e.Error()})
			}
			enc.Encode(map[string]any{"format": d.Format, "read": d.Read, "stored": d.Stored, "rejected": d.Rejected})
			path := filepath.Join("testdata", "golden", c.golden+".jsonl")
			if *update {
				os.MkdirAll(filepath.Dir(path), 0o755)
				if err := os.WriteFile(path, got.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got.Bytes(), want) {
				t.Errorf("%s differs from %s:\n%s", c.path, path, lineDiff(want, got.Bytes()))
			}
		})
	}
}

// lineDiff shows the first differing line of two golden texts.
func lineDiff(want, got []byte) string {
	w, g := bytes.Split(want, []byte("\n")), bytes.Split(got, []byte("\n"))
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl []byte
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if !bytes.Equal(wl, gl) {
			return "line " + strconv.Itoa(i+1) + "\nwant: " + string(wl) + "\ngot:  " + string(gl)
		}
	}
	return "(equal lines, different bytes)"
}
