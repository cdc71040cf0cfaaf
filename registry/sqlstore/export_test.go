package sqlstore

import (
	"context"
	"testing"
	"time"

	"github.com/certprint/certprint/registry"
)

// Hooks for the external tests: they reach into scan_files the way a
// crashed or remote loader would leave it.

// LoaderHost is the host name loaders of this process record.
func LoaderHost() string { return loaderHost }

// FileID is the scan_files id of a writer.
func FileID(w registry.FileWriter) int64 { return w.(*fileWriter).fileID }

// SetFileOwner rewrites who loads a file and when it last wrote.
func SetFileOwner(ctx context.Context, s *Store, fileID int64, owner string, heartbeat time.Time) error {
	return s.db.WithContext(ctx).Exec(`UPDATE scan_files SET owner = ?, heartbeat = ? WHERE id = ?`,
		owner, heartbeat.UTC(), fileID).Error
}

// CountRows counts the observation rows of a scan, of files in any state,
// and its file rows in any state.
func CountRows(ctx context.Context, s *Store, scanID int64) (observations, files int64, err error) {
	db := s.db.WithContext(ctx)
	err = db.Raw(`SELECT COUNT(*) FROM observations WHERE scan_id = ?`, scanID).Scan(&observations).Error
	if err != nil {
		return 0, 0, err
	}
	err = db.Raw(`SELECT COUNT(*) FROM scan_files WHERE scan_id = ?`, scanID).Scan(&files).Error
	return observations, files, err
}

// Flush inserts what a writer has gathered so far, as a full run would,
// for tests that look at the rows of a file still loading.
func Flush(ctx context.Context, w registry.FileWriter) error {
	fw := w.(*fileWriter)
	if err := fw.flush(ctx); err != nil {
		return err
	}
	return fw.wait()
}

// OpenMigratedTo opens a store whose schema stops at the migration named
// last, as an older certprint left it.
func OpenMigratedTo(ctx context.Context, dsn, last string) (*Store, error) {
	return open(ctx, dsn, last)
}

// Stage0002 writes what certprint's migration 0002 staged for a file: a
// scan, a file in the given state and the observations as records of
// observation_loads. It returns the scan id.
func Stage0002(ctx context.Context, s *Store, scanState, fileState string, rows []registry.Observation) (int64, error) {
	db := s.db.WithContext(ctx)
	now := time.Now().UTC()
	scan := scanRow{Name: "staged", TLP: registry.DefaultTLP, State: scanState, CreatedAt: now}
	if err := db.Create(&scan).Error; err != nil {
		return 0, err
	}
	file := scanFileRow{ScanID: scan.ID, Name: "staged.json", State: fileState, Owner: "gone.example:1", Heartbeat: now.Add(-time.Hour), Stored: int64(len(rows))}
	if err := db.Omit("Runs", "FirstRow").Create(&file).Error; err != nil { // no such column before 0004
		return 0, err
	}
	var enc recordEncoder
	for i := range rows {
		rec, err := enc.append(nil, &rows[i])
		if err != nil {
			return 0, err
		}
		if err := db.Exec(`INSERT INTO observation_loads (file_id, rec) VALUES (?, ?)`, file.ID, string(rec)).Error; err != nil {
			return 0, err
		}
	}
	return scan.ID, nil
}

// SetRunRows makes runs of n rows for the rest of the test, so that a
// small file is written as several runs.
func SetRunRows(tb testing.TB, n int) {
	old := runRows
	runRows = n
	tb.Cleanup(func() { runRows = old })
}

// InterruptClose leaves a scan as a close that died after refusing new
// files and before merging: closing, its rows as the loaders left them.
func InterruptClose(ctx context.Context, s *Store, scanID int64) error {
	return s.db.WithContext(ctx).Exec(`UPDATE scans SET state = ? WHERE id = ?`, scanClosing, scanID).Error
}
