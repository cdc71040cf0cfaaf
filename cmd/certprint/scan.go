package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/certprint/certprint/importer"
	"github.com/certprint/certprint/registry"
	"github.com/certprint/certprint/registry/sqlstore"
)

func (a *app) scanCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "scan", Short: "Import scan results and manage scans"}
	cmd.AddCommand(a.scanCreateCommand(), a.scanImportCommand(), a.scanListCommand(), a.scanCloseCommand(), a.scanDropCommand())
	return cmd
}

// scanImport holds the flags of scan import.
type scanImport struct {
	format, name, source, tlp, observed string
	probed, ports                       []string
	appendTo                            int64
	force                               bool
	maxErrors                           int64
	window                              importer.Window
}

func (a *app) scanImportCommand() *cobra.Command {
	var si scanImport
	cmd := &cobra.Command{
		Use:   "import FILE...",
		Short: "Import scan result files (fingerprintx, nmap, zgrab2, masscan; .gz and .zst too) into a scan",
		Long: `Import streams the files into a new scan and closes it, so that matching,
statistics and the UI see it. Each file is stored whole or not at all. With
--append ID the files go into an open scan, which 'scan close ID' closes.

An import that was killed leaves its scan importing, holding only whole
files; running the same command again resumes it: files already in the scan
are skipped. 'scan drop ID' throws an importing scan away instead.

Formats without timestamps (fingerprintx, old masscan) need --observed DATE
or --observed FROM/TO (dates or RFC 3339 times). FILE - reads stdin.`,
		Args: args(1, -1),
		RunE: func(cmd *cobra.Command, files []string) error {
			if err := si.check(); err != nil {
				return usageError{err}
			}
			return a.withStore(cmd.Context(), func(s *sqlstore.Store) error {
				return a.importScan(cmd.Context(), s, si, files)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&si.format, "format", "auto", "fingerprintx, nmap, zgrab2, masscan, or auto (sniffed from the first bytes)")
	f.StringVar(&si.name, "name", "", "scan name (default: the first file's name)")
	f.StringVar(&si.source, "source", "", "the team that ran the scan")
	f.StringVar(&si.tlp, "tlp", registry.DefaultTLP, "TLP marking: clear, green, amber, amber+strict, red")
	f.StringVar(&si.observed, "observed", "", "when the scan ran, for records without timestamps: DATE or FROM/TO")
	f.StringSliceVar(&si.probed, "probed", nil, "address space probed, as CIDR prefixes")
	f.StringSliceVar(&si.ports, "ports", nil, "ports probed, such as 80,443,tcp/8000-8100,udp/161")
	f.Int64Var(&si.appendTo, "append", 0, "add the files to this open scan instead of creating one")
	f.BoolVar(&si.force, "force", false, "import a file even if the same content is already in the scan")
	f.Int64Var(&si.maxErrors, "max-errors", -1, "abort, storing nothing, once more records than this are rejected (-1: no limit)")
	return cmd
}

func (si *scanImport) check() error {
	if _, err := importer.ParseFormat(si.format); err != nil {
		return err
	}
	if si.observed != "" {
		w, err := importer.ParseWindow(si.observed)
		if err != nil {
			return fmt.Errorf("--observed: %w", err)
		}
		si.window = w
	}
	if si.appendTo != 0 && (si.name != "" || si.source != "" || len(si.probed) > 0 || len(si.ports) > 0) {
		return errors.New("--append adds files to an existing scan: --name, --source, --probed and --ports describe a new one")
	}
	return nil
}

// importSummary is the --json output of scan import.
type importSummary struct {
	ScanID   int64                `json:"scan_id"`
	State    registry.ScanState   `json:"state"`
	Read     int64                `json:"read"`
	Stored   int64                `json:"stored"`
	Rejected int64                `json:"rejected"`
	Skipped  []string             `json:"skipped,omitempty"`
	Files    []registry.ScanInput `json:"files"`
}

func (a *app) importScan(ctx context.Context, s *sqlstore.Store, si scanImport, files []string) error {
	scan, created, err := a.targetScan(ctx, s, si, files)
	if err != nil {
		return err
	}
	sum := importSummary{ScanID: scan.ID, State: scan.State, Files: []registry.ScanInput{}}
	done := map[string]bool{}
	for _, f := range scan.Files {
		done[f.SHA256] = true
	}
	for _, file := range files {
		in, skipped, err := a.importFile(ctx, s, scan.ID, file, si, done, si.appendTo == 0 && !created)
		if err != nil {
			return a.failImport(ctx, s, scan.ID, created, file, err)
		}
		if skipped {
			sum.Skipped = append(sum.Skipped, file)
			continue
		}
		sum.add(in)
	}
	if si.appendTo == 0 {
		closed, err := s.CloseScan(ctx, scan.ID)
		if err != nil {
			return err // store errors name the scan
		}
		sum.State = closed.State
		a.say("scan %d %q closed: %d hosts, %d observations", closed.ID, terminalSafe(closed.Name), closed.Hosts, closed.Services)
	} else {
		a.say("scan %d stays open for more files: close it with 'certprint scan close %d'", scan.ID, scan.ID)
	}
	if a.json {
		return a.printJSON(sum)
	}
	return nil
}

func (sum *importSummary) add(in registry.ScanInput) {
	sum.Files = append(sum.Files, in)
	sum.Read += in.Read
	sum.Stored += in.Stored
	sum.Rejected += in.Rejected
}

// targetScan returns the scan the files go into: the one --append names,
// an importing scan of the same name left by a killed run (resumed), or a
// new one. created says whether this run made it.
func (a *app) targetScan(ctx context.Context, s *sqlstore.Store, si scanImport, files []string) (*registry.Scan, bool, error) {
	if si.appendTo != 0 {
		scan, err := s.GetScan(ctx, si.appendTo)
		if err != nil {
			return nil, false, fmt.Errorf("--append %d: %w", si.appendTo, err)
		}
		if scan.State != registry.ScanImporting {
			return nil, false, fmt.Errorf("--append %d: the scan is closed; import into a new scan", scan.ID)
		}
		return scan, false, nil
	}
	name := si.name
	if name == "" {
		name = filepath.Base(files[0])
	}
	open, err := s.ListScans(ctx, registry.ScanFilter{State: registry.ScanImporting, Name: name})
	if err != nil {
		return nil, false, err
	}
	if len(open) > 0 {
		scan, err := s.GetScan(ctx, open[0].ID)
		if err == nil {
			a.say("resuming scan %d %q, left importing by an earlier run (%d files in it); 'certprint scan drop %d' discards it instead",
				scan.ID, terminalSafe(scan.Name), len(scan.Files), scan.ID)
		}
		return scan, false, err
	}
	scan, err := s.CreateScan(ctx, &registry.Scan{Name: name, Source: si.source, TLP: si.tlp, Probed: si.probed, Ports: si.ports})
	if err != nil {
		return nil, false, err
	}
	return scan, true, nil
}

// failImport reports a file that could not be imported. A scan this run
// created is dropped, so that a failed import stores nothing.
func (a *app) failImport(ctx context.Context, s *sqlstore.Store, scanID int64, created bool, file string, err error) error {
	err = fmt.Errorf("%s: %w", file, err)
	if !created {
		a.say("scan %d: %s was not imported; the files imported before it stay in the scan", scanID, terminalSafe(file))
		return err
	}
	if derr := s.DropScan(context.WithoutCancel(ctx), scanID); derr != nil {
		return fmt.Errorf("%w (and dropping scan %d failed: %v)", err, scanID, derr)
	}
	a.say("nothing was stored: scan %d was dropped", scanID)
	return err
}

// importFile streams one file into the scan. A file whose content is
// already in a resumed scan is skipped.
func (a *app) importFile(ctx context.Context, s *sqlstore.Store, scanID int64, file string, si scanImport,
	done map[string]bool, resuming bool) (registry.ScanInput, bool, error) {
	r, size, hash, closeFile, err := a.openScanFile(file)
	if err != nil {
		return registry.ScanInput{}, false, err
	}
	defer closeFile()
	if resuming && hash != "" && done[hash] {
		a.say("%s: already in scan %d, skipped", terminalSafe(file), scanID)
		return registry.ScanInput{}, true, nil
	}
	format, _ := importer.ParseFormat(si.format)
	bar := a.progress(file, size)
	res, err := importer.Load(ctx, s, scanID, r, importer.LoadOptions{
		Options: importer.Options{Observed: si.window}, Format: format,
		Name: filepath.Base(file), SHA256: hash, Force: si.force, MaxErrors: si.maxErrors,
		Progress: bar.update,
	})
	bar.finish()
	a.reportRejections(file, res)
	if err != nil {
		return res.Input, false, err
	}
	done[res.Input.SHA256] = true
	a.say("%s (%s): %d read, %d stored, %d rejected", terminalSafe(file), res.Input.Format, res.Input.Read, res.Input.Stored, res.Input.Rejected)
	return res.Input, false, nil
}

// openScanFile opens a file (or stdin for "-") and, for a regular file,
// hashes it first so a duplicate is refused before it is read record by
// record.
func (a *app) openScanFile(file string) (io.Reader, int64, string, func(), error) {
	if file == "-" {
		return a.stdin, -1, "", func() {}, nil
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, 0, "", nil, err
	}
	info, err := f.Stat()
	if err != nil || !info.Mode().IsRegular() {
		return f, -1, "", func() { f.Close() }, err
	}
	hash, err := importer.HashFile(f)
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		f.Close()
		return nil, 0, "", nil, err
	}
	return f, info.Size(), hash, func() { f.Close() }, nil
}

// reportRejections tells people why records were rejected: counts by
// reason and the first few with their position.
func (a *app) reportRejections(file string, res importer.LoadResult) {
	if res.Input.Rejected == 0 {
		return
	}
	reasons := make([]string, 0, len(res.Input.Reasons))
	for reason, n := range res.Input.Reasons {
		reasons = append(reasons, fmt.Sprintf("%s %d", reason, n))
	}
	sort.Strings(reasons)
	a.say("%s: %d records rejected (%s)", terminalSafe(file), res.Input.Rejected, strings.Join(reasons, ", "))
	for _, e := range res.Examples {
		a.say("  %s %s", terminalSafe(file), terminalSafe(e.Error()))
	}
}

func (a *app) scanCreateCommand() *cobra.Command {
	var sc registry.Scan
	cmd := &cobra.Command{
		Use:   "create --name NAME",
		Short: "Create an open scan for 'scan import --append ID', closed later with 'scan close ID'",
		Args:  args(0, 0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withStore(cmd.Context(), func(s *sqlstore.Store) error {
				created, err := s.CreateScan(cmd.Context(), &sc)
				if err != nil {
					return err
				}
				if a.json {
					return a.printJSON(created)
				}
				fmt.Fprintln(a.stdout, created.ID)
				a.say("scan %d %q is open: add files with 'certprint scan import --append %d FILE...'", created.ID, terminalSafe(created.Name), created.ID)
				return nil
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&sc.Name, "name", "", "scan name")
	f.StringVar(&sc.Source, "source", "", "the team that ran the scan")
	f.StringVar(&sc.TLP, "tlp", registry.DefaultTLP, "TLP marking: clear, green, amber, amber+strict, red")
	f.StringSliceVar(&sc.Probed, "probed", nil, "address space probed, as CIDR prefixes")
	f.StringSliceVar(&sc.Ports, "ports", nil, "ports probed, such as 80,443,tcp/8000-8100,udp/161")
	return cmd
}

func (a *app) scanListCommand() *cobra.Command {
	var state, name string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List scans with their counts, newest first",
		Args:  args(0, 0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withStore(cmd.Context(), func(s *sqlstore.Store) error {
				scans, err := s.ListScans(cmd.Context(), registry.ScanFilter{State: registry.ScanState(state), Name: name})
				if err != nil {
					return err
				}
				return a.printScans(scans)
			})
		},
	}
	cmd.Flags().StringVar(&state, "state", "", "only scans in this state: importing or closed")
	cmd.Flags().StringVar(&name, "name", "", "only scans of this name")
	return cmd
}

func (a *app) printScans(scans []registry.Scan) error {
	if a.json {
		if scans == nil {
			scans = []registry.Scan{}
		}
		return a.printJSON(scans)
	}
	fmt.Fprintf(a.stdout, "%6s  %-9s  %-6s  %10s  %12s  %s\n", "ID", "STATE", "TLP", "HOSTS", "OBSERVATIONS", "NAME")
	for _, sc := range scans {
		fmt.Fprintf(a.stdout, "%6d  %-9s  %-6s  %10d  %12d  %s\n", sc.ID, sc.State, sc.TLP, sc.Hosts, sc.Services, terminalSafe(sc.Name))
	}
	return nil
}

func (a *app) scanCloseCommand() *cobra.Command {
	return a.scanIDCommand("close ID", "Close an importing scan: merge its observations and make it visible",
		func(ctx context.Context, s *sqlstore.Store, id int64) error {
			sc, err := s.CloseScan(ctx, id)
			if err != nil {
				return err
			}
			a.say("scan %d %q closed: %d hosts, %d observations", sc.ID, terminalSafe(sc.Name), sc.Hosts, sc.Services)
			if a.json {
				return a.printJSON(sc)
			}
			return nil
		})
}

func (a *app) scanDropCommand() *cobra.Command {
	return a.scanIDCommand("drop ID", "Delete a scan and everything imported into it",
		func(ctx context.Context, s *sqlstore.Store, id int64) error {
			if err := s.DropScan(ctx, id); err != nil {
				return err
			}
			a.say("scan %d dropped", id)
			return nil
		})
}

// scanIDCommand is a command whose one argument is a scan id.
func (a *app) scanIDCommand(use, short string, run func(context.Context, *sqlstore.Store, int64) error) *cobra.Command {
	return &cobra.Command{
		Use:   use,
		Short: short,
		Args:  args(1, 1),
		RunE: func(cmd *cobra.Command, argv []string) error {
			id, err := scanID(argv[0])
			if err != nil {
				return err
			}
			return a.withStore(cmd.Context(), func(s *sqlstore.Store) error {
				return run(cmd.Context(), s, id) // store errors name the scan
			})
		},
	}
}

func scanID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, usageError{fmt.Errorf("%q is not a scan id", s)}
	}
	return id, nil
}
