// Package sqlstoretest opens real stores for tests: a SQLite file in a
// temporary directory, and a fresh schema on the PostgreSQL server named by
// CERTPRINT_TEST_POSTGRES (default postgres://postgres@127.0.0.1:5432/test).
// With CI=true an unreachable PostgreSQL fails the test instead of skipping.
package sqlstoretest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the driver gorm's postgres dialector uses

	"github.com/certprint/certprint/registry"
	"github.com/certprint/certprint/registry/sqlstore"
)

// LoadDocument decodes a registry file, failing the test on any error.
func LoadDocument(tb testing.TB, path string) *registry.Document {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	doc, err := registry.DecodeDocument(f)
	if err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	return doc
}

// Dialects are the databases every storage test runs against.
var Dialects = []string{"sqlite", "postgres"}

// PostgresURL is the server the PostgreSQL tests use.
func PostgresURL() string {
	if u := os.Getenv("CERTPRINT_TEST_POSTGRES"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

// DSN returns a DSN for a new, empty database of the dialect that is
// removed when the test ends.
func DSN(tb testing.TB, dialect string) string {
	tb.Helper()
	switch dialect {
	case "sqlite":
		return "sqlite:" + filepath.Join(tb.TempDir(), "certprint.db")
	case "postgres":
		return postgresSchema(tb)
	}
	tb.Fatalf("unknown dialect %q", dialect)
	return ""
}

// Open opens a store on a new, empty database of the dialect.
func Open(tb testing.TB, dialect string) *sqlstore.Store {
	tb.Helper()
	s, err := sqlstore.Open(context.Background(), DSN(tb, dialect))
	if err != nil {
		tb.Fatalf("open %s store: %v", dialect, err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// ForEach runs fn as a subtest on a fresh store of every dialect.
func ForEach(t *testing.T, fn func(t *testing.T, s *sqlstore.Store)) {
	for _, d := range Dialects {
		t.Run(d, func(t *testing.T) { fn(t, Open(t, d)) })
	}
}

func postgresSchema(tb testing.TB) string {
	base := PostgresURL()
	db, err := sql.Open("pgx", base)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = db.PingContext(ctx)
		cancel()
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("PostgreSQL at %s is required under CI=true: %v", base, err)
		}
		tb.Skipf("PostgreSQL at %s not reachable: %v", base, err)
	}
	var b [6]byte
	rand.Read(b[:])
	schema := "certprint_test_" + hex.EncodeToString(b[:])
	if _, err := db.Exec("CREATE SCHEMA " + schema); err != nil {
		tb.Fatalf("create schema: %v", err)
	}
	tb.Cleanup(func() {
		db.Exec("DROP SCHEMA " + schema + " CASCADE")
		db.Close()
	})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "search_path=" + schema
}
