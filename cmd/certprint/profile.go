package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/certprint/certprint/fingerprint/capture"
	"github.com/certprint/certprint/fingerprint/learn"
	"github.com/certprint/certprint/importer"
	"github.com/certprint/certprint/registry"
	"github.com/certprint/certprint/registry/sqlstore"
)

func (a *app) profileCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "profile", Short: "Capture, learn, test, promote and show models' network profiles"}
	cmd.AddCommand(a.profileCaptureCommand(), a.profileLearnCommand(), a.profileShowCommand(), a.profileTestCommand())
	return cmd
}

// profileWrite holds the flags the commands that propose a profile share.
type profileWrite struct {
	model  string
	dryRun bool
}

func (pw *profileWrite) flags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&pw.model, "model", "", "the model's ref (required)")
	cmd.Flags().BoolVar(&pw.dryRun, "dry-run", false, "show the proposed profile, store nothing")
}

func (pw *profileWrite) check() error {
	if pw.model == "" {
		return usageError{fmt.Errorf("--model REF is required")}
	}
	return nil
}

func (a *app) profileCaptureCommand() *cobra.Command {
	var pw profileWrite
	var ports, saveXML string
	var udp bool
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "capture --model REF TARGET",
		Short: "Fingerprint a reference device with nmap and store what it shows as the model's profile",
		Long: `Capture runs nmap against TARGET (one IP address: the device on the bench)
as a TCP connect scan with version detection at intensity 9 and the NSE
scripts http-title, http-server-header, http-favicon, http-auth, ssl-cert,
ssh-hostkey and banner, reads its XML with the scan importer's reader, and
shows the proposed signatures: one per service, each value exact. The
profile replaces the model's profile (audited) unless --dry-run.

--udp adds a UDP scan of 161 and 1900 with upnp-info and snmp-sysdescr
where raw sockets are allowed (root, or nmap with CAP_NET_RAW); elsewhere
those scripts are reported as skipped. --save-xml keeps nmap's output, for
'scan import' or for 'profile learn' together with captures at other
firmware versions, which is how version patterns are learned.

Default ports: ` + capture.DefaultPorts.String() + `.`,
		Args: args(1, 1),
		RunE: func(cmd *cobra.Command, argv []string) error {
			if err := pw.check(); err != nil {
				return err
			}
			target, err := capture.ParseTarget(argv[0])
			if err != nil {
				return usageError{err}
			}
			opts := capture.Options{Target: target, UDP: udp, Timeout: timeout}
			if ports != "" {
				if opts.Ports, err = capture.ParsePorts(ports); err != nil {
					return usageError{fmt.Errorf("--ports: %w", err)}
				}
			}
			return a.withStore(cmd.Context(), func(s *sqlstore.Store) error {
				return a.captureProfile(cmd.Context(), s, pw, opts, saveXML)
			})
		},
	}
	pw.flags(cmd)
	f := cmd.Flags()
	f.StringVar(&ports, "ports", "", "ports to probe, such as 80,443,8000-8100,udp/161 (default: common device ports)")
	f.BoolVar(&udp, "udp", false, "also scan UDP (161, 1900) with upnp-info and snmp-sysdescr, where raw sockets are allowed")
	f.DurationVar(&timeout, "timeout", capture.DefaultTimeout, "stop nmap after this long")
	f.StringVar(&saveXML, "save-xml", "", "write nmap's XML output to this file")
	return cmd
}

func (a *app) captureProfile(ctx context.Context, s *sqlstore.Store, pw profileWrite, opts capture.Options, saveXML string) error {
	// A capture takes a minute or more: an unknown model fails first.
	if _, err := s.GetModel(ctx, pw.model, false); err != nil {
		return err
	}
	a.say("capturing %s with nmap (this takes a minute or more; Ctrl-C stops it)", opts.Target)
	res, err := capture.Run(ctx, opts)
	if err != nil {
		return err
	}
	for _, sk := range res.Skipped {
		a.say("skipped %s: %s", sk.Script, sk.Reason)
	}
	for _, r := range res.Rejected {
		a.say("nmap record not read: %s", terminalSafe(r))
	}
	a.say("%s: %d open, %d closed, %d filtered ports (%s, %s)", res.Target, res.Ports.Open, res.Ports.Closed, res.Ports.Filtered,
		res.Tool, res.Finished.Sub(res.Started).Round(time.Second))
	if saveXML != "" {
		if err := writeFileAtomic(saveXML, func(w io.Writer) error { _, err := w.Write(res.XML); return err }); err != nil {
			return fmt.Errorf("--save-xml: %w", err)
		}
		a.say("nmap's XML written to %s", terminalSafe(saveXML))
	}
	learned, err := learn.Learn(learn.SamplesByHost(res.Target.String(), res.Observations),
		registry.Origin{Kind: "capture", Tool: res.Tool, At: res.Finished, Note: learn.CaptureNote})
	if err != nil {
		return err
	}
	return a.proposeProfile(ctx, s, pw, learned)
}

func (a *app) profileLearnCommand() *cobra.Command {
	var pw profileWrite
	var format, observed string
	cmd := &cobra.Command{
		Use:   "learn --model REF --format F FILE...",
		Short: "Derive a model's profile from captures on disk (any import format) and store it",
		Long: `Learn reads capture files (nmap XML, fingerprintx, ZGrab2 or masscan, plain
or compressed; each host of each file is one capture of the model) and
combines them: values equal in every capture become exact predicates,
values that differ only in a version become a pattern whose group
"version" captures it, other differences and values some captures lack
are left out, and so are the certificate and host-key hashes, which
differ per unit. The profile replaces the model's profile (audited)
unless --dry-run. Formats without timestamps need --observed DATE.`,
		Args: args(1, -1),
		RunE: func(cmd *cobra.Command, files []string) error {
			if err := pw.check(); err != nil {
				return err
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
			return a.withStore(cmd.Context(), func(s *sqlstore.Store) error {
				return a.learnProfile(cmd.Context(), s, pw, f, opts, files)
			})
		},
	}
	pw.flags(cmd)
	cmd.Flags().StringVar(&format, "format", "auto", "fingerprintx, nmap, zgrab2, masscan, or auto (sniffed)")
	cmd.Flags().StringVar(&observed, "observed", "", "when the captures ran, for formats without timestamps: DATE or FROM/TO")
	return cmd
}

func (a *app) learnProfile(ctx context.Context, s *sqlstore.Store, pw profileWrite, format importer.Format, opts importer.Options, files []string) error {
	if _, err := s.GetModel(ctx, pw.model, false); err != nil {
		return err
	}
	learned, err := a.learnCaptures(ctx, format, opts, files)
	if err != nil {
		return err
	}
	return a.proposeProfile(ctx, s, pw, learned)
}

// learnCaptures reads capture files in format (one sample per host of
// each) and learns a profile from them; the files are named in its origin.
func (a *app) learnCaptures(ctx context.Context, format importer.Format, opts importer.Options, files []string) (*learn.Result, error) {
	var samples []learn.Sample
	var names []string
	formats := map[string]bool{}
	for _, file := range files {
		f, err := os.Open(file)
		if err != nil {
			return nil, err
		}
		got, d, err := learn.Read(ctx, f, filepath.Base(file), format, opts)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		if d.Rejected > 0 {
			a.say("%s: %d records rejected", terminalSafe(file), d.Rejected)
		}
		if len(got) == 0 {
			a.say("%s: no observation in it", terminalSafe(file))
		}
		formats[string(d.Format)] = true
		samples = append(samples, got...)
		names = append(names, filepath.Base(file))
	}
	return learn.Learn(samples, registry.Origin{
		Kind: "learned", Tool: strings.Join(slices.Sorted(maps.Keys(formats)), ", "), At: time.Now().UTC(), Note: learn.Note(names),
	})
}

// proposeProfile shows a learned profile and what was left out, then
// stores it unless --dry-run.
func (a *app) proposeProfile(ctx context.Context, s *sqlstore.Store, pw profileWrite, learned *learn.Result) error {
	if !a.json {
		fmt.Fprintf(a.stdout, "proposed profile for %s, from %d capture(s):\n", pw.model, learned.Samples)
		a.printProfile(learned.Profile)
	}
	for _, d := range learned.Dropped {
		what := d.Service
		if d.Field != "" {
			what += " " + d.Field
		}
		a.say("left out %s: %s", terminalSafe(what), d.Reason)
	}
	if pw.dryRun {
		a.say("--dry-run: nothing stored")
	} else {
		old, err := s.GetModel(ctx, pw.model, false)
		if err != nil {
			return err
		}
		if _, err := s.SetProfile(actorContext(ctx), pw.model, learned.Profile); err != nil {
			return err
		}
		replaced := "the model had none"
		if old.Profile != nil {
			replaced = fmt.Sprintf("it replaces one of %d", len(old.Profile.Signatures))
		}
		a.say("stored as the profile of %s: %d signatures (%s)", pw.model, len(learned.Profile.Signatures), replaced)
	}
	if a.json {
		return a.printJSON(learned.Profile)
	}
	return nil
}

func (a *app) profileShowCommand() *cobra.Command {
	var model string
	cmd := &cobra.Command{
		Use:   "show --model REF",
		Short: "Show a model's profile",
		Args:  args(0, 0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if model == "" {
				return usageError{fmt.Errorf("--model REF is required")}
			}
			return a.withStore(cmd.Context(), func(s *sqlstore.Store) error {
				m, err := s.GetModel(cmd.Context(), model, false)
				if err != nil {
					return err
				}
				p := m.Profile
				if p == nil {
					a.say("model %s has no profile", model)
					p = &registry.Profile{Signatures: []registry.Signature{}}
				}
				if a.json {
					return a.printJSON(p)
				}
				a.printProfile(p)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&model, "model", "", "the model's ref (required)")
	return cmd
}

// printProfile writes one block per signature. Values come from devices,
// so they are quoted and made terminal-safe.
func (a *app) printProfile(p *registry.Profile) {
	var b strings.Builder
	for _, sig := range p.Signatures {
		b.WriteString(sig.Protocol)
		if sig.Transport != "" || sig.Port != 0 {
			fmt.Fprintf(&b, " %s/%d", orAny(sig.Transport), sig.Port)
		}
		if sig.TLS != nil && *sig.TLS {
			b.WriteString(" tls")
		}
		if o := sig.Origin; o != nil {
			fmt.Fprintf(&b, "  [%s", o.Kind)
			if o.Tool != "" {
				b.WriteString(", " + o.Tool)
			}
			if !o.At.IsZero() {
				b.WriteString(", " + o.At.Format("2006-01-02"))
			}
			b.WriteString("]")
		}
		b.WriteString("\n")
		names := make([]string, 0, len(sig.Fields))
		for name := range sig.Fields {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			pr := sig.Fields[name]
			kind, value := "exact", pr.Exact
			switch {
			case pr.Prefix != "":
				kind, value = "prefix", pr.Prefix
			case pr.Regex != "":
				kind, value = "regex", pr.Regex
			}
			fmt.Fprintf(&b, "  %-24s %-6s %s", name, kind, strconv.Quote(value))
			if g := pr.CaptureGroup(); g != "" {
				fmt.Fprintf(&b, "  (captures %s)", g)
			}
			b.WriteString("\n")
		}
	}
	fmt.Fprint(a.stdout, terminalSafe(b.String()))
}

func orAny(transport string) string {
	if transport == "" {
		return "any"
	}
	return transport
}
