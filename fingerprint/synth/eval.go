package synth

import (
	"fmt"
	"io"
	"net/netip"
	"strings"

	"github.com/certprint/certprint/registry"
)

// Classes lists the four classes in the order reports show them.
var Classes = []registry.Class{registry.ClassCertified, registry.ClassCertifiedOutOfScope, registry.ClassUncertified, registry.ClassUnknown}

// Confusion counts devices by true class (outer key) and predicted class
// (inner key). Every one of the 16 cells is present.
type Confusion map[registry.Class]map[registry.Class]int

// Report is how a scan's verdicts compare with the truth.
//
// Mapping: each truth device is mapped to the verdict on its address that
// shares the most of its ports (ties: the verdict with fewer ports, then
// the first given). The device is predicted the class of that verdict; a
// device with no verdict sharing a port is predicted unknown and counted
// as unmatched. Several devices mapped to one verdict (the matcher merged
// them) each take its class and are counted as merged. A verdict no device
// maps to (the matcher split a device, or judged an address the truth does
// not hold) is extra; an extra certified verdict is a false positive.
//
// A true positive is a device whose true class is certified, predicted
// certified, with its true model among the verdict's model refs (an
// ambiguous verdict naming the right twin counts). Precision is true
// positives over everything predicted certified (devices mapped to a
// certified verdict, plus extra certified verdicts); recall is true
// positives over devices whose true class is certified. Either is 0 when
// its denominator is.
type Report struct {
	Devices                 int       `json:"devices"`
	Verdicts                int       `json:"verdicts"`
	TruePositives           int       `json:"true_positives"`
	FalsePositives          int       `json:"false_positives"`
	FalseNegatives          int       `json:"false_negatives"`
	WrongModel              int       `json:"wrong_model"` // predicted certified with the true class certified, but not the true model
	Precision               float64   `json:"precision"`
	Recall                  float64   `json:"recall"`
	CertifiedShareTrue      float64   `json:"certified_share_true"`
	CertifiedShareEstimated float64   `json:"certified_share_estimated"`
	ShareErrorPP            float64   `json:"share_error_pp"` // estimated minus true, in percentage points
	Confusion               Confusion `json:"confusion"`
	Unmatched               int       `json:"unmatched_devices"`
	Merged                  int       `json:"merged_devices"`
	Extra                   int       `json:"extra_verdicts"`
	ExtraCertified          int       `json:"extra_certified_verdicts"`
}

// Evaluate compares verdicts with the truth.
func Evaluate(truth []Truth, verdicts []registry.Verdict) Report {
	rep := Report{Devices: len(truth), Verdicts: len(verdicts), Confusion: Confusion{}}
	for _, t := range Classes {
		rep.Confusion[t] = map[registry.Class]int{}
		for _, p := range Classes {
			rep.Confusion[t][p] = 0
		}
	}
	byIP := map[netip.Addr][]int{}
	ports := make([]map[string]bool, len(verdicts))
	for i, v := range verdicts {
		ip := v.IP.Unmap()
		byIP[ip] = append(byIP[ip], i)
		ports[i] = map[string]bool{}
		for _, p := range v.Ports {
			if c, ok := canonicalPort(p); ok {
				ports[i][c] = true
			}
		}
	}
	mapped := make([]int, len(verdicts)) // truth devices mapped to each verdict
	target := make([]int, len(truth))
	for k, t := range truth {
		best, bestShared := -1, 0
		for _, i := range byIP[t.IP.Unmap()] {
			shared := 0
			for _, p := range t.Ports {
				if ports[i][p] {
					shared++
				}
			}
			if shared > bestShared || shared == bestShared && shared > 0 && len(ports[i]) < len(ports[best]) {
				best, bestShared = i, shared
			}
		}
		target[k] = best
		if best >= 0 {
			mapped[best]++
		}
	}
	trueCertified, estCertified := 0, 0
	for k, t := range truth {
		predicted := registry.ClassUnknown
		i := target[k]
		if i < 0 {
			rep.Unmatched++
		} else {
			predicted = verdicts[i].Class
			if mapped[i] > 1 {
				rep.Merged++
			}
		}
		if !validClass(predicted) {
			predicted = registry.ClassUnknown
		}
		if validClass(t.Class) {
			rep.Confusion[t.Class][predicted]++
		}
		if t.Class == registry.ClassCertified {
			trueCertified++
		}
		if predicted != registry.ClassCertified {
			if t.Class == registry.ClassCertified {
				rep.FalseNegatives++
			}
			continue
		}
		switch {
		case t.Class == registry.ClassCertified && names(verdicts[i].ModelRefs, t.ModelRef):
			rep.TruePositives++
		case t.Class == registry.ClassCertified:
			rep.WrongModel++
			rep.FalsePositives++
			rep.FalseNegatives++
		default:
			rep.FalsePositives++
		}
	}
	for i, v := range verdicts {
		if v.Class == registry.ClassCertified {
			estCertified++
		}
		if mapped[i] == 0 {
			rep.Extra++
			if v.Class == registry.ClassCertified {
				rep.ExtraCertified++
				rep.FalsePositives++
			}
		}
	}
	rep.Precision = ratio(rep.TruePositives, rep.TruePositives+rep.FalsePositives)
	rep.Recall = ratio(rep.TruePositives, trueCertified)
	rep.CertifiedShareTrue = ratio(trueCertified, len(truth))
	rep.CertifiedShareEstimated = ratio(estCertified, len(verdicts))
	rep.ShareErrorPP = 100 * (rep.CertifiedShareEstimated - rep.CertifiedShareTrue)
	return rep
}

func validClass(c registry.Class) bool {
	switch c {
	case registry.ClassCertified, registry.ClassCertifiedOutOfScope, registry.ClassUncertified, registry.ClassUnknown:
		return true
	}
	return false
}

func names(refs []string, ref string) bool {
	if ref == "" {
		return false
	}
	for _, r := range refs {
		if r == ref {
			return true
		}
	}
	return false
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// WriteText writes the report for people: the scores, the shares and the
// confusion matrix with true classes as rows.
func (r Report) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "devices %d, verdicts %d (unmatched devices %d, merged %d, extra verdicts %d of which certified %d)\n",
		r.Devices, r.Verdicts, r.Unmatched, r.Merged, r.Extra, r.ExtraCertified)
	fmt.Fprintf(&b, "certified attribution: precision %.4f, recall %.4f (true positives %d, false positives %d, false negatives %d, wrong model %d)\n",
		r.Precision, r.Recall, r.TruePositives, r.FalsePositives, r.FalseNegatives, r.WrongModel)
	fmt.Fprintf(&b, "certified share: true %.2f %%, estimated %.2f %%, error %+.2f pp\n", 100*r.CertifiedShareTrue, 100*r.CertifiedShareEstimated, r.ShareErrorPP)
	fmt.Fprintf(&b, "%-24s", "true \\ predicted")
	for _, p := range Classes {
		fmt.Fprintf(&b, " %23s", p)
	}
	b.WriteByte('\n')
	for _, t := range Classes {
		fmt.Fprintf(&b, "%-24s", t)
		for _, p := range Classes {
			fmt.Fprintf(&b, " %23d", r.Confusion[t][p])
		}
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}
