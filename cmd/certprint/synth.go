package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/certprint/certprint/fingerprint/synth"
	"github.com/certprint/certprint/registry"
)

func (a *app) synthCommand() *cobra.Command {
	var (
		cfg          synth.Config
		out          string
		format, date string
	)
	cmd := &cobra.Command{
		Use:   "synth --out DIR",
		Short: "Write a synthetic registry, scan and truth to measure matching against",
		Long: `synth writes a synthetic world into DIR: registry.json (import it with
registry import), one scan file in --format (scan.xml for nmap, scan.jsonl for
fingerprintx and zgrab2, scan.json for masscan; fingerprintx needs --observed
DATE at import) and truth.csv (ip,ports,model_ref,firmware,verdict: one row per
device that answered, with its true class). The same flags write the same
bytes. README.md ("Synthetic world") says how the world is built.`,
		Args: args(0, 0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return usageError{fmt.Errorf("synth: --out DIR is required")}
			}
			f, err := synth.ParseFormat(format)
			if err != nil {
				return usageError{fmt.Errorf("synth: --format: %w", err)}
			}
			cfg.Format = f
			if cfg.Date, err = registry.ParseDate(date); err != nil {
				return usageError{fmt.Errorf("synth: --date: %w", err)}
			}
			if err := cfg.Validate(); err != nil {
				return usageError{err}
			}
			sum, err := synth.Generate(cfg, out)
			if err != nil {
				return err
			}
			if a.json {
				return a.printJSON(sum)
			}
			var classes []string
			for _, c := range synth.Classes {
				classes = append(classes, fmt.Sprintf("%d %s", sum.Classes[c], c))
			}
			a.say("synth: %d models; %d addresses, %d devices, %d services in %s; %s",
				sum.Models, sum.Hosts, sum.Devices, sum.Services, cfg.Format, strings.Join(classes, ", "))
			for _, file := range sum.Files {
				a.say("  %s", file)
			}
			return nil
		},
	}
	cmd.Flags().Uint64Var(&cfg.Seed, "seed", 1, "seed of the world")
	cmd.Flags().IntVar(&cfg.Models, "models", 500, "registered models")
	cmd.Flags().IntVar(&cfg.Hosts, "hosts", 10000, "responsive addresses to draw")
	cmd.Flags().StringVar(&out, "out", "", "directory to write into (created if needed)")
	cmd.Flags().StringVar(&format, "format", string(synth.Nmap), "scan file format: fingerprintx, nmap, zgrab2 or masscan")
	cmd.Flags().StringVar(&date, "date", synth.DefaultDate.String(), "first day of the scan (YYYY-MM-DD)")
	return cmd
}
