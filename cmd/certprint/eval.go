package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/certprint/certprint/fingerprint/synth"
	"github.com/certprint/certprint/registry"
	"github.com/certprint/certprint/registry/sqlstore"
)

func (a *app) evalCommand() *cobra.Command {
	var truthFile string
	var scan int64
	cmd := &cobra.Command{
		Use:   "eval --truth truth.csv --scan ID",
		Short: "Score a matched scan's verdicts against the truth of a synthetic world",
		Long: `eval compares the verdicts of a matched scan with truth.csv as certprint
synth writes it: precision and recall of certified attribution, the
confusion matrix over the four classes, and the certified share the
verdicts estimate against the true one. README.md ("Synthetic world") says
how devices are mapped to verdicts.`,
		Args: args(0, 0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if truthFile == "" || scan <= 0 {
				return usageError{fmt.Errorf("eval: --truth FILE and --scan ID are required")}
			}
			f, err := os.Open(truthFile)
			if err != nil {
				return err
			}
			defer f.Close()
			truth, err := synth.ReadTruth(f)
			if err != nil {
				return fmt.Errorf("%s: %w", truthFile, err)
			}
			var verdicts []registry.Verdict
			err = a.withStore(cmd.Context(), func(s *sqlstore.Store) error {
				return s.Verdicts(cmd.Context(), registry.VerdictFilter{ScanID: scan}, func(v *registry.Verdict) error {
					// Scoring reads where a device is and what it was called;
					// the evidence would only weigh on memory.
					verdicts = append(verdicts, registry.Verdict{IP: v.IP, Ports: v.Ports, Class: v.Class, ModelRefs: v.ModelRefs})
					return nil
				})
			})
			if err != nil {
				return err
			}
			rep := synth.Evaluate(truth, verdicts)
			if a.json {
				return a.printJSON(rep)
			}
			_, err = fmt.Fprint(a.stdout, renderReport(rep))
			return err
		},
	}
	cmd.Flags().StringVar(&truthFile, "truth", "", "truth.csv of the synthetic world")
	cmd.Flags().Int64Var(&scan, "scan", 0, "the matched scan of that world")
	return cmd
}

// renderReport writes a scoring report for people.
func renderReport(r synth.Report) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d devices in the truth, %d verdicts (%d devices merged into one verdict, %d verdicts no device maps to)\n",
		r.Devices, r.Verdicts, r.Merged, r.Extra)
	fmt.Fprintf(&b, "certified attribution: precision %.4f, recall %.4f (%d true positives, %d false positives, %d missed, %d wrong model)\n",
		r.Precision, r.Recall, r.TruePositives, r.FalsePositives, r.FalseNegatives, r.WrongModel)
	fmt.Fprintf(&b, "certified share: %.2f %% true, %.2f %% estimated, error %+.2f percentage points\n",
		100*r.CertifiedShareTrue, 100*r.CertifiedShareEstimated, r.ShareErrorPP)
	fmt.Fprintf(&b, "\n%-24s", "true \\ verdict")
	for _, c := range synth.Classes {
		fmt.Fprintf(&b, " %23s", c)
	}
	b.WriteByte('\n')
	for _, t := range synth.Classes {
		fmt.Fprintf(&b, "%-24s", t)
		for _, p := range synth.Classes {
			fmt.Fprintf(&b, " %23d", r.Confusion[t][p])
		}
		b.WriteByte('\n')
	}
	return b.String()
}
