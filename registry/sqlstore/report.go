package sqlstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/certprint/certprint/registry"
)

var _ registry.ReportService = (*Store)(nil)

// reportAttempts bounds how often Adoption counts again when the scan is
// matched anew while it counts.
const reportAttempts = 3

// Adoption implements registry.ReportService. The database aggregates:
// one statement counts the run's verdicts per class for the funnel and
// per group and class, and only those few rows come back, so memory
// does not grow with the number of verdicts. The statement sees one
// snapshot of the database; a run replaced between reading it and
// counting its verdicts shows as a count that differs from the run's
// own, and is counted again.
func (s *Store) Adoption(ctx context.Context, q registry.AdoptionQuery) (*registry.AdoptionReport, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	rep := &registry.AdoptionReport{By: q.By, Confidence: registry.ReportConfidence, Grouping: registry.GroupingText(q.By),
		GroupsOverlap: q.By == registry.ByProgram}
	if q.ScanID == 0 {
		id, err := s.latestMatchedScan(ctx)
		if err != nil {
			return nil, err
		}
		q.ScanID, rep.Latest = id, true
	}
	scan, err := s.GetScan(ctx, q.ScanID)
	if err != nil {
		return nil, err
	}
	if scan.State != registry.ScanClosed {
		return nil, registry.Errorf(registry.ECONFLICT, "scan %d is still importing; only closed scans are reported", q.ScanID)
	}
	rep.Scan = registry.ReportScan{ID: scan.ID, Started: scan.Started, Finished: scan.Finished}
	rep.Funnel.Probed = registry.ProbedSpaceOf(scan)
	for range reportAttempts {
		run, err := s.LatestMatch(ctx, q.ScanID)
		if err != nil {
			return nil, err
		}
		ok, err := s.countAdoption(ctx, rep, run, scan.ID, q.By)
		if err != nil {
			return nil, wrap(fmt.Sprintf("adoption report of scan %d", q.ScanID), err)
		}
		if ok {
			rep.Run = run
			return rep, nil
		}
	}
	return nil, registry.Errorf(registry.ECONFLICT, "scan %d was matched again while its report was counted; try again", q.ScanID)
}

// latestMatchedScan is the closed scan closed last that has a finished
// match run.
func (s *Store) latestMatchedScan(ctx context.Context) (int64, error) {
	var ids []int64
	err := s.db.WithContext(ctx).Raw(`SELECT s.id FROM scans s WHERE s.state = ? AND EXISTS (
		SELECT 1 FROM match_runs r WHERE r.scan_id = s.id AND r.state = ?) ORDER BY s.closed_at DESC, s.id DESC LIMIT 1`,
		string(registry.ScanClosed), runDone).Scan(&ids).Error
	if err != nil {
		return 0, wrap("latest matched scan", err)
	}
	if len(ids) == 0 {
		return 0, registry.Errorf(registry.ENOTFOUND, "no closed scan has verdicts yet; run certprint match --scan ID")
	}
	return ids[0], nil
}

// countAdoption fills rep's funnel, total and groups from the verdicts of
// run; false when they are not the run's whole (it was replaced).
func (s *Store) countAdoption(ctx context.Context, rep *registry.AdoptionReport, run *registry.MatchRun, scanID int64, by registry.ReportBy) (bool, error) {
	q, args := s.adoptionSQL(run.ID, scanID, by)
	rows, err := s.stream(ctx, q, args)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	total := map[registry.Class]int64{}
	var unobserved int64
	var funnel registry.Funnel
	type groupCounts struct {
		classes    map[registry.Class]int64
		unobserved int64
	}
	groups := map[string]*groupCounts{}
	for rows.Next() {
		var (
			part, n, unobs, fingerprinted, matched int64
			key, class                             string
		)
		if err := rows.Scan(&part, &key, &class, &n, &unobs, &fingerprinted, &matched); err != nil {
			return false, err
		}
		c := registry.Class(class)
		if part == 0 {
			total[c] += n
			unobserved += unobs
			funnel.Responsive += n
			funnel.Fingerprinted += fingerprinted
			funnel.Matched += matched
			if c == registry.ClassCertified {
				funnel.Certified += n
			}
			continue
		}
		g := groups[key]
		if g == nil {
			g = &groupCounts{classes: map[registry.Class]int64{}}
			groups[key] = g
		}
		g.classes[c] += n
		g.unobserved += unobs
	}
	if err := rows.Err(); err != nil {
		return false, err
	}
	if funnel.Responsive != run.Devices {
		return false, nil
	}
	funnel.Probed = rep.Funnel.Probed
	rep.Funnel = funnel
	rep.Total = registry.NewAdoptionGroup("(all)", total, unobserved)
	rep.Groups = nil
	for key, g := range groups {
		rep.Groups = append(rep.Groups, registry.NewAdoptionGroup(key, g.classes, g.unobserved))
	}
	registry.SortGroups(by, rep.Groups)
	return true, nil
}

// adoptionSQL is the one statement of a report: rows (0, empty key, class,
// devices, certified with firmware unobserved, fingerprinted, matched)
// for the whole run, then (1, group key, class, devices, certified
// with firmware unobserved, 0, 0) per group unless by is empty.
//
// dev has one row per verdict of the run with what the groupings read
// from its body: nrefs, the number of models it names, and unobserved.
// A device's services are its ports (the body's "ports", "tcp/80") on
// its address; the observations of the scan are found by the index on
// (scan_id, ip_sort, transport, port).
func (s *Store) adoptionSQL(runID, scanID int64, by registry.ReportBy) (string, []any) {
	j := s.jsonSQL()
	services := func(what string) string {
		return `SELECT ` + what + ` FROM ` + j.each("d.doc", "ports", "p") + ` JOIN observations o ON o.scan_id = ? AND o.ip_sort = d.ip_sort
			AND o.transport = substr(p.value, 1, 3) AND o.port = CAST(substr(p.value, 5) AS INTEGER)`
	}
	var b strings.Builder
	args := []any{runID}
	b.WriteString(`WITH dev AS (
	SELECT x.id, x.class, x.ip_sort, x.doc, COALESCE(` + j.length("x.doc", "model_refs") + `, 0) AS nrefs,
		CASE WHEN x.class = 'certified' AND ` + j.text("x.doc", "firmware_state") + ` = 'unobserved' THEN 1 ELSE 0 END AS unobserved
	FROM (SELECT v.id, v.class, v.ip_sort, ` + j.doc("v.body") + ` AS doc FROM verdicts v WHERE v.run_id = ?) x
)`)
	if key := s.groupKeySQL(j, by, services); key != "" {
		b.WriteString(",\nkeyed AS (" + key + ")")
		if by == registry.ByMonth {
			args = append(args, scanID)
		}
	}
	b.WriteString(`
SELECT 0, '', t.class, COUNT(*), SUM(t.unobserved), SUM(t.fingerprinted), SUM(CASE WHEN t.nrefs > 0 THEN 1 ELSE 0 END)
FROM (SELECT d.class, d.unobserved, d.nrefs, CASE WHEN EXISTS (` + services("1") + `
	WHERE o.protocol <> 'unknown' OR o.fields NOT IN ('', '{}')) THEN 1 ELSE 0 END AS fingerprinted FROM dev d) t
GROUP BY t.class`)
	args = append(args, scanID)
	if by != registry.ByNone {
		b.WriteString(`
UNION ALL
SELECT 1, k.gkey, k.class, COUNT(*), SUM(k.unobserved), 0, 0 FROM keyed k WHERE k.gkey IS NOT NULL GROUP BY k.gkey, k.class`)
	}
	return b.String(), args
}

// groupKeySQL selects (id, class, unobserved, gkey) from dev: one row
// per device and group it counts in (registry.GroupingText says how).
func (s *Store) groupKeySQL(j jsonSQL, by registry.ReportBy, services func(string) string) string {
	refs := `dev d LEFT JOIN ` + j.each("d.doc", "model_refs", "r") + ` ON 1 = 1`
	agreed := func(key, label string) string {
		return `SELECT a.id, a.class, a.unobserved, CASE
			WHEN a.nrefs = 0 THEN '` + registry.GroupUnmatched + `'
			WHEN a.kinds > 1 THEN '` + registry.GroupAmbiguous + `'
			WHEN a.label = '' THEN '` + registry.GroupUnset + `'
			ELSE a.label END AS gkey
		FROM (SELECT d.id, d.class, d.unobserved, d.nrefs,
				COUNT(DISTINCT COALESCE(` + key + `, '` + registry.GroupNotInRegistry + `')) AS kinds,
				MIN(COALESCE(` + label + `, '` + registry.GroupNotInRegistry + `')) AS label
			FROM ` + refs + ` LEFT JOIN models m ON m.ref = r.value
			GROUP BY d.id, d.class, d.unobserved, d.nrefs) a`
	}
	switch by {
	case registry.ByVendor:
		// Vendors are one when their keys are: each key is shown as one
		// spelling of it, so "ACME" and "Acme" make one group.
		return agreed("m.vendor_key", "(SELECT MIN(mv.vendor) FROM models mv WHERE mv.vendor_key = m.vendor_key)")
	case registry.ByDeviceType:
		return agreed("m.device_type", "m.device_type")
	case registry.ByModel:
		return agreed("r.value", "r.value")
	case registry.ByProgram:
		// holders: how many of the device's models have a certification
		// in the programme; progs: in how many programmes any of them has
		// one. A device's row with no programme (code NULL) only counts
		// when it has no programme at all.
		return `SELECT DISTINCT w.id, w.class, w.unobserved, CASE
			WHEN w.nrefs = 0 THEN '` + registry.GroupUnmatched + `'
			WHEN w.progs = 0 THEN '` + registry.GroupNoProgram + `'
			WHEN w.code IS NULL THEN NULL
			WHEN w.holders = w.nrefs THEN w.code
			ELSE '` + registry.GroupAmbiguous + `' END AS gkey
		FROM (SELECT p.*, COUNT(p.code) OVER (PARTITION BY p.id) AS progs
			FROM (SELECT d.id, d.class, d.unobserved, d.nrefs, g.code, COUNT(DISTINCT r.value) AS holders
				FROM ` + refs + ` LEFT JOIN models m ON m.ref = r.value
				LEFT JOIN certifications c ON c.model_id = m.id LEFT JOIN programs g ON g.id = c.program_id
				GROUP BY d.id, d.class, d.unobserved, d.nrefs, g.code) p) w`
	case registry.ByMonth:
		return `SELECT d.id, d.class, d.unobserved, COALESCE(` + j.month("("+services("MIN(o.observed)")+")") + `, '` + registry.GroupUnset + `') AS gkey FROM dev d`
	}
	return ""
}

// jsonSQL writes the few JSON expressions that differ between SQLite's
// JSON functions and PostgreSQL's jsonb. A verdict's body is text; doc
// is the form the other expressions take (jsonb on PostgreSQL, parsed
// once per row).
type jsonSQL struct{ postgres bool }

func (s *Store) jsonSQL() jsonSQL { return jsonSQL{postgres: s.dialect == "postgres"} }

func (j jsonSQL) doc(body string) string {
	if j.postgres {
		return "CAST(" + body + " AS jsonb)"
	}
	return body
}

// array is the doc's field when it is an array, else an empty one
// (PostgreSQL refuses to take the elements or length of null).
func (j jsonSQL) array(doc, field string) string {
	return "CASE WHEN jsonb_typeof(" + doc + " -> '" + field + "') = 'array' THEN " + doc + " -> '" + field + "' ELSE CAST('[]' AS jsonb) END"
}

// each is a FROM item with one row per element of an array of strings,
// its text in alias.value.
func (j jsonSQL) each(doc, field, alias string) string {
	if j.postgres {
		return "jsonb_array_elements_text(" + j.array(doc, field) + ") AS " + alias + "(value)"
	}
	return "json_each(" + doc + ", '$." + field + "') AS " + alias
}

func (j jsonSQL) length(doc, field string) string {
	if j.postgres {
		return "jsonb_array_length(" + j.array(doc, field) + ")"
	}
	return "json_array_length(" + doc + ", '$." + field + "')"
}

func (j jsonSQL) text(doc, field string) string {
	if j.postgres {
		return "(" + doc + " ->> '" + field + "')"
	}
	return "json_extract(" + doc + ", '$." + field + "')"
}

// month is YYYY-MM of a time in UTC: SQLite keeps times as UTC text
// (recTimeLayout), PostgreSQL as timestamptz.
func (j jsonSQL) month(t string) string {
	if j.postgres {
		return "to_char(" + t + " AT TIME ZONE 'UTC', 'YYYY-MM')"
	}
	return "substr(" + t + ", 1, 7)"
}
