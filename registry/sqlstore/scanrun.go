package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/certprint/certprint/registry"
)

// keyRange is the first and last service of rows written as runs that
// leave nothing to merge among themselves (record heads, which sort as
// services do). Closing compares a scan's ranges to find where rows may
// still merge.
type keyRange [2]string

// A run is bounded both ways: by rows, so that each is sorted and
// inserted in reasonable time, and by bytes, for memory (two runs are
// held at once: one gathered, one inserted). The larger the run, the
// fewer places of the index each of its transactions writes when a file
// is not in address order.
var (
	runRows  = 64 << 10 // a variable for tests of several runs
	runBytes = 32 << 20
)

// run is the records a fileWriter gathers between two flushes
// (record.go), one after another in buf.
type run struct {
	buf  []byte
	recs []span

	rows []dupRow // merge's scratch
	drop []int64
}

// span is one record of a run: buf[start:end].
type span struct{ start, end int }

func (r *run) reset() { r.buf, r.recs = r.buf[:0], r.recs[:0] }

func (r *run) full() bool { return len(r.recs) >= runRows || len(r.buf) >= runBytes }

// add checks and encodes a batch into the run; if any observation is
// invalid, none of the batch is added.
func (r *run) add(enc *recordEncoder, batch []registry.Observation) error {
	buf, recs := len(r.buf), len(r.recs)
	for i := range batch {
		start := len(r.buf)
		var err error
		if r.buf, err = enc.append(r.buf, &batch[i]); err != nil {
			r.buf, r.recs = r.buf[:buf], r.recs[:recs]
			e := *registry.AsError(err)
			e.Field = fmt.Sprintf("batch[%d].%s", i, e.Field)
			return &e
		}
		r.recs = append(r.recs, span{start, len(r.buf)})
	}
	return nil
}

// service is the head of a record that names its service.
func (r *run) service(s span) []byte { return r.buf[s.start : s.start+recServiceLen] }

// sort orders the records as the index of observations: by service (a
// record's head sorts as the index does), then as they were written.
// Files in address order are sorted already, and pay for one look.
func (r *run) sort() {
	sorted := true
	for i := 1; i < len(r.recs) && sorted; i++ {
		sorted = bytes.Compare(r.service(r.recs[i-1]), r.service(r.recs[i])) <= 0
	}
	if sorted {
		return
	}
	// Spans start in the order records were added, so comparing them
	// keeps equal services in that order.
	slices.SortFunc(r.recs, func(a, b span) int {
		if c := bytes.Compare(r.service(a), r.service(b)); c != 0 {
			return c
		}
		return a.start - b.start
	})
}

// merge merges the records of each service that the run, sorted, holds
// more than once, as closing would (mergeService, record numbers standing
// in for row ids): a file that repeats a service within a run (masscan
// writes an open port, then its banners) leaves closing nothing to merge
// there.
func (r *run) merge() {
	out := 0
	for i := 0; i < len(r.recs); {
		j := i + 1
		for j < len(r.recs) && bytes.Equal(r.service(r.recs[i]), r.service(r.recs[j])) {
			j++
		}
		if j == i+1 {
			r.recs[out], out = r.recs[i], out+1
			i = j
			continue
		}
		group := r.recs[i:j]
		rows := r.rows[:0]
		for k, s := range group {
			rows = append(rows, recordRow(int64(k), r.buf[s.start:s.end]))
		}
		drop := mergeService(rows, r.drop[:0])
		for _, row := range rows {
			if row.changed {
				s := group[row.id]
				setRecTimes(r.buf[s.start:s.end], row.first, row.last)
			}
		}
		kept := r.recs[out:out]
		for k, s := range group {
			if !slices.Contains(drop, int64(k)) {
				kept = append(kept, s)
			}
		}
		out += len(kept)
		r.rows, r.drop = rows, drop
		i = j
	}
	r.recs = r.recs[:out]
}

// bounds are the services of the run's first and last records, sorted.
func (r *run) bounds() keyRange {
	return keyRange{string(r.service(r.recs[0])), string(r.service(r.recs[len(r.recs)-1]))}
}

// Rows go into observations in transactions of at most rowsPerTransaction
// rows, so that no loader holds the write lock for long, and in inserts of
// at most rowsPerStatement rows: ten bound parameters a row stay below
// SQLite's limit of 32766, and past a thousand rows the per-statement cost
// is spread thin.
const (
	rowsPerTransaction = 4096
	rowsPerStatement   = 1024
)

// obsColumns are the columns an insert binds, in the order appendRowArgs
// appends them; scan_id and file_id are constants of the statement.
// obsTextColumns says which are text.
const obsColumns = "ip, ip_sort, transport, port, protocol, tls, digest, observed, observed_last, fields"

var obsTextColumns = [...]bool{true, true, true, false, true, false, true, true, true, true}

// On SQLite the text columns are bound as bytes, slices of the run's
// records, which the insert casts back to text (a cast that only changes
// the value's type): mattn/go-sqlite3 binds a []byte as it is, but copies
// a string into a new []byte first, ten million times a million rows.
// PostgreSQL would cast bytes to their hex rendering, so it gets strings.
func sqliteText(b []byte) any   { return b }
func postgresText(b []byte) any { return string(b) }

// inserter writes the runs of one file. One goroutine at a time uses it.
//
// It holds one connection for the file and inserts through the driver's
// own prepared statements on it, not through database/sql: a statement of
// a thousand rows binds ten thousand arguments, which database/sql would
// copy and check one by one for every statement.
type inserter struct {
	s              *Store
	db             *sql.DB
	scanID, fileID int64

	conn  *sql.Conn           // nil until the first insert
	stmts map[int]driver.Stmt // multi-row inserts by number of rows
	// checkpointing is closed when the last checkpoint started is over;
	// nil before the first.
	checkpointing chan struct{}
	heartbeat     driver.Stmt         // refreshes the file's heartbeat
	args          []any               // one statement's values
	named         []driver.NamedValue // the same, for the driver
}

// maxCachedStmts bounds the prepared inserts an inserter keeps: full
// statements use one size, the rest of a run another.
const maxCachedStmts = 8

// run inserts r, sorted and merged.
func (ins *inserter) run(ctx context.Context, r *run) error {
	if ins.conn == nil {
		conn, err := ins.db.Conn(ctx)
		if err != nil {
			return err
		}
		ins.conn = conn
		if ins.s.dialect == "sqlite" {
			// Copying the write-ahead log into the database is left to
			// checkpoint, on another connection and so another core: in
			// the transaction that crosses the log's threshold it would
			// hold up the one writer SQLite has.
			if _, err := conn.ExecContext(ctx, `PRAGMA wal_autocheckpoint = 0`); err != nil {
				return err
			}
		}
	}
	for off := 0; off < len(r.recs); off += rowsPerTransaction {
		recs := r.recs[off:min(off+rowsPerTransaction, len(r.recs))]
		err := ins.conn.Raw(func(dc any) error { return ins.insert(ctx, dc.(driver.Conn), r, recs) })
		if err != nil {
			return err
		}
	}
	if ins.s.dialect == "sqlite" && !ins.checkpointBusy() {
		done := make(chan struct{})
		ins.checkpointing = done
		go func() {
			defer close(done)
			ins.checkpoint(context.WithoutCancel(ctx))
		}()
	}
	return nil
}

// checkpointBusy reports whether a checkpoint is still running.
func (ins *inserter) checkpointBusy() bool {
	if ins.checkpointing == nil {
		return false
	}
	select {
	case <-ins.checkpointing:
		return false
	default:
		return true
	}
}

// checkpoint copies what the write-ahead log holds into the database
// without waiting for the writer (PASSIVE), so that the log can start
// over instead of growing with the file. One runs at a time; the next
// run starts another once it is over.
func (ins *inserter) checkpoint(ctx context.Context) {
	// A checkpoint that cannot finish (a reader holds old pages) is
	// simply tried again after the next run.
	ins.db.ExecContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`)
}

// insert writes records of r in one transaction on c, after checking that
// the file is still loading (and telling reapers that its loader is
// alive).
func (ins *inserter) insert(ctx context.Context, c driver.Conn, r *run, recs []span) error {
	tx, err := c.(driver.ConnBeginTx).BeginTx(ctx, driver.TxOptions{})
	if err != nil {
		return err
	}
	if err := ins.insertIn(ctx, c, r, recs); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// insertIn is insert within the transaction.
func (ins *inserter) insertIn(ctx context.Context, c driver.Conn, r *run, recs []span) error {
	text := sqliteText
	if ins.s.dialect == "postgres" {
		text = postgresText
	}
	var err error
	if ins.heartbeat == nil {
		// The file's first transaction also records a bound below the
		// ids of all its rows, for deleteFile: ids only grow, and none is
		// handed out between this statement and the inserts after it
		// that is smaller than what is there now.
		q := ins.s.rebind(`UPDATE scan_files SET heartbeat = ?,
			first_row = COALESCE(first_row, (SELECT COALESCE(MAX(id), 0) + 1 FROM observations)) WHERE id = ? AND state = ?`)
		if ins.heartbeat, err = c.(driver.ConnPrepareContext).PrepareContext(ctx, q); err != nil {
			return err
		}
	}
	res, err := ins.exec(ctx, ins.heartbeat, ins.s.stamp(), ins.fileID, fileLoading)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return registry.Errorf(registry.ECONFLICT, "the file is no longer loading: its rows were removed, as those of a loader presumed dead after %v without a write", staleAfter)
	}
	for off := 0; off < len(recs); off += rowsPerStatement {
		n := min(rowsPerStatement, len(recs)-off)
		ins.args = ins.args[:0]
		for _, s := range recs[off : off+n] {
			ins.args = appendRowArgs(ins.args, r.buf[s.start:s.end], text)
		}
		st, cached, err := ins.stmt(ctx, c, n)
		if err != nil {
			return err
		}
		_, err = ins.exec(ctx, st, ins.args...)
		if !cached {
			st.Close()
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// exec runs a prepared statement of the driver with args, which must be
// values the driver takes as they are (driver.Value).
func (ins *inserter) exec(ctx context.Context, st driver.Stmt, args ...any) (driver.Result, error) {
	ins.named = ins.named[:0]
	for i, a := range args {
		ins.named = append(ins.named, driver.NamedValue{Ordinal: i + 1, Value: a})
	}
	res, err := st.(driver.StmtExecContext).ExecContext(ctx, ins.named)
	clear(ins.named) // the values are the run's, about to be reused
	return res, err
}

func (ins *inserter) insertSQL(rows int) string {
	var b strings.Builder
	b.Grow(128 + rows*48)
	b.WriteString("INSERT INTO observations (scan_id, file_id, " + obsColumns + ") VALUES ")
	prefix := "(" + strconv.FormatInt(ins.scanID, 10) + "," + strconv.FormatInt(ins.fileID, 10)
	n := 0
	for r := range rows {
		if r > 0 {
			b.WriteByte(',')
		}
		b.WriteString(prefix)
		for _, isText := range obsTextColumns {
			n++
			switch {
			case ins.s.dialect == "postgres":
				b.WriteString(",$" + strconv.Itoa(n))
			case isText:
				b.WriteString(",CAST(? AS TEXT)")
			default:
				b.WriteString(",?")
			}
		}
		b.WriteByte(')')
	}
	return b.String()
}

// stmt returns the prepared insert of n rows on c; the caller closes it
// when cached is false.
func (ins *inserter) stmt(ctx context.Context, c driver.Conn, n int) (st driver.Stmt, cached bool, err error) {
	if st, ok := ins.stmts[n]; ok {
		return st, true, nil
	}
	st, err = c.(driver.ConnPrepareContext).PrepareContext(ctx, ins.insertSQL(n))
	if err != nil {
		return nil, false, err
	}
	if len(ins.stmts) < maxCachedStmts {
		ins.stmts[n] = st
		return st, true, nil
	}
	return st, false, nil
}

// close releases the statements and the connection.
func (ins *inserter) close() {
	if ins.checkpointing != nil {
		<-ins.checkpointing
		ins.checkpointing = nil
	}
	if ins.conn == nil {
		return
	}
	if ins.s.dialect == "sqlite" {
		// Back to SQLite's default for whoever uses the connection next.
		ins.conn.ExecContext(context.Background(), `PRAGMA wal_autocheckpoint = 1000`)
	}
	ins.conn.Raw(func(any) error {
		for n, st := range ins.stmts {
			st.Close()
			delete(ins.stmts, n)
		}
		if ins.heartbeat != nil {
			ins.heartbeat.Close()
			ins.heartbeat = nil
		}
		return nil
	})
	ins.conn.Close()
	ins.conn = nil
}
