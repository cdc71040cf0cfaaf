package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/certprint/certprint/registry"
)

var _ registry.VerdictService = (*Store)(nil)

// The states of a match run (see migration 0003).
const (
	runRunning  = "running"
	runDone     = "done"
	runDropping = "dropping"
)

// verdictsPerStatement keeps one insert's six parameters per row far
// below SQLite's limit of 32766 bound parameters.
const verdictsPerStatement = 500

type matchRunRow struct {
	ID               int64
	ScanID           int64
	RegistryRevision int64
	MatcherVersion   string
	State            string
	Owner            string
	Heartbeat        time.Time
	Started          time.Time
	Finished         *time.Time
	Devices          int64
	Classes          string
}

func (matchRunRow) TableName() string { return "match_runs" }

func (r *matchRunRow) run() (*registry.MatchRun, error) {
	run := &registry.MatchRun{
		ID: r.ID, ScanID: r.ScanID, Registry: r.RegistryRevision, Matcher: r.MatcherVersion,
		Started: r.Started.UTC(), Devices: r.Devices,
	}
	if r.Finished != nil {
		run.Finished = r.Finished.UTC()
	}
	return run, fromJSONText(r.Classes, &run.Classes)
}

// BeginMatch implements registry.VerdictService.
func (s *Store) BeginMatch(ctx context.Context, scanID, revision int64, matcher string) (registry.VerdictWriter, error) {
	op := fmt.Sprintf("match scan %d", scanID)
	if err := s.reapRuns(ctx, scanID); err != nil {
		return nil, wrap(op, err)
	}
	row := matchRunRow{
		ScanID: scanID, RegistryRevision: revision, MatcherVersion: matcher, State: runRunning,
		Owner: loaderOwner, Heartbeat: s.stamp(), Started: s.stamp(),
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		state, err := lockScan(tx, s.dialect, scanID, false)
		if err != nil {
			return err
		}
		if state != registry.ScanClosed {
			return registry.Errorf(registry.ECONFLICT, "scan %d is %s; only closed scans are matched", scanID, state)
		}
		return tx.Create(&row).Error
	})
	if err != nil {
		return nil, wrap(op, err)
	}
	sqlDB, err := s.db.DB()
	if err != nil {
		return nil, err
	}
	return &verdictWriter{s: s, db: sqlDB, scanID: scanID, runID: row.ID, classes: map[registry.Class]int64{}}, nil
}

// verdictWriter is the registry.VerdictWriter of one run; one goroutine
// writes it.
type verdictWriter struct {
	s       *Store
	db      *sql.DB
	scanID  int64
	runID   int64
	devices int64
	classes map[registry.Class]int64
	ended   bool
	args    []any
}

// Write implements registry.VerdictWriter.
func (w *verdictWriter) Write(ctx context.Context, batch []registry.Verdict) error {
	if w.ended {
		return registry.Errorf(registry.ECONFLICT, "match run %d is already committed or aborted", w.runID)
	}
	op := fmt.Sprintf("match scan %d: write verdicts", w.scanID)
	tx, err := w.db.BeginTx(ctx, nil)
	if err != nil {
		return wrap(op, err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, w.s.rebind(`UPDATE match_runs SET heartbeat = ? WHERE id = ? AND state = ?`), w.s.stamp(), w.runID, runRunning)
	if err != nil {
		return wrap(op, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return registry.Errorf(registry.ECONFLICT, "match run %d was removed, as a run presumed dead after %v without a write", w.runID, staleAfter)
	}
	for off := 0; off < len(batch); off += verdictsPerStatement {
		part := batch[off:min(off+verdictsPerStatement, len(batch))]
		if err := w.insert(ctx, tx, part); err != nil {
			return wrap(op, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return wrap(op, err)
	}
	for i := range batch {
		w.classes[batch[i].Class]++
	}
	w.devices += int64(len(batch))
	return nil
}

func (w *verdictWriter) insert(ctx context.Context, tx *sql.Tx, part []registry.Verdict) error {
	var q strings.Builder
	q.WriteString(`INSERT INTO verdicts (run_id, ip, ip_sort, first_port, class, body) VALUES `)
	w.args = w.args[:0]
	for i := range part {
		v := &part[i]
		if !v.IP.IsValid() {
			return registry.Errorf(registry.EINVALID, "verdict %d of the batch has no address", i)
		}
		body, err := json.Marshal(v)
		if err != nil {
			return err
		}
		if i > 0 {
			q.WriteByte(',')
		}
		q.WriteString("(?, ?, ?, ?, ?, ?)")
		ip := v.IP.Unmap().WithZone("")
		w.args = append(w.args, w.runID, ip.String(), ipKey(ip), portSortKey(v.Ports), string(v.Class), string(body))
	}
	_, err := tx.ExecContext(ctx, w.s.rebind(q.String()), w.args...)
	return err
}

// portSortKey orders a device's verdict among those of its address by
// its first port, numerically: "tcp/00080" before "tcp/00443".
func portSortKey(ports []string) string {
	if len(ports) == 0 {
		return ""
	}
	transport, port, _ := strings.Cut(ports[0], "/")
	n, err := strconv.Atoi(port)
	if err != nil {
		return ports[0]
	}
	return fmt.Sprintf("%s/%05d", transport, n)
}

// Commit implements registry.VerdictWriter: the run becomes the scan's
// current one, and the runs it replaces are deleted after, a chunk at a
// time.
func (w *verdictWriter) Commit(ctx context.Context) (*registry.MatchRun, error) {
	if w.ended {
		return nil, registry.Errorf(registry.ECONFLICT, "match run %d is already committed or aborted", w.runID)
	}
	op := fmt.Sprintf("match scan %d: commit run %d", w.scanID, w.runID)
	finished := w.s.stamp()
	err := w.s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if _, err := lockScan(tx, w.s.dialect, w.scanID, true); err != nil {
			return err
		}
		if err := tx.Model(&matchRunRow{}).Where("scan_id = ? AND state = ?", w.scanID, runDone).
			Update("state", runDropping).Error; err != nil {
			return err
		}
		res := tx.Model(&matchRunRow{}).Where("id = ? AND state = ?", w.runID, runRunning).Updates(map[string]any{
			"state": runDone, "finished": finished, "heartbeat": finished,
			"devices": w.devices, "classes": jsonText(w.classes),
		})
		if res.Error == nil && res.RowsAffected == 0 {
			return registry.Errorf(registry.ECONFLICT, "match run %d was removed, as a run presumed dead", w.runID)
		}
		return res.Error
	})
	if err != nil {
		return nil, wrap(op, err)
	}
	w.ended = true
	if err := w.s.dropRuns(ctx, w.scanID); err != nil {
		return nil, wrap(op, err)
	}
	return w.s.LatestMatch(ctx, w.scanID)
}

// Abort implements registry.VerdictWriter.
func (w *verdictWriter) Abort(ctx context.Context) error {
	if w.ended {
		return nil
	}
	ctx = context.WithoutCancel(ctx)
	w.ended = true
	err := w.s.db.WithContext(ctx).Model(&matchRunRow{}).Where("id = ? AND state = ?", w.runID, runRunning).
		Update("state", runDropping).Error
	if err == nil {
		err = w.s.dropRuns(ctx, w.scanID)
	}
	return wrap(fmt.Sprintf("match scan %d: abort run %d", w.scanID, w.runID), err)
}

// reapRuns marks dropping the runs of a scan whose process is gone (or
// silent for staleAfter) and deletes them.
func (s *Store) reapRuns(ctx context.Context, scanID int64) error {
	var runs []matchRunRow
	db := s.db.WithContext(ctx)
	if err := db.Select("id", "owner", "heartbeat").Where("scan_id = ? AND state = ?", scanID, runRunning).Find(&runs).Error; err != nil {
		return err
	}
	cutoff := s.stamp().Add(-staleAfter)
	for _, r := range runs {
		if ownerAlive(r.Owner) && r.Heartbeat.After(cutoff) {
			continue
		}
		if err := db.Model(&matchRunRow{}).Where("id = ? AND state = ?", r.ID, runRunning).Update("state", runDropping).Error; err != nil {
			return err
		}
	}
	return s.dropRuns(ctx, scanID)
}

// dropRuns deletes the dropping runs of a scan with their verdicts.
func (s *Store) dropRuns(ctx context.Context, scanID int64) error {
	db := s.db.WithContext(ctx)
	var ids []int64
	if err := db.Model(&matchRunRow{}).Where("scan_id = ? AND state = ?", scanID, runDropping).Pluck("id", &ids).Error; err != nil {
		return err
	}
	for _, id := range ids {
		if err := deleteChunks(db, `verdicts WHERE run_id = ?`, id); err != nil {
			return err
		}
		if err := db.Exec(`DELETE FROM match_runs WHERE id = ?`, id).Error; err != nil {
			return err
		}
	}
	return nil
}

// dropVerdicts deletes every run of a scan being dropped.
func (s *Store) dropVerdicts(ctx context.Context, scanID int64) error {
	if err := s.db.WithContext(ctx).Model(&matchRunRow{}).Where("scan_id = ?", scanID).Update("state", runDropping).Error; err != nil {
		return err
	}
	return s.dropRuns(ctx, scanID)
}

// LatestMatch implements registry.VerdictService.
func (s *Store) LatestMatch(ctx context.Context, scanID int64) (*registry.MatchRun, error) {
	var rows []matchRunRow
	err := s.db.WithContext(ctx).Where("scan_id = ? AND state = ?", scanID, runDone).Order("id DESC").Limit(1).Find(&rows).Error
	if err != nil {
		return nil, wrap(fmt.Sprintf("scan %d: latest match", scanID), err)
	}
	if len(rows) == 0 {
		if _, err := s.GetScan(ctx, scanID); err != nil {
			return nil, err
		}
		return nil, registry.Errorf(registry.ENOTFOUND, "scan %d has not been matched; run certprint match --scan %d", scanID, scanID)
	}
	return rows[0].run()
}

// Verdicts implements registry.VerdictService. Rows stream from one
// query.
func (s *Store) Verdicts(ctx context.Context, f registry.VerdictFilter, fn func(*registry.Verdict) error) error {
	run, err := s.LatestMatch(ctx, f.ScanID)
	if err != nil {
		return err
	}
	op := fmt.Sprintf("verdicts of scan %d", f.ScanID)
	reviews, err := s.reviewsByDevice(ctx, f.ScanID, f.IP)
	if err != nil {
		return wrap(op, err)
	}
	q := `SELECT ip_sort, body FROM verdicts WHERE run_id = ?`
	args := []any{run.ID}
	if f.IP.IsValid() {
		q += ` AND ip_sort = ?`
		args = append(args, ipKey(f.IP.Unmap().WithZone("")))
	}
	if f.Class != "" {
		q += ` AND class = ?`
		args = append(args, string(f.Class))
	}
	q += ` ORDER BY ip_sort, first_port, id`
	if f.Page.Limit > 0 {
		q += ` LIMIT ? OFFSET ?`
		args = append(args, f.Page.Limit, f.Page.Offset)
	}
	rows, err := s.stream(ctx, q, args)
	if err != nil {
		return wrap(op, err)
	}
	defer rows.Close()
	for rows.Next() {
		var key, body string
		if err := rows.Scan(&key, &body); err != nil {
			return wrap(op, err)
		}
		var v registry.Verdict
		if err := json.Unmarshal([]byte(body), &v); err != nil {
			return wrap(op, fmt.Errorf("stored verdict: %w", err))
		}
		v.ScanID = f.ScanID
		if r := reviews[deviceKey(key, v.Ports)]; r != nil {
			r.Apply(&v)
		}
		if err := fn(&v); err != nil {
			return err
		}
	}
	return wrap(op, rows.Err())
}

// stream runs a query through database/sql rather than gorm, so that rows
// are read one at a time and memory does not grow with the result.
func (s *Store) stream(ctx context.Context, q string, args []any) (*sql.Rows, error) {
	sqlDB, err := s.db.DB()
	if err != nil {
		return nil, err
	}
	return sqlDB.QueryContext(ctx, s.rebind(q), args...)
}
