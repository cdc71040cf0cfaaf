package learn

import (
	"context"
	"fmt"
	"io"

	"github.com/certprint/certprint/importer"
	"github.com/certprint/certprint/registry"
)

// Read decodes one capture file in any import format (gzip or zstd too)
// with the scan readers, and splits it into samples, one per host. It
// stops past MaxObservations: captures of one model are small, and memory
// must not follow a file someone sent by mistake.
func Read(ctx context.Context, r io.Reader, name string, format importer.Format, opts importer.Options) ([]Sample, importer.Decoded, error) {
	var obs []registry.Observation
	d, err := importer.Decode(ctx, r, format, opts, importer.Handler{
		Observation: func(o *registry.Observation) error {
			if len(obs) == MaxObservations {
				return fmt.Errorf("more than %d observations: a capture of one device holds a handful", MaxObservations)
			}
			obs = append(obs, *o)
			return nil
		},
	})
	if err != nil {
		return nil, d, err
	}
	return SamplesByHost(name, obs), d, nil
}

// CaptureNote is the origin note of a profile captured live. It names no
// address: profiles are public registry data, and the bench's address
// says nothing about the model.
const CaptureNote = "captured from a reference device with nmap"
