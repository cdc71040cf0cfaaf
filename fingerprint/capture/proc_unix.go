//go:build unix

package capture

import (
	"os/exec"
	"syscall"
)

// ownProcessGroup starts nmap in a process group of its own and makes
// cancellation kill the whole group: nothing nmap started outlives a
// timeout or a Ctrl-C. A Ctrl-C at the terminal reaches certprint only,
// which then cancels the context.
func ownProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}
