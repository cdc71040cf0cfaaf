package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/netip"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/certprint/certprint/fingerprint/capture"
	"github.com/certprint/certprint/fingerprint/learn"
	"github.com/certprint/certprint/importer"
	"github.com/certprint/certprint/registry"
)

// profileWriters may change profiles.
var profileWriters = []registry.Role{registry.RoleCertifier}

// DefaultMaxProfileUpload bounds the capture files of one learn request
// when Services.MaxProfileUpload is zero: captures of one model are
// kilobytes each.
const DefaultMaxProfileUpload = 64 << 20

// maxCaptureFiles bounds the files of one learn request.
const maxCaptureFiles = 32

// maxCaptureTimeout bounds the time limit an API caller may ask for.
const maxCaptureTimeout = 30 * time.Minute

// profileProposal answers a capture or a learn request: the proposed
// profile, what was left out of it, and whether it was stored.
type profileProposal struct {
	Model   string            `json:"model"`
	Stored  bool              `json:"stored" doc:"False for a dry run"`
	Profile *registry.Profile `json:"profile"`
	Samples int               `json:"samples" doc:"Captures learned from: one per host of each file"`
	Dropped []learn.Dropped   `json:"dropped,omitempty" doc:"What the captures showed that the profile leaves out, and why"`
	Tool    string            `json:"tool,omitempty" doc:"The nmap that captured, for a capture"`
	Skipped []capture.Skipped `json:"skipped,omitempty" doc:"Scripts a capture did not run, and why"`
}

type profileOutput struct {
	Body *profileProposal
}

type captureInput struct {
	ModelRef
	Body struct {
		Target         string `json:"target" maxLength:"64" doc:"The device's IP address; only addresses the server allows (by default its loopback)"`
		Ports          string `json:"ports,omitempty" maxLength:"4096" doc:"Ports to probe, such as 80,443,8000-8100,udp/161; default: common device ports"`
		UDP            bool   `json:"udp,omitempty" doc:"Also scan UDP with upnp-info and snmp-sysdescr, where the server allows raw sockets"`
		TimeoutSeconds int    `json:"timeout_seconds,omitempty" minimum:"0" maximum:"1800" doc:"Stop nmap after this long; default 600"`
		DryRun         bool   `json:"dry_run,omitempty" doc:"Propose the profile, store nothing"`
	}
}

// captureGate lets one capture run at a time: nmap at intensity 9 is not
// light, and a queue of them would hold requests for many minutes.
type captureGate struct{ mu sync.Mutex }

func (h *handlers) registerProfiles(api huma.API, mux *http.ServeMux) {
	set := operation(http.MethodPut, "/api/v1/models/{ref}/profile", "set-profile",
		"Replace a model's profile (no signatures removes it)", "profiles", profileWriters...)
	set.Description += " The change is in the audit log with its before and after."
	huma.Register(api, set, func(ctx context.Context, in *struct {
		ModelRef
		Body registry.Profile
	}) (*modelOutput, error) {
		m, err := h.Registry.SetProfile(ctx, in.Ref, &in.Body)
		return &modelOutput{Body: m}, problem(h.Logger, err)
	})

	capt := operation(http.MethodPost, "/api/v1/models/{ref}/profile/capture", "capture-profile",
		"Fingerprint a reference device with nmap and store its profile", "profiles", profileWriters...)
	capt.Description += " The server runs nmap (TCP connect scan, version intensity 9, NSE scripts) against target, " +
		"which must be an address the server allows: by default only its loopback (certprint serve --capture-allow). " +
		"One capture runs at a time; the request lasts as long as nmap does."
	gate := &captureGate{}
	huma.Register(api, capt, func(ctx context.Context, in *captureInput) (*profileOutput, error) {
		out, err := h.captureProfile(ctx, gate, in)
		return &profileOutput{Body: out}, problem(h.Logger, err)
	})
	h.registerLearn(api, mux)
}

func (h *handlers) captureProfile(ctx context.Context, gate *captureGate, in *captureInput) (*profileProposal, error) {
	b := in.Body
	target, err := capture.ParseTarget(b.Target)
	if err != nil {
		return nil, registry.Invalid("target", "%v", err)
	}
	allowed := h.CaptureTargets
	if allowed == nil {
		allowed = capture.Loopback
	}
	if err := capture.CheckTarget(target, allowed); err != nil {
		return nil, registry.Errorf(registry.EFORBIDDEN, "%v", err)
	}
	opts := capture.Options{Target: target, UDP: b.UDP, Allowed: allowed, Timeout: time.Duration(b.TimeoutSeconds) * time.Second}
	if opts.Timeout > maxCaptureTimeout {
		opts.Timeout = maxCaptureTimeout
	}
	if b.Ports != "" {
		if opts.Ports, err = capture.ParsePorts(b.Ports); err != nil {
			return nil, registry.Invalid("ports", "%v", err)
		}
	}
	if _, err := h.Registry.GetModel(ctx, in.Ref, false); err != nil {
		return nil, err
	}
	if !gate.mu.TryLock() {
		return nil, registry.Errorf(registry.ECONFLICT, "a capture is already running on this server; try again when it is done")
	}
	defer gate.mu.Unlock()
	run := h.Capture
	if run == nil {
		run = capture.Run
	}
	res, err := run(ctx, opts)
	if err != nil {
		return nil, captureError(err)
	}
	learned, err := learn.Learn(learn.SamplesByHost(target.String(), res.Observations),
		registry.Origin{Kind: "capture", Tool: res.Tool, At: res.Finished, Note: learn.CaptureNote})
	if err != nil {
		return nil, registry.Invalid("target", "%v", err)
	}
	out := &profileProposal{Model: in.Ref, Profile: learned.Profile, Samples: learned.Samples,
		Dropped: learned.Dropped, Tool: res.Tool, Skipped: res.Skipped}
	return out, h.store(ctx, out, b.DryRun)
}

// captureError gives a capture failure its error code: what the target
// did (or did not) answer is about the request; a server without nmap is
// the operator's to fix, and the log says so.
func captureError(err error) error {
	switch {
	case errors.Is(err, capture.ErrTargetNotAllowed):
		return registry.Errorf(registry.EFORBIDDEN, "%v", err)
	case errors.Is(err, capture.ErrNoAnswer), errors.Is(err, capture.ErrNoService):
		return registry.Invalid("target", "%v", err)
	case errors.Is(err, capture.ErrTimeout):
		return registry.Invalid("timeout_seconds", "%v", err)
	case errors.Is(err, context.Canceled):
		return err
	}
	return fmt.Errorf("capture: %w", err) // internal: nmap missing or failing
}

// store saves a proposal's profile unless dry.
func (h *handlers) store(ctx context.Context, p *profileProposal, dry bool) error {
	if dry {
		return nil
	}
	if _, err := h.Registry.SetProfile(ctx, p.Model, p.Profile); err != nil {
		return err
	}
	p.Stored = true
	return nil
}

// registerLearn adds the learn upload: capture files are streamed, so it
// is a plain handler like the scan upload, described in the OpenAPI
// document by hand and guarded by the same roles.
func (h *handlers) registerLearn(api huma.API, mux *http.ServeMux) {
	op := operation(http.MethodPost, "/api/v1/models/{ref}/profile/learn", "learn-profile",
		"Derive a model's profile from capture files (any import format) and store it", "profiles", profileWriters...)
	op.Description += " The body is one capture file (raw, gzip or zstd), or multipart/form-data with up to " +
		strconv.Itoa(maxCaptureFiles) + " of them; each host of each file is one capture of the model. " +
		"Values equal in every capture become exact predicates, values that differ only in a version become a pattern capturing it."
	op.Parameters = []*huma.Param{
		{Name: "ref", In: "path", Required: true, Schema: &huma.Schema{Type: "string", MaxLength: ptr(128)}},
		{Name: "format", In: "query", Schema: &huma.Schema{Type: "string", Enum: []any{"auto", "fingerprintx", "nmap", "zgrab2", "masscan"}, Default: "auto"}},
		{Name: "observed", In: "query", Description: "DATE or FROM/TO, for formats without timestamps", Schema: &huma.Schema{Type: "string"}},
		{Name: "dry_run", In: "query", Description: "Propose the profile, store nothing", Schema: &huma.Schema{Type: "boolean"}},
	}
	op.RequestBody = &huma.RequestBody{Required: true, Content: map[string]*huma.MediaType{
		"application/octet-stream": {Schema: &huma.Schema{Type: "string", Format: "binary"}},
		"multipart/form-data":      {Schema: &huma.Schema{Type: "object", Properties: map[string]*huma.Schema{"file": {Type: "array", Items: &huma.Schema{Type: "string", Format: "binary"}}}}},
	}}
	op.Responses = map[string]*huma.Response{
		"200": {Description: "Proposed, and stored unless dry_run", Content: map[string]*huma.MediaType{"application/json": {
			Schema: huma.SchemaFromType(api.OpenAPI().Components.Schemas, reflect.TypeFor[profileProposal]())}}},
		"default": {Description: "Problem details (RFC 9457)", Content: map[string]*huma.MediaType{"application/problem+json": {}}},
	}
	api.OpenAPI().AddOperation(&op)
	mux.Handle("POST /api/v1/models/{ref}/profile/learn", http.HandlerFunc(h.learnUpload))
}

// authorize resolves the caller of a plain handler and checks its role,
// answering 401 or 403 itself when it may not.
func (h *handlers) authorize(w http.ResponseWriter, r *http.Request, roles []registry.Role) (registry.Actor, bool) {
	actor, err := actorFromHeader(r.Context(), r.Header.Get("Authorization"), h.Tokens)
	switch {
	case err != nil || actor.Anonymous():
		w.Header().Set("WWW-Authenticate", `Bearer realm="certprint"`)
		writeProblem(w, huma.Error401Unauthorized("this operation needs a bearer token with role "+roleNames(roles)))
		return actor, false
	case !actor.May(roles...):
		writeProblem(w, huma.Error403Forbidden("role "+string(actor.Role)+" may not do this; it needs "+roleNames(roles)))
		return actor, false
	}
	return actor, true
}

func (h *handlers) learnUpload(w http.ResponseWriter, r *http.Request) {
	actor, ok := h.authorize(w, r, profileWriters)
	if !ok {
		return
	}
	ctx := registry.WithActor(r.Context(), actor)
	ref := r.PathValue("ref")
	q := r.URL.Query()
	format := importer.Auto
	var opts importer.Options
	var err error
	if f := q.Get("format"); f != "" {
		if format, err = importer.ParseFormat(f); err != nil {
			writeProblem(w, huma.Error422UnprocessableEntity(err.Error(), &huma.ErrorDetail{Location: "query.format"}))
			return
		}
	}
	if o := q.Get("observed"); o != "" {
		if opts.Observed, err = importer.ParseWindow(o); err != nil {
			writeProblem(w, huma.Error422UnprocessableEntity(err.Error(), &huma.ErrorDetail{Location: "query.observed"}))
			return
		}
	}
	if _, err := h.Registry.GetModel(ctx, ref, false); err != nil {
		writeProblem(w, h.statusOf(err))
		return
	}
	limit := h.MaxProfileUpload
	if limit <= 0 {
		limit = DefaultMaxProfileUpload
	}
	body := http.MaxBytesReader(w, r.Body, limit)
	samples, names, tool, err := readCaptures(ctx, r, body, format, opts)
	if err != nil {
		writeProblem(w, h.learnProblem(err, limit))
		return
	}
	learned, err := learn.Learn(samples, registry.Origin{Kind: "learned", Tool: tool, At: time.Now().UTC(), Note: learn.Note(names)})
	if err != nil {
		writeProblem(w, huma.Error422UnprocessableEntity(err.Error()))
		return
	}
	out := &profileProposal{Model: ref, Profile: learned.Profile, Samples: learned.Samples, Dropped: learned.Dropped}
	if err := h.store(ctx, out, q.Get("dry_run") == "true"); err != nil {
		writeProblem(w, h.statusOf(err))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(out)
}

// readCaptures streams each capture file of the body through the scan
// readers: the body itself, or each file part of a multipart form. It
// returns the samples, the files' names and the formats they were in.
func readCaptures(ctx context.Context, r *http.Request, body io.Reader, format importer.Format, opts importer.Options) ([]learn.Sample, []string, string, error) {
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mediaType != "multipart/form-data" {
		samples, d, err := learn.Read(ctx, body, "upload", format, opts)
		return samples, []string{"upload"}, string(d.Format), err
	}
	r.Body = io.NopCloser(body)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, nil, "", badUpload("multipart body: " + err.Error())
	}
	var samples []learn.Sample
	var names []string
	formats := map[string]bool{}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, "", err
		}
		if part.FormName() != "file" {
			part.Close()
			continue
		}
		if len(names) == maxCaptureFiles {
			return nil, nil, "", badUpload(fmt.Sprintf("more than %d capture files", maxCaptureFiles))
		}
		name := cleanFileName(part.FileName(), len(names))
		got, d, err := learn.Read(ctx, part, name, format, opts)
		part.Close()
		if err != nil {
			return nil, nil, "", fmt.Errorf("%s: %w", name, err)
		}
		samples = append(samples, got...)
		names = append(names, name)
		formats[string(d.Format)] = true
	}
	if len(names) == 0 {
		return nil, nil, "", badUpload(`no form field "file" in the multipart body`)
	}
	tools := make([]string, 0, len(formats))
	for f := range formats {
		tools = append(tools, f)
	}
	sort.Strings(tools)
	return samples, names, strings.Join(tools, ", "), nil
}

// badUpload is a learn request whose body is not the form it should be.
type badUpload string

func (e badUpload) Error() string { return string(e) }

// cleanFileName keeps an uploaded file's name for the origin's note only
// when it is short text without control characters.
func cleanFileName(name string, i int) string {
	if name == "" || len(name) > 200 || !validName(name) {
		return "file " + strconv.Itoa(i+1)
	}
	return name
}

func validName(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == 0xfffd {
			return false
		}
	}
	return true
}

// learnProblem maps a failure to read the capture files to a status.
func (h *handlers) learnProblem(err error, limit int64) huma.StatusError {
	var tooBig *http.MaxBytesError
	var fe *importer.FormatError
	var bad badUpload
	switch {
	case errors.As(err, &tooBig):
		return huma.NewError(http.StatusRequestEntityTooLarge, "the capture files are larger than this server accepts ("+strconv.FormatInt(limit, 10)+" bytes); nothing was stored")
	case errors.As(err, &fe), errors.As(err, &bad), errors.Is(err, importer.ErrNeedObserved), errors.Is(err, importer.ErrTooManyErrors):
		return huma.Error422UnprocessableEntity(err.Error() + "; nothing was stored")
	}
	return h.statusOf(err)
}

// statusOf is problem's status for a plain handler.
func (h *handlers) statusOf(err error) huma.StatusError {
	var se huma.StatusError
	if errors.As(problem(h.Logger, err), &se) {
		return se
	}
	return huma.Error500InternalServerError("internal error")
}

// ParseCaptureTargets reads the server option that says which addresses
// the API may capture: comma-separated prefixes or addresses, or "none",
// which turns capture over the API off.
func ParseCaptureTargets(list []string) ([]netip.Prefix, error) {
	out := []netip.Prefix{}
	for _, s := range list {
		if s == "none" {
			if len(list) > 1 {
				return nil, fmt.Errorf("none cannot be combined with prefixes")
			}
			return out, nil
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			a, aerr := netip.ParseAddr(s)
			if aerr != nil {
				return nil, fmt.Errorf("%q is not a CIDR prefix or an address", s)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		out = append(out, p.Masked())
	}
	return out, nil
}
