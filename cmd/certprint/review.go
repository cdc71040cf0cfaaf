package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/certprint/certprint/fingerprint/learn"
	"github.com/certprint/certprint/registry"
	"github.com/certprint/certprint/registry/sqlstore"
)

// addReviewCommands attaches the review commands to the commands they
// belong under (verdicts review, verdicts reviews, profile promote), so
// that they live in this one file.
func (a *app) addReviewCommands(root *cobra.Command) {
	for _, c := range root.Commands() {
		switch c.Name() {
		case "verdicts":
			c.AddCommand(a.verdictsReviewCommand(), a.verdictsReviewsCommand())
		case "profile":
			c.AddCommand(a.profilePromoteCommand())
		}
	}
}

func (a *app) verdictsReviewCommand() *cobra.Command {
	var in registry.ReviewInput
	var ip, correct string
	var confirm, reject bool
	cmd := &cobra.Command{
		Use:   "review --scan ID --ip IP [--port P] (--confirm | --correct REF | --reject) [--note TEXT]",
		Short: "Record a scan team's review of one device's verdict: confirmed, corrected to another model, or rejected",
		Long: `Review records what a person says of one device of the scan's current match
run: --confirm (the verdict is right), --correct REF (the device is
registered model REF), or --reject (it is not the model the verdict names,
or not a device). The device is the one on --ip that has --port among its
services (tcp/80, or 80 for TCP); --port may be left out when the address
has one device. A second review of a device replaces the first. Every
review is in the audit log.

A review stays on the device (address and ports) when the scan is matched
again; 'verdicts reviews --scan ID' lists those whose device a re-match no
longer has as stale. 'profile promote' learns a profile from the devices
reviewed as a model.`,
		Args: args(0, 0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if in.ScanID <= 0 {
				return usageError{fmt.Errorf("--scan ID is required")}
			}
			var err error
			if in.IP, err = ipFlag(ip); err != nil {
				return err
			}
			if !in.IP.IsValid() {
				return usageError{fmt.Errorf("--ip IP is required")}
			}
			n := 0
			for _, set := range []bool{confirm, correct != "", reject} {
				if set {
					n++
				}
			}
			if n != 1 {
				return usageError{fmt.Errorf("say exactly one of --confirm, --correct REF and --reject")}
			}
			switch {
			case confirm:
				in.State = registry.ReviewConfirmed
			case reject:
				in.State = registry.ReviewRejected
			default:
				in.State, in.ModelRef = registry.ReviewCorrected, correct
			}
			if in.Port != "" {
				if _, err := registry.ParseServicePort(in.Port); err != nil {
					return usageError{fmt.Errorf("--port: %w", err)}
				}
			}
			return a.withStore(cmd.Context(), func(s *sqlstore.Store) error {
				r, err := s.Review(actorContext(cmd.Context()), in)
				if err != nil {
					return err
				}
				if a.json {
					return a.printJSON(r)
				}
				return a.printReview(r)
			})
		},
	}
	f := cmd.Flags()
	f.Int64Var(&in.ScanID, "scan", 0, "scan id")
	f.StringVar(&ip, "ip", "", "the device's address")
	f.StringVar(&in.Port, "port", "", "a port of the device (tcp/80, udp/161, or 80 for TCP); needed when the address has several devices")
	f.BoolVar(&confirm, "confirm", false, "the verdict is right")
	f.StringVar(&correct, "correct", "", "the device is this registered model (its ref)")
	f.BoolVar(&reject, "reject", false, "the device is not the model the verdict names, or not a device")
	f.StringVar(&in.Note, "note", "", fmt.Sprintf("why, in at most %d characters", registry.MaxReviewNote))
	return cmd
}

func (a *app) verdictsReviewsCommand() *cobra.Command {
	var f registry.ReviewFilter
	var ip string
	var staleOnly bool
	cmd := &cobra.Command{
		Use:   "reviews --scan ID",
		Short: "List the reviews of a scan's devices; stale ones name a device the current match run no longer has",
		Args:  args(0, 0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.ScanID <= 0 {
				return usageError{fmt.Errorf("--scan ID is required")}
			}
			var err error
			if f.IP, err = ipFlag(ip); err != nil {
				return err
			}
			return a.withStore(cmd.Context(), func(s *sqlstore.Store) error {
				list, err := s.Reviews(cmd.Context(), f)
				if err != nil {
					return err
				}
				for i := range list {
					if staleOnly && !list[i].Stale {
						continue
					}
					if a.json {
						err = a.printJSON(&list[i])
					} else {
						err = a.printReview(&list[i])
					}
					if err != nil {
						return err
					}
				}
				return nil
			})
		},
	}
	cmd.Flags().Int64Var(&f.ScanID, "scan", 0, "scan id")
	cmd.Flags().StringVar(&ip, "ip", "", "only this address")
	cmd.Flags().StringVar(&f.ModelRef, "model", "", "only reviews saying the device is this model")
	cmd.Flags().BoolVar(&staleOnly, "stale", false, "only reviews whose device the current match run no longer has")
	return cmd
}

// printReview writes one review as a line of text; the note is a
// person's, but may quote a banner, so the line is made terminal-safe.
func (a *app) printReview(r *registry.Review) error {
	what := string(r.State)
	if r.ModelRef != "" {
		what += " as " + r.ModelRef
	}
	line := fmt.Sprintf("%s %s %s (verdict %s %s) by %s at %s", r.IP, strings.Join(r.Ports, ","), what,
		r.VerdictClass, orDash(strings.Join(r.VerdictModels, ",")), r.By, r.At.Format("2006-01-02T15:04:05Z"))
	if r.Stale {
		line += " STALE: the current match run has no device with these ports"
	}
	if r.Note != "" {
		line += " -- " + r.Note
	}
	_, err := fmt.Fprintln(a.stdout, terminalSafe(line))
	return err
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func (a *app) profilePromoteCommand() *cobra.Command {
	var pw profileWrite
	var scan int64
	cmd := &cobra.Command{
		Use:   "promote --model REF --scan ID [--dry-run]",
		Short: "Learn a model's profile from the devices of a scan reviewed as that model, and merge it into the profile",
		Long: `Promote takes the devices of the scan whose reviews say they are REF
(confirmed verdicts naming REF, verdicts corrected to REF; stale reviews are
left out), learns a profile from their observations on their own ports as
'profile learn' does (origin review: the scan, the devices, the reviewers),
and merges it into the model's profile: an existing signature is removed
only when a learned signature of the same service constrains every field it
does, or when a reviewed device contradicts it; every other one is kept.
The result is shown, and stored (audited) unless --dry-run.`,
		Args: args(0, 0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := pw.check(); err != nil {
				return err
			}
			if scan <= 0 {
				return usageError{fmt.Errorf("--scan ID is required")}
			}
			return a.withStore(cmd.Context(), func(s *sqlstore.Store) error {
				return a.promote(actorContext(cmd.Context()), s, pw, scan)
			})
		},
	}
	pw.flags(cmd)
	cmd.Flags().Int64Var(&scan, "scan", 0, "the scan whose reviewed devices to learn from")
	return cmd
}

func (a *app) promote(ctx context.Context, s *sqlstore.Store, pw profileWrite, scan int64) error {
	p, err := learn.Promote(ctx, learn.Sources{Registry: s, Scans: s, Reviews: s}, pw.model, scan, pw.dryRun)
	if p != nil {
		for _, d := range p.Dropped {
			what := d.Service
			if d.Field != "" {
				what += " " + d.Field
			}
			a.say("left out %s: %s", terminalSafe(what), d.Reason)
		}
	}
	if err != nil {
		return err
	}
	if p.Stale > 0 {
		a.say("%d reviews left out: a re-match no longer has their device (certprint verdicts reviews --scan %d --stale)", p.Stale, scan)
	}
	for _, k := range p.Kept {
		a.say("kept %s from the existing profile", k)
	}
	for _, r := range p.Replaced {
		what := r.Service
		if r.Field != "" {
			what += " " + r.Field
		}
		a.say("removed %s from the existing profile: %s", terminalSafe(what), r.Reason)
	}
	if a.json {
		return a.printJSON(p)
	}
	fmt.Fprintf(a.stdout, "profile of %s promoted from %d reviewed devices of scan %d (%d confirmed, %d corrected; reviewed by %s): %d signatures learned, %d added, %d existing kept\n",
		pw.model, p.Devices, scan, p.Confirmed, p.Corrected, terminalSafe(strings.Join(p.Reviewers, ", ")), p.Learned, p.Added, len(p.Kept))
	a.printProfile(p.Profile)
	if p.Stored {
		a.say("stored as the profile of %s; match the scan again to see its verdicts change", pw.model)
	} else {
		a.say("--dry-run: nothing stored")
	}
	return nil
}
