package main

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/certprint/certprint/fingerprint"
	"github.com/certprint/certprint/registry"
	"github.com/certprint/certprint/registry/sqlstore"
)

func (a *app) matchCommand() *cobra.Command {
	var scan int64
	var explain string
	var workers int
	cmd := &cobra.Command{
		Use:   "match --scan ID",
		Short: "Compute the verdicts of every device of a closed scan (again after profiles change)",
		Long: `Match builds the profile index from the registry as it is now, labels every
device the scan saw and stores the verdicts as one run, which replaces the
scan's previous verdicts once complete. Each verdict records the registry
revision and matcher version, so matching again with both unchanged gives
the same verdicts.

--explain IP matches one address and prints why, storing nothing.`,
		Args: args(0, 0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if scan <= 0 {
				return usageError{fmt.Errorf("--scan ID is required")}
			}
			var ip netip.Addr
			if explain != "" {
				var err error
				if ip, err = netip.ParseAddr(explain); err != nil {
					return usageError{fmt.Errorf("--explain: %q is not an IP address", explain)}
				}
			}
			return a.withStore(cmd.Context(), func(s *sqlstore.Store) error {
				ix, rev, err := fingerprint.IndexFor(cmd.Context(), s)
				if err != nil {
					return err
				}
				if ip.IsValid() {
					return a.explain(cmd.Context(), s, ix, scan, ip)
				}
				return a.match(cmd.Context(), s, ix, rev, scan, workers)
			})
		},
	}
	cmd.Flags().Int64Var(&scan, "scan", 0, "scan id")
	cmd.Flags().StringVar(&explain, "explain", "", "explain the verdicts of this address instead of matching the scan")
	cmd.Flags().IntVar(&workers, "workers", 0, "goroutines matching (default: one per CPU)")
	return cmd
}

func (a *app) match(ctx context.Context, s *sqlstore.Store, ix *fingerprint.Index, rev, scan int64, workers int) error {
	start := time.Now()
	run, err := fingerprint.MatchScan(ctx, ix, s, s, scan, fingerprint.MatchOptions{Workers: workers, Revision: rev})
	if err != nil {
		return err
	}
	a.reportStaleReviews(ctx, s, scan)
	if a.json {
		return a.printJSON(run)
	}
	elapsed := time.Since(start)
	a.say("scan %d: %d devices matched in %.1fs against %d models (registry revision %d, %s)",
		scan, run.Devices, elapsed.Seconds(), ix.Stats().Models, rev, run.Matcher)
	for _, c := range []registry.Class{registry.ClassCertified, registry.ClassCertifiedOutOfScope, registry.ClassUncertified, registry.ClassUnknown} {
		a.say("  %-23s %d", c, run.Classes[c])
	}
	return nil
}

func (a *app) explain(ctx context.Context, s *sqlstore.Store, ix *fingerprint.Index, scan int64, ip netip.Addr) error {
	var obs []registry.Observation
	err := s.Observations(ctx, registry.ObservationFilter{ScanID: scan, IP: ip}, func(o *registry.Observation) error {
		obs = append(obs, *o)
		return nil
	})
	if err != nil {
		return err
	}
	if len(obs) == 0 {
		return registry.Errorf(registry.ENOTFOUND, "scan %d saw no service on %s", scan, ip)
	}
	ex := ix.NewMatcher().Explain(obs)
	if a.json {
		return a.printJSON(ex)
	}
	var b strings.Builder
	if err := ex.Render(&b); err != nil {
		return err
	}
	_, err = fmt.Fprint(a.stdout, terminalSafe(b.String()))
	return err
}

func (a *app) verdictsCommand() *cobra.Command {
	var scan int64
	var ip, class string
	var limit int
	cmd := &cobra.Command{
		Use:   "verdicts --scan ID",
		Short: "Show the verdicts of a matched scan: one line per device (--json: JSON lines)",
		Args:  args(0, 0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if scan <= 0 {
				return usageError{fmt.Errorf("--scan ID is required")}
			}
			f := registry.VerdictFilter{ScanID: scan, Class: registry.Class(class), Page: registry.Page{Limit: limit}}
			var err error
			if f.IP, err = ipFlag(ip); err != nil {
				return err
			}
			switch f.Class {
			case "", registry.ClassCertified, registry.ClassCertifiedOutOfScope, registry.ClassUncertified, registry.ClassUnknown:
			default:
				return usageError{fmt.Errorf("--class: %q is not a verdict class", class)}
			}
			return a.withStore(cmd.Context(), func(s *sqlstore.Store) error {
				return s.Verdicts(cmd.Context(), f, a.printVerdict)
			})
		},
	}
	cmd.Flags().Int64Var(&scan, "scan", 0, "scan id")
	cmd.Flags().StringVar(&ip, "ip", "", "only this address")
	cmd.Flags().StringVar(&class, "class", "", "only this class (certified, certified-out-of-scope, uncertified, unknown)")
	cmd.Flags().IntVar(&limit, "limit", 0, "at most this many (0: all)")
	return cmd
}

// printVerdict writes one verdict as a JSON line or a line of text.
func (a *app) printVerdict(v *registry.Verdict) error {
	if a.json {
		return a.printJSON(v)
	}
	refs := strings.Join(v.ModelRefs, ",")
	if refs == "" {
		refs = "-"
	}
	line := fmt.Sprintf("%s %s %s %s %.3f %s", v.IP, strings.Join(v.Ports, ","), v.Class, refs, v.Confidence, v.FirmwareState)
	if v.FirmwareVersion != "" {
		line += " " + v.FirmwareVersion
	}
	if v.Reason != "" {
		line += " (" + v.Reason + ")"
	}
	if v.Review != "" && v.Review != registry.ReviewAuto {
		line += " [" + string(v.Review)
		if v.ReviewModel != "" {
			line += " as " + v.ReviewModel
		}
		line += " by " + v.ReviewedBy + "]"
	}
	_, err := fmt.Fprintln(a.stdout, terminalSafe(line))
	return err
}

// reportStaleReviews says how many reviews of the scan name a device the
// run just committed no longer has: they are kept, not lost, and someone
// should look at those devices again.
func (a *app) reportStaleReviews(ctx context.Context, s *sqlstore.Store, scan int64) {
	reviews, err := s.Reviews(ctx, registry.ReviewFilter{ScanID: scan})
	if err != nil {
		a.say("scan %d: reviews not checked: %s", scan, terminalSafe(err.Error()))
		return
	}
	stale := 0
	for _, r := range reviews {
		if r.Stale {
			stale++
		}
	}
	if stale > 0 {
		a.say("scan %d: %d of %d reviews name a device this run no longer has (kept; certprint verdicts reviews --scan %d --stale)", scan, stale, len(reviews), scan)
	}
}
