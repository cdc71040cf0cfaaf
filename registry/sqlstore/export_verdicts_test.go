package sqlstore

import "context"

// CountTable counts the rows of a table, for tests that check nothing is
// left behind.
func CountTable(ctx context.Context, s *Store, table string) (n int64, err error) {
	err = s.db.WithContext(ctx).Raw(`SELECT COUNT(*) FROM ` + table).Scan(&n).Error
	return n, err
}

// SetRunOwner rewrites who computes the running match runs, the way a
// crashed matcher leaves them.
func SetRunOwner(ctx context.Context, s *Store, owner string) error {
	return s.db.WithContext(ctx).Exec(`UPDATE match_runs SET owner = ? WHERE state = ?`, owner, runRunning).Error
}
