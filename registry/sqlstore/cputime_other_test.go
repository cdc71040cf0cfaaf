//go:build !unix

package sqlstore_test

import "time"

// cpuTime is not measured here; benchmarks report 0 CPU per observation.
func cpuTime() time.Duration { return 0 }
