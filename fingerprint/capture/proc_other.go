//go:build !unix

package capture

import "os/exec"

// ownProcessGroup leaves the default: cancellation kills nmap itself.
func ownProcessGroup(*exec.Cmd) {}
