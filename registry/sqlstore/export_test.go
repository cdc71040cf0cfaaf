package sqlstore

import (
	"context"
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

// CountRows counts the observation rows of a scan, staged or merged, and
// its file rows in any state.
func CountRows(ctx context.Context, s *Store, scanID int64) (observations, files int64, err error) {
	db := s.db.WithContext(ctx)
	err = db.Raw(`SELECT (SELECT COUNT(*) FROM observations WHERE scan_id = ?) +
		(SELECT COUNT(*) FROM observation_loads WHERE file_id IN (SELECT id FROM scan_files WHERE scan_id = ?))`,
		scanID, scanID).Scan(&observations).Error
	if err != nil {
		return 0, 0, err
	}
	err = db.Raw(`SELECT COUNT(*) FROM scan_files WHERE scan_id = ?`, scanID).Scan(&files).Error
	return observations, files, err
}
