package registry

import "net/netip"

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
	ModelRefs       []string                 `json:"model_refs,omitempty" doc:"More than one when the candidates cannot be told apart"`
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
