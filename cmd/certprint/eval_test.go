package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/certprint/certprint/registry/sqlstore/sqlstoretest"
)

// The whole measurement as a script runs it: a synthetic world, imported,
// matched and scored. The floors are far below what the matcher reaches
// (README: the table of eval figures); they catch a matcher or a pipeline
// that broke, not a point of precision lost.
func TestEvalSynthWorld(t *testing.T) {
	dir := t.TempDir()
	db := sqlstoretest.DSN(t, "sqlite")
	mustRun(t, "synth", "--seed", "11", "--models", "150", "--hosts", "2000", "--out", dir)
	mustRun(t, "--db", db, "registry", "import", filepath.Join(dir, "registry.json"))
	mustRun(t, "--db", db, "scan", "import", "--format", "nmap", "--name", "synth-11", filepath.Join(dir, "scan.xml"))
	mustRun(t, "--db", db, "match", "--scan", "1")
	out := mustRun(t, "--db", db, "--json", "eval", "--truth", filepath.Join(dir, "truth.csv"), "--scan", "1")
	var rep struct {
		Devices   int                       `json:"devices"`
		Precision float64                   `json:"precision"`
		Recall    float64                   `json:"recall"`
		True      float64                   `json:"certified_share_true"`
		Estimated float64                   `json:"certified_share_estimated"`
		Confusion map[string]map[string]int `json:"confusion"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("eval --json: %v\n%s", err, out)
	}
	total := 0
	for _, row := range rep.Confusion {
		for _, n := range row {
			total += n
		}
	}
	if total != rep.Devices || rep.Devices == 0 {
		t.Errorf("the confusion matrix holds %d devices, the truth %d", total, rep.Devices)
	}
	if rep.Precision < 0.95 || rep.Recall < 0.85 {
		t.Errorf("precision %.3f, recall %.3f", rep.Precision, rep.Recall)
	}
	if d := rep.Estimated - rep.True; d < -0.05 || d > 0.05 {
		t.Errorf("certified share %.3f estimated, %.3f true", rep.Estimated, rep.True)
	}
	text := mustRun(t, "--db", db, "eval", "--truth", filepath.Join(dir, "truth.csv"), "--scan", "1")
	if !strings.Contains(text, "certified attribution: precision") || !strings.Contains(text, "true \\ verdict") {
		t.Errorf("report for people:\n%s", text)
	}
	if code, _, _ := run(t, "--db", db, "eval", "--scan", "1"); code != 2 {
		t.Errorf("eval without --truth: exit %d, want 2", code)
	}
}
