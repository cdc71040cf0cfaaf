package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/certprint/certprint/registry/sqlstore/sqlstoretest"
)

const fixture = "../../testdata/registry.json"

// run calls Main and returns its exit code, stdout and stderr.
func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Main(context.Background(), args, strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errOut := run(t, args...)
	if code != 0 {
		t.Fatalf("certprint %s: exit %d\n%s", strings.Join(args, " "), code, errOut)
	}
	return out
}

// import, export, import into a fresh database, export again: identical,
// on both databases, through the command line a script would use.
func TestRegistryRoundTrip(t *testing.T) {
	for _, dialect := range sqlstoretest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			db := sqlstoretest.DSN(t, dialect)
			mustRun(t, "--db", db, "registry", "import", fixture)
			first := mustRun(t, "--db", db, "registry", "export")
			file := filepath.Join(t.TempDir(), "export.json")
			if err := os.WriteFile(file, []byte(first), 0o644); err != nil {
				t.Fatal(err)
			}
			fresh := sqlstoretest.DSN(t, dialect)
			mustRun(t, "--db", fresh, "registry", "import", file)
			if second := mustRun(t, "--db", fresh, "registry", "export"); second != first {
				t.Fatalf("exports differ:\n%s\n---\n%s", first, second)
			}
			var sum struct {
				Models struct{ Unchanged int } `json:"models"`
			}
			out := mustRun(t, "--db", fresh, "--json", "registry", "import", file)
			if err := json.Unmarshal([]byte(out), &sum); err != nil || sum.Models.Unchanged != 5 {
				t.Fatalf("re-import summary %q (%v)", out, err)
			}
		})
	}
}

// A bad registry file exits 1 with a message naming the file, the record
// and the field, and stores nothing.
func TestRegistryImportErrors(t *testing.T) {
	tests := []struct {
		name, body string
		want       []string
	}{
		{"unknown programme", `{"programs":[],"models":[{"ref":"m1","vendor":"V","name":"N","certifications":[{"program":"XX","certificate_id":"1","issued":"2024-01-01","status":"valid"}]}]}`,
			[]string{"models[0] (ref m1)", "certifications[0].program", `unknown programme "XX"`}},
		{"duplicate ref", `{"models":[{"ref":"m1","vendor":"V","name":"N"},{"ref":"m1","vendor":"V","name":"N2"}]}`,
			[]string{"models[1] (ref m1)", "duplicate ref"}},
		{"malformed date", `{"programs":[{"code":"P","name":"P"}],"models":[{"ref":"m1","vendor":"V","name":"N","certifications":[{"program":"P","certificate_id":"1","issued":"2024-02-30","status":"valid"}]}]}`,
			[]string{"models[0] (ref m1)", `"2024-02-30"`}},
		{"malformed range", `{"programs":[{"code":"P","name":"P"}],"models":[{"ref":"m1","vendor":"V","name":"N","certifications":[{"program":"P","certificate_id":"1","issued":"2024-01-01","status":"valid","firmware":{"scheme":"semver","ranges":["~>banana"]}}]}]}`,
			[]string{"models[0] (ref m1)", "certifications[0].firmware.ranges[0]"}},
		{"unknown field", `{"models":[{"ref":"m0","vendor":"V","name":"N"},{"ref":"m1","vendor":"V","name":"N","colour":"red"}]}`,
			[]string{"models[1] (ref m1)", `unknown field "colour"`}},
		{"wrong type", `{"models":[{"ref":"m1","vendor":"V","name":7}]}`,
			[]string{"models[0] (ref m1)", "field name"}},
		{"not JSON", `{"models": [`, []string{"JSON"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := sqlstoretest.DSN(t, "sqlite")
			file := filepath.Join(t.TempDir(), "bad.json")
			os.WriteFile(file, []byte(tt.body), 0o644)
			code, _, errOut := run(t, "--db", db, "registry", "import", file)
			if code != 1 {
				t.Fatalf("exit %d, want 1: %s", code, errOut)
			}
			for _, w := range append(tt.want, file) {
				if !strings.Contains(errOut, w) {
					t.Errorf("message lacks %q: %s", w, errOut)
				}
			}
			if out := mustRun(t, "--db", db, "registry", "export"); strings.Contains(out, `"ref"`) || strings.Contains(out, `"code"`) {
				t.Fatalf("a refused file stored something:\n%s", out)
			}
		})
	}
}

func TestUsageErrorsExit2(t *testing.T) {
	for _, args := range [][]string{
		{"frobnicate"},
		{"registry", "import"},
		{"registry", "import", "a.json", "b.json"},
		{"registry", "import", "--nope", "a.json"},
		{"registry", "import", "list.csv"},
		{"token", "create", "--role", "root", "--name", "x"},
	} {
		if code, _, errOut := run(t, append([]string{"--db", "sqlite:" + filepath.Join(t.TempDir(), "x.db")}, args...)...); code != 2 {
			t.Errorf("certprint %s: exit %d, want 2 (%s)", strings.Join(args, " "), code, errOut)
		}
	}
}

func TestTerminalSafe(t *testing.T) {
	if got := terminalSafe("a\x1b[31mred\x07\r\nnext\tcol\u009b"); got != "a[31mred\nnext\tcol" {
		t.Fatalf("%q", got)
	}
}

// startMain runs certprint in the background until the test ends and
// returns the base URL it reports serving on.
func startMain(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- Main(ctx, args, strings.NewReader(""), io.Discard, pw)
		pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("certprint %s exited %d after cancellation", args[0], code)
			}
		case <-time.After(15 * time.Second):
			t.Error("certprint did not stop after cancellation")
		}
	})
	addr := regexp.MustCompile(`serving (http://\S+)`)
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		if m := addr.FindStringSubmatch(sc.Text()); m != nil {
			go io.Copy(io.Discard, pr)
			return m[1]
		}
	}
	t.Fatalf("certprint %s never reported its address", strings.Join(args, " "))
	return ""
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestServe(t *testing.T) {
	db := sqlstoretest.DSN(t, "sqlite")
	mustRun(t, "--db", db, "registry", "import", fixture)
	base := startMain(t, "--db", db, "serve", "--addr", "127.0.0.1:0")
	if status, body := get(t, base+"/openapi.json"); status != 200 || !strings.Contains(body, `"openapi":"3.1.0"`) {
		t.Fatalf("openapi: %d %.200s", status, body)
	}
	if status, body := get(t, base+"/api/v1/models?vendor=Acme"); status != 200 || !strings.Contains(body, `"ref":"acme-r100-v2"`) {
		t.Fatalf("models: %d %.300s", status, body)
	}
}

// The demo builds demo.db, never the default database, and serves it.
func TestDemo(t *testing.T) {
	t.Chdir(t.TempDir())
	base := startMain(t, "demo", "--addr", "127.0.0.1:0", "--hosts", "1500")
	status, body := get(t, base+"/api/v1/models?device_type=router")
	if status != 200 || !strings.Contains(body, `"device_type":"router"`) {
		t.Fatalf("demo models: %d %.300s", status, body)
	}
	if _, err := os.Stat("certprint.db"); err == nil {
		t.Fatal("the demo touched the default database")
	}
	// The demo's scan is matched: its verdicts are there to read.
	out := mustRun(t, "--db", "sqlite:demo.db", "--json", "verdicts", "--scan", "1", "--class", "certified", "--limit", "3")
	if n := strings.Count(out, `"verdict":"certified"`); n != 3 {
		t.Fatalf("demo verdicts: %d certified of 3 asked\n%s", n, out)
	}
}

// A CSV list in CP932 imports, the same list in UTF-8 with BOM changes
// nothing, and a row whose vendor and full-width model number match a
// registered model attaches to it instead of creating a duplicate.
func TestRegistryImportCSV(t *testing.T) {
	const lists = "../../registry/csvlist/testdata/"
	db := sqlstoretest.DSN(t, "sqlite")
	mustRun(t, "--db", db, "registry", "import", fixture)
	type summary struct {
		Models         struct{ Created, Updated, Unchanged int } `json:"models"`
		Certifications struct{ Created int }                     `json:"certifications"`
	}
	importCSV := func(file, mapping string) summary {
		t.Helper()
		var s summary
		out := mustRun(t, "--db", db, "--json", "registry", "import", file, "--map", mapping)
		if err := json.Unmarshal([]byte(out), &s); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		return s
	}
	first := importCSV(lists+"jcstar-cp932.csv", lists+"jcstar.map.json")
	if first.Models.Created == 0 || first.Certifications.Created == 0 {
		t.Fatalf("CP932 list: %+v", first)
	}
	again := importCSV(lists+"jcstar-utf8bom.csv", lists+"jcstar.map.json")
	if again.Models.Created+again.Models.Updated != 0 || again.Models.Unchanged != first.Models.Created {
		t.Fatalf("the same list in UTF-8 with BOM: %+v after %+v", again, first)
	}

	dir := t.TempDir()
	list := filepath.Join(dir, "list.csv")
	mapping := filepath.Join(dir, "map.json")
	os.WriteFile(list, []byte("Vendor,Model,Certificate,Issued\nACME,Ｒ１００－ＪＰ,JCS-1-777777,2026-01-05\n"), 0o644)
	os.WriteFile(mapping, []byte(`{"program":"JC-STAR","columns":{"vendor":"Vendor","model_number":"Model","certificate_id":"Certificate","issued":"Issued"},"defaults":{"status":"valid"}}`), 0o644)
	attached := importCSV(list, mapping)
	if attached.Models.Created != 0 || attached.Models.Updated != 1 || attached.Certifications.Created != 1 {
		t.Fatalf("full-width model number of a registered model: %+v", attached)
	}
	out := mustRun(t, "--db", db, "registry", "export")
	if !strings.Contains(out, `"certificate_id": "JCS-1-777777"`) {
		t.Fatal("the certificate is not in the export")
	}
	if !strings.Contains(out, `"vendor": "Acme",
      "name": "R100",
      "model_number": "R100-JP",`) {
		t.Fatalf("the list renamed the registered model:\n%.600s", out)
	}
}
