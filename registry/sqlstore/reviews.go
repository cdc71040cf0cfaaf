package sqlstore

import (
	"context"
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

var _ registry.ReviewService = (*Store)(nil)

// auditReview is the audit log's entity for reviews; Revision leaves it
// out (see revision).
const auditReview = "review"

type reviewRow struct {
	ID            int64
	ScanID        int64
	IP            string `gorm:"column:ip"`
	IPSort        string `gorm:"column:ip_sort"`
	FirstPort     string
	Ports         string
	State         string
	ModelRef      string
	VerdictClass  string
	VerdictModels string
	Note          string
	ReviewedBy    string
	ReviewedAt    time.Time
}

func (reviewRow) TableName() string { return "reviews" }

func (r *reviewRow) review() (registry.Review, error) {
	out := registry.Review{
		ID: r.ID, ScanID: r.ScanID, Ports: strings.Fields(r.Ports), State: registry.ReviewState(r.State),
		ModelRef: r.ModelRef, VerdictClass: registry.Class(r.VerdictClass), VerdictModels: []string{},
		Note: r.Note, By: r.ReviewedBy, At: r.ReviewedAt.UTC(),
	}
	ip, err := netip.ParseAddr(r.IP)
	if err != nil {
		return out, fmt.Errorf("review %d: stored address %q: %w", r.ID, r.IP, err)
	}
	out.IP = ip
	return out, fromJSONText(r.VerdictModels, &out.VerdictModels)
}

// deviceKey names a device across match runs: its address's sort key and
// its ports.
func deviceKey(ipSort string, ports []string) string {
	return ipSort + "|" + registry.PortsKey(ports)
}

// reviewAudit is what the audit log keeps of a review: no address and no
// ports, since certifiers read the audit log and only scan teams may see
// addresses; the key names the review, which scanners can look up.
func reviewAudit(r *reviewRow) any {
	var models []string
	fromJSONText(r.VerdictModels, &models)
	return struct {
		State         string    `json:"state"`
		ModelRef      string    `json:"model_ref,omitempty"`
		VerdictClass  string    `json:"verdict_class"`
		VerdictModels []string  `json:"verdict_models,omitempty"`
		Note          string    `json:"note,omitempty"`
		By            string    `json:"reviewed_by"`
		At            time.Time `json:"reviewed_at"`
	}{r.State, r.ModelRef, r.VerdictClass, models, r.Note, r.ReviewedBy, r.ReviewedAt.UTC()}
}

// Review implements registry.ReviewService.
func (s *Store) Review(ctx context.Context, in registry.ReviewInput) (*registry.Review, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	ip := in.IP.Unmap().WithZone("")
	port := ""
	if in.Port != "" {
		port, _ = registry.ParseServicePort(in.Port)
	}
	op := fmt.Sprintf("review scan %d", in.ScanID)
	run, err := s.LatestMatch(ctx, in.ScanID)
	if err != nil {
		return nil, err
	}
	v, err := s.deviceOf(ctx, run, ip, port)
	if err != nil {
		return nil, err
	}
	model := ""
	switch in.State {
	case registry.ReviewConfirmed:
		if len(v.ModelRefs) > 1 {
			return nil, registry.Errorf(registry.ECONFLICT, "the verdict names %d models (%s), which cannot be told apart; a confirmation cannot say which: correct it to the one it is",
				len(v.ModelRefs), strings.Join(v.ModelRefs, ", "))
		}
		if len(v.ModelRefs) == 1 {
			model = v.ModelRefs[0]
		}
	case registry.ReviewCorrected:
		if slices.Equal(v.ModelRefs, []string{in.ModelRef}) {
			return nil, registry.Errorf(registry.ECONFLICT, "the verdict already names %s alone; confirm it instead", in.ModelRef)
		}
		if _, err := s.GetModel(ctx, in.ModelRef, false); err != nil {
			return nil, err
		}
		model = in.ModelRef
	}
	actor := registry.ActorFrom(ctx).Name
	if actor == "" {
		actor = "local"
	}
	row := reviewRow{
		ScanID: in.ScanID, IP: ip.String(), IPSort: ipKey(ip), FirstPort: portSortKey(v.Ports), Ports: registry.PortsKey(v.Ports),
		State: string(in.State), ModelRef: model, VerdictClass: string(v.Class), VerdictModels: jsonText(v.ModelRefs),
		Note: in.Note, ReviewedBy: actor, ReviewedAt: s.stamp(),
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var old []reviewRow
		if err := tx.Where("scan_id = ? AND ip_sort = ? AND ports = ?", row.ScanID, row.IPSort, row.Ports).Limit(1).Find(&old).Error; err != nil {
			return err
		}
		action := "create"
		var before any
		if len(old) == 1 {
			action, before, row.ID = "update", reviewAudit(&old[0]), old[0].ID
			if err := tx.Save(&row).Error; err != nil {
				return err
			}
		} else if err := tx.Create(&row).Error; err != nil {
			return err
		}
		return tx.Create(&auditRow{
			At: row.ReviewedAt, Actor: actor, Action: action, Entity: auditReview,
			EntityKey:  strconv.FormatInt(row.ScanID, 10) + "/" + strconv.FormatInt(row.ID, 10),
			BeforeJSON: jsonText(before), AfterJSON: jsonText(reviewAudit(&row)),
		}).Error
	})
	if err != nil {
		return nil, wrap(op, err)
	}
	out, err := row.review()
	return &out, err
}

// deviceOf finds the device of the run on ip that has port among its
// services ("" for the address's only device).
func (s *Store) deviceOf(ctx context.Context, run *registry.MatchRun, ip netip.Addr, port string) (*registry.Verdict, error) {
	rows, err := s.stream(ctx, `SELECT body FROM verdicts WHERE run_id = ? AND ip_sort = ? ORDER BY first_port, id`, []any{run.ID, ipKey(ip)})
	if err != nil {
		return nil, wrap("review: verdicts", err)
	}
	defer rows.Close()
	var devices []*registry.Verdict
	for rows.Next() {
		var body string
		if err := rows.Scan(&body); err != nil {
			return nil, wrap("review: verdicts", err)
		}
		v := &registry.Verdict{}
		if err := json.Unmarshal([]byte(body), v); err != nil {
			return nil, fmt.Errorf("sqlstore: stored verdict: %w", err)
		}
		devices = append(devices, v)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("review: verdicts", err)
	}
	if len(devices) == 0 {
		return nil, registry.Errorf(registry.ENOTFOUND, "scan %d's current match run has no device on %s", run.ScanID, ip)
	}
	list := make([]string, len(devices))
	for i, d := range devices {
		list[i] = strings.Join(d.Ports, ",")
		if port != "" && slices.Contains(d.Ports, port) {
			return d, nil
		}
	}
	switch {
	case port != "":
		return nil, registry.Errorf(registry.ENOTFOUND, "no device on %s in scan %d has port %s; its devices have %s", ip, run.ScanID, port, strings.Join(list, "; "))
	case len(devices) > 1:
		return nil, registry.Invalid("port", "%s has %d devices in scan %d (%s); name one by a port of it", ip, len(devices), run.ScanID, strings.Join(list, "; "))
	}
	return devices[0], nil
}

// Reviews implements registry.ReviewService.
func (s *Store) Reviews(ctx context.Context, f registry.ReviewFilter) ([]registry.Review, error) {
	if _, err := s.GetScan(ctx, f.ScanID); err != nil {
		return nil, err
	}
	op := fmt.Sprintf("reviews of scan %d", f.ScanID)
	rows, err := s.reviewRows(ctx, f)
	if err != nil {
		return nil, wrap(op, err)
	}
	live, err := s.reviewedDevices(ctx, f.ScanID)
	if err != nil {
		return nil, wrap(op, err)
	}
	out := make([]registry.Review, 0, len(rows))
	for i := range rows {
		r, err := rows[i].review()
		if err != nil {
			return nil, wrap(op, err)
		}
		r.Stale = !live[deviceKey(rows[i].IPSort, r.Ports)]
		out = append(out, r)
	}
	return out, nil
}

func (s *Store) reviewRows(ctx context.Context, f registry.ReviewFilter) ([]reviewRow, error) {
	q := s.db.WithContext(ctx).Where("scan_id = ?", f.ScanID)
	if f.IP.IsValid() {
		q = q.Where("ip_sort = ?", ipKey(f.IP.Unmap().WithZone("")))
	}
	if f.ModelRef != "" {
		q = q.Where("model_ref = ?", f.ModelRef)
	}
	var rows []reviewRow
	err := q.Order("ip_sort, first_port, id").Find(&rows).Error
	return rows, err
}

// reviewedDevices returns the devices of the scan's current run on the
// addresses that have a review, by deviceKey: one query, reading only
// the verdicts of reviewed addresses.
func (s *Store) reviewedDevices(ctx context.Context, scanID int64) (map[string]bool, error) {
	out := map[string]bool{}
	run, err := s.LatestMatch(ctx, scanID)
	if registry.ErrorCode(err) == registry.ENOTFOUND {
		return out, nil // never matched: every review is stale
	}
	if err != nil {
		return nil, err
	}
	rows, err := s.stream(ctx, `SELECT ip_sort, body FROM verdicts WHERE run_id = ? AND ip_sort IN (SELECT ip_sort FROM reviews WHERE scan_id = ?)`,
		[]any{run.ID, scanID})
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var key, body string
		if err := rows.Scan(&key, &body); err != nil {
			return nil, err
		}
		var v struct {
			Ports []string `json:"ports"`
		}
		if err := json.Unmarshal([]byte(body), &v); err != nil {
			return nil, fmt.Errorf("stored verdict: %w", err)
		}
		out[deviceKey(key, v.Ports)] = true
	}
	return out, rows.Err()
}

// reviewsByDevice returns the scan's reviews by deviceKey, for Verdicts
// to show each on its device: a scan has reviews of a few devices out of
// many, so they are read before the verdicts stream rather than joined.
func (s *Store) reviewsByDevice(ctx context.Context, scanID int64, ip netip.Addr) (map[string]*registry.Review, error) {
	rows, err := s.reviewRows(ctx, registry.ReviewFilter{ScanID: scanID, IP: ip})
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	out := make(map[string]*registry.Review, len(rows))
	for i := range rows {
		r, err := rows[i].review()
		if err != nil {
			return nil, err
		}
		out[deviceKey(rows[i].IPSort, r.Ports)] = &r
	}
	return out, nil
}
