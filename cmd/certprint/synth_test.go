package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/certprint/certprint/registry/sqlstore/sqlstoretest"
)

// A synthetic world imports through the commands a script would run:
// the registry, then the scan, with nothing rejected.
func TestSynthImports(t *testing.T) {
	for _, format := range []string{"nmap", "zgrab2", "masscan", "fingerprintx"} {
		t.Run(format, func(t *testing.T) {
			dir := t.TempDir()
			var sum struct {
				Hosts    int            `json:"hosts"`
				Devices  int            `json:"devices"`
				Services int            `json:"services"`
				Classes  map[string]int `json:"classes"`
				Files    []string       `json:"files"`
			}
			out := mustRun(t, "--json", "synth", "--seed", "3", "--models", "80", "--hosts", "400", "--format", format, "--out", dir)
			if err := json.Unmarshal([]byte(out), &sum); err != nil || len(sum.Files) != 3 || sum.Devices == 0 {
				t.Fatalf("summary %q: %v", out, err)
			}
			if sum.Classes["certified"] == 0 || sum.Classes["unknown"] == 0 {
				t.Errorf("classes %v", sum.Classes)
			}
			db := sqlstoretest.DSN(t, "sqlite")
			mustRun(t, "--db", db, "registry", "import", filepath.Join(dir, "registry.json"))
			args := []string{"--db", db, "--json", "scan", "import", "--format", format, "--name", "synth-" + format}
			if format == "fingerprintx" {
				args = append(args, "--observed", "2026-10-01")
			}
			var imp struct {
				Read, Stored, Rejected int64
			}
			out = mustRun(t, append(args, sum.Files[1])...)
			if err := json.Unmarshal([]byte(out), &imp); err != nil {
				t.Fatalf("%q: %v", out, err)
			}
			if imp.Rejected != 0 || imp.Stored != int64(sum.Services) {
				t.Errorf("import %+v, the world has %d services", imp, sum.Services)
			}
			if _, err := os.Stat(filepath.Join(dir, "truth.csv")); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestSynthUsageErrors(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"synth"},
		{"synth", "--out", dir, "--format", "auto"},
		{"synth", "--out", dir, "--date", "2026-13-01"},
		{"synth", "--out", dir, "--models", "0"},
		{"synth", "--out", dir, "--hosts", "-5"},
		{"synth", "--out", dir, "--seed", "x"},
		{"synth", "--out", dir, "extra"},
	} {
		if code, _, errOut := run(t, args...); code != 2 {
			t.Errorf("certprint %v: exit %d, want 2 (%s)", args, code, errOut)
		}
	}
}
