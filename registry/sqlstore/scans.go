package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/certprint/certprint/registry"
)

var _ registry.ScanService = (*Store)(nil)

// scanDropping is the state of a scan whose rows DropScan is deleting in
// chunks; no reader ever sees it, and DropScan on it finishes the job.
const scanDropping = "dropping"

// scanClosing is the state of a scan that CloseScan is merging, a page
// of services per transaction: it takes no more files, and readers see
// it as importing. CloseScan on it finishes the job.
const scanClosing = "closing"

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
	if r.State == scanClosing {
		s.State = registry.ScanImporting // not closed until the merge is over
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
	switch f.State {
	case "":
	case registry.ScanImporting:
		q = q.Where("state IN ?", []string{string(registry.ScanImporting), scanClosing})
	default:
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

// CloseScan implements registry.ScanService. Each file's rows went into
// observations as it was written, merged within each run, so closing
// merges only across runs: it walks the index of observations where the
// ranges of services of the scan's files overlap (see overlaps), merges
// the services that more than one row describes there (mergeService),
// and counts hosts and services. A scan of one file in address order has
// no overlap.
//
// No transaction lasts for the whole close. The first marks the scan
// closing, which refuses new files, so that what follows sees only done
// files; each page of services is merged in a transaction of its own;
// the last records the counts and closes the scan. Merging is
// idempotent, so a close that dies midway is finished by the next.
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
	closed := false
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		state, err := lockScan(tx, s.dialect, id, true)
		switch {
		case err != nil:
			return err
		case state == registry.ScanClosed:
			closed = true
			return nil
		case state == scanClosing:
			return nil // a close that died midway: finish it
		}
		if f, err := loadingFile(tx, id); err != nil {
			return err
		} else if f != nil {
			return busyError(id, f)
		}
		return tx.Exec(`UPDATE scans SET state = ? WHERE id = ?`, scanClosing, id).Error
	})
	if err == nil && !closed {
		err = s.finishClose(ctx, id)
	}
	if err != nil {
		return nil, wrap(op, err)
	}
	return s.GetScan(ctx, id)
}

// finishClose merges and counts a closing scan and closes it.
func (s *Store) finishClose(ctx context.Context, id int64) error {
	db := s.db.WithContext(ctx)
	var files []scanFileRow
	if err := db.Select("stored", "runs", "first_seen", "last_seen").Where("scan_id = ? AND state = ?", id, fileDone).Find(&files).Error; err != nil {
		return err
	}
	var first, last time.Time
	var ranges []checkRange
	for _, f := range files {
		if f.FirstSeen != nil && (first.IsZero() || f.FirstSeen.Before(first)) {
			first = *f.FirstSeen
		}
		if f.LastSeen != nil && f.LastSeen.After(last) {
			last = *f.LastSeen
		}
		var runs []keyRange
		if err := fromJSONText(f.Runs, &runs); err != nil {
			return err
		}
		if len(runs) == 0 && f.Stored > 0 {
			// Written before runs were recorded: anything may merge.
			ranges = append(ranges, checkRange{keyRange{"", maxKey}, true})
		}
		for _, r := range runs {
			ranges = append(ranges, checkRange{r, false})
		}
	}
	for _, r := range overlaps(ranges) {
		if err := s.mergeDuplicates(ctx, id, r); err != nil {
			return err
		}
	}
	// The rows of a closing scan no longer change: counting them needs no
	// write lock.
	var counts struct{ Services, Hosts int64 }
	if err := db.Raw(`SELECT COUNT(*) AS services, COUNT(DISTINCT ip_sort) AS hosts FROM observations WHERE scan_id = ?`, id).Scan(&counts).Error; err != nil {
		return err
	}
	res := db.Exec(`UPDATE scans SET state = ?, closed_at = ?, hosts = ?, services = ?,
		started = COALESCE(started, ?), finished = COALESCE(finished, ?) WHERE id = ? AND state = ?`,
		string(registry.ScanClosed), s.stamp(), counts.Hosts, counts.Services, timeOrNil(first), timeOrNil(last), id, scanClosing)
	if res.Error != nil || res.RowsAffected > 0 {
		return res.Error
	}
	// Another close got there first, or a drop took the scan.
	state, err := lockScan(db, s.dialect, id, false)
	if err == nil && state != registry.ScanClosed {
		err = registry.Errorf(registry.ECONFLICT, "scan %d is %s", id, state)
	}
	return err
}

// checkRange is a keyRange of a file; unmerged when its rows may merge
// among themselves.
type checkRange struct {
	keyRange
	unmerged bool
}

// maxKey sorts after every service (record heads are ASCII below '~').
const maxKey = "~"

// overlaps returns the ranges of services where rows may still merge:
// where the ranges of two files, or of two runs of a file out of order,
// overlap, or any range that is unmerged. A file in address order has
// one range, so a scan of one such file has nothing to check.
func overlaps(ranges []checkRange) []keyRange {
	slices.SortFunc(ranges, func(a, b checkRange) int { return strings.Compare(a.keyRange[0], b.keyRange[0]) })
	var out []keyRange
	for i := 0; i < len(ranges); {
		// The ranges from i to j overlap one after another: one span.
		span, check := ranges[i].keyRange, ranges[i].unmerged
		j := i + 1
		for ; j < len(ranges) && ranges[j].keyRange[0] <= span[1]; j++ {
			span[1] = max(span[1], ranges[j].keyRange[1])
			check = true
		}
		if check {
			out = append(out, span)
		}
		i = j
	}
	return out
}

// mergePage is how many services of more than one row mergeDuplicates
// reads at a time: memory stays bounded whatever the duplicates.
const mergePage = 1000

// duplicatesSQL reads the rows of the next mergePage services, after the
// one given and up to the last one given, that have more than one row.
// The inner query walks the index and stops after mergePage of them;
// CROSS JOIN makes SQLite look their rows up from there rather than walk
// the whole scan's rows, as its planner would.
const duplicatesSQL = `SELECT o.id, o.file_id, o.ip_sort, o.transport, o.port, o.protocol, o.digest, o.fields <> '', o.observed, o.observed_last
FROM (SELECT ip_sort, transport, port FROM observations
	WHERE scan_id = ? AND (ip_sort, transport, port) > (?, ?, ?) AND (ip_sort, transport, port) <= (?, ?, ?)
	GROUP BY ip_sort, transport, port HAVING COUNT(*) > 1
	ORDER BY ip_sort, transport, port LIMIT ?) d
CROSS JOIN observations o
WHERE o.scan_id = ? AND o.ip_sort = d.ip_sort AND o.transport = d.transport AND o.port = d.port
ORDER BY o.ip_sort, o.transport, o.port, o.id`

// dupRow is a row of a service that has more than one.
type dupRow struct {
	id, file          int64
	ipSort, transport string
	port              int64
	protocol, digest  string
	said              bool      // it has fields
	first, last       time.Time // last is first when seen at one time
	changed           bool      // first or last changed: write them
}

// serviceOf reads the service a key (a record head) names; a shorter
// key, such as maxKey, is an address sort key alone.
func serviceOf(key string) dupRow {
	if len(key) < recServiceLen {
		return dupRow{ipSort: key}
	}
	port, _ := strconv.ParseInt(key[recPort-1:recPort-1+5], 10, 64)
	return dupRow{
		ipSort:    strings.TrimRight(key[:recIPSortLen], " "),
		transport: key[recTransport-1 : recTransport-1+3],
		port:      port,
	}
}

func (r *dupRow) sameService(o *dupRow) bool {
	return r.ipSort == o.ipSort && r.transport == o.transport && r.port == o.port
}

// mergeDuplicates merges every service of closing scan id in the range
// that more than one row describes, a page of services per transaction.
func (s *Store) mergeDuplicates(ctx context.Context, id int64, within keyRange) error {
	// Services are after "after" and up to "last"; ports start at 1, so
	// the first port before the range's first service is below it.
	after, last := serviceOf(within[0]), serviceOf(within[1])
	after.port--
	var rows []dupRow
	for more := true; more; {
		err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			state, err := lockScan(tx, s.dialect, id, true)
			if err != nil {
				return err
			}
			if state != scanClosing {
				return registry.Errorf(registry.ECONFLICT, "scan %d is no longer closing (%s)", id, state)
			}
			rows, more, err = s.mergePageOf(tx, id, &after, last, rows[:0])
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// mergePageOf merges the next page of services after *after, up to last,
// within tx, and moves *after past them; more is false after the last
// page. rows is scratch space, returned for the next page.
func (s *Store) mergePageOf(tx *gorm.DB, id int64, after *dupRow, last dupRow, rows []dupRow) (_ []dupRow, more bool, _ error) {
	{
		res, err := tx.Raw(duplicatesSQL, id, after.ipSort, after.transport, after.port,
			last.ipSort, last.transport, last.port, mergePage, id).Rows()
		if err != nil {
			return rows, false, err
		}
		services := 0
		for res.Next() {
			var r dupRow
			var last sql.NullTime
			if err := res.Scan(&r.id, &r.file, &r.ipSort, &r.transport, &r.port, &r.protocol, &r.digest, &r.said, &r.first, &last); err != nil {
				res.Close()
				return rows, false, err
			}
			r.last = r.first
			if last.Valid && last.Time.After(r.first) {
				r.last = last.Time
			}
			if len(rows) == 0 || !rows[len(rows)-1].sameService(&r) {
				services++
			}
			rows = append(rows, r)
		}
		res.Close()
		if err := res.Err(); err != nil {
			return rows, false, err
		}
		if len(rows) == 0 {
			return rows, false, nil
		}
		var drop []int64
		var changed []*dupRow
		for start := 0; start < len(rows); {
			end := start + 1
			for end < len(rows) && rows[end].sameService(&rows[start]) {
				end++
			}
			drop = mergeService(rows[start:end], drop)
			start = end
		}
		for i := range rows {
			if rows[i].changed {
				changed = append(changed, &rows[i])
			}
		}
		if err := s.applyMerge(tx, drop, changed); err != nil {
			return rows, false, err
		}
		*after = rows[len(rows)-1]
		return rows, services == mergePage, nil
	}
}

// mergeService decides what remains of the rows of one service, appending
// the ids of those that go to drop and marking those whose times change:
//
//   - rows with the same digest are the same facts seen again: the row
//     from the earliest file stays, spanning from the earliest time to the
//     latest;
//   - then an unknown row gives way to a row that identified the port,
//     and a bare unknown row (an open port, no fields) to any row that
//     says something of it: an open port (masscan finds it, ZGrab2 tells
//     what answers) is no service of its own.
//
// Conflicting rows stay side by side.
func mergeService(rows []dupRow, drop []int64) []int64 {
	slices.SortFunc(rows, func(a, b dupRow) int {
		return cmp.Or(strings.Compare(a.digest, b.digest), cmp.Compare(a.file, b.file), cmp.Compare(a.id, b.id))
	})
	kept := 0
	identified, said := false, false
	for i := 0; i < len(rows); {
		k := &rows[i]
		j := i + 1
		for ; j < len(rows) && rows[j].digest == k.digest; j++ {
			r := &rows[j]
			if r.first.Before(k.first) {
				k.first, k.changed = r.first, true
			}
			if r.last.After(k.last) {
				k.last, k.changed = r.last, true
			}
			drop = append(drop, r.id)
		}
		identified = identified || k.protocol != registry.ProtocolUnknown
		said = said || k.said
		rows[kept], kept = *k, kept+1
		i = j
	}
	for i := range rows[:kept] {
		r := &rows[i]
		if r.protocol == registry.ProtocolUnknown && (identified || !r.said && said) {
			drop = append(drop, r.id)
			r.changed = false
		}
	}
	for i := kept; i < len(rows); i++ {
		rows[i].changed = false
	}
	return drop
}

// applyMerge deletes the rows that merged into others and writes the new
// times of those that stay, a few hundred rows per statement: on
// PostgreSQL a statement per row would be a round trip per row.
func (s *Store) applyMerge(tx *gorm.DB, drop []int64, changed []*dupRow) error {
	for len(drop) > 0 {
		n := min(len(drop), chunk)
		if err := tx.Exec(`DELETE FROM observations WHERE id IN ?`, drop[:n]).Error; err != nil {
			return err
		}
		drop = drop[n:]
	}
	asTime := dialectTypes[s.dialect].TextAsTime
	for len(changed) > 0 {
		n := min(len(changed), chunk)
		var q strings.Builder
		q.WriteString(`UPDATE observations SET observed = ` + asTime("v.column2") + `, observed_last = ` + asTime("v.column3") +
			` FROM (VALUES `)
		args := make([]any, 0, 3*n)
		for i, r := range changed[:n] {
			if i > 0 {
				q.WriteByte(',')
			}
			// Typed, for PostgreSQL, which cannot tell the types of a
			// VALUES list from its use.
			q.WriteString(`(CAST(? AS BIGINT), CAST(? AS TEXT), CAST(? AS TEXT))`)
			var last any // NULL: seen at one time
			if r.last.After(r.first) {
				last = recTime(r.last)
			}
			args = append(args, r.id, recTime(r.first), last)
		}
		q.WriteString(`) AS v WHERE observations.id = v.column1`)
		if err := tx.Exec(q.String(), args...).Error; err != nil {
			return err
		}
		changed = changed[n:]
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
	rows, err := s.stream(ctx, q, args)
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
