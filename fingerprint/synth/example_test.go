package synth_test

import (
	"fmt"
	"io"
	"strings"

	"github.com/certprint/certprint/fingerprint/synth"
	"github.com/certprint/certprint/registry"
)

// Write draws a world into any writers; ReadTruth and Evaluate score a
// scan's verdicts against its truth.
func Example() {
	var truthCSV strings.Builder
	sum, err := synth.Write(synth.Config{Seed: 1, Models: 20, Hosts: 50, Format: synth.ZGrab2}, io.Discard, io.Discard, &truthCSV)
	if err != nil {
		panic(err)
	}
	truth, err := synth.ReadTruth(strings.NewReader(truthCSV.String()))
	if err != nil {
		panic(err)
	}
	// A matcher that calls every device unknown.
	var verdicts []registry.Verdict
	for _, t := range truth {
		verdicts = append(verdicts, registry.Verdict{IP: t.IP, Ports: t.Ports, Class: registry.ClassUnknown})
	}
	rep := synth.Evaluate(truth, verdicts)
	fmt.Println(len(truth) == sum.Devices, rep.Precision, rep.Recall, rep.Confusion[registry.ClassUnknown][registry.ClassUnknown] == sum.Classes[registry.ClassUnknown])
	// Output: true 0 0 true
}
