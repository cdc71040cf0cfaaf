package sqlstore

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"gorm.io/gorm"

	"github.com/certprint/certprint/registry"
)

// The states of a row of scan_files. A file is "loading" while its
// FileWriter stores batches, "done" once committed, and "aborting" while
// its rows are deleted in chunks, by Abort or by whoever reaps it after
// its loader died. Only done files count.
const (
	fileLoading  = "loading"
	fileDone     = "done"
	fileAborting = "aborting"
)

// staleAfter is how long a loading file may go without a heartbeat before
// anyone may presume its loader dead: each Write refreshes it, and a
// loader on another host cannot be asked whether it is alive.
const staleAfter = 10 * time.Minute

// deleteChunk bounds the rows one statement deletes, so that removing a
// large file never holds SQLite's write lock for long.
const deleteChunk = 20_000

// obsColumns is the number of bound parameters per observation row; the
// scan and file ids are written into the statement as literals.
const obsColumns = 10

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
	return !errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
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
		perStmt: s.rowsPerStatement(), stmts: map[int]*sql.Stmt{},
	}, nil
}

// rowsPerStatement keeps a multi-row insert under the bound-parameter
// limit: 32766 on SQLite, 65535 on PostgreSQL. Larger statements gain
// little once the per-statement cost is spread over a thousand rows.
func (s *Store) rowsPerStatement() int {
	return 1024
}

// fileWriter is the registry.FileWriter of one file. It is not safe for
// concurrent use: one loader writes one file.
type fileWriter struct {
	s       *Store
	db      *sql.DB
	scanID  int64
	fileID  int64
	in      registry.ScanInput
	force   bool
	written int64
	ended   bool // committed or aborted

	perStmt int
	stmts   map[int]*sql.Stmt // multi-row inserts by number of rows
	args    []any
}

// maxCachedStmts bounds the prepared inserts a writer keeps: full batches
// use one size, the last batch of a file another.
const maxCachedStmts = 8

func (w *fileWriter) insertSQL(rows int) string {
	var b strings.Builder
	b.Grow(128 + rows*(obsColumns*4+24))
	b.WriteString("INSERT INTO observations (scan_id, file_id, ip, ip_sort, transport, port, protocol, tls, digest, observed, observed_last, fields) VALUES ")
	prefix := "(" + strconv.FormatInt(w.scanID, 10) + "," + strconv.FormatInt(w.fileID, 10)
	n := 0
	for r := range rows {
		if r > 0 {
			b.WriteByte(',')
		}
		b.WriteString(prefix)
		for range obsColumns {
			n++
			if w.s.dialect == "postgres" {
				b.WriteString(",$")
				b.WriteString(strconv.Itoa(n))
			} else {
				b.WriteString(",?")
			}
		}
		b.WriteByte(')')
	}
	return b.String()
}

// stmt returns the prepared insert of n rows. It is prepared on the pool,
// not on one connection, so that each transaction reuses it on whichever
// connection it runs.
func (w *fileWriter) stmt(ctx context.Context, n int) (*sql.Stmt, error) {
	if st, ok := w.stmts[n]; ok {
		return st, nil
	}
	st, err := w.db.PrepareContext(ctx, w.insertSQL(n))
	if err != nil {
		return nil, err
	}
	if len(w.stmts) < maxCachedStmts || n == w.perStmt {
		w.stmts[n] = st
	}
	return st, nil
}

func (w *fileWriter) closeStmts() {
	for n, st := range w.stmts {
		st.Close()
		delete(w.stmts, n)
	}
}

func (w *fileWriter) errEnded() error {
	return registry.Errorf(registry.ECONFLICT, "scan %d: file %d (%s) is already committed or aborted", w.scanID, w.fileID, w.in.Name)
}

// Write implements registry.FileWriter. The batch is checked and encoded
// before the transaction begins, so the write lock is held only while the
// rows go in.
func (w *fileWriter) Write(ctx context.Context, batch []registry.Observation) error {
	if w.ended {
		return w.errEnded()
	}
	args, err := w.encode(batch)
	if err != nil {
		return err
	}
	err = w.insert(ctx, args, len(batch))
	if err != nil {
		return wrap(fmt.Sprintf("scan %d: write file %d (%s)", w.scanID, w.fileID, w.in.Name), err)
	}
	w.written += int64(len(batch))
	return nil
}

func (w *fileWriter) insert(ctx context.Context, args []any, rows int) error {
	tx, err := w.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, w.s.rebind(`UPDATE scan_files SET heartbeat = ? WHERE id = ? AND state = ?`), w.s.stamp(), w.fileID, fileLoading)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return registry.Errorf(registry.ECONFLICT, "the file is no longer loading: its rows were removed, as those of a loader presumed dead after %v without a write", staleAfter)
	}
	for off := 0; off < rows; off += w.perStmt {
		n := min(w.perStmt, rows-off)
		st, err := w.stmt(ctx, n)
		if err != nil {
			return err
		}
		_, err = tx.StmtContext(ctx, st).ExecContext(ctx, args[off*obsColumns:(off+n)*obsColumns]...)
		if _, cached := w.stmts[n]; !cached {
			st.Close()
		}
		if err != nil {
			return err
		}
	}
	return tx.Commit()
}

// encode checks a batch and turns it into insert arguments, reusing the
// writer's argument slice.
func (w *fileWriter) encode(batch []registry.Observation) ([]any, error) {
	if need := len(batch) * obsColumns; cap(w.args) < need {
		w.args = make([]any, 0, need)
	}
	args := w.args[:0]
	for i := range batch {
		o := &batch[i]
		if err := checkObservation(o); err != nil {
			e := *registry.AsError(err)
			e.Field = fmt.Sprintf("batch[%d].%s", i, e.Field)
			return nil, &e
		}
		ip := o.IP.Unmap().WithZone("")
		var last any
		if !o.ObservedLast.IsZero() {
			last = o.ObservedLast.UTC().Truncate(time.Microsecond)
		}
		args = append(args,
			ip.String(), ipKey(ip), o.Transport, int64(o.Port), o.Protocol, o.TLS,
			o.Digest(), o.Observed.UTC().Truncate(time.Microsecond), last, fieldsJSON(o.Fields))
	}
	w.args = args
	return args, nil
}

func checkObservation(o *registry.Observation) error {
	switch {
	case !o.IP.IsValid():
		return registry.Invalid("ip", "no address")
	case o.Transport != "tcp" && o.Transport != "udp":
		return registry.Invalid("transport", "%q is not tcp or udp", o.Transport)
	case o.Port == 0:
		return registry.Invalid("port", "port 0")
	case o.Protocol == "":
		return registry.Invalid("protocol", "no protocol (an unidentified service is %q)", registry.ProtocolUnknown)
	case o.Observed.IsZero():
		return registry.Invalid("observed", "no time")
	}
	return nil
}

// ipKey is the sort key of an address: "4" and 8 hex digits, or "6" and
// 32, so that byte order is address order with IPv4 first, as
// netip.Addr.Compare orders them.
func ipKey(a netip.Addr) string {
	var b [33]byte
	if a.Is4() {
		v := a.As4()
		b[0] = '4'
		hex.Encode(b[1:], v[:])
		return string(b[:9])
	}
	v := a.As16()
	b[0] = '6'
	hex.Encode(b[1:], v[:])
	return string(b[:])
}

// fieldsJSON is the fields as a JSON object with sorted keys, or "" when
// there are none.
func fieldsJSON(fields map[string]string) string {
	if len(fields) == 0 {
		return ""
	}
	b, err := json.Marshal(fields)
	if err != nil {
		return "" // a map of strings always encodes
	}
	return string(b)
}

// Commit implements registry.FileWriter.
func (w *fileWriter) Commit(ctx context.Context, final registry.ScanInput) (*registry.ScanInput, error) {
	if w.ended {
		return nil, w.errEnded()
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
	w.closeStmts()
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
	w.closeStmts()
	err := w.s.db.WithContext(ctx).Model(&scanFileRow{}).Where("id = ? AND state = ?", w.fileID, fileLoading).
		Updates(map[string]any{"state": fileAborting, "heartbeat": w.s.stamp()}).Error
	if err != nil {
		return wrap(fmt.Sprintf("scan %d: abort file %d", w.scanID, w.fileID), err)
	}
	w.ended = true
	return wrap(fmt.Sprintf("scan %d: abort file %d", w.scanID, w.fileID), w.s.deleteFile(ctx, w.fileID))
}

// deleteFile removes an aborting file and its rows, a chunk per statement.
// Two processes deleting the same file at once do no harm.
func (s *Store) deleteFile(ctx context.Context, fileID int64) error {
	db := s.db.WithContext(ctx)
	for {
		res := db.Exec(`DELETE FROM observations WHERE id IN (SELECT id FROM observations WHERE file_id = ? LIMIT ?)`, fileID, deleteChunk)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected < deleteChunk {
			break
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
