package registry

import (
	"context"
	"net/netip"
	"time"
)

// Class is what a verdict says of a device.
type Class string

// The verdict classes of SPEC.
const (
	ClassCertified           Class = "certified"
	ClassCertifiedOutOfScope Class = "certified-out-of-scope"
	ClassUncertified         Class = "uncertified"
	ClassUnknown             Class = "unknown"
)

// FirmwareState says whether the firmware a device showed is in the scope
// of its certification; "unobserved" when no banner showed a version, which
// reports count apart.
type FirmwareState string

// The firmware states of SPEC.
const (
	FirmwareInScope    FirmwareState = "in-scope"
	FirmwareOutOfScope FirmwareState = "out-of-scope"
	FirmwareUnobserved FirmwareState = "unobserved"
)

// ReviewState records whether a person has looked at a verdict.
type ReviewState string

// The review states of SPEC.
const (
	ReviewAuto      ReviewState = "auto"
	ReviewConfirmed ReviewState = "confirmed"
	ReviewCorrected ReviewState = "corrected"
	ReviewRejected  ReviewState = "rejected"
)

// Verdict is one device in one scan: the services on one IP that the
// evidence ties to one device. An IP whose ports point to different models
// gets one verdict per device.
type Verdict struct {
	ScanID          int64                    `json:"scan_id"`
	IP              netip.Addr               `json:"ip"`
	Ports           []string                 `json:"ports" doc:"transport/port of each service of the device"`
	Class           Class                    `json:"verdict"`
	ModelRefs       []string                 `json:"model_refs" doc:"The models the device is; more than one when the candidates cannot be told apart, none for unknown"`
	Ambiguous       bool                     `json:"ambiguous,omitempty"`
	Confidence      float64                  `json:"confidence" minimum:"0" maximum:"1"`
	FirmwareVersion string                   `json:"firmware_version,omitempty"`
	FirmwareState   FirmwareState            `json:"firmware_state"`
	Programs        map[string]ProgramStatus `json:"programs,omitempty" doc:"Per programme, the status on the observation date"`
	Candidates      []Candidate              `json:"candidates,omitempty"`
	Evidence        []Evidence               `json:"evidence,omitempty"`
	Reason          string                   `json:"reason,omitempty" doc:"Why the verdict is not what the evidence alone says, e.g. a honeypot"`
	Registry        int64                    `json:"registry_revision"`
	Matcher         string                   `json:"matcher_version"`
	Review          ReviewState              `json:"review"`
	ReviewedBy      string                   `json:"reviewed_by,omitempty"`
	// The fields below come from the device's review (ReviewService), not
	// from the match: a review outlives the run it was made on.
	ReviewedAt  time.Time `json:"reviewed_at,omitzero"`
	ReviewModel string    `json:"review_model,omitempty" doc:"The model the reviewer says the device is: the confirmed or the corrected one; after a re-match it may differ from model_refs"`
	ReviewNote  string    `json:"review_note,omitempty"`
	ReviewID    int64     `json:"review_id,omitempty"`
}

// ProgramStatus is a device's standing in one programme on the date it was
// observed; Presumed marks coverage by a programme rule rather than a
// per-model certification.
type ProgramStatus struct {
	Status        Status `json:"status,omitempty"`
	CertificateID string `json:"certificate_id,omitempty"`
	Presumed      bool   `json:"presumed,omitempty"`
}

// Candidate is a model the evidence points to, with its score: the
// evidence for it in bits (each bit doubles the odds).
type Candidate struct {
	ModelRef string  `json:"model_ref"`
	Score    float64 `json:"score" doc:"Evidence in bits"`
}

// Evidence is one predicate that matched: which, on what value, how much it
// weighed.
type Evidence struct {
	ModelRef  string  `json:"model_ref"`
	Port      string  `json:"port"`
	Field     string  `json:"field"`
	Predicate string  `json:"predicate"`
	Observed  string  `json:"observed"`
	Weight    float64 `json:"weight" doc:"Bits; negative for a predicate the device contradicts"`
}

// MatchRun is one computation of a scan's verdicts: with which registry
// revision and matcher version, when, and how many devices came out in
// each class. A scan's verdicts are those of its latest finished run.
type MatchRun struct {
	ID       int64           `json:"id"`
	ScanID   int64           `json:"scan_id"`
	Registry int64           `json:"registry_revision"`
	Matcher  string          `json:"matcher_version"`
	Started  time.Time       `json:"started"`
	Finished time.Time       `json:"finished,omitzero"`
	Devices  int64           `json:"devices"`
	Classes  map[Class]int64 `json:"classes,omitempty"`
}

// VerdictService stores the verdicts of closed scans. A run's verdicts
// are written in short transactions and replace the scan's previous
// verdicts only when the run commits, so readers never see half a run
// and a match killed midway changes nothing.
type VerdictService interface {
	// BeginMatch starts a run on a closed scan; ENOTFOUND, ECONFLICT for
	// a scan still importing or a run of the scan still live elsewhere.
	// Rows of runs whose process died are removed first.
	BeginMatch(ctx context.Context, scanID, registryRevision int64, matcher string) (VerdictWriter, error)
	// LatestMatch returns the scan's current run; ENOTFOUND when the scan
	// was never matched.
	LatestMatch(ctx context.Context, scanID int64) (*MatchRun, error)
	// Verdicts calls fn for each verdict of the scan's current run, ordered
	// by address and first port, stopping at fn's first error; ENOTFOUND.
	Verdicts(ctx context.Context, f VerdictFilter, fn func(*Verdict) error) error
}

// VerdictWriter stores the verdicts of one run.
type VerdictWriter interface {
	// Write stores a batch of verdicts in one short transaction.
	Write(ctx context.Context, batch []Verdict) error
	// Commit makes the run the scan's current one and removes the rows of
	// the run it replaces.
	Commit(ctx context.Context) (*MatchRun, error)
	// Abort removes what Write stored; safe after Commit (a no-op).
	Abort(ctx context.Context) error
}

// VerdictFilter selects verdicts of one scan.
type VerdictFilter struct {
	ScanID int64
	IP     netip.Addr // zero: every address
	Class  Class
	Page   Page
}
