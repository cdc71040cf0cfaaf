// Package sqlstore stores the registry through gorm, on SQLite (the embedded
// default) or PostgreSQL, from the same code. It is the only package that
// writes SQL.
package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/driver/postgres"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/certprint/certprint/registry"
)

// Store is the registry on one database.
type Store struct {
	db      *gorm.DB
	dialect string
	now     func() time.Time
}

var (
	_ registry.RegistryService = (*Store)(nil)
	_ registry.TokenService    = (*Store)(nil)
)

// sqlitePragmas make SQLite fit a server: WAL lets readers go on during an
// import, busy_timeout waits for a writer instead of failing, foreign keys
// are off by default in SQLite, and immediate transactions take the write
// lock up front instead of failing at the first write of a deferred one.
const sqlitePragmas = "_journal_mode=WAL&_synchronous=NORMAL&_busy_timeout=10000&_foreign_keys=on&_txlock=immediate"

// Open connects to dsn ("sqlite:PATH" or "postgres://...") and brings the
// schema up to date.
func Open(ctx context.Context, dsn string) (*Store, error) { return open(ctx, dsn, "") }

// open is Open migrating up to the migration named last ("" for all).
func open(ctx context.Context, dsn, last string) (*Store, error) {
	dialector, dialect, err := dialectorFor(dsn)
	if err != nil {
		return nil, err
	}
	db, err := gorm.Open(dialector, &gorm.Config{
		Logger:                 logger.Default.LogMode(logger.Silent),
		TranslateError:         true,
		SkipDefaultTransaction: true,
		NowFunc:                func() time.Time { return time.Now().UTC() },
	})
	if err != nil {
		return nil, fmt.Errorf("sqlstore: cannot open %s: %w", redact(dsn), err)
	}
	s := &Store{db: db, dialect: dialect, now: func() time.Time { return time.Now().UTC() }}
	if err := s.migrateTo(ctx, last); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func dialectorFor(dsn string) (gorm.Dialector, string, error) {
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		path := strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite:"), "//")
		if path == "" {
			return nil, "", registry.Errorf(registry.EINVALID, "the sqlite DSN names no file; write sqlite:PATH")
		}
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		return sqlite.Open("file:" + path + sep + sqlitePragmas), "sqlite", nil
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return postgres.Open(dsn), "postgres", nil
	}
	return nil, "", registry.Errorf(registry.EINVALID, "unknown database %q: use sqlite:PATH or postgres://...", redact(dsn))
}

// redact hides a password in a DSN before it reaches a message.
func redact(dsn string) string {
	at := strings.LastIndex(dsn, "@")
	scheme := strings.Index(dsn, "://")
	if at < 0 || scheme < 0 || at < scheme {
		return dsn
	}
	user := dsn[scheme+3 : at]
	if i := strings.Index(user, ":"); i >= 0 {
		user = user[:i] + ":***"
	}
	return dsn[:scheme+3] + user + dsn[at:]
}

// Close releases the connections.
func (s *Store) Close() error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// Dialect is "sqlite" or "postgres".
func (s *Store) Dialect() string { return s.dialect }

// wrap turns database errors into domain errors, keeping a domain error as
// it is and naming the operation otherwise.
func wrap(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case registry.AsError(err) != nil:
		return err
	case errors.Is(err, gorm.ErrRecordNotFound):
		return registry.Errorf(registry.ENOTFOUND, "%s: not found", op)
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return registry.Errorf(registry.ECONFLICT, "%s: already exists", op)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	}
	return fmt.Errorf("sqlstore: %s: %w", op, err)
}
