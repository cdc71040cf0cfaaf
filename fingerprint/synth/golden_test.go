package synth

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/golden.txt")

// The generator is left alone once the matcher is measured against it: a
// change in what any seed writes (a banner template edited, a proportion
// moved) must be deliberate. testdata/golden.txt holds the SHA-256 of
// every file of a few small worlds; go test -update rewrites it, and the
// diff goes into the commit that means it.
func TestGolden(t *testing.T) {
	got := map[string]string{}
	for _, f := range Formats {
		for _, seed := range []uint64{1, 101} {
			dir, _ := world(t, Config{Seed: seed, Models: 50, Hosts: 300, Format: f})
			for _, name := range []string{"registry.json", f.FileName(), "truth.csv"} {
				b, err := os.ReadFile(filepath.Join(dir, name))
				if err != nil {
					t.Fatal(err)
				}
				sum := sha256.Sum256(b)
				got[fmt.Sprintf("seed=%d format=%s %s", seed, f, name)] = hex.EncodeToString(sum[:])
			}
		}
	}
	path := filepath.Join("testdata", "golden.txt")
	if *update {
		var lines []string
		for k, v := range got {
			lines = append(lines, v+"  "+k)
		}
		sort.Strings(lines)
		if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		sum, key, ok := strings.Cut(sc.Text(), "  ")
		if ok {
			want[key] = sum
		}
	}
	if len(want) != len(got) {
		t.Errorf("golden.txt has %d files, the worlds %d (go test -update rewrites it)", len(want), len(got))
	}
	for k, v := range got {
		if want[k] != v {
			t.Errorf("%s: sha256 %s, golden %s: the generator writes something else (go test -update, and say why in the commit)", k, v, want[k])
		}
	}
}
