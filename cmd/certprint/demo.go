package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/certprint/certprint/fingerprint"
	"github.com/certprint/certprint/fingerprint/synth"
	"github.com/certprint/certprint/importer"
	"github.com/certprint/certprint/registry"
	"github.com/certprint/certprint/registry/sqlstore"
)

// demoDB is where the demo lives: never the default database, so a demo
// cannot touch real data.
const demoDB = "demo.db"

func (a *app) demoCommand() *cobra.Command {
	var addr string
	cfg := synth.Config{Seed: 1, Models: 300, Hosts: 20000, Format: synth.Nmap}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Build a demo database (demo.db) from a synthetic world, match it and serve it",
		Long: `demo rebuilds demo.db in the current directory from a synthetic world
(certprint synth): its registry, a scan of --hosts addresses in nmap's
format, and the verdicts of every device the scan saw. It then serves the
API and prints tokens to try it with. The default database is never
touched.`,
		Args: args(0, 0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := cfg.Validate(); err != nil {
				return usageError{err}
			}
			ctx := cmd.Context()
			if err := removeDatabase(demoDB); err != nil {
				return err
			}
			s, err := sqlstore.Open(ctx, "sqlite:"+demoDB)
			if err != nil {
				return err
			}
			defer s.Close()
			if err := a.buildDemo(ctx, s, cfg); err != nil {
				return fmt.Errorf("demo: %w", err)
			}
			for _, role := range []registry.Role{registry.RoleScanner, registry.RoleCertifier, registry.RoleAnalyst} {
				_, secret, err := s.CreateToken(ctx, "demo "+string(role), role)
				if err != nil {
					return err
				}
				a.say("  %-9s token: %s", role, secret)
			}
			return a.serve(ctx, s, addr, nil) // nil: the API may capture the loopback only
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8080", "address to listen on")
	cmd.Flags().IntVar(&cfg.Hosts, "hosts", cfg.Hosts, "addresses in the demo scan")
	cmd.Flags().Uint64Var(&cfg.Seed, "seed", cfg.Seed, "seed of the synthetic world")
	return cmd
}

// buildDemo fills s with a synthetic world: registry, one closed scan,
// and its verdicts.
func (a *app) buildDemo(ctx context.Context, s *sqlstore.Store, cfg synth.Config) error {
	dir, err := os.MkdirTemp("", "certprint-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	sum, err := synth.Generate(cfg, dir)
	if err != nil {
		return err
	}
	doc, err := synth.Registry(cfg)
	if err != nil {
		return err
	}
	ctx = registry.WithActor(ctx, registry.Actor{Name: "demo", Role: registry.RoleAdmin})
	if _, err := s.Import(ctx, doc); err != nil {
		return fmt.Errorf("synthetic registry: %w", err)
	}
	scan, err := s.CreateScan(ctx, &registry.Scan{Name: fmt.Sprintf("synthetic scan (seed %d)", cfg.Seed), Source: "certprint synth",
		Probed: []string{"10.0.0.0/8", "2001:db8::/32"}})
	if err != nil {
		return err
	}
	f, err := os.Open(filepath.Join(dir, cfg.Format.FileName()))
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := importer.Load(ctx, s, scan.ID, f, importer.LoadOptions{Format: importer.Format(cfg.Format), Name: cfg.Format.FileName(), MaxErrors: -1}); err != nil {
		return err
	}
	if _, err := s.CloseScan(ctx, scan.ID); err != nil {
		return err
	}
	ix, rev, err := fingerprint.IndexFor(ctx, s)
	if err != nil {
		return err
	}
	run, err := fingerprint.MatchScan(ctx, ix, s, s, scan.ID, fingerprint.MatchOptions{Revision: rev})
	if err != nil {
		return err
	}
	a.say("certprint demo: %d models, scan %d of %d addresses, %d devices matched in %s:", sum.Models, scan.ID, sum.Hosts, run.Devices, demoDB)
	for _, c := range synth.Classes {
		a.say("  %-23s %d", c, run.Classes[c])
	}
	a.say("  try: certprint --db sqlite:%s verdicts --scan %d --class certified | head", demoDB, scan.ID)
	a.say("       certprint --db sqlite:%s report adoption --scan %d --by vendor", demoDB, scan.ID)
	return nil
}

// removeDatabase deletes a SQLite database with its WAL files.
func removeDatabase(path string) error {
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}
