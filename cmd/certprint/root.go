package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"strings"
	"unicode"

	"github.com/spf13/cobra"

	"github.com/certprint/certprint/registry"
	"github.com/certprint/certprint/registry/sqlstore"
)

// Exit codes of SPEC.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// usageError marks a mistake in the command line itself (exit 2).
type usageError struct{ error }

// app holds what every command shares: the streams and global flags.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	dsn            string
	json           bool
}

// Main runs certprint with args and returns the exit code; tests call it
// directly.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr}
	root := a.rootCommand()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stderr)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	fmt.Fprintf(stderr, "certprint: %s\n", terminalSafe(err.Error()))
	var ue usageError
	if errors.As(err, &ue) || strings.HasPrefix(err.Error(), "unknown command") {
		fmt.Fprintln(stderr, "Run 'certprint --help' for usage.")
		return exitUsage
	}
	return exitFailure
}

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:           "certprint",
		Short:         "Link certified device models to what Internet scans see",
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	defaultDSN := os.Getenv("CERTPRINT_DB")
	if defaultDSN == "" {
		defaultDSN = "sqlite:certprint.db"
	}
	root.PersistentFlags().StringVar(&a.dsn, "db", defaultDSN, "database: sqlite:PATH or postgres://... (env CERTPRINT_DB)")
	root.PersistentFlags().BoolVar(&a.json, "json", false, "machine-readable output on stdout")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(a.serveCommand(), a.demoCommand(), a.registryCommand(), a.tokenCommand(),
		a.scanCommand(), a.observationsCommand(), a.matchCommand(), a.verdictsCommand(), a.reportCommand(), a.synthCommand(), a.evalCommand(),
		a.profileCommand())
	a.addReviewCommands(root)
	return root
}

// args checks the number of positional arguments as a usage error.
func args(min, max int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < min || (max >= 0 && len(args) > max) {
			return usageError{fmt.Errorf("%s: wrong number of arguments (see --help)", cmd.CommandPath())}
		}
		return nil
	}
}

// withStore opens the database named by --db, runs fn and closes it.
func (a *app) withStore(ctx context.Context, fn func(*sqlstore.Store) error) error {
	s, err := sqlstore.Open(ctx, a.dsn)
	if err != nil {
		return err
	}
	defer s.Close()
	return fn(s)
}

// actorContext marks the context with the local user, who is recorded in
// the audit log: whoever runs the binary on the database file owns it.
func actorContext(ctx context.Context) context.Context {
	name := "cli"
	if u, err := user.Current(); err == nil {
		name = "cli:" + u.Username
	}
	return registry.WithActor(ctx, registry.Actor{Name: name, Role: registry.RoleAdmin})
}

// printJSON writes v as one line of JSON on stdout.
func (a *app) printJSON(v any) error {
	enc := json.NewEncoder(a.stdout)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// say writes a message for people on stderr.
func (a *app) say(format string, args ...any) {
	fmt.Fprintf(a.stderr, format+"\n", args...)
}

// terminalSafe removes control characters (escape sequences included) from
// text bound for a terminal: error messages can quote file contents and
// scan data, which an attacker may control.
func terminalSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return r
		}
		if unicode.IsControl(r) || r == unicode.ReplacementChar {
			return -1
		}
		return r
	}, s)
}
