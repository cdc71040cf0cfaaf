// Package web serves certprint's HTTP API (huma, OpenAPI 3.1 at
// /openapi.json), its offline API documentation and, later, its web UI.
package web

import (
	"context"
	"embed"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"reflect"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/certprint/certprint/fingerprint/capture"
	"github.com/certprint/certprint/registry"
)

// Version is the API version shown in the OpenAPI document.
const Version = "0.1.0"

//go:embed static
var staticFiles embed.FS

// Services are what the handlers call. Nil services leave their operations
// out.
type Services struct {
	Registry registry.RegistryService
	Tokens   registry.TokenService
	Scans    registry.ScanService
	Verdicts registry.VerdictService
	// Reviews stores reviews of verdicts; with Registry and Scans it
	// adds the review and promote operations.
	Reviews registry.ReviewService
	// Reports computes aggregate reports over matched scans.
	Reports registry.ReportService
	Logger  *slog.Logger
	// MaxUpload bounds one uploaded scan file (DefaultMaxUpload if 0).
	MaxUpload int64
	// MaxProfileUpload bounds the capture files of one profile learn
	// request (DefaultMaxProfileUpload if 0).
	MaxProfileUpload int64
	// CaptureTargets are the only addresses the API may point nmap at;
	// nil means capture.Loopback, an empty list none at all. The command
	// line captures what its user names; a server must not scan for
	// whoever holds a certifier token.
	CaptureTargets []netip.Prefix
	// Capture runs a capture (capture.Run if nil); tests replace nmap.
	Capture func(context.Context, capture.Options) (*capture.Result, error)
}

// NewHandler returns the whole HTTP surface: the API under /api/v1, the
// OpenAPI document, the docs page and static files.
func NewHandler(s Services) http.Handler {
	if s.Logger == nil {
		s.Logger = slog.Default()
	}
	mux := http.NewServeMux()
	NewAPI(mux, s)
	static, _ := fs.Sub(staticFiles, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /api/docs", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFileFS(w, r, static, "apidocs.html")
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/api/docs", http.StatusFound)
	})
	return securityHeaders(mux)
}

// NewAPI registers every operation on mux and returns the huma API.
func NewAPI(mux *http.ServeMux, s Services) huma.API {
	config := huma.DefaultConfig("certprint API", Version)
	config.Info.Description = "Registry of certified device models and their network profiles. " +
		"Reads of the public registry need no token; everything else needs a bearer token whose role is named on each operation."
	config.DocsPath = "" // huma's page loads scripts from a CDN; /api/docs is ours
	config.CreateHooks = nil
	config.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"bearer": {Type: "http", Scheme: "bearer", Description: "A token from `certprint token create`."},
	}
	registerSchemas(config.Components.Schemas)
	api := humago.New(mux, config)
	api.UseMiddleware(authenticate(api, s.Tokens, s.Logger))
	h := &handlers{Services: s}
	if s.Registry != nil {
		h.registerPrograms(api)
		h.registerModels(api)
		h.registerCertifications(api)
		h.registerAudit(api)
		h.registerProfiles(api, mux)
	}
	if s.Tokens != nil {
		h.registerTokens(api)
	}
	if s.Scans != nil {
		h.registerScans(api, mux)
	}
	if s.Registry != nil && s.Scans != nil && s.Verdicts != nil {
		h.registerVerdicts(api)
	}
	if s.Registry != nil && s.Scans != nil && s.Reviews != nil {
		h.registerReviews(api)
	}
	if s.Registry != nil && s.Scans != nil {
		h.registerProfileTest(api)
	}
	if s.Reports != nil {
		h.registerReports(api)
	}
	return api
}

type handlers struct{ Services }

// registerSchemas teaches huma the JSON forms of domain types whose Go
// shape differs from their JSON: dates are strings, and a firmware scope is
// an object or a plain list of versions.
func registerSchemas(r huma.Registry) {
	r.RegisterTypeAlias(reflect.TypeFor[registry.Date](), reflect.TypeFor[dateSchema]())
	r.RegisterTypeAlias(reflect.TypeFor[registry.PartialDate](), reflect.TypeFor[partialDateSchema]())
	r.RegisterTypeAlias(reflect.TypeFor[registry.FirmwareScope](), reflect.TypeFor[firmwareScopeSchema]())
}

type dateSchema struct{}

func (dateSchema) Schema(huma.Registry) *huma.Schema {
	return &huma.Schema{Type: "string", Format: "date", Description: "A day, YYYY-MM-DD", Examples: []any{"2024-04-01"}}
}

type partialDateSchema struct{}

func (partialDateSchema) Schema(huma.Registry) *huma.Schema {
	return &huma.Schema{Type: "string", Pattern: `^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$`,
		Description: "A year, month or day: YYYY, YYYY-MM or YYYY-MM-DD", Examples: []any{"2024-03"}}
}

type firmwareScopeSchema struct{}

func (firmwareScopeSchema) Schema(r huma.Registry) *huma.Schema {
	type scope registry.FirmwareScope
	object := huma.SchemaFromType(r, reflect.TypeFor[scope]())
	list := &huma.Schema{Type: "array", Items: &huma.Schema{Type: "string"}, Description: "Exact versions"}
	return &huma.Schema{OneOf: []*huma.Schema{list, object},
		Description: "Firmware the certification covers: a list of exact versions, or ranges within one version scheme"}
}

// securityHeaders keeps pages from loading anything but our own files, so a
// hostile banner that slips into a page still cannot load a script.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		next.ServeHTTP(w, r)
	})
}
