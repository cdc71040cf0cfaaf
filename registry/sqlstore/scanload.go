package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/certprint/certprint/registry"
)

// How a file gets into a scan, whole or not at all:
//
//   - BeginFile records the file as loading, with its loader (host:pid)
//     and a heartbeat.
//   - Write gathers observations into runs (scanrun.go). Each run is
//     sorted by service, merged within itself, and inserted straight into
//     observations in short transactions, each of which first checks that
//     the file is still loading and refreshes its heartbeat. These rows
//     count for nothing yet: readers see closed scans only, and a scan
//     cannot close while one of its files is loading.
//   - Commit marks the file done, with its counts and the ranges of
//     services its runs covered; from then on its rows are the scan's.
//   - Abort, or whoever reaps a loader that died (its process is gone, or
//     its heartbeat is staleAfter old), marks the file aborting and
//     deletes its rows by file_id, a chunk at a time. A kill -9 midway
//     leaves a loading file that the next BeginFile or CloseScan reaps.
//   - CloseScan merges what the loaders could not (where the ranges of
//     services of the scan's files overlap, see scans.go) and makes the
//     scan visible.
//
// The states of a row of scan_files follow: "loading" while its
// FileWriter writes, "done" once committed, and "aborting" while its rows
// are deleted in chunks, by Abort or by a reaper. Only done files count.
const (
	fileLoading  = "loading"
	fileDone     = "done"
	fileAborting = "aborting"
)

// staleAfter is how long a loading file may go without a heartbeat before
// anyone may presume its loader dead: each transaction of a loader
// refreshes it (flushAfter bounds how long a loader gathers rows without
// one), and a loader on another host cannot be asked whether it is
// alive.
const staleAfter = 10 * time.Minute

// deleteChunk bounds the rows one statement deletes, so that removing a
// large file never holds SQLite's write lock for long.
const deleteChunk = 20_000

// loaderOwner names this process in scan_files.owner as host:pid, so that
// another process on the same host can tell whether a loader is still
// running.
var loaderHost, loaderOwner = func() (string, string) {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "localhost"
	}
	return host, host + ":" + strconv.Itoa(os.Getpid())
}()

// ownerAlive reports whether the loader named by owner may still be
// running. Only a process on this host can be checked; a reused pid makes
// a dead loader look alive, and then the heartbeat decides.
func ownerAlive(owner string) bool {
	i := strings.LastIndexByte(owner, ':')
	if i < 0 || owner[:i] != loaderHost {
		return true
	}
	pid, err := strconv.Atoi(owner[i+1:])
	if err != nil || pid <= 0 {
		return false
	}
	return processExists(pid)
}

type scanFileRow struct {
	ID        int64
	ScanID    int64
	Name      string
	Format    string
	SHA256    string `gorm:"column:sha256"`
	Read      int64
	Stored    int64
	Rejected  int64
	Reasons   string
	Unknowns  int64
	FirstSeen *time.Time
	LastSeen  *time.Time
	Runs      string // the file's keyRanges as JSON; "" before migration 0004
	FirstRow  *int64 // no row of the file has a smaller id; nil until it wrote one
	State     string
	Owner     string
	Heartbeat time.Time
	Imported  *time.Time
}

func (scanFileRow) TableName() string { return "scan_files" }

func (r *scanFileRow) input() (registry.ScanInput, error) {
	in := registry.ScanInput{
		Name: r.Name, Format: r.Format, SHA256: r.SHA256,
		Read: r.Read, Stored: r.Stored, Rejected: r.Rejected,
	}
	if r.Imported != nil {
		in.Imported = r.Imported.UTC()
	}
	return in, fromJSONText(r.Reasons, &in.Reasons)
}

// lockScan reads the state of a scan inside tx. On PostgreSQL it also
// locks the row: share for loaders starting a file, so that any number may
// start at once, update for whoever changes what the scan holds (commit,
// close, drop). On SQLite every write transaction already holds the
// database's one write lock.
func lockScan(tx *gorm.DB, dialect string, id int64, exclusive bool) (registry.ScanState, error) {
	q := `SELECT state FROM scans WHERE id = ?`
	if dialect == "postgres" {
		if exclusive {
			q += ` FOR UPDATE`
		} else {
			q += ` FOR SHARE`
		}
	}
	var states []string
	if err := tx.Raw(q, id).Scan(&states).Error; err != nil {
		return "", err
	}
	if len(states) == 0 || states[0] == scanDropping {
		return "", registry.Errorf(registry.ENOTFOUND, "scan %d does not exist", id)
	}
	return registry.ScanState(states[0]), nil
}

// checkDuplicate refuses content already committed into the scan.
func checkDuplicate(tx *gorm.DB, scanID, fileID int64, sha string) error {
	var rows []scanFileRow
	err := tx.Select("id", "name").Where("scan_id = ? AND sha256 = ? AND state = ? AND id <> ?", scanID, sha, fileDone, fileID).
		Order("id").Limit(1).Find(&rows).Error
	if err != nil || len(rows) == 0 {
		return err
	}
	return registry.Errorf(registry.ECONFLICT, "this content (sha256 %s) is already imported into scan %d as file %d (%s); use --force to import it again",
		sha, scanID, rows[0].ID, rows[0].Name)
}

// BeginFile implements registry.ScanService.
func (s *Store) BeginFile(ctx context.Context, scanID int64, in registry.ScanInput, force bool) (registry.FileWriter, error) {
	in.SHA256 = strings.ToLower(strings.TrimSpace(in.SHA256))
	op := fmt.Sprintf("scan %d: begin file %s", scanID, in.Name)
	if err := s.reap(ctx, scanID); err != nil {
		return nil, wrap(op, err)
	}
	row := scanFileRow{
		ScanID: scanID, Name: in.Name, Format: in.Format, SHA256: in.SHA256,
		State: fileLoading, Owner: loaderOwner, Heartbeat: s.stamp(),
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		state, err := lockScan(tx, s.dialect, scanID, false)
		if err != nil {
			return err
		}
		if state != registry.ScanImporting {
			return registry.Errorf(registry.ECONFLICT, "scan %d is %s; files go into an importing scan", scanID, state)
		}
		if in.SHA256 != "" && !force {
			if err := checkDuplicate(tx, scanID, 0, in.SHA256); err != nil {
				return err
			}
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
	return &fileWriter{
		s: s, db: sqlDB, scanID: scanID, fileID: row.ID, in: in, force: force,
		cur: &run{}, flushed: time.Now(),
		inserting: inserter{s: s, db: sqlDB, scanID: scanID, fileID: row.ID, stmts: map[int]driver.Stmt{}},
	}, nil
}

// fileWriter is the registry.FileWriter of one file. It is not safe for
// concurrent use: one loader writes one file.
//
// Write only checks and encodes a batch into the run being gathered
// (scanrun.go). A full run is handed to a goroutine that sorts it by
// service and inserts it in short transactions, while Write gathers the
// next: decoding the file and writing the database overlap, and the
// index of observations is written in order within each run, so in a
// few places per transaction, however the file is ordered. At most one
// run is in flight; an error inserting it is returned by the next Write
// or by Commit.
type fileWriter struct {
	s      *Store
	db     *sql.DB
	scanID int64
	fileID int64
	in     registry.ScanInput
	force  bool
	ended  bool  // committed or aborted
	failed error // what inserting a run returned, for every later call

	// What the rows handed to Write hold, recorded at commit.
	unknowns            int64
	firstSeen, lastSeen time.Time

	enc       recordEncoder
	cur       *run      // gathered by Write
	flushed   time.Time // when a run was last handed on
	inflight  chan inserted
	spare     *run  // the run last inserted, gathered into again
	written   int64 // records of the runs inserted
	inserting inserter

	// The ranges of services the runs inserted cover (see keyRange), and
	// the greatest service of all.
	ranges     []keyRange
	maxService string
}

// inserted is what inserting one run did.
type inserted struct {
	records int64
	bounds  keyRange
	err     error
}

// flushAfter bounds how long gathered rows wait: a slow file (an upload
// trickling in) must still refresh its heartbeat, which each transaction
// does, well within staleAfter.
const flushAfter = 30 * time.Second

func (w *fileWriter) errEnded() error {
	return registry.Errorf(registry.ECONFLICT, "scan %d: file %d (%s) is already committed or aborted", w.scanID, w.fileID, w.in.Name)
}

// Write implements registry.FileWriter. An invalid observation refuses
// the whole batch at once; rows are inserted when the run fills, or at
// the latest by Commit.
func (w *fileWriter) Write(ctx context.Context, batch []registry.Observation) error {
	switch {
	case w.ended:
		return w.errEnded()
	case w.failed != nil:
		return w.failed
	}
	if err := w.cur.add(&w.enc, batch); err != nil {
		return err
	}
	for i := range batch {
		o := &batch[i]
		if o.Protocol == registry.ProtocolUnknown {
			w.unknowns++
		}
		first, last := o.Observed, o.ObservedLast
		if last.Before(first) {
			last = first
		}
		if w.firstSeen.IsZero() || first.Before(w.firstSeen) {
			w.firstSeen = first
		}
		if last.After(w.lastSeen) {
			w.lastSeen = last
		}
	}
	if w.cur.full() || time.Since(w.flushed) > flushAfter {
		return w.flush(ctx)
	}
	return nil
}

// flush hands the gathered run to a goroutine that inserts it, once the
// run before it is in. It sorts and merges the run first, while the run
// before is still going in: the goroutine that inserts is the one that
// the other core cannot help (SQLite has one writer).
func (w *fileWriter) flush(ctx context.Context) error {
	r := w.cur
	records := int64(len(r.recs))
	var bounds keyRange
	if records > 0 {
		r.sort()
		bounds = r.bounds()
		r.merge()
	}
	if err := w.wait(); err != nil {
		return err
	}
	w.flushed = time.Now()
	if records == 0 {
		return nil
	}
	w.cur, w.spare = w.spare, nil
	if w.cur == nil {
		w.cur = &run{}
	}
	w.cur.reset()
	done := make(chan inserted, 1)
	w.inflight = done
	go func() {
		done <- inserted{records, bounds, w.inserting.run(ctx, r)}
	}()
	w.spare = r // not touched again before wait
	return nil
}

// wait waits for the run in flight, if any.
func (w *fileWriter) wait() error {
	if w.inflight == nil {
		return w.failed
	}
	res := <-w.inflight
	w.inflight = nil
	if res.err != nil {
		if w.failed == nil {
			w.failed = wrap(fmt.Sprintf("scan %d: write file %d (%s)", w.scanID, w.fileID, w.in.Name), res.err)
		}
		return w.failed
	}
	w.written += res.records
	// A run entirely after every run before it extends the last range:
	// no service of it can be in those.
	if n := len(w.ranges); n > 0 && res.bounds[0] > w.maxService {
		w.ranges[n-1][1] = res.bounds[1]
	} else {
		w.ranges = append(w.ranges, res.bounds)
	}
	w.maxService = max(w.maxService, res.bounds[1])
	return nil
}

// Commit implements registry.FileWriter.
func (w *fileWriter) Commit(ctx context.Context, final registry.ScanInput) (*registry.ScanInput, error) {
	if w.ended {
		return nil, w.errEnded()
	}
	if err := w.flush(ctx); err != nil {
		return nil, err
	}
	if err := w.wait(); err != nil {
		return nil, err
	}
	in := w.in
	if final.Name != "" {
		in.Name = final.Name
	}
	if final.Format != "" {
		in.Format = final.Format
	}
	if sha := strings.ToLower(strings.TrimSpace(final.SHA256)); sha != "" {
		in.SHA256 = sha
	}
	in.Read, in.Rejected, in.Reasons = final.Read, final.Rejected, final.Reasons
	// What counts is what this writer stored, whatever the caller counted.
	in.Stored = w.written
	in.Imported = w.s.stamp()
	err := w.s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		state, err := lockScan(tx, w.s.dialect, w.scanID, true)
		if err != nil {
			return err
		}
		if state != registry.ScanImporting {
			return registry.Errorf(registry.ECONFLICT, "scan %d is %s", w.scanID, state)
		}
		if in.SHA256 != "" && !w.force {
			if err := checkDuplicate(tx, w.scanID, w.fileID, in.SHA256); err != nil {
				return err
			}
		}
		res := tx.Model(&scanFileRow{}).Where("id = ? AND state = ?", w.fileID, fileLoading).Updates(map[string]any{
			"name": in.Name, "format": in.Format, "sha256": in.SHA256,
			"read": in.Read, "stored": in.Stored, "rejected": in.Rejected, "reasons": jsonText(in.Reasons),
			"unknowns": w.unknowns, "first_seen": timeOrNil(w.firstSeen), "last_seen": timeOrNil(w.lastSeen), "runs": jsonText(w.ranges),
			"state": fileDone, "heartbeat": in.Imported, "imported": in.Imported,
		})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return registry.Errorf(registry.ECONFLICT, "the file is no longer loading: its rows were removed, as those of a loader presumed dead")
		}
		return nil
	})
	if err != nil {
		return nil, wrap(fmt.Sprintf("scan %d: commit file %d (%s)", w.scanID, w.fileID, in.Name), err)
	}
	w.ended = true
	w.inserting.close()
	return &in, nil
}

// Abort implements registry.FileWriter. It runs even when ctx is already
// cancelled (an interrupted import is the usual reason to abort); what it
// cannot finish, the next reaper does.
func (w *fileWriter) Abort(ctx context.Context) error {
	if w.ended {
		return nil
	}
	ctx = context.WithoutCancel(ctx)
	w.wait() // whatever it failed with, the rows go
	w.inserting.close()
	err := w.s.db.WithContext(ctx).Model(&scanFileRow{}).Where("id = ? AND state = ?", w.fileID, fileLoading).
		Updates(map[string]any{"state": fileAborting, "heartbeat": w.s.stamp()}).Error
	if err != nil {
		return wrap(fmt.Sprintf("scan %d: abort file %d", w.scanID, w.fileID), err)
	}
	w.ended = true
	return wrap(fmt.Sprintf("scan %d: abort file %d", w.scanID, w.fileID), w.s.deleteFile(ctx, w.fileID))
}

// deleteFile removes an aborting file and its rows. Its rows all have ids
// from its first_row on (see inserter.insert), so they are found by
// walking the ids from there, a chunk at a time, rather than through an
// index on file_id that every insert would have to write.
func (s *Store) deleteFile(ctx context.Context, fileID int64) error {
	db := s.db.WithContext(ctx)
	var bounds struct{ First, Last *int64 }
	err := db.Raw(`SELECT (SELECT first_row FROM scan_files WHERE id = ?) AS first, (SELECT MAX(id) FROM observations) AS last`, fileID).
		Scan(&bounds).Error
	if err != nil {
		return err
	}
	// The file is aborting, so no row of it comes after last.
	if bounds.First != nil && bounds.Last != nil {
		for lo := *bounds.First; lo <= *bounds.Last; lo += deleteChunk {
			err := db.Exec(`DELETE FROM observations WHERE id >= ? AND id < ? AND file_id = ?`, lo, lo+deleteChunk, fileID).Error
			if err != nil {
				return err
			}
		}
	}
	return db.Exec(`DELETE FROM scan_files WHERE id = ? AND state = ?`, fileID, fileAborting).Error
}

// reap removes the files of a scan whose loader is gone: one on this host
// whose process no longer exists, or one with no heartbeat for staleAfter,
// and finishes deleting files left aborting.
func (s *Store) reap(ctx context.Context, scanID int64) error {
	var files []scanFileRow
	err := s.db.WithContext(ctx).Select("id", "state", "owner", "heartbeat").
		Where("scan_id = ? AND state <> ?", scanID, fileDone).Order("id").Find(&files).Error
	if err != nil {
		return err
	}
	cutoff := s.stamp().Add(-staleAfter)
	for _, f := range files {
		if f.State == fileLoading {
			dead := !ownerAlive(f.Owner)
			if !dead && f.Heartbeat.After(cutoff) {
				continue
			}
			deadOwner := "" // matches no owner
			if dead {
				deadOwner = f.Owner
			}
			// Claim the file unless its loader wrote since we looked.
			res := s.db.WithContext(ctx).Model(&scanFileRow{}).
				Where("id = ? AND state = ? AND (owner = ? OR heartbeat < ?)", f.ID, fileLoading, deadOwner, cutoff).
				Updates(map[string]any{"state": fileAborting, "owner": loaderOwner, "heartbeat": s.stamp()})
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 0 {
				continue
			}
		}
		if err := s.deleteFile(ctx, f.ID); err != nil {
			return err
		}
	}
	return nil
}

// stamp is the time now as both databases store it: PostgreSQL keeps
// microseconds, so a time returned to the caller is what a later read
// returns.
func (s *Store) stamp() time.Time { return s.now().Truncate(time.Microsecond) }

// rebind turns ? placeholders into PostgreSQL's $n, for SQL that goes to
// database/sql directly rather than through gorm. The queries hold no
// question mark in a literal.
func (s *Store) rebind(q string) string {
	if s.dialect != "postgres" {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
