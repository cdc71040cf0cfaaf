package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"
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

// mergeSQL moves the staged rows of a scan's done files into
// observations, grouped and sorted as readers read them, in one
// statement: records of a service with the same digest are the same facts
// seen again, so one row remains, from the earliest file that saw them,
// spanning from the earliest time to the latest. The records of a group
// differ only in their times, so MIN(rec) is any of them. Times compare as
// fixed-width text (see recTimeLayout) and PostgreSQL then casts them.
func mergeSQL(dialect string) string {
	timeOf := func(x string) string {
		if dialect == "postgres" {
			return "CAST(" + x + " AS TIMESTAMPTZ)"
		}
		return x
	}
	sub := func(pos, n int) string { return fmt.Sprintf("substr(rec, %d, %d)", pos, n) }
	noTime := "'" + strings.Repeat(" ", recTimeLen) + "'"
	return `INSERT INTO observations (scan_id, file_id, ip, ip_sort, transport, port, protocol, tls, digest, observed, observed_last, fields)
SELECT ?, file_id, rtrim(` + sub(recIP, recIPLen) + `), rtrim(` + sub(recIPSort, recIPSortLen) + `), ` + sub(recTransport, 3) + `,
	CAST(` + sub(recPort, 5) + ` AS INTEGER), rtrim(` + sub(recProtocol, recProtoLen) + `), ` + sub(recTLS, 1) + ` = '1', ` + sub(recDigest, 32) + `,
	` + timeOf("first_seen") + `, ` + timeOf("CASE WHEN last_seen > first_seen THEN last_seen END") + `, substr(rec, ` + fmt.Sprint(recFields) + `)
FROM (SELECT MIN(file_id) AS file_id, MIN(rec) AS rec, MIN(` + sub(recObserved, recTimeLen) + `) AS first_seen,
		MAX(COALESCE(NULLIF(` + sub(recLast, recTimeLen) + `, ` + noTime + `), ` + sub(recObserved, recTimeLen) + `)) AS last_seen
	FROM observation_loads
	WHERE file_id IN (SELECT id FROM scan_files WHERE scan_id = ? AND state = '` + fileDone + `')
	GROUP BY ` + sub(1, recMergeLen) + `
	ORDER BY ` + sub(1, recMergeLen) + `) AS m`
}

// dropIdentifiedPortsSQL removes the protocol-unknown rows of services
// that some file identified, and bare open-port rows (no fields) of
// services some file said more of: an open port (masscan finds it, ZGrab2
// tells what answers) is no service of its own. The scan's rows were just
// inserted in index order, so the outer scan reads them sequentially.
const dropIdentifiedPortsSQL = `DELETE FROM observations WHERE scan_id = ? AND protocol = '` + registry.ProtocolUnknown + `' AND EXISTS (
	SELECT 1 FROM observations o WHERE o.scan_id = observations.scan_id AND o.ip_sort = observations.ip_sort
	AND o.transport = observations.transport AND o.port = observations.port
	AND (o.protocol <> '` + registry.ProtocolUnknown + `' OR observations.fields = '' AND o.fields <> ''))`

// CloseScan implements registry.ScanService. The merge runs in one
// transaction; deleting the staged rows it consumed comes after, a chunk
// at a time, so that other writers go on meanwhile. Staged rows of a closed
// scan are never read again: if the process dies before deleting them,
// the next CloseScan does.
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
		return s.merge(tx, id)
	})
	if err != nil {
		return nil, wrap(op, err)
	}
	if err := s.sweepStaged(ctx); err != nil {
		return nil, wrap(op, err)
	}
	return s.GetScan(ctx, id)
}

// merge closes scan id inside tx: its staged rows become observations,
// counted.
func (s *Store) merge(tx *gorm.DB, id int64) error {
	var files []scanFileRow
	if err := tx.Select("stored", "unknowns", "first_seen", "last_seen").Where("scan_id = ? AND state = ?", id, fileDone).Find(&files).Error; err != nil {
		return err
	}
	var stored, unknowns int64
	var first, last time.Time
	for _, f := range files {
		stored += f.Stored
		unknowns += f.Unknowns
		if f.FirstSeen != nil && (first.IsZero() || f.FirstSeen.Before(first)) {
			first = *f.FirstSeen
		}
		if f.LastSeen != nil && f.LastSeen.After(last) {
			last = *f.LastSeen
		}
	}
	if s.dialect == "postgres" {
		// The merge sorts every staged row of the scan once, and its
		// output is then in order: hashing would need a second sort, which
		// the planner, without statistics on freshly staged rows, picks.
		for _, q := range []string{`SET LOCAL work_mem = '256MB'`, `SET LOCAL enable_hashagg = off`} {
			if err := tx.Exec(q).Error; err != nil {
				return err
			}
		}
	}
	res := tx.Exec(mergeSQL(s.dialect), id, id)
	if res.Error != nil {
		return res.Error
	}
	services := res.RowsAffected
	if unknowns > 0 {
		res := tx.Exec(dropIdentifiedPortsSQL, id)
		if res.Error != nil {
			return res.Error
		}
		services -= res.RowsAffected
	}
	var hosts int64
	if err := tx.Raw(`SELECT COUNT(DISTINCT ip_sort) FROM observations WHERE scan_id = ?`, id).Scan(&hosts).Error; err != nil {
		return err
	}
	return tx.Exec(`UPDATE scans SET state = ?, closed_at = ?, hosts = ?, services = ?,
		started = COALESCE(started, ?), finished = COALESCE(finished, ?) WHERE id = ?`,
		string(registry.ScanClosed), s.stamp(), hosts, services, timeOrNil(first), timeOrNil(last), id).Error
}

// sweepStaged deletes the staged rows of closed scans. When nothing else
// is staged, SQLite empties the table in one cheap statement; otherwise
// the rows go a file and a chunk at a time.
func (s *Store) sweepStaged(ctx context.Context) error {
	db := s.db.WithContext(ctx)
	if s.dialect == "sqlite" {
		done := false
		err := db.Transaction(func(tx *gorm.DB) error {
			var open []int64
			err := tx.Raw(`SELECT f.id FROM scan_files f JOIN scans s ON s.id = f.scan_id WHERE s.state <> ? LIMIT 1`,
				string(registry.ScanClosed)).Scan(&open).Error
			if err != nil || len(open) > 0 {
				return err
			}
			done = true
			return tx.Exec(`DELETE FROM observation_loads`).Error
		})
		if err != nil || done {
			return err
		}
	}
	var files []int64
	err := db.Raw(`SELECT f.id FROM scan_files f JOIN scans s ON s.id = f.scan_id WHERE s.state = ?
		AND EXISTS (SELECT 1 FROM observation_loads l WHERE l.file_id = f.id)`, string(registry.ScanClosed)).Scan(&files).Error
	if err != nil {
		return err
	}
	for _, f := range files {
		if err := deleteChunks(db, `observation_loads WHERE file_id = ?`, f); err != nil {
			return err
		}
	}
	return nil
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
	if err := s.dropVerdicts(ctx, id); err != nil {
		return wrap(op, err)
	}
	if err := deleteChunks(db, `observations WHERE scan_id = ?`, id); err != nil {
		return wrap(op, err)
	}
	var files []int64
	if err := db.Raw(`SELECT id FROM scan_files WHERE scan_id = ?`, id).Scan(&files).Error; err != nil {
		return wrap(op, err)
	}
	for _, f := range files {
		if err := deleteChunks(db, `observation_loads WHERE file_id = ?`, f); err != nil {
			return wrap(op, err)
		}
	}
	return wrap(op, db.Exec(`DELETE FROM scans WHERE id = ?`, id).Error)
}

// deleteChunks deletes the rows "table WHERE condition" selects, at most
// deleteChunk per statement, so that no single statement holds SQLite's
// write lock for long. Two processes deleting the same rows at once do no
// harm.
func deleteChunks(db *gorm.DB, from string, arg any) error {
	table, _, _ := strings.Cut(from, " ")
	q := `DELETE FROM ` + table + ` WHERE id IN (SELECT id FROM ` + from + ` LIMIT ?)`
	for {
		res := db.Exec(q, arg, deleteChunk)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected < deleteChunk {
			return nil
		}
	}
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
