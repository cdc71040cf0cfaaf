package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/certprint/certprint/registry"
	"github.com/certprint/certprint/registry/sqlstore"
)

func (a *app) registryCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "registry", Short: "Import and export the registry of programmes and models"}
	cmd.AddCommand(a.registryImportCommand(), a.registryExportCommand())
	return cmd
}

func (a *app) registryImportCommand() *cobra.Command {
	var mapFile string
	cmd := &cobra.Command{
		Use:   "import FILE",
		Short: "Import a registry file (certprint JSON, or a CSV list with --map), idempotent by ref",
		Long: `Import upserts programmes by code and models by ref, in one transaction:
a file with any mistake stores nothing. Importing the same file twice changes
nothing; a changed file updates what changed and records it in the audit log.
Empty fields keep their stored value and certifications missing from the file
are kept: withdraw a certification by changing its status.`,
		Args: args(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.importRegistry(cmd.Context(), args[0], mapFile)
		},
	}
	cmd.Flags().StringVar(&mapFile, "map", "", "column mapping (JSON) for a CSV list")
	return cmd
}

func (a *app) importRegistry(ctx context.Context, file, mapFile string) error {
	isCSV := strings.EqualFold(filepath.Ext(file), ".csv") || mapFile != ""
	if isCSV && mapFile == "" {
		return usageError{fmt.Errorf("%s: a CSV list needs --map FILE naming its columns", file)}
	}
	return a.withStore(ctx, func(s *sqlstore.Store) error {
		return a.importDocument(ctx, s, file, mapFile, isCSV)
	})
}

func (a *app) importDocument(ctx context.Context, s *sqlstore.Store, file, mapFile string, isCSV bool) error {
	var doc *registry.Document
	var err error
	if isCSV {
		doc, err = readCSVList(ctx, s, file, mapFile)
	} else {
		doc, err = readRegistryJSON(file)
	}
	if err != nil {
		return err
	}
	sum, err := s.Import(actorContext(ctx), doc)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	if a.json {
		return a.printJSON(sum)
	}
	a.say("%s: programmes %s; models %s; certifications %s; %d status changes recorded; registry revision %d",
		file, counts(sum.Programs), counts(sum.Models), counts(sum.Certifications), sum.StatusChanges, sum.Revision)
	return nil
}

func counts(c registry.Counts) string {
	return fmt.Sprintf("%d created, %d updated, %d unchanged", c.Created, c.Updated, c.Unchanged)
}

func readRegistryJSON(file string) (*registry.Document, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	doc, err := registry.DecodeDocument(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return doc, nil
}

func (a *app) registryExportCommand() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write the whole registry as certprint JSON (stdout, or --out FILE)",
		Args:  args(0, 0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withStore(cmd.Context(), func(s *sqlstore.Store) error {
				doc, err := s.Export(cmd.Context())
				if err != nil {
					return err
				}
				if out == "" {
					return doc.Encode(a.stdout)
				}
				return writeFileAtomic(out, doc.Encode)
			})
		},
	}
	cmd.Flags().StringVarP(&out, "out", "o", "", "file to write (replaced atomically)")
	return cmd
}
