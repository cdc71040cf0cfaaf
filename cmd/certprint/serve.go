package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"time"

	"github.com/spf13/cobra"

	"github.com/certprint/certprint/registry/sqlstore"
	"github.com/certprint/certprint/web"
)

func (a *app) serveCommand() *cobra.Command {
	var addr string
	var captureAllow []string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the API (/api/v1, OpenAPI at /openapi.json) and the web UI",
		Args:  args(0, 0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			targets, err := web.ParseCaptureTargets(captureAllow)
			if err != nil {
				return usageError{fmt.Errorf("--capture-allow: %w", err)}
			}
			return a.withStore(cmd.Context(), func(s *sqlstore.Store) error {
				return a.serve(cmd.Context(), s, addr, targets)
			})
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8080", "address to listen on")
	cmd.Flags().StringSliceVar(&captureAllow, "capture-allow", []string{"127.0.0.0/8", "::1/128"},
		"addresses the API may capture reference devices at with nmap (CIDR prefixes), or none")
	return cmd
}

// serve runs the HTTP server until ctx ends, then drains requests for up to
// ten seconds.
func (a *app) serve(ctx context.Context, s *sqlstore.Store, addr string, captureTargets []netip.Prefix) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(a.stderr, nil))
	srv := &http.Server{
		Handler:           web.NewHandler(web.Services{Registry: s, Tokens: s, Scans: s, Verdicts: s, Reviews: s, Reports: s, Logger: logger, CaptureTargets: captureTargets}),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	a.say("certprint: serving http://%s (API docs at /api/docs, database %s)", ln.Addr(), s.Dialect())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return err
	}
	if err := <-done; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
