package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/certprint/certprint/fingerprint"
	"github.com/certprint/certprint/importer"
	"github.com/certprint/certprint/registry"
	"github.com/certprint/certprint/registry/sqlstore"
)

// Where the profile a test compares comes from.
const (
	sourceFile    = "file"
	sourceStored  = "stored"
	sourceLearned = "learned"
)

// profileTestReport is what `profile test --json` prints: the
// comparison, where the tested profile came from, and the profile.
type profileTestReport struct {
	Source  string            `json:"source"`
	Profile *registry.Profile `json:"profile"`
	*fingerprint.Comparison
}

func (a *app) profileTestCommand() *cobra.Command {
	var model, profileFile, format, observed string
	var scan int64
	var limit, workers int
	cmd := &cobra.Command{
		Use:   "test --model REF --scan ID [--profile FILE | FILE...]",
		Short: "Show which devices of a scan a proposed profile would match, and take from other models, storing nothing",
		Long: `Test matches every device of a closed scan twice, with the registry as it
is and with the model's profile replaced by a proposed one, and lists the
devices the proposal gains (no model matched them), takes from other
models (with those models), keeps and loses, and other devices whose
verdict changes. Nothing is stored, and the scan's stored verdicts are
not read: the matcher computes both sides.

The proposal is --profile FILE (a profile as JSON, as in a registry file
or 'profile show --json'; - reads stdin), or is learned from capture FILEs
as 'profile learn' learns it (--format, --observed), or, with neither, is
the model's stored profile, compared with the registry without it. It is
validated as storing it would be. A profile with no signatures tests
removing the profile.

Each group lists its first --limit devices by address; the totals count
them all.`,
		Args: args(0, -1),
		RunE: func(cmd *cobra.Command, files []string) error {
			switch {
			case model == "":
				return usageError{fmt.Errorf("--model REF is required")}
			case scan <= 0:
				return usageError{fmt.Errorf("--scan ID is required")}
			case profileFile != "" && len(files) > 0:
				return usageError{fmt.Errorf("--profile FILE and capture files exclude each other")}
			case limit < 0:
				return usageError{fmt.Errorf("--limit must be 0 or more")}
			case (cmd.Flags().Changed("format") || observed != "") && len(files) == 0:
				return usageError{fmt.Errorf("--format and --observed need capture files to learn from")}
			}
			f, err := importer.ParseFormat(format)
			if err != nil {
				return usageError{err}
			}
			var opts importer.Options
			if observed != "" {
				if opts.Observed, err = importer.ParseWindow(observed); err != nil {
					return usageError{fmt.Errorf("--observed: %w", err)}
				}
			}
			if limit == 0 {
				limit = -1 // none listed
			}
			return a.withStore(cmd.Context(), func(s *sqlstore.Store) error {
				return a.testProfile(cmd.Context(), s, model, scan, profileFile, f, opts, files,
					fingerprint.CompareOptions{Limit: limit, Workers: workers})
			})
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&model, "model", "", "the model's ref (required)")
	fl.Int64Var(&scan, "scan", 0, "scan id (required)")
	fl.StringVar(&profileFile, "profile", "", "the proposed profile, as JSON (- for stdin)")
	fl.StringVar(&format, "format", "auto", "format of the capture files to learn from: fingerprintx, nmap, zgrab2, masscan, or auto")
	fl.StringVar(&observed, "observed", "", "when the captures ran, for formats without timestamps: DATE or FROM/TO")
	fl.IntVar(&limit, "limit", fingerprint.DefaultCompareLimit, "devices listed per group (0: none; the totals count all)")
	fl.IntVar(&workers, "workers", 0, "goroutines matching (default: one per CPU)")
	return cmd
}

func (a *app) testProfile(ctx context.Context, s *sqlstore.Store, model string, scanID int64, profileFile string,
	format importer.Format, opts importer.Options, files []string, co fingerprint.CompareOptions) error {
	// Fail on an unknown model or scan before reading or compiling much.
	if _, err := s.GetModel(ctx, model, false); err != nil {
		return err
	}
	scan, err := s.GetScan(ctx, scanID)
	if err != nil {
		return err
	}
	if scan.State != registry.ScanClosed {
		return registry.Errorf(registry.ECONFLICT, "scan %d is still importing; close it first", scanID)
	}
	var proposed *registry.Profile
	source := sourceStored
	switch {
	case profileFile != "":
		source = sourceFile
		if proposed, err = a.readProfileFile(profileFile); err != nil {
			return err
		}
	case len(files) > 0:
		source = sourceLearned
		if proposed, err = a.learnFromFiles(ctx, format, opts, files); err != nil {
			return err
		}
	}
	pt, err := fingerprint.NewProfileTest(ctx, s, model, proposed)
	if err != nil {
		return err
	}
	if proposed == nil {
		m, err := s.GetModel(ctx, model, false)
		if err != nil {
			return err
		}
		proposed = m.Profile
	}
	c, err := pt.CompareScan(ctx, s, scanID, co)
	if err != nil {
		return err
	}
	if a.json {
		if proposed == nil || proposed.Signatures == nil {
			proposed = &registry.Profile{Signatures: []registry.Signature{}}
		}
		return a.printJSON(profileTestReport{Source: source, Profile: proposed, Comparison: c})
	}
	_, err = fmt.Fprint(a.stdout, terminalSafe(renderComparison(c, source, scan.Name)))
	return err
}

// readProfileFile reads one profile object, refusing fields a profile
// does not have: a misspelt "feilds" must not pass for a signature
// without predicates.
func (a *app) readProfileFile(name string) (*registry.Profile, error) {
	var r io.Reader = a.stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var p registry.Profile
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("--profile %s: not a profile (%v); it is a JSON object {\"signatures\": [...]}", name, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("--profile %s: more than one JSON value", name)
	}
	if p.Signatures == nil {
		p.Signatures = []registry.Signature{}
	}
	return &p, nil
}

// learnFromFiles learns a profile from capture files as `profile learn`
// does, reporting what it left out on stderr.
func (a *app) learnFromFiles(ctx context.Context, format importer.Format, opts importer.Options, files []string) (*registry.Profile, error) {
	learned, err := a.learnCaptures(ctx, format, opts, files)
	if err != nil {
		return nil, err
	}
	for _, d := range learned.Dropped {
		what := d.Service
		if d.Field != "" {
			what += " " + d.Field
		}
		a.say("left out %s: %s", terminalSafe(what), d.Reason)
	}
	a.say("learned %d signatures from %d capture(s); 'profile learn' stores them", len(learned.Profile.Signatures), learned.Samples)
	return learned.Profile, nil
}

// renderComparison writes a comparison for a person; the caller makes it
// terminal-safe, and device text is quoted.
func renderComparison(c *fingerprint.Comparison, source, scanName string) string {
	var b strings.Builder
	what := map[string]string{sourceFile: "the proposed profile", sourceLearned: "the learned profile", sourceStored: "the stored profile"}[source]
	against := "the registry as stored"
	if c.Baseline == fingerprint.BaselineWithoutProfile {
		against = "the registry without it"
	}
	t := c.Totals
	fmt.Fprintf(&b, "%s of %s on scan %d %q, against %s (revision %d, %s)\n", what, c.Model, c.ScanID, scanName, against, c.Registry, c.Matcher)
	fmt.Fprintf(&b, "%d addresses, %d services; devices of %s: %d before, %d after\n", c.Hosts, c.Services, c.Model, t.MatchedBefore, t.MatchedAfter)
	fmt.Fprintf(&b, "  gained  %6d  matched by no model before\n", t.Gained)
	fmt.Fprintf(&b, "  taken   %6d  from other models%s\n", t.Taken, byModel(c.TakenFrom))
	fmt.Fprintf(&b, "  kept    %6d  (%d of them change class, models or firmware)\n", t.Kept, t.KeptChanged)
	fmt.Fprintf(&b, "  lost    %6d  (%d to no model)%s\n", t.Lost, t.LostUnmatched, byModel(c.LostTo))
	fmt.Fprintf(&b, "  changed %6d  other devices whose verdict changes\n", t.Changed)
	var classes []string
	for _, cl := range []registry.Class{registry.ClassCertified, registry.ClassCertifiedOutOfScope, registry.ClassUncertified, registry.ClassUnknown} {
		if c.ClassesBefore[cl]+c.ClassesAfter[cl] > 0 {
			classes = append(classes, fmt.Sprintf("%s %d -> %d", cl, c.ClassesBefore[cl], c.ClassesAfter[cl]))
		}
	}
	if len(classes) > 0 {
		fmt.Fprintf(&b, "  classes of its devices: %s\n", strings.Join(classes, ", "))
	}
	groups := []struct {
		name  string
		total int64
		list  []fingerprint.DeviceChange
	}{{"gained", t.Gained, c.Gained}, {"taken", t.Taken, c.Taken}, {"kept", t.Kept, c.Kept}, {"lost", t.Lost, c.Lost}, {"changed", t.Changed, c.Changed}}
	for _, g := range groups {
		if g.total == 0 {
			continue
		}
		if len(g.list) == 0 && c.Limit == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n%s (%d", g.name, g.total)
		if int64(len(g.list)) < g.total {
			fmt.Fprintf(&b, "; the first %d by address, --limit for more", len(g.list))
		}
		b.WriteString("):\n")
		for _, d := range g.list {
			fmt.Fprintf(&b, "  %s %s: %s -> %s\n", d.IP, strings.Join(d.Ports, " "), outcomes(d.Before, d.Ports), outcomes(d.After, d.Ports))
			for _, v := range slices.Concat(d.After, d.Before) {
				// The model's evidence on one side is enough; two
				// signatures alike on two ports, once.
				var shown []string
				for _, e := range v.Evidence {
					line := fmt.Sprintf("      %+6.1f  %s %s: %q\n", e.Weight, e.Field, e.Predicate, e.Observed)
					if len(shown) < 3 && !slices.Contains(shown, line) {
						shown = append(shown, line)
						b.WriteString(line)
					}
				}
				if len(shown) > 0 {
					break
				}
			}
		}
	}
	return b.String()
}

// byModel writes ": a 3, b 1", models by count, most first.
func byModel(m map[string]int64) string {
	if len(m) == 0 {
		return ""
	}
	keys := slices.Collect(maps.Keys(m))
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return ": " + strings.Join(parts, ", ")
}

// outcomes writes verdicts in brief: `certified as a (firmware "1.2.3"
// in-scope)`, with their ports where they are not the device's.
func outcomes(vs []fingerprint.DeviceVerdict, ports []string) string {
	if len(vs) == 0 {
		return "no device"
	}
	parts := make([]string, len(vs))
	for i, v := range vs {
		s := string(v.Class)
		if len(v.ModelRefs) > 0 {
			s += " as " + strings.Join(v.ModelRefs, " or ")
		}
		if v.FirmwareVersion != "" {
			s += fmt.Sprintf(" (firmware %q %s)", v.FirmwareVersion, v.FirmwareState)
		}
		if !slices.Equal(v.Ports, ports) {
			s += " on " + strings.Join(v.Ports, " ")
		}
		parts[i] = s
	}
	return strings.Join(parts, "; ")
}
