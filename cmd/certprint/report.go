package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/certprint/certprint/registry"
	"github.com/certprint/certprint/registry/sqlstore"
)

func (a *app) reportCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "report", Short: "Aggregate reports over matched scans (no address, no per-host record)"}
	cmd.AddCommand(a.reportAdoptionCommand())
	return cmd
}

func (a *app) reportAdoptionCommand() *cobra.Command {
	var q registry.AdoptionQuery
	var by string
	cmd := &cobra.Command{
		Use:   "adoption [--scan ID] [--by program|vendor|device_type|model|month]",
		Short: "The funnel and the shares of certified / out-of-scope / uncertified / unknown devices, with intervals",
		Long: `Adoption counts the devices of a scan's current match run: first the funnel
(probed, responsive, fingerprinted, matched, certified), then how the
responsive devices split over the four classes, each share with its 95 %
Wilson score interval. Shares are of the responsive devices on the probed
ports, never of the devices on a network. Certified devices whose firmware
no banner showed count as in scope and are also counted apart.

Without --scan the latest closed scan that has verdicts is reported, and
the report says so. --by splits the devices by programme, vendor, device
type, model or month of observation; the report says how ambiguous
verdicts are counted. A device counts in every programme all its
candidate models have a certification in, so programme groups overlap.`,
		Args: args(0, 0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			q.By = registry.ReportBy(by)
			if err := q.Validate(); err != nil {
				return usageError{fmt.Errorf("--%s", err)}
			}
			var rep *registry.AdoptionReport
			err := a.withStore(cmd.Context(), func(s *sqlstore.Store) error {
				var err error
				rep, err = s.Adoption(cmd.Context(), q)
				return err
			})
			if err != nil {
				return err
			}
			if rep.Latest {
				a.say("certprint: no --scan given: reporting scan %d, the latest closed scan that has verdicts", rep.Scan.ID)
			}
			if a.json {
				return a.printJSON(rep)
			}
			var b strings.Builder
			renderAdoption(&b, rep)
			_, err = fmt.Fprint(a.stdout, terminalSafe(b.String()))
			return err
		},
	}
	cmd.Flags().Int64Var(&q.ScanID, "scan", 0, "scan id (default: the latest closed scan that has verdicts)")
	cmd.Flags().StringVar(&by, "by", "", "split the devices by program, vendor, device_type, model or month")
	return cmd
}

// renderAdoption writes a report for people: the scan, the funnel, then
// one row per group with each class's count, share and interval.
func renderAdoption(w io.Writer, rep *registry.AdoptionReport) {
	fmt.Fprintf(w, "scan %d", rep.Scan.ID)
	if rep.Latest {
		fmt.Fprint(w, " (the latest closed scan that has verdicts)")
	}
	if !rep.Scan.Started.IsZero() {
		fmt.Fprintf(w, ", observed %s to %s UTC", rep.Scan.Started.UTC().Format("2006-01-02 15:04"), rep.Scan.Finished.UTC().Format("2006-01-02 15:04"))
	}
	fmt.Fprintf(w, "\nmatch run %d (registry revision %d, %s)\n\n", rep.Run.ID, rep.Run.Registry, rep.Run.Matcher)

	f := rep.Funnel
	fmt.Fprintln(w, "funnel")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if p := f.Probed; p == nil {
		fmt.Fprintln(tw, "  probed\tunknown\t(the scan declared no address space)")
	} else if p.Ports == 0 {
		fmt.Fprintf(tw, "  probed\t%s addresses\t(the scan declared no ports)\n", probedCount(p.Addresses))
	} else {
		fmt.Fprintf(tw, "  probed\t%s services\t(%s addresses x %d ports)\n", probedCount(p.Services), probedCount(p.Addresses), p.Ports)
	}
	step := func(name string, n int64, what string) {
		fmt.Fprintf(tw, "  %s\t%d devices\t%s\n", name, n, what)
	}
	pct := func(n int64) string {
		if f.Responsive == 0 {
			return "-"
		}
		return fmt.Sprintf("%.1f %% of responsive", 100*float64(n)/float64(f.Responsive))
	}
	step("responsive", f.Responsive, "(at least one service answered)")
	step("fingerprinted", f.Fingerprinted, pct(f.Fingerprinted))
	step("matched", f.Matched, pct(f.Matched))
	step("certified", f.Certified, pct(f.Certified))
	tw.Flush()

	fmt.Fprintf(w, "\nshares of the responsive devices, %.0f %% Wilson score intervals\n", 100*rep.Confidence)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	header := "group\tdevices\t"
	for _, c := range registry.ReportClasses {
		header += string(c) + "\t"
	}
	fmt.Fprintln(tw, header+"certified, firmware unobserved")
	row := func(g registry.AdoptionGroup) {
		// A group is named by registry text (a vendor, a model): one
		// line, one cell, whatever tabs or newlines it holds.
		line := strings.Join(strings.Fields(g.Key), " ") + "\t" + fmt.Sprintf("%7d", g.Devices) + "\t"
		for _, c := range registry.ReportClasses {
			s := g.Classes[c]
			line += fmt.Sprintf("%7d %5.1f %% [%.1f, %.1f]\t", s.Devices, 100*s.Share, 100*s.Low, 100*s.High)
		}
		fmt.Fprintln(tw, line+fmt.Sprintf("%7d", g.CertifiedUnobserved))
	}
	row(rep.Total)
	for _, g := range rep.Groups {
		row(g)
	}
	tw.Flush()
	if rep.Grouping != "" {
		fmt.Fprintf(w, "\nby %s: %s\n", rep.By, rep.Grouping)
	}
}

// probedCount writes a number of addresses or services: exactly while it is
// an integer a float64 holds exactly, else in scientific notation (an
// IPv6 prefix).
func probedCount(x float64) string {
	if x < 1<<53 {
		return fmt.Sprintf("%.0f", x)
	}
	return fmt.Sprintf("%.3g", x)
}
