package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/netip"
	"time"

	"gorm.io/gorm"

	"github.com/certprint/certprint/registry"
)

var _ registry.ScanService = (*Store)(nil)

// scanDropping is the state of a scan whose rows DropScan is deleting in
// chunks; no reader ever sees it, and DropScan on it finishes the job.
const scanDropping = "dropping"

type scanRow struct {
	ID        int64
	Name      string
	Source    string
	TLP       string `gorm:"column:tlp"`
	Probed    string
	Ports     string
	Started   *time.Time
	Finished  *time.Time
	State     string
	Hosts     int64
	Services  int64
	CreatedAt time.Time
	ClosedAt  *time.Time
}

func (scanRow) TableName() string { return "scans" }

func (r *scanRow) scan() (registry.Scan, error) {
	s := registry.Scan{
		ID: r.ID, Name: r.Name, Source: r.Source, TLP: r.TLP,
		State: registry.ScanState(r.State), Hosts: r.Hosts, Services: r.Services,
		Registered: r.CreatedAt.UTC(),
	}
	if r.Started != nil {
		s.Started = r.Started.UTC()
	}
	if r.Finished != nil {
		s.Finished = r.Finished.UTC()
	}
	if err := fromJSONText(r.Probed, &s.Probed); err != nil {
		return s, err
	}
	return s, fromJSONText(r.Ports, &s.Ports)
}

func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC().Truncate(time.Microsecond)
	return &t
}

// CreateScan implements registry.ScanService.
func (s *Store) CreateScan(ctx context.Context, sc *registry.Scan) (*registry.Scan, error) {
	if err := sc.Validate(); err != nil {
		return nil, err
	}
	row := scanRow{
		Name: sc.Name, Source: sc.Source, TLP: sc.TLP,
		Probed: jsonText(sc.Probed), Ports: jsonText(sc.Ports),
		Started: timeOrNil(sc.Started), Finished: timeOrNil(sc.Finished),
		State: string(registry.ScanImporting), CreatedAt: s.stamp(),
	}
	if err := s.db.WithContext(ctx).Create(&row).Error; err != nil {
		return nil, wrap("create scan "+sc.Name, err)
	}
	out, err := row.scan()
	return &out, wrap("create scan "+sc.Name, err)
}

// GetScan implements registry.ScanService. Reading needs no transaction:
// the files are listed after the scan, and a file committed in between is
// simply shown.
func (s *Store) GetScan(ctx context.Context, id int64) (*registry.Scan, error) {
	op := fmt.Sprintf("scan %d", id)
	db := s.db.WithContext(ctx)
	var rows []scanRow
	if err := db.Where("id = ? AND state <> ?", id, scanDropping).Limit(1).Find(&rows).Error; err != nil {
		return nil, wrap(op, err)
	}
	if len(rows) == 0 {
		return nil, registry.Errorf(registry.ENOTFOUND, "scan %d does not exist", id)
	}
	out, err := rows[0].scan()
	if err != nil {
		return nil, wrap(op, err)
	}
	var files []scanFileRow
	if err := db.Where("scan_id = ? AND state = ?", id, fileDone).Order("id").Find(&files).Error; err != nil {
		return nil, wrap(op, err)
	}
	for i := range files {
		in, err := files[i].input()
		if err != nil {
			return nil, wrap(op, err)
		}
		out.Files = append(out.Files, in)
	}
	return &out, nil
}

// ListScans implements registry.ScanService.
func (s *Store) ListScans(ctx context.Context, f registry.ScanFilter) ([]registry.Scan, error) {
	q := s.db.WithContext(ctx).Where("state <> ?", scanDropping)
	if f.State != "" {
		q = q.Where("state = ?", string(f.State))
	}
	if f.Name != "" {
		q = q.Where("name = ?", f.Name)
	}
	var rows []scanRow
	if err := q.Order("id DESC").Find(&rows).Error; err != nil {
		return nil, wrap("list scans", err)
	}
	out := make([]registry.Scan, 0, len(rows))
	for i := range rows {
		sc, err := rows[i].scan()
		if err != nil {
			return nil, wrap("list scans", err)
		}
		out = append(out, sc)
	}
	return out, nil
}

// loadingFile returns a file of the scan that is not done, if any: a
// live loader's (reap removed the dead ones) or one being deleted.
func loadingFile(tx *gorm.DB, scanID int64) (*scanFileRow, error) {
	var rows []scanFileRow
	err := tx.Select("id", "name", "state", "owner").Where("scan_id = ? AND state <> ?", scanID, fileDone).
		Order("id").Limit(1).Find(&rows).Error
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	return &rows[0], nil
}

func busyError(scanID int64, f *scanFileRow) error {
	if f.State == fileAborting {
		return registry.Errorf(registry.ECONFLICT, "scan %d: file %d (%s) is being removed; try again", scanID, f.ID, f.Name)
	}
	return registry.Errorf(registry.ECONFLICT, "scan %d: file %d (%s) is still being loaded by %s", scanID, f.ID, f.Name, f.Owner)
}

// The statements of CloseScan, in order. A service is (ip_sort, transport,
// port) within the scan. Times compare correctly as SQLite text because
// every time is written in UTC in one format.
const (
	// An open port that another file identified is not a service of its
	// own: masscan finds the port, ZGrab2 tells what answers on it.
	closeDropSubsumedUnknown = `DELETE FROM observations WHERE scan_id = ? AND protocol = 'unknown' AND EXISTS (
	SELECT 1 FROM observations o WHERE o.scan_id = observations.scan_id AND o.ip_sort = observations.ip_sort
	AND o.transport = observations.transport AND o.port = observations.port AND o.protocol <> 'unknown')`
	// Equal records of one service become the oldest of them, spanning
	// every time they were seen.
	closeMergeEqual = `UPDATE observations SET observed = m.first_seen,
	observed_last = CASE WHEN m.last_seen > m.first_seen THEN m.last_seen END
FROM (SELECT MIN(id) AS keep, MIN(observed) AS first_seen, MAX(COALESCE(observed_last, observed)) AS last_seen
	FROM observations WHERE scan_id = ?
	GROUP BY ip_sort, transport, port, digest HAVING COUNT(*) > 1) AS m
WHERE observations.id = m.keep`
	closeDeleteMerged = `DELETE FROM observations WHERE scan_id = ? AND EXISTS (
	SELECT 1 FROM observations o WHERE o.scan_id = observations.scan_id AND o.ip_sort = observations.ip_sort
	AND o.transport = observations.transport AND o.port = observations.port
	AND o.digest = observations.digest AND o.id < observations.id)`
	// The time span defaults to what the observations say.
	closeScan = `UPDATE scans SET state = ?, closed_at = ?,
	hosts = (SELECT COUNT(DISTINCT ip_sort) FROM observations WHERE scan_id = scans.id),
	services = (SELECT COUNT(*) FROM observations WHERE scan_id = scans.id),
	started = COALESCE(started, (SELECT MIN(observed) FROM observations WHERE scan_id = scans.id)),
	finished = COALESCE(finished, (SELECT MAX(COALESCE(observed_last, observed)) FROM observations WHERE scan_id = scans.id))
WHERE id = ?`
)

// CloseScan implements registry.ScanService.
func (s *Store) CloseScan(ctx context.Context, id int64) (*registry.Scan, error) {
	op := fmt.Sprintf("close scan %d", id)
	sc, err := s.GetScan(ctx, id)
	if err != nil {
		return nil, err
	}
	if sc.State == registry.ScanClosed {
		return sc, nil
	}
	if err := s.reap(ctx, id); err != nil {
		return nil, wrap(op, err)
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		state, err := lockScan(tx, s.dialect, id, true)
		if err != nil || state == registry.ScanClosed {
			return err
		}
		if f, err := loadingFile(tx, id); err != nil {
			return err
		} else if f != nil {
			return busyError(id, f)
		}
		for _, q := range []string{closeDropSubsumedUnknown, closeMergeEqual, closeDeleteMerged} {
			if err := tx.Exec(q, id).Error; err != nil {
				return err
			}
		}
		return tx.Exec(closeScan, string(registry.ScanClosed), s.stamp(), id).Error
	})
	if err != nil {
		return nil, wrap(op, err)
	}
	return s.GetScan(ctx, id)
}

// DropScan implements registry.ScanService. The scan is first marked
// dropping, which hides it and refuses new files, then its rows are
// deleted a chunk at a time so that other writers go on meanwhile.
func (s *Store) DropScan(ctx context.Context, id int64) error {
	op := fmt.Sprintf("drop scan %d", id)
	if err := s.reap(ctx, id); err != nil {
		return wrap(op, err)
	}
	db := s.db.WithContext(ctx)
	err := db.Transaction(func(tx *gorm.DB) error {
		q := `SELECT state FROM scans WHERE id = ?`
		if s.dialect == "postgres" {
			q += ` FOR UPDATE`
		}
		var states []string
		if err := tx.Raw(q, id).Scan(&states).Error; err != nil {
			return err
		}
		if len(states) == 0 {
			return registry.Errorf(registry.ENOTFOUND, "scan %d does not exist", id)
		}
		if states[0] == scanDropping {
			return nil // an interrupted drop: finish it
		}
		if f, err := loadingFile(tx, id); err != nil {
			return err
		} else if f != nil && f.State == fileLoading {
			return busyError(id, f)
		}
		return tx.Exec(`UPDATE scans SET state = ? WHERE id = ?`, scanDropping, id).Error
	})
	if err != nil {
		return wrap(op, err)
	}
	for {
		res := db.Exec(`DELETE FROM observations WHERE id IN (SELECT id FROM observations WHERE scan_id = ? LIMIT ?)`, id, deleteChunk)
		if res.Error != nil {
			return wrap(op, res.Error)
		}
		if res.RowsAffected < deleteChunk {
			break
		}
	}
	return wrap(op, db.Exec(`DELETE FROM scans WHERE id = ?`, id).Error)
}

// Observations implements registry.ScanService. Rows stream from one
// query: memory does not grow with the scan.
func (s *Store) Observations(ctx context.Context, f registry.ObservationFilter, fn func(*registry.Observation) error) error {
	op := fmt.Sprintf("observations of scan %d", f.ScanID)
	var states []string
	if err := s.db.WithContext(ctx).Raw(`SELECT state FROM scans WHERE id = ?`, f.ScanID).Scan(&states).Error; err != nil {
		return wrap(op, err)
	}
	switch {
	case len(states) == 0 || states[0] == scanDropping:
		return registry.Errorf(registry.ENOTFOUND, "scan %d does not exist", f.ScanID)
	case states[0] != string(registry.ScanClosed):
		return registry.Errorf(registry.ECONFLICT, "scan %d is still importing; close it first", f.ScanID)
	}
	q := `SELECT ip, transport, port, protocol, tls, observed, observed_last, fields FROM observations WHERE scan_id = ?`
	args := []any{f.ScanID}
	if f.IP.IsValid() {
		q += ` AND ip_sort = ?`
		args = append(args, ipKey(f.IP.Unmap().WithZone("")))
	}
	if f.Protocol != "" {
		q += ` AND protocol = ?`
		args = append(args, f.Protocol)
	}
	q += ` ORDER BY ip_sort, transport, port, id`
	switch {
	case f.Page.Limit > 0:
		q += ` LIMIT ? OFFSET ?`
		args = append(args, f.Page.Limit, f.Page.Offset)
	case f.Page.Offset > 0 && s.dialect == "sqlite":
		q += ` LIMIT -1 OFFSET ?`
		args = append(args, f.Page.Offset)
	case f.Page.Offset > 0:
		q += ` OFFSET ?`
		args = append(args, f.Page.Offset)
	}
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	rows, err := sqlDB.QueryContext(ctx, s.rebind(q), args...)
	if err != nil {
		return wrap(op, err)
	}
	defer rows.Close()
	for rows.Next() {
		o, err := scanObservation(rows)
		if err != nil {
			return wrap(op, err)
		}
		if err := fn(o); err != nil {
			return err
		}
	}
	return wrap(op, rows.Err())
}

func scanObservation(rows *sql.Rows) (*registry.Observation, error) {
	var (
		o      registry.Observation
		ip     string
		port   int64
		last   sql.NullTime
		fields string
	)
	if err := rows.Scan(&ip, &o.Transport, &port, &o.Protocol, &o.TLS, &o.Observed, &last, &fields); err != nil {
		return nil, err
	}
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return nil, fmt.Errorf("stored address %q: %w", ip, err)
	}
	o.IP, o.Port, o.Observed = addr, uint16(port), o.Observed.UTC()
	if last.Valid {
		o.ObservedLast = last.Time.UTC()
	}
	if fields != "" {
		if err := json.Unmarshal([]byte(fields), &o.Fields); err != nil {
			return nil, fmt.Errorf("stored fields of %s: %w", ip, err)
		}
	}
	return &o, nil
}
