package fingerprint

import (
	"fmt"
	"io"
	"strings"

	"github.com/certprint/certprint/registry"
)

// Explanation says why an address got its verdicts: the services seen,
// every candidate model with what each service matched and contradicted,
// and the thresholds the verdicts were decided by.
type Explanation struct {
	IP         string               `json:"ip"`
	Services   []ExplainedService   `json:"services"`
	Candidates []ExplainedCandidate `json:"candidates"`
	Verdicts   []registry.Verdict   `json:"verdicts"`
	Thresholds map[string]float64   `json:"thresholds"`
	Matcher    string               `json:"matcher_version"`
	Index      IndexStats           `json:"index"`
	Notes      []string             `json:"notes,omitempty"`
}

// ExplainedService is one service of the address as the matcher saw it.
type ExplainedService struct {
	Port     string            `json:"port"`
	Protocol string            `json:"protocol"`
	TLS      bool              `json:"tls"`
	Fields   map[string]string `json:"fields,omitempty"`
}

// ExplainedCandidate is one model the address's services pointed to.
type ExplainedCandidate struct {
	ModelRef string              `json:"model_ref"`
	Family   string              `json:"family"`
	Services []ExplainedEvidence `json:"services"`
}

// ExplainedEvidence is what a candidate's best signature said of one
// service.
type ExplainedEvidence struct {
	Port         string              `json:"port"`
	Score        float64             `json:"score"`
	Matched      []registry.Evidence `json:"matched,omitempty"`
	Contradicted []registry.Evidence `json:"contradicted,omitempty"`
}

// Explain matches the services of one address as Host does and records
// how it decided.
func (m *Matcher) Explain(obs []registry.Observation) *Explanation {
	ex := &Explanation{
		Matcher: MatcherVersion, Index: m.ix.stats,
		Thresholds: map[string]float64{
			"null_bits": m.ix.nullBits, "distinctive_bits": distinctiveBits, "min_confidence": minConfidence, "ambiguity_bits": ambiguityBits,
			"assign_bits": assignBits, "anchor_bits": anchorBits, "conflict_bits": conflictBits,
			"honeypot_families": honeypotFamilies, "honeypot_devices": honeypotDevices,
		},
	}
	if len(obs) == 0 {
		return ex
	}
	ex.IP = obs[0].IP.String()
	for i := range obs {
		o := &obs[i]
		ex.Services = append(ex.Services, ExplainedService{Port: portOf(o), Protocol: o.Protocol, TLS: o.TLS, Fields: o.Fields})
	}
	cands := m.candidates(obs)
	evals := m.evaluate(cands, obs)
	for ci, c := range cands {
		me := &m.ix.models[c]
		ec := ExplainedCandidate{ModelRef: me.model.Ref, Family: me.family}
		for i := range obs {
			e := &evals[ci*len(obs)+i]
			if !e.defined {
				continue
			}
			ee := ExplainedEvidence{Port: portOf(&obs[i]), Score: round3(e.score)}
			for _, h := range e.matched {
				ee.Matched = append(ee.Matched, m.evidenceItem(me.model.Ref, &obs[i], h.pred, h.value, m.ix.preds[h.pred].bits))
			}
			for _, h := range e.contra {
				ee.Contradicted = append(ee.Contradicted, m.evidenceItem(me.model.Ref, &obs[i], h.pred, h.value, -m.penaltyOf(h)))
			}
			ec.Services = append(ec.Services, ee)
		}
		ex.Candidates = append(ex.Candidates, ec)
	}
	if len(cands) == maxCandidates {
		ex.Notes = append(ex.Notes, fmt.Sprintf("only the %d strongest candidate models were weighed", maxCandidates))
	}
	ex.Verdicts = m.Host(obs)
	return ex
}

// Render writes the explanation for a person. Device text is quoted, so
// that a banner cannot pass for the explanation's own lines.
func (ex *Explanation) Render(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d services, %d candidate models (matcher %s)\n", ex.IP, len(ex.Services), len(ex.Candidates), ex.Matcher)
	for _, s := range ex.Services {
		tls := ""
		if s.TLS {
			tls = " tls"
		}
		fmt.Fprintf(&b, "  %s %s%s\n", s.Port, s.Protocol, tls)
		for _, name := range sortedKeys(s.Fields) {
			fmt.Fprintf(&b, "      %s = %q\n", name, s.Fields[name])
		}
	}
	for _, c := range ex.Candidates {
		fmt.Fprintf(&b, "candidate %s (family %s)\n", c.ModelRef, c.Family)
		for _, s := range c.Services {
			fmt.Fprintf(&b, "  %s: %+.1f bits\n", s.Port, s.Score)
			for _, e := range s.Matched {
				fmt.Fprintf(&b, "    + %5.1f  %s %s matches %q\n", e.Weight, e.Field, e.Predicate, e.Observed)
			}
			for _, e := range s.Contradicted {
				fmt.Fprintf(&b, "    - %5.1f  %s %s, but the device says %q\n", -e.Weight, e.Field, e.Predicate, e.Observed)
			}
		}
	}
	for _, v := range ex.Verdicts {
		fmt.Fprintf(&b, "verdict for %s: %s", strings.Join(v.Ports, " "), v.Class)
		if len(v.ModelRefs) > 0 {
			fmt.Fprintf(&b, " as %s", strings.Join(v.ModelRefs, " or "))
		}
		fmt.Fprintf(&b, ", confidence %.3f, firmware %s", v.Confidence, v.FirmwareState)
		if v.FirmwareVersion != "" {
			fmt.Fprintf(&b, " (%q)", v.FirmwareVersion)
		}
		b.WriteByte('\n')
		if v.Ambiguous {
			b.WriteString("  the candidates cannot be told apart; the device counts as certified only if all of them are\n")
		}
		if v.Reason != "" {
			fmt.Fprintf(&b, "  %s\n", v.Reason)
		}
		for _, c := range v.Candidates {
			fmt.Fprintf(&b, "  candidate %s: %.1f bits against %.0f for \"none of them\"\n", c.ModelRef, c.Score, ex.Thresholds["null_bits"])
		}
		for _, code := range sortedKeys(v.Programs) {
			p := v.Programs[code]
			switch {
			case p.Presumed:
				fmt.Fprintf(&b, "  %s: presumed covered by a programme rule\n", code)
			default:
				fmt.Fprintf(&b, "  %s: %s (%s) on the observation date\n", code, orNone(string(p.Status)), p.CertificateID)
			}
		}
	}
	for _, n := range ex.Notes {
		fmt.Fprintf(&b, "note: %s\n", n)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func orNone(s string) string {
	if s == "" {
		return "not yet issued"
	}
	return s
}
