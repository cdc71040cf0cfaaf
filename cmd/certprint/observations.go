package main

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/certprint/certprint/registry"
	"github.com/certprint/certprint/registry/sqlstore"
)

func (a *app) observationsCommand() *cobra.Command {
	var scan int64
	var ip, protocol string
	var limit int
	cmd := &cobra.Command{
		Use:   "observations --scan ID",
		Short: "Show what a closed scan saw: one line per service (--json: JSON lines)",
		Args:  args(0, 0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if scan <= 0 {
				return usageError{fmt.Errorf("--scan ID is required")}
			}
			f := registry.ObservationFilter{ScanID: scan, Protocol: protocol, Page: registry.Page{Limit: limit}}
			var err error
			if f.IP, err = ipFlag(ip); err != nil {
				return err
			}
			return a.withStore(cmd.Context(), func(s *sqlstore.Store) error {
				return s.Observations(cmd.Context(), f, a.printObservation)
			})
		},
	}
	cmd.Flags().Int64Var(&scan, "scan", 0, "scan id")
	cmd.Flags().StringVar(&ip, "ip", "", "only this address")
	cmd.Flags().StringVar(&protocol, "protocol", "", "only this protocol (unknown: open ports no fingerprint identified)")
	cmd.Flags().IntVar(&limit, "limit", 0, "at most this many (0: all)")
	return cmd
}

// printObservation writes one observation as a JSON line, or as text with
// the device's strings made safe for a terminal.
func (a *app) printObservation(o *registry.Observation) error {
	if a.json {
		return a.printJSON(o)
	}
	proto := o.Protocol
	if o.TLS {
		proto += "+tls"
	}
	names := make([]string, 0, len(o.Fields))
	for name := range o.Fields {
		names = append(names, name)
	}
	sort.Strings(names)
	var b strings.Builder
	fmt.Fprintf(&b, "%s %d/%s %s %s", o.IP, o.Port, o.Transport, proto, o.Observed.Format("2006-01-02T15:04:05Z"))
	for _, name := range names {
		fmt.Fprintf(&b, " %s=%q", name, o.Fields[name])
	}
	_, err := fmt.Fprintln(a.stdout, terminalSafe(b.String()))
	return err
}

// ipFlag reads an --ip flag: empty means every address.
func ipFlag(s string) (netip.Addr, error) {
	if s == "" {
		return netip.Addr{}, nil
	}
	addr, err := netip.ParseAddr(s)
	if err != nil {
		return addr, usageError{fmt.Errorf("--ip: %q is not an IP address", s)}
	}
	return addr, nil
}
