package web

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/danielgtaylor/huma/v2"

	"github.com/certprint/certprint/importer"
	"github.com/certprint/certprint/registry"
)

// Who may see and write scans: scan results name addresses, so they are
// not public; analysts read the counts.
var (
	scanReaders = []registry.Role{registry.RoleScanner, registry.RoleAnalyst}
	scanWriters = []registry.Role{registry.RoleScanner}
)

// DefaultMaxUpload bounds one uploaded scan file when Services.MaxUpload
// is zero.
const DefaultMaxUpload = 16 << 30

type scanListInput struct {
	State string `query:"state" enum:"importing,closed" doc:"Only scans in this state"`
	Name  string `query:"name" maxLength:"200" doc:"Only scans of this name"`
}

type scanListOutput struct {
	Body struct {
		Scans []registry.Scan `json:"scans"`
	}
}

// ScanID is the path parameter naming a scan.
type ScanID struct {
	ID int64 `path:"id" minimum:"1" doc:"The scan's id"`
}

type scanOutput struct {
	Body *registry.Scan
}

type scanCreateInput struct {
	Body struct {
		Name   string   `json:"name" minLength:"1" maxLength:"200"`
		Source string   `json:"source,omitempty" maxLength:"200" doc:"The team that ran the scan"`
		TLP    string   `json:"tlp,omitempty" enum:"clear,green,amber,amber+strict,red" doc:"Default amber"`
		Probed []string `json:"probed,omitempty" maxItems:"10000" doc:"Address space probed, as CIDR prefixes"`
		Ports  []string `json:"ports,omitempty" maxItems:"10000" doc:"Ports probed, such as tcp/1-1024 or udp/161"`
	}
}

func (h *handlers) registerScans(api huma.API, mux *http.ServeMux) {
	huma.Register(api, operation(http.MethodGet, "/api/v1/scans", "list-scans", "List scans with their counts, newest first",
		"scans", scanReaders...),
		func(ctx context.Context, in *scanListInput) (*scanListOutput, error) {
			scans, err := h.Scans.ListScans(ctx, registry.ScanFilter{State: registry.ScanState(in.State), Name: in.Name})
			out := &scanListOutput{}
			out.Body.Scans = scans
			if out.Body.Scans == nil {
				out.Body.Scans = []registry.Scan{}
			}
			return out, problem(h.Logger, err)
		})
	huma.Register(api, operation(http.MethodGet, "/api/v1/scans/{id}", "get-scan", "Get a scan with its files and counts",
		"scans", scanReaders...),
		func(ctx context.Context, in *ScanID) (*scanOutput, error) {
			scan, err := h.Scans.GetScan(ctx, in.ID)
			return &scanOutput{Body: scan}, problem(h.Logger, err)
		})
	create := operation(http.MethodPost, "/api/v1/scans", "create-scan",
		"Create a scan in state importing; upload files into it, then close it", "scans", scanWriters...)
	create.DefaultStatus = http.StatusCreated
	huma.Register(api, create, func(ctx context.Context, in *scanCreateInput) (*scanOutput, error) {
		b := in.Body
		scan, err := h.Scans.CreateScan(ctx, &registry.Scan{Name: b.Name, Source: b.Source, TLP: b.TLP, Probed: b.Probed, Ports: b.Ports})
		return &scanOutput{Body: scan}, problem(h.Logger, err)
	})
	huma.Register(api, operation(http.MethodPost, "/api/v1/scans/{id}/close", "close-scan",
		"Close a scan: merge its observations and make it visible to matching and statistics", "scans", scanWriters...),
		func(ctx context.Context, in *ScanID) (*scanOutput, error) {
			scan, err := h.Scans.CloseScan(ctx, in.ID)
			return &scanOutput{Body: scan}, problem(h.Logger, err)
		})
	drop := operation(http.MethodDelete, "/api/v1/scans/{id}", "drop-scan", "Delete a scan and everything in it", "scans", scanWriters...)
	drop.DefaultStatus = http.StatusNoContent
	huma.Register(api, drop, func(ctx context.Context, in *ScanID) (*struct{}, error) {
		return nil, problem(h.Logger, h.Scans.DropScan(ctx, in.ID))
	})
	h.registerUpload(api, mux)
}

// uploadResult answers an upload.
type uploadResult struct {
	File     registry.ScanInput `json:"file"`
	Examples []string           `json:"rejected_examples,omitempty" doc:"The first rejected records, with their line or byte offset"`
}

// registerUpload adds the streamed upload: huma reads request bodies whole
// into memory, so this one operation is a plain handler, described in the
// OpenAPI document by hand and guarded by the same roles.
func (h *handlers) registerUpload(api huma.API, mux *http.ServeMux) {
	op := operation(http.MethodPost, "/api/v1/scans/{id}/files", "upload-scan-file",
		"Stream one scan result file (raw, gzip or zstd) into an importing scan; stored whole or not at all", "scans", scanWriters...)
	op.Parameters = []*huma.Param{
		{Name: "id", In: "path", Required: true, Schema: &huma.Schema{Type: "integer", Minimum: ptr(1.0)}},
		{Name: "format", In: "query", Schema: &huma.Schema{Type: "string", Enum: []any{"auto", "fingerprintx", "nmap", "zgrab2", "masscan"}, Default: "auto"}},
		{Name: "name", In: "query", Description: "File name recorded with the scan", Schema: &huma.Schema{Type: "string", MaxLength: ptr(200)}},
		{Name: "observed", In: "query", Description: "DATE or FROM/TO, for formats without timestamps", Schema: &huma.Schema{Type: "string"}},
		{Name: "force", In: "query", Description: "Import content already in the scan again", Schema: &huma.Schema{Type: "boolean"}},
		{Name: "max_errors", In: "query", Description: "Store nothing once more records are rejected; -1 no limit", Schema: &huma.Schema{Type: "integer", Default: -1}},
	}
	op.RequestBody = &huma.RequestBody{Required: true, Content: map[string]*huma.MediaType{
		"application/octet-stream": {Schema: &huma.Schema{Type: "string", Format: "binary"}},
	}}
	op.Responses = map[string]*huma.Response{
		"201": {Description: "Stored", Content: map[string]*huma.MediaType{"application/json": {
			Schema: huma.SchemaFromType(api.OpenAPI().Components.Schemas, reflect.TypeFor[uploadResult]())}}},
		"default": {Description: "Problem details (RFC 9457)", Content: map[string]*huma.MediaType{"application/problem+json": {}}},
	}
	api.OpenAPI().AddOperation(&op)
	mux.Handle("POST /api/v1/scans/{id}/files", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.upload(w, r, op)
	}))
}

func (h *handlers) upload(w http.ResponseWriter, r *http.Request, op huma.Operation) {
	actor, err := actorFromHeader(r.Context(), r.Header.Get("Authorization"), h.Tokens)
	switch {
	case err != nil || actor.Anonymous():
		w.Header().Set("WWW-Authenticate", `Bearer realm="certprint"`)
		writeProblem(w, huma.Error401Unauthorized("this operation needs a bearer token with role "+roleNames(scanWriters)))
		return
	case !actor.May(scanWriters...):
		writeProblem(w, huma.Error403Forbidden("role "+string(actor.Role)+" may not do this; it needs "+roleNames(scanWriters)))
		return
	}
	lo, id, perr := uploadOptions(r)
	if perr != nil {
		writeProblem(w, perr)
		return
	}
	limit := h.MaxUpload
	if limit <= 0 {
		limit = DefaultMaxUpload
	}
	body := http.MaxBytesReader(w, r.Body, limit)
	ctx := registry.WithActor(r.Context(), actor)
	res, err := importer.Load(ctx, h.Scans, id, body, lo)
	if err != nil {
		writeProblem(w, h.uploadProblem(err, limit))
		return
	}
	out := uploadResult{File: res.Input}
	for _, e := range res.Examples {
		out.Examples = append(out.Examples, e.Error())
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	json.NewEncoder(w).Encode(out)
}

// uploadOptions reads the query of an upload.
func uploadOptions(r *http.Request) (importer.LoadOptions, int64, huma.StatusError) {
	q := r.URL.Query()
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return importer.LoadOptions{}, 0, huma.Error422UnprocessableEntity("id must be a positive integer", &huma.ErrorDetail{Location: "path.id"})
	}
	lo := importer.LoadOptions{Name: q.Get("name"), MaxErrors: -1, Format: importer.Auto}
	if lo.Name == "" {
		lo.Name = "upload"
	}
	if len(lo.Name) > 200 || !utf8.ValidString(lo.Name) || strings.ContainsFunc(lo.Name, unicode.IsControl) {
		return lo, 0, huma.Error422UnprocessableEntity("name must be at most 200 bytes of text without control characters",
			&huma.ErrorDetail{Location: "query.name"})
	}
	if f := q.Get("format"); f != "" {
		if lo.Format, err = importer.ParseFormat(f); err != nil {
			return lo, 0, huma.Error422UnprocessableEntity(err.Error(), &huma.ErrorDetail{Location: "query.format"})
		}
	}
	if o := q.Get("observed"); o != "" {
		if lo.Observed, err = importer.ParseWindow(o); err != nil {
			return lo, 0, huma.Error422UnprocessableEntity(err.Error(), &huma.ErrorDetail{Location: "query.observed"})
		}
	}
	if m := q.Get("max_errors"); m != "" {
		if lo.MaxErrors, err = strconv.ParseInt(m, 10, 64); err != nil {
			return lo, 0, huma.Error422UnprocessableEntity("max_errors must be an integer", &huma.ErrorDetail{Location: "query.max_errors"})
		}
	}
	lo.Force = q.Get("force") == "true"
	return lo, id, nil
}

// uploadProblem maps an import failure to a status: a body over the limit
// is 413, a file that is not its format or has too many bad records 422.
func (h *handlers) uploadProblem(err error, limit int64) huma.StatusError {
	var tooBig *http.MaxBytesError
	var fe *importer.FormatError
	switch {
	case errors.As(err, &tooBig):
		return huma.NewError(http.StatusRequestEntityTooLarge, "the file is larger than this server accepts ("+strconv.FormatInt(limit, 10)+" bytes); nothing was stored")
	case errors.As(err, &fe), errors.Is(err, importer.ErrTooManyErrors), errors.Is(err, importer.ErrNeedObserved):
		return huma.Error422UnprocessableEntity(err.Error() + "; nothing was stored")
	}
	var se huma.StatusError
	if errors.As(problem(h.Logger, err), &se) {
		return se
	}
	return huma.Error500InternalServerError("internal error")
}

// writeProblem answers with RFC 9457 problem details, as huma does.
func writeProblem(w http.ResponseWriter, se huma.StatusError) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(se.GetStatus())
	json.NewEncoder(w).Encode(se)
}

func ptr[T any](v T) *T { return &v }
