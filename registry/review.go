package registry

import (
	"context"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// MaxReviewNote bounds a review's note, in characters: a note is a
// sentence or two of why, and may quote a banner, which an attacker
// writes.
const MaxReviewNote = 1000

// Review is what a person of a scan team said of one device of a scan:
// that its verdict is right (confirmed), that the device is another
// registered model (corrected), or that it is not the model the verdict
// names, or not a device at all (rejected).
//
// A review belongs to the device, named by its address and ports, not to
// the match run it was made on: matching the scan again keeps it on the
// device with the same address and ports. When the current run has no
// such device (the matcher now splits or joins the address's services
// otherwise) the review is Stale; it is kept and listed, never dropped
// silently, and promotion leaves it out until someone reviews the device
// as it now is.
type Review struct {
	ID     int64       `json:"id"`
	ScanID int64       `json:"scan_id"`
	IP     netip.Addr  `json:"ip"`
	Ports  []string    `json:"ports" doc:"transport/port of each service of the reviewed device"`
	State  ReviewState `json:"state" enum:"confirmed,corrected,rejected"`
	// ModelRef is the model the reviewer says the device is: the model
	// the verdict named for a confirmation (empty when it named none: a
	// confirmed unknown), the model named for a correction, empty for a
	// rejection.
	ModelRef string `json:"model_ref,omitempty"`
	// VerdictClass and VerdictModels are what the verdict said when it
	// was reviewed; after a re-match the verdict may say otherwise.
	VerdictClass  Class     `json:"verdict_class"`
	VerdictModels []string  `json:"verdict_models"`
	Note          string    `json:"note,omitempty" maxLength:"1000"`
	By            string    `json:"reviewed_by"`
	At            time.Time `json:"reviewed_at"`
	Stale         bool      `json:"stale,omitempty" doc:"The scan's current match run has no device with this address and these ports"`
}

// ReviewInput is one review to record. The device is the one of the
// scan's current run on IP that has Port among its services; Port may be
// left out when the address has one device only.
type ReviewInput struct {
	ScanID   int64
	IP       netip.Addr
	Port     string // "tcp/80", or "80" for TCP; "" for an address with one device
	State    ReviewState
	ModelRef string // the model a correction names; empty otherwise
	Note     string
}

// Validate checks what can be checked without the store.
func (in *ReviewInput) Validate() error {
	if !in.IP.IsValid() {
		return Invalid("ip", "is required")
	}
	if in.Port != "" {
		if _, err := ParseServicePort(in.Port); err != nil {
			return Invalid("port", "%v", err)
		}
	}
	switch in.State {
	case ReviewCorrected:
		if in.ModelRef == "" {
			return Invalid("model_ref", "a correction names the model the device really is")
		}
	case ReviewConfirmed, ReviewRejected:
		if in.ModelRef != "" {
			return Invalid("model_ref", "only a correction names a model; a %s review takes the verdict's", in.State)
		}
	default:
		return Invalid("state", "must be confirmed, corrected or rejected, not %q", in.State)
	}
	return checkText("note", in.Note, MaxReviewNote, false)
}

// ParseServicePort reads "tcp/80", "udp/161" or a bare "80" (TCP) into
// the form verdicts list ports in.
func ParseServicePort(s string) (string, error) {
	transport, port, ok := strings.Cut(s, "/")
	if !ok {
		transport, port = "tcp", s
	}
	if transport != "tcp" && transport != "udp" {
		return "", fmt.Errorf("%q: the transport is tcp or udp", s)
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return "", fmt.Errorf("%q is not a port", s)
	}
	return transport + "/" + strconv.Itoa(n), nil
}

// ReviewFilter selects reviews of one scan.
type ReviewFilter struct {
	ScanID   int64
	IP       netip.Addr // zero: every address
	ModelRef string     // only reviews saying the device is this model
}

// ReviewService stores reviews of verdicts. Reviews name addresses, so
// only scan teams (role scanner) and admins may call it; callers check
// roles, as for the other services, and the reviewer recorded is the
// context's actor (WithActor). Every review is written to the audit log
// (entity "review", key "SCAN/REVIEW_ID") with its before and after; the
// audit event carries no address, since certifiers read the audit log.
// Reviews are not part of the registry: they leave its Revision as it is.
type ReviewService interface {
	// Review records a review of one device of the scan's current match
	// run, replacing an earlier review of the same device (address and
	// ports). EINVALID for a malformed input, or an address with several
	// devices and no port to tell them apart; ENOTFOUND for an unknown
	// scan, a scan never matched, no such device, or a correction naming
	// a model that does not exist; ECONFLICT for confirming a verdict
	// that names several models (correct it to the one it is) or
	// correcting a device to the one model its verdict already names.
	Review(ctx context.Context, in ReviewInput) (*Review, error)
	// Reviews returns the scan's reviews in address and port order, each
	// marked Stale when the current run has no device with its address
	// and ports; ENOTFOUND for an unknown scan.
	Reviews(ctx context.Context, f ReviewFilter) ([]Review, error)
}

// Apply shows r on the verdict of the device it reviews.
func (r *Review) Apply(v *Verdict) {
	v.Review, v.ReviewedBy, v.ReviewedAt = r.State, r.By, r.At
	v.ReviewModel, v.ReviewNote, v.ReviewID = r.ModelRef, r.Note, r.ID
}

// PortsKey is the form a device's ports are compared in: a review
// follows a device across match runs by its address and this key.
func PortsKey(ports []string) string { return strings.Join(ports, " ") }
