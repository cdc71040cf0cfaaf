package main

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/spf13/cobra"

	"github.com/certprint/certprint/registry"
	"github.com/certprint/certprint/registry/sqlstore"
)

// demoRegistry is a small built-in registry: a few programmes and models
// that show every kind of certification state.
//
//go:embed demodata/registry.json
var demoRegistry []byte

// demoDB is where the demo lives: never the default database, so a demo
// cannot touch real data.
const demoDB = "demo.db"

func (a *app) demoCommand() *cobra.Command {
	var addr string
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Build a demo database (demo.db) from a built-in registry and serve it",
		Args:  args(0, 0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if err := removeDatabase(demoDB); err != nil {
				return err
			}
			s, err := sqlstore.Open(ctx, "sqlite:"+demoDB)
			if err != nil {
				return err
			}
			defer s.Close()
			doc, err := registry.DecodeDocument(bytes.NewReader(demoRegistry))
			if err != nil {
				return fmt.Errorf("built-in demo registry: %w", err)
			}
			sum, err := s.Import(registry.WithActor(ctx, registry.Actor{Name: "demo", Role: registry.RoleAdmin}), doc)
			if err != nil {
				return fmt.Errorf("built-in demo registry: %w", err)
			}
			a.say("certprint demo: %d programmes and %d models in %s", sum.Programs.Created, sum.Models.Created, demoDB)
			for _, role := range []registry.Role{registry.RoleCertifier, registry.RoleAnalyst} {
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
	return cmd
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
