//go:build unix

package sqlstore

import (
	"errors"
	"syscall"
)

// processExists reports whether a process with this pid exists on this
// host. Signal 0 checks without sending anything; EPERM means it exists
// under another user.
func processExists(pid int) bool {
	return !errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}
